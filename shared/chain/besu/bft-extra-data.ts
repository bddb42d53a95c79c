/**
 * The content of a Besu BFT block's `extraData` (QBFT and IBFT 2.0 carry the same five fields, encoded
 * differently: see qbft-extra-data.ts and ibft2-extra-data.ts) and the checks both codecs apply to it.
 * Besu: consensus/common/bft/BftExtraData.java and Vote.java.
 */
import type { BytesLike, RlpStructuredData } from 'ethers';
import { getAddress } from 'ethers/address';
import { hexlify, isHexString } from 'ethers/utils';
import { ValidationError } from '../../errors.ts';
import { checksummedAddress } from './validator-set.ts';

export type BftVoteKind = 'add' | 'drop';

/** A validator's vote, carried by the block it proposes, to add or drop `recipient`. */
export interface BftVote {
  readonly recipient: string;
  readonly kind: BftVoteKind;
}

export interface BftExtraData {
  /** 32 bytes of free data, 0x-prefixed hex. */
  readonly vanity: string;
  /** Checksummed addresses, in the order they are encoded. */
  readonly validators: readonly string[];
  readonly vote: BftVote | undefined;
  /** The consensus round the block was agreed in; 0 in the genesis block. */
  readonly round: number;
  /** Committed seals, 65 bytes each (r ‖ s ‖ recovery id), 0x-prefixed hex; none in the genesis block. */
  readonly seals: readonly string[];
}

export const VANITY_BYTES = 32;
export const SEAL_BYTES = 65;
export const ZERO_VANITY = `0x${'00'.repeat(VANITY_BYTES)}`;
/** Besu reads the round into a signed 32-bit Java int. */
export const MAX_ROUND = 0x7fff_ffff;
/** Vote.ADD_BYTE_VALUE; a drop is 0x00 (IBFT 2.0) or the empty byte string (QBFT). */
export const ADD_VOTE_BYTE = '0xff';

/** What a genesis block carries: the validators and nothing else (Besu `encodeFromAddresses`). */
export function genesisExtraData(validators: readonly string[]): BftExtraData {
  return { vanity: ZERO_VANITY, validators, vote: undefined, round: 0, seals: [] };
}

/** The fields as lower-case hex ready for RLP, or a ValidationError naming the bad field. */
export function checkBftFields(data: BftExtraData): {
  vanity: string;
  validators: string[];
  vote: { recipient: string; kind: BftVoteKind } | undefined;
  round: number;
  seals: string[];
} {
  if (!isHexString(data.vanity, VANITY_BYTES)) {
    throw invalid('vanity', `must be ${VANITY_BYTES} bytes of hex`);
  }
  if (!Number.isSafeInteger(data.round) || data.round < 0 || data.round > MAX_ROUND) {
    throw invalid('round', `must be an integer from 0 to ${MAX_ROUND}`);
  }
  const seals = data.seals.map((seal, index) => {
    if (!isHexString(seal, SEAL_BYTES)) throw invalid(`seals[${index}]`, `must be ${SEAL_BYTES} bytes of hex`);
    return seal.toLowerCase();
  });
  const vote = data.vote && {
    recipient: checksummedAddress(data.vote.recipient, 'vote.recipient').toLowerCase(),
    kind: data.vote.kind,
  };
  if (vote && vote.kind !== 'add' && vote.kind !== 'drop') throw invalid('vote.kind', 'must be add or drop');
  return {
    vanity: data.vanity.toLowerCase(),
    validators: data.validators.map((v, index) => checksummedAddress(v, `validators[${index}]`).toLowerCase()),
    vote,
    round: data.round,
    seals,
  };
}

/** Raw extraData bytes as hex, refusing what cannot be BFT extra data at all. */
export function extraDataHex(extraData: BytesLike, codec: string): string {
  if (typeof extraData === 'string' && !isHexString(extraData)) {
    throw new ValidationError(`${codec} extraData must be 0x-prefixed hex`, [
      { path: 'extraData', message: 'not hex' },
    ]);
  }
  const hex = hexlify(extraData);
  if (hex === '0x') {
    throw new ValidationError(`${codec} extraData is empty`, [{ path: 'extraData', message: 'empty' }]);
  }
  return hex;
}

export function invalid(path: string, message: string, cause?: unknown): ValidationError {
  return new ValidationError(`extraData ${path} ${message}`, [{ path, message }], { cause });
}

/** An RLP list item, or a ValidationError naming where the list was expected. */
export function rlpList(item: RlpStructuredData | undefined, path: string): RlpStructuredData[] {
  if (!Array.isArray(item)) throw invalid(path, 'must be an RLP list');
  return item;
}

/** An RLP byte string (0x-prefixed lower-case hex), optionally of an exact length. */
export function rlpBytes(item: RlpStructuredData | undefined, path: string, length?: number): string {
  if (typeof item !== 'string') throw invalid(path, 'must be an RLP byte string');
  if (length !== undefined && (item.length - 2) / 2 !== length) throw invalid(path, `must be ${length} bytes`);
  return item.toLowerCase();
}

export function rlpAddress(item: RlpStructuredData | undefined, path: string): string {
  return getAddress(rlpBytes(item, path, 20));
}
