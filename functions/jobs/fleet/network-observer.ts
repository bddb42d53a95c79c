/**
 * One look at a network through the nodes the platform runs on it (never a member's own URL): which of them answer,
 * the chain's head (number, timestamp, and on QBFT the round it was sealed in, from its extraData), the validator
 * set the chain reports now (`qbft_getValidatorsByBlockNumber`), which validators proposed lately
 * (`qbft_getSignerMetrics`), and each node's Besu version (`web3_clientVersion`). A validator counts live when a
 * node the platform runs for it answers; a member's self-hosted validator counts live when the node monitor last
 * found its node healthy; a validator nobody stands behind counts as down (the safe side).
 */
import { decodeQbftExtraData } from '../../../shared/chain/besu/qbft-extra-data.ts';
import { callJsonRpc } from '../../../shared/chain/json-rpc-call.ts';
import type { Network } from '../../../shared/domain/network.ts';
import type { NetworkObservation, ValidatorObservation } from '../../../shared/domain/network-health.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';
import { askMember, type MemberAnswer } from '../../services/fleet/fleet-probe.ts';
import type { FleetMember } from '../../services/fleet/network-fleet.ts';

const VALIDATORS_METHOD = {
  qbft: 'qbft_getValidatorsByBlockNumber',
  ibft2: 'ibft_getValidatorsByBlockNumber',
  clique: 'clique_getSigners',
} as const;

export async function observeNetwork(
  network: Network,
  members: readonly FleetMember[],
  nodes: readonly NodeRecord[],
  at: string,
  timeoutMs: number,
): Promise<{ observation: NetworkObservation; answers: MemberAnswer[] }> {
  const answers = await Promise.all(members.map((member) => askMember(member, timeoutMs)));
  const answering = answers.filter((a) => a.answering);
  // One process seals every block of an anvil network: there is no consensus to judge.
  const consensusApplies = members.length > 0 && members.every((m) => m.runtime !== 'anvil');
  const best = answering.reduce<MemberAnswer | undefined>(
    (top, a) => (top && (top.blockNumber ?? 0) >= (a.blockNumber ?? 0) ? top : a),
    undefined,
  );
  const head = best?.member.rpcUrl ? await readHead(best.member.rpcUrl, best.blockNumber ?? 0, network, timeoutMs) : {};
  const validators =
    consensusApplies && best?.member.rpcUrl
      ? await readValidators(best.member.rpcUrl, network, answers, nodes, timeoutMs)
      : [];
  return {
    observation: {
      at,
      consensusApplies,
      ...(best?.blockNumber !== undefined && { headBlock: best.blockNumber }),
      ...head,
      validators,
      nodesAnswering: answering.length,
      nodesAsked: members.length,
    },
    answers,
  };
}

async function readHead(
  url: string,
  number: number,
  network: Network,
  timeoutMs: number,
): Promise<{ headTimestamp?: number; headRound?: number }> {
  const block = (await callJsonRpc(url, 'eth_getBlockByNumber', [`0x${number.toString(16)}`, false], timeoutMs).catch(
    () => undefined,
  )) as { timestamp?: string; extraData?: string } | null | undefined;
  const timestamp = block?.timestamp ? Number(block.timestamp) : undefined;
  let round: number | undefined;
  if (network.consensus === 'qbft' && block?.extraData && block.extraData !== '0x') {
    try {
      round = decodeQbftExtraData(block.extraData).round;
    } catch {
      round = undefined; // a block whose extraData is not QBFT's says nothing about rounds
    }
  }
  return {
    ...(timestamp !== undefined && Number.isSafeInteger(timestamp) && { headTimestamp: timestamp }),
    ...(round !== undefined && { headRound: round }),
  };
}

async function readValidators(
  url: string,
  network: Network,
  answers: readonly MemberAnswer[],
  nodes: readonly NodeRecord[],
  timeoutMs: number,
): Promise<ValidatorObservation[]> {
  const reported = await callJsonRpc(url, VALIDATORS_METHOD[network.consensus], ['latest'], timeoutMs).catch(
    () => undefined,
  );
  const set = (
    Array.isArray(reported) && reported.every((v) => typeof v === 'string') ? reported : network.validators
  ).map((v: string) => v.toLowerCase());
  const metrics = network.consensus === 'clique' ? undefined : await signerMetrics(url, network, timeoutMs);
  return set.map((address) => {
    const proposals = metrics?.get(address);
    const counts = proposals ? { proposedBlockCount: proposals.count, lastProposedBlock: proposals.last } : {};
    const answer = answers.find((a) => a.member.address === address);
    if (answer) {
      return {
        address,
        source: answer.member.source,
        nodeId: answer.member.nodeId,
        live: answer.answering,
        ...(answer.answering ? {} : { detail: `Its node does not answer (${answer.error ?? 'no answer'})` }),
        ...(answer.clientVersion && { clientVersion: answer.clientVersion }),
        ...counts,
      };
    }
    const own = nodes.find((n) => n.state !== 'terminated' && n.validatorAddress?.toLowerCase() === address);
    if (own) {
      const live = own.health === 'healthy' && own.state === 'running';
      return {
        address,
        source: own.hosting === 'self-hosted' ? ('self-hosted' as const) : ('managed' as const),
        nodeId: own.id,
        live,
        detail: live ? 'Its owner’s node was healthy at its last probe' : `Its node is ${own.health ?? own.state}`,
        ...counts,
      };
    }
    return {
      address,
      source: 'unknown' as const,
      live: false,
      detail: 'No node the control plane knows stands behind this validator: counted as down',
      ...counts,
    };
  });
}

/** `qbft_getSignerMetrics` (or `ibft_`): proposals per validator over Besu's default window (the last 100 blocks). */
async function signerMetrics(
  url: string,
  network: Network,
  timeoutMs: number,
): Promise<Map<string, { count: number; last: number }> | undefined> {
  const method = network.consensus === 'ibft2' ? 'ibft_getSignerMetrics' : 'qbft_getSignerMetrics';
  const answer = await callJsonRpc(url, method, [], timeoutMs).catch(() => undefined);
  if (!Array.isArray(answer)) return undefined;
  const metrics = new Map<string, { count: number; last: number }>();
  for (const entry of answer as {
    address?: unknown;
    proposedBlockCount?: unknown;
    lastProposedBlockNumber?: unknown;
  }[]) {
    if (typeof entry?.address !== 'string') continue;
    metrics.set(entry.address.toLowerCase(), {
      count: Number(entry.proposedBlockCount ?? 0),
      last: Number(entry.lastProposedBlockNumber ?? 0),
    });
  }
  return metrics;
}
