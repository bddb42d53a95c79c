/**
 * Asking a node the platform runs on a network for its head and its Besu version (`web3_clientVersion`), with a
 * deadline: what the network-health monitor, the upgrade runner and an upgrade's planning read of each node.
 */
import { callJsonRpc, withoutEndpoints } from '../../../shared/chain/json-rpc-call.ts';
import type { FleetMember } from './network-fleet.ts';

export interface MemberAnswer {
  readonly member: FleetMember;
  readonly answering: boolean;
  readonly blockNumber?: number;
  readonly clientVersion?: string;
  readonly error?: string;
}

/** Asks one member for its head and version. */
export async function askMember(member: FleetMember, timeoutMs: number): Promise<MemberAnswer> {
  if (!member.rpcUrl) return { member, answering: false, error: 'not serving' };
  try {
    const [head, version] = await Promise.all([
      callJsonRpc(member.rpcUrl, 'eth_blockNumber', [], timeoutMs),
      callJsonRpc(member.rpcUrl, 'web3_clientVersion', [], timeoutMs).catch(() => undefined),
    ]);
    const blockNumber = Number(head);
    if (!Number.isSafeInteger(blockNumber)) return { member, answering: false, error: 'no block number' };
    return { member, answering: true, blockNumber, ...(typeof version === 'string' && { clientVersion: version }) };
  } catch (error) {
    return { member, answering: false, error: withoutEndpoints((error as Error).message) };
  }
}
