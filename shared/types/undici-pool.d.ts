// undici's pool in its own module (functions/gateway/upstream.ts says why); the class is the one undici exports.
declare module 'undici/lib/dispatcher/pool.js' {
  import type { Pool } from 'undici';

  const PoolClass: typeof Pool;
  type PoolClass = Pool;
  export default PoolClass;
}
