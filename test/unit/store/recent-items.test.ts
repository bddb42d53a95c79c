/**
 * The recent items' rules: an entry answers reads until its bound, a write forgets what depends on it (one item,
 * or a partition's items under a prefix), and a read under way during such a write is not kept.
 */
import { describe, expect, it } from 'vitest';
import { RecentItems } from '../../../shared/store/recent-items.ts';

const item = { pk: 'ORG#a', sk: 'KEY#1' };

function counting<T>(value: () => T) {
  let loads = 0;
  return {
    load: async () => {
      loads++;
      return value();
    },
    get loads() {
      return loads;
    },
  };
}

describe('RecentItems', () => {
  it('answers from what it kept until the bound has passed, then reads again', async () => {
    let now = 0;
    const recent = new RecentItems({ staleMs: 1_000, now: () => now });
    const source = counting(() => 'enabled');
    await recent.read('k', () => [item], source.load);
    now = 999;
    await recent.read('k', () => [item], source.load);
    expect(source.loads).toBe(1);
    now = 1_000;
    await recent.read('k', () => [item], source.load);
    expect(source.loads).toBe(2);
  });

  it('forgets an item at once when it is written, and nothing else', async () => {
    const recent = new RecentItems();
    const key = counting(() => 'key');
    const other = counting(() => 'other');
    await recent.read('key', () => [item], key.load);
    await recent.read('other', () => [{ pk: 'ORG#a', sk: 'KEY#2' }], other.load);
    recent.written(item);
    await recent.read('key', () => [item], key.load);
    await recent.read('other', () => [{ pk: 'ORG#a', sk: 'KEY#2' }], other.load);
    expect([key.loads, other.loads]).toEqual([2, 1]);
  });

  it('forgets a listing when an item under its prefix is written, not when another kind is', async () => {
    const recent = new RecentItems();
    const nodes = counting(() => ['node']);
    const read = () => recent.read('nodes', () => [{ pk: 'ORG#a', prefix: 'NODE#' }], nodes.load);
    await read();
    recent.written({ pk: 'ORG#a', sk: 'AUDIT#2026' });
    await read();
    expect(nodes.loads).toBe(1);
    recent.written({ pk: 'ORG#a', sk: 'NODE#n1' });
    await read();
    expect(nodes.loads).toBe(2);
  });

  it('does not keep a read that a write to what it depends on overtook', async () => {
    const recent = new RecentItems();
    let state = 'enabled';
    let release = () => {};
    const slow = () =>
      recent.read(
        'k',
        () => [item],
        async () => {
          const seen = state;
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return seen;
        },
      );
    const pending = slow();
    state = 'disabled';
    recent.written(item);
    release();
    expect(await pending).toBe('enabled');
    expect(
      await recent.read(
        'k',
        () => [item],
        async () => state,
      ),
    ).toBe('disabled');
  });

  it('keeps nothing with a bound of 0', async () => {
    const recent = new RecentItems({ staleMs: 0 });
    const source = counting(() => 1);
    await recent.read('k', () => [item], source.load);
    await recent.read('k', () => [item], source.load);
    expect(source.loads).toBe(2);
  });
});
