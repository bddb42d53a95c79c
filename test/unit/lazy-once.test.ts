/**
 * `lazyOnce`: made at the first ask and kept, one making shared by asks that overlap it, and a failed making
 * forgotten so the next ask tries again (what loading a module at first use and a handler's cold start rely on).
 */
import { expect, it } from 'vitest';
import { lazyOnce } from '../../shared/lazy-once.ts';

it('makes nothing until asked, then once for every ask, overlapping asks included', async () => {
  let made = 0;
  const value = lazyOnce(async () => {
    made++;
    await new Promise((resolve) => setTimeout(resolve, 10));
    return { made };
  });
  expect(made).toBe(0);
  const [a, b] = await Promise.all([value(), value()]);
  expect(a).toBe(b);
  expect(await value()).toBe(a);
  expect(made).toBe(1);
});

it('tries again after a failure, and keeps the first success', async () => {
  let attempts = 0;
  const value = lazyOnce(async () => {
    attempts++;
    if (attempts === 1) throw new Error('not yet');
    return attempts;
  });
  await expect(value()).rejects.toThrow('not yet');
  expect(await value()).toBe(2);
  expect(await value()).toBe(2);
  expect(attempts).toBe(2);
});
