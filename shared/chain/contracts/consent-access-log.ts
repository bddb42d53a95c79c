/**
 * The consent ledger's access log, read back: which blocks hold accesses under a pseudonym or by a grantee (the
 * ledger keeps that index so nobody scans the chain), the AccessLogged events in exactly those blocks, and the
 * counts by purpose a grantee has logged. Events are fetched in block ranges no wider than a node serves in one
 * `eth_getLogs` (Besu's default limit is 5,000 blocks); blocks close together share one request.
 */
import type { BaseContract, Log, Provider } from 'ethers';
import { ZeroHash } from 'ethers/constants';
import { zeroPadValue } from 'ethers/utils';
import { codeWord, wordCode } from '../../domain/consent.ts';
import { PURPOSES_OF_USE, type PurposeOfUse } from '../../domain/consent-codes.ts';
import { consentLedgerInterface } from './consent-ledger.ts';

/** One logged access, as the AccessLogged event tells it. */
export interface AccessRecord {
  readonly subject: string;
  readonly grantee: string;
  /** The consent that permitted it; undefined for an emergency access. */
  readonly consentId: string | undefined;
  readonly purpose: string;
  readonly resourceType: string;
  readonly emergency: boolean;
  /** Unix seconds of the block that logged it. */
  readonly loggedAt: number;
  readonly blockNumber: number;
  readonly transactionHash: string;
  readonly logIndex: number;
}

/** Widest block range one `eth_getLogs` asks for. */
export const MAX_LOG_RANGE = 1_000;

const accessLogged = consentLedgerInterface.getEvent('AccessLogged');
export const ACCESS_LOGGED_TOPIC = accessLogged?.topicHash ?? ZeroHash;

export function parseAccessLog(log: Log): AccessRecord | undefined {
  const parsed = consentLedgerInterface.parseLog(log);
  if (parsed?.name !== 'AccessLogged') return undefined;
  const { subject, grantee, consentId, purpose, resourceType, emergency, loggedAt } = parsed.args;
  return {
    subject: subject as string,
    grantee: grantee as string,
    consentId: consentId === ZeroHash ? undefined : (consentId as string),
    purpose: wordCode(purpose as string),
    resourceType: wordCode(resourceType as string),
    emergency: emergency as boolean,
    loggedAt: Number(loggedAt),
    blockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
    logIndex: log.index,
  };
}

export type AccessIndex = { readonly subject: string } | { readonly grantee: string };

/** Blocks (ascending) holding accesses under a pseudonym or by a grantee: `count` from `start`, and the total. */
export async function readAccessBlocks(
  ledger: BaseContract,
  by: AccessIndex,
  start: number,
  count: number,
): Promise<{ blocks: number[]; total: number }> {
  const [blocks, total] = (await ('subject' in by
    ? ledger.getFunction('accessBlocksOfSubject')(by.subject, start, count)
    : ledger.getFunction('accessBlocksOfGrantee')(by.grantee, start, count))) as [bigint[], bigint];
  return { blocks: blocks.map(Number), total: Number(total) };
}

/** Groups ascending block numbers into ranges no wider than MAX_LOG_RANGE. */
export function blockRanges(blocks: readonly number[]): Array<{ fromBlock: number; toBlock: number }> {
  const ranges: Array<{ fromBlock: number; toBlock: number }> = [];
  for (const block of [...blocks].sort((a, b) => a - b)) {
    const last = ranges.at(-1);
    if (last && block - last.fromBlock < MAX_LOG_RANGE) last.toBlock = block;
    else ranges.push({ fromBlock: block, toBlock: block });
  }
  return ranges;
}

/**
 * The accesses logged in `blocks` under a pseudonym, or by any of `grantees`, oldest first. Only the blocks the
 * ledger's index names are read.
 */
export async function readAccesses(
  provider: Provider,
  ledgerAddress: string,
  by: { readonly subject: string } | { readonly grantees: readonly string[] },
  blocks: readonly number[],
): Promise<AccessRecord[]> {
  const topics =
    'subject' in by
      ? [ACCESS_LOGGED_TOPIC, by.subject]
      : [ACCESS_LOGGED_TOPIC, null, by.grantees.map((grantee) => zeroPadValue(grantee, 32))];
  const wanted = new Set(blocks);
  const logs = await Promise.all(
    blockRanges(blocks).map((range) => provider.getLogs({ address: ledgerAddress, topics, ...range })),
  );
  return logs
    .flat()
    .filter((log) => wanted.has(log.blockNumber))
    .map(parseAccessLog)
    .filter((access): access is AccessRecord => access !== undefined)
    .sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}

/** How many accesses a grantee has logged, per purpose of use, and how many of them were emergencies. */
export async function readAccessCounts(
  ledger: BaseContract,
  grantee: string,
): Promise<{ byPurpose: Record<PurposeOfUse, number>; emergency: number }> {
  const [counts, emergency] = await Promise.all([
    Promise.all(
      PURPOSES_OF_USE.map(
        async (purpose) => Number(await ledger.getFunction('accessCounts')(grantee, codeWord(purpose))) as number,
      ),
    ),
    ledger.getFunction('emergencyAccessCounts')(grantee) as Promise<bigint>,
  ]);
  const byPurpose = Object.fromEntries(PURPOSES_OF_USE.map((purpose, i) => [purpose, counts[i] ?? 0])) as Record<
    PurposeOfUse,
    number
  >;
  return { byPurpose, emergency: Number(emergency) };
}
