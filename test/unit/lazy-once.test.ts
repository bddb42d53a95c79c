/**
 * `lazyOnce`: made at the first ask and kept, one making shared by asks that overlap it, and a failed making
 * forgotten so the next ask tries again (what loading a module at first use and a handler's cold start rely on).
 * `commonJsExports`: a CommonJS package's exports found on the namespace or on `default`, as each runtime puts them.
 */
import { expect, it } from 'vitest';
import { commonJsExports, lazyOnce } from '../../shared/lazy-once.ts';

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

it('reads a CommonJS package’s exports where the runtime put them, and names one that is missing', () => {
  const moduleExports = { generateNonce: () => 'n', SiweMessage: class {} };
  // Node and tsx: named exports on the namespace (tsx may leave `default` without them).
  const named = { ...moduleExports, default: {} as typeof moduleExports };
  expect(commonJsExports(named, 'generateNonce')).toBe(named);
  // A bundle's chunk: `module.exports` on `default` only.
  const bundled = { default: moduleExports } as unknown as typeof named;
  expect(commonJsExports(bundled, 'generateNonce')).toBe(moduleExports);
  expect(() => commonJsExports({ default: {} } as unknown as typeof named, 'SiweMessage')).toThrow(
    'The module loaded has no export named SiweMessage',
  );
});
