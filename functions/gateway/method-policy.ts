/**
 * Which JSON-RPC methods a tenant may call through the gateway. Three layers, all data:
 *
 * 1. Namespaces no tenant ever reaches, whatever the plan: node administration and debugging, keys held by the
 *    node, mining and consensus (QBFT, IBFT, Clique), permissioning, the mempool, and the dev-chain methods that
 *    rewrite history (anvil_, evm_, hardhat_) — on the anvil runtime every organisation shares one chain.
 * 2. Default-deny: only the public read/submit namespaces are offered at all, minus single methods that sign with
 *    keys held by the node (tenants sign with their own keys) or need a WebSocket.
 * 3. A plan may narrow that further with an allow-list of method names or `namespace_*` patterns; it can never
 *    widen it.
 *
 * A refused call is answered with -32601 (as Infura and Alchemy do for methods they do not offer), with
 * `data.reason` saying which layer refused it.
 */

export const BLOCKED_NAMESPACES: readonly string[] = [
  'admin',
  'debug',
  'personal',
  'miner',
  'qbft',
  'clique',
  'ibft',
  'perm',
  'txpool',
  'anvil',
  'evm',
  'hardhat',
  'engine',
  'plugins',
  'priv',
  'eea',
];

export const OFFERED_NAMESPACES: readonly string[] = ['eth', 'net', 'web3'];

/** Methods of offered namespaces that are still refused. */
export const BLOCKED_METHODS: readonly string[] = [
  'eth_sign',
  'eth_signTransaction',
  'eth_sendTransaction',
  'eth_signTypedData',
  'eth_signTypedData_v3',
  'eth_signTypedData_v4',
  'eth_subscribe',
  'eth_unsubscribe',
  'eth_submitWork',
  'eth_submitHashrate',
  'eth_getWork',
];

export type MethodRefusal = 'blocked' | 'not-offered' | 'not-in-plan';

export type MethodDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: MethodRefusal };

const ALLOWED: MethodDecision = { allowed: true };

export function namespaceOf(method: string): string {
  const underscore = method.indexOf('_');
  return underscore === -1 ? method : method.slice(0, underscore);
}

/** `planAllowList` undefined means the plan adds no restriction. */
export function checkMethod(method: string, planAllowList?: readonly string[]): MethodDecision {
  const namespace = namespaceOf(method);
  if (BLOCKED_NAMESPACES.includes(namespace) || BLOCKED_METHODS.includes(method)) {
    return { allowed: false, reason: 'blocked' };
  }
  if (!OFFERED_NAMESPACES.includes(namespace) || namespace === method) return { allowed: false, reason: 'not-offered' };
  if (!inPlan(method, planAllowList)) return { allowed: false, reason: 'not-in-plan' };
  return ALLOWED;
}

/** Whether a plan's allow-list (undefined: no restriction) lets `method` through. */
export function inPlan(method: string, planAllowList?: readonly string[]): boolean {
  return !planAllowList || planAllowList.some((entry) => matches(entry, method));
}

function matches(entry: string, method: string): boolean {
  return entry.endsWith('_*') ? method.startsWith(entry.slice(0, -1)) : entry === method;
}
