/**
 * What the inspector needs of a signed transaction (EIP-2718 envelope: legacy, 2930, 1559, 4844 and 7702): the
 * address it calls and its data. ethers' RLP decoder reads the fields; the full `Transaction.from` (which also
 * checksums addresses and parses the signature) is for callers that need more, and costs several times as much
 * on the gateway's hot path. Hex is turned into bytes by Node's Buffer, a tenth of the time of ethers' `getBytes`.
 */
import { decodeRlp, type RlpStructuredData } from 'ethers';

export interface TransactionBody {
  /** Lower-case 0x address, or undefined for a deployment. */
  readonly to: string | undefined;
  readonly data: Uint8Array;
}

/** Position of `to` and `data` in each type's RLP list. */
const FIELDS: Readonly<Record<number, { readonly to: number; readonly data: number }>> = {
  0: { to: 3, data: 5 },
  1: { to: 4, data: 6 },
  2: { to: 5, data: 7 },
  3: { to: 5, data: 7 },
  4: { to: 5, data: 7 },
};

/** The body of a signed transaction (0x hex), or undefined when the bytes are not one. */
export function transactionBody(raw: string): TransactionBody | undefined {
  const bytes = hexBytes(raw);
  if (!bytes) return undefined;
  const first = bytes[0];
  if (first === undefined) return undefined;
  const type = first >= 0xc0 ? 0 : first;
  const fields = FIELDS[type];
  if (!fields) return undefined;
  let decoded: RlpStructuredData;
  try {
    decoded = decodeRlp(type === 0 ? bytes : bytes.subarray(1));
  } catch {
    // Not RLP: the node refuses it as well.
    return undefined;
  }
  // A blob transaction as the network sends it wraps the transaction in a list with its blobs.
  const list = type === 3 && Array.isArray(decoded) && Array.isArray(decoded[0]) ? decoded[0] : decoded;
  if (!Array.isArray(list)) return undefined;
  const to = list[fields.to];
  const data = list[fields.data];
  if (typeof to !== 'string' || typeof data !== 'string') return undefined;
  if (to !== '0x' && to.length !== 42) return undefined;
  return { to: to === '0x' ? undefined : to.toLowerCase(), data: hexBytes(data) ?? new Uint8Array() };
}

const HEX = /^0x(?:[0-9a-fA-F]{2})*$/;

/** 0x hex of whole bytes as bytes, or undefined for anything else. */
export function hexBytes(hex: string): Uint8Array | undefined {
  return HEX.test(hex) ? Buffer.from(hex.slice(2), 'hex') : undefined;
}
