/**
 * Carries a validator change into QBFT consensus on the Besu runtime: every managed validator node of the network
 * proposes the vote (`qbft_proposeValidatorVote`), and the change counts as done only when a node reports the new
 * set (`qbft_getValidatorsByBlockNumber`). Besu applies a change once more than half of the validators voted for
 * it, so when the managed validators alone are not enough the change waits for the self-hosted ones, and the
 * execution record says so. After the change shows, the nodes discard their vote so it is not cast again.
 */
import { callJsonRpc } from '../../../shared/chain/json-rpc-call.ts';
import { PlatformError } from '../../../shared/errors.ts';

export interface QbftNode {
  readonly nodeId: string;
  readonly rpcUrl: string;
}

export interface QbftVoteOutcome {
  readonly confirmed: boolean;
  /** The validator set as a node last reported it (lower-case, as Besu answers). */
  readonly validators: readonly string[];
  readonly blockNumber: number | undefined;
  readonly votedBy: readonly string[];
  readonly failures: readonly { readonly nodeId: string; readonly error: string }[];
}

/** A validator-vote step that did not go through. */
export class QbftCallError extends PlatformError {}

/** One call to a validator node; a failure is the node's, reported as QbftCallError with the reason. */
async function qbftCall(url: string, method: string, params: unknown[]): Promise<unknown> {
  try {
    return await callJsonRpc(url, method, params, 5_000);
  } catch (error) {
    throw new QbftCallError((error as Error).message, { cause: error });
  }
}

/** The validator set at the latest block, as the first node that answers reports it. */
export async function readQbftValidators(
  nodes: readonly QbftNode[],
): Promise<{ validators: string[]; blockNumber: number }> {
  const errors: string[] = [];
  for (const node of nodes) {
    try {
      const [validators, head] = await Promise.all([
        qbftCall(node.rpcUrl, 'qbft_getValidatorsByBlockNumber', ['latest']),
        qbftCall(node.rpcUrl, 'eth_blockNumber', []),
      ]);
      if (!Array.isArray(validators) || !validators.every((v) => typeof v === 'string')) {
        throw new QbftCallError('qbft_getValidatorsByBlockNumber did not answer a list of addresses');
      }
      return { validators: validators.map((v: string) => v.toLowerCase()), blockNumber: Number(head) };
    } catch (error) {
      errors.push(`${node.nodeId}: ${(error as Error).message}`);
    }
  }
  throw new QbftCallError(`No validator node reported the validator set (${errors.join('; ') || 'no nodes'})`);
}

/**
 * Has every node vote for the change and waits (bounded) for the set to show it. Throws when no node accepted
 * the vote; answers `confirmed: false` when the votes are in but the set has not changed yet.
 */
export async function voteValidatorChange(
  nodes: readonly QbftNode[],
  address: string,
  add: boolean,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<QbftVoteOutcome> {
  const target = address.toLowerCase();
  const done = (set: readonly string[]) => set.includes(target) === add;
  const votedBy: string[] = [];
  const failures: { nodeId: string; error: string }[] = [];
  await Promise.all(
    nodes.map(async (node) => {
      try {
        await qbftCall(node.rpcUrl, 'qbft_proposeValidatorVote', [address, add]);
        votedBy.push(node.nodeId);
      } catch (error) {
        failures.push({ nodeId: node.nodeId, error: (error as Error).message });
      }
    }),
  );
  if (votedBy.length === 0) {
    throw new QbftCallError(`No validator node took the vote: ${failures.map((f) => f.error).join('; ') || 'none'}`);
  }

  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let seen = await readQbftValidators(nodes);
  while (!done(seen.validators) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
    seen = await readQbftValidators(nodes);
  }
  const confirmed = done(seen.validators);
  if (confirmed) {
    await Promise.all(
      nodes
        .filter((node) => votedBy.includes(node.nodeId))
        .map((node) => qbftCall(node.rpcUrl, 'qbft_discardValidatorVote', [address]).catch(() => undefined)),
    );
  }
  return { confirmed, validators: seen.validators, blockNumber: seen.blockNumber, votedBy, failures };
}

/** Withdraws the nodes' pending vote on `address` (a change refused while its vote was still under way). */
export async function discardValidatorVotes(nodes: readonly QbftNode[], address: string): Promise<void> {
  await Promise.all(
    nodes.map((node) => qbftCall(node.rpcUrl, 'qbft_discardValidatorVote', [address]).catch(() => undefined)),
  );
}
