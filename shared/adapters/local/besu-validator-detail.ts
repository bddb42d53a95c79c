/**
 * Says whether a local Besu node's key is one of its network's validators, from what the node itself reports: its
 * key's address (from `admin_nodeInfo`) and the validator set at the latest block from its consensus API. Besu
 * generates the node key on first start, so a node is a validator only when the network's validator set names it.
 */

import type { BesuNodeInfo } from '../../chain/besu/node-info.ts';
import { callJsonRpc } from '../../chain/json-rpc-call.ts';
import type { ConsensusProtocol } from '../../domain/network.ts';

const VALIDATORS_METHOD: Readonly<Record<ConsensusProtocol, string>> = {
  qbft: 'qbft_getValidatorsByBlockNumber',
  ibft2: 'ibft_getValidatorsByBlockNumber',
  clique: 'clique_getSigners',
};

/** A sentence for the node's detail; it names the address only as reported, never one that was guessed. */
export async function validatorSetDetail(
  rpcUrl: string,
  consensus: ConsensusProtocol,
  info: BesuNodeInfo,
): Promise<string> {
  const keyAddress = `Node key address ${info.nodeAddress} (from admin_nodeInfo)`;
  let validators: unknown;
  try {
    validators = await callJsonRpc(rpcUrl, VALIDATORS_METHOD[consensus], ['latest'], 1_000);
  } catch {
    return `${keyAddress}; the node did not report its network's validator set.`;
  }
  if (!Array.isArray(validators) || !validators.every((address) => typeof address === 'string')) {
    return `${keyAddress}; the node's validator set answer was not a list of addresses.`;
  }
  const isValidator = validators.some((address) => address.toLowerCase() === info.nodeAddress.toLowerCase());
  return isValidator
    ? `${keyAddress} is one of the network's ${validators.length} validators at the latest block.`
    : `${keyAddress} is not among the network's ${validators.length} validators at the latest block.`;
}
