/**
 * IBFT 2.0 `extraData`, byte for byte as Besu's IbftExtraDataCodec writes it:
 *
 *   RLP([vanity (32 bytes), [validator addresses], vote, round, [committed seals]])
 *
 * where no vote is the empty byte string (0x80, RLP "null"), a vote is [recipient, 0xff] to add or
 * [recipient, 0x00] to drop, and the round is a fixed 4-byte big-endian int (round 0 is 0x8400000000).
 * A genesis block with validators v1..vn is `RLP([0x00 * 32, [v1..vn], 0x, 0x00000000, []])`, ending `…808400000000c0`
 * as in Besu's `rlp encode` docs. Kept apart from the QBFT codec on purpose: the two differ exactly where a shared
 * encoder would blur them.
 */
import type { BytesLike, RlpStructuredData } from 'ethers';
import { decodeRlp, encodeRlp, toBeHex } from 'ethers/utils';
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

const ROUND_BYTES = 4;
const DROP_VOTE_BYTE = '0x00';

/** @throws ValidationError when a field is malformed */
export function encodeIbft2ExtraData(data: BftExtraData): string {
  const fields = checkBftFields(data);
  const vote = fields.vote
    ? [fields.vote.recipient, fields.vote.kind === 'add' ? ADD_VOTE_BYTE : DROP_VOTE_BYTE]
    : '0x';
  return encodeRlp([fields.vanity, fields.validators, vote, toBeHex(fields.round, ROUND_BYTES), fields.seals]);
}

/** The genesis `extraData`, validators in the order given. */
export function ibft2GenesisExtraData(validators: readonly string[]): string {
  return encodeIbft2ExtraData(genesisExtraData(validators));
}

/** @throws ValidationError when the bytes are not IBFT 2.0 extra data */
export function decodeIbft2ExtraData(extraData: BytesLike): BftExtraData {
  const items = rlpList(decodeRoot(extraDataHex(extraData, 'IBFT 2.0')), 'extraData');
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
  if (item === '0x') return undefined;
  const fields = rlpList(item, 'vote');
  if (fields.length !== 2) throw invalid('vote', 'must be empty bytes or [recipient, kind]');
  const recipient = rlpAddress(fields[0], 'vote.recipient');
  const kind = rlpBytes(fields[1], 'vote.kind', 1);
  if (kind === ADD_VOTE_BYTE) return { recipient, kind: 'add' };
  if (kind === DROP_VOTE_BYTE) return { recipient, kind: 'drop' };
  throw invalid('vote.kind', 'must be 0xff (add) or 0x00 (drop)');
}

function decodeRound(item: RlpStructuredData | undefined): number {
  const round = Number.parseInt(rlpBytes(item, 'round', ROUND_BYTES).slice(2), 16);
  if (round > MAX_ROUND) throw invalid('round', `must not exceed ${MAX_ROUND}`);
  return round;
}
