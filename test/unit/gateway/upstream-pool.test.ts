/**
 * The gateway imports undici's Pool module directly to keep its Lambda bundle small; this pins that module to the
 * class the package itself exports, so an undici upgrade that moves or changes it fails here.
 */
import { Pool } from 'undici';
import UndiciPool from 'undici/lib/dispatcher/pool.js';
import { expect, it } from 'vitest';

it("is undici's own exported Pool class", () => {
  expect(UndiciPool).toBe(Pool);
});
