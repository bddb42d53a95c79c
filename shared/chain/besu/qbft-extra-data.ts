/**
 * QBFT `extraData`, byte for byte as Besu's QbftExtraDataCodec writes it:
 *
 *   RLP([vanity (32 bytes), [validator addresses], vote, round, [committed seals]])
 *
 * where no vote is the empty list (0xc0), a vote is [recipient, 0xff] to add or [recipient, empty bytes] to drop,
 * and the round is an RLP scalar with no leading zeros (round 0 is the empty byte string, 0x80). A genesis block
 * with validators v1..vn is therefore `RLP([0x00 * 32, [v1..vn], [], 0x, []])`, e.g. `…c080c0` at the end.
 * These differ from IBFT 2.0 (ibft2-extra-data.ts), so each protocol has its own codec.
 */
import type { BytesLike, RlpStructuredData } from 'ethers';
import { decodeRlp, encodeRlp, toBeArray } from 'ethers/utils';
import {
  ADD_VOTE_BYTE,
  type BftExtraData,
  type BftVote,
  checkBftFields,
  extraDataHex,
  genesisExtraData,
  invalid,
  MAX_ROUND,
  rlpAddress,
  rlpBytes,
  rlpList,
  SEAL_BYTES,
  VANITY_BYTES,
} from './bft-extra-data.ts';

/** @throws ValidationError when a field is malformed */
export function encodeQbftExtraData(data: BftExtraData): string {
  const fields = checkBftFields(data);
  const vote = fields.vote ? [fields.vote.recipient, fields.vote.kind === 'add' ? ADD_VOTE_BYTE : '0x'] : [];
  return encodeRlp([fields.vanity, fields.validators, vote, toBeArray(fields.round), fields.seals]);
}

/** The genesis `extraData` for block-header validator selection, validators in the order given. */
export function qbftGenesisExtraData(validators: readonly string[]): string {
  return encodeQbftExtraData(genesisExtraData(validators));
}

/** @throws ValidationError when the bytes are not QBFT extra data */
export function decodeQbftExtraData(extraData: BytesLike): BftExtraData {
  const items = rlpList(decodeRoot(extraDataHex(extraData, 'QBFT')), 'extraData');
  if (items.length !== 5) throw invalid('extraData', `must be a list of 5 items, not ${items.length}`);
  const [vanity, validators, vote, round, seals] = items;
  return {
    vanity: rlpBytes(vanity, 'vanity', VANITY_BYTES),
    validators: rlpList(validators, 'validators').map((item, index) => rlpAddress(item, `validators[${index}]`)),
    vote: decodeVote(vote),
    round: decodeRound(round),
    seals: rlpList(seals, 'seals').map((item, index) => rlpBytes(item, `seals[${index}]`, SEAL_BYTES)),
  };
}

function decodeRoot(hex: string): RlpStructuredData {
  try {
    return decodeRlp(hex);
  } catch (cause) {
    throw invalid('extraData', 'is not valid RLP', cause);
  }
}

function decodeVote(item: RlpStructuredData | undefined): BftVote | undefined {
  const fields = rlpList(item, 'vote');
  if (fields.length === 0) return undefined;
  if (fields.length !== 2) throw invalid('vote', 'must be empty or [recipient, kind]');
  const recipient = rlpAddress(fields[0], 'vote.recipient');
  const kind = rlpBytes(fields[1], 'vote.kind');
  // Besu writes a drop as empty bytes but also reads the IBFT-style 0x00 as a drop.
  if (kind === ADD_VOTE_BYTE) return { recipient, kind: 'add' };
  if (kind === '0x' || kind === '0x00') return { recipient, kind: 'drop' };
  throw invalid('vote.kind', 'must be 0xff (add) or empty (drop)');
}

function decodeRound(item: RlpStructuredData | undefined): number {
  const bytes = rlpBytes(item, 'round');
  if (bytes.length > 2 + 8) throw invalid('round', 'must fit in 4 bytes');
  // A scalar, not a fixed-width int: Besu rejects leading zeros (that is how a 4-byte IBFT round would look).
  if (bytes.startsWith('0x00')) throw invalid('round', 'must be a scalar without leading zeros');
  const round = bytes === '0x' ? 0 : Number.parseInt(bytes.slice(2), 16);
  if (round > MAX_ROUND) throw invalid('round', `must not exceed ${MAX_ROUND}`);
  return round;
}
