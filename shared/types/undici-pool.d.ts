// undici's `Pool` module on its own. The package's entry also loads fetch, WebSocket, EventSource, caches and
// mocks (about 330 KiB more in a minified Lambda bundle) that the gateway never uses; undici publishes no
// `exports` map, so the module is reachable, and test/unit/gateway/upstream-pool.test.ts checks it is the very
// class the package exports, so an upgrade that moves it fails there rather than at run time.
declare module 'undici/lib/dispatcher/pool.js' {
  import type { Pool } from 'undici';

  const PoolClass: typeof Pool;
  export default PoolClass;
}
