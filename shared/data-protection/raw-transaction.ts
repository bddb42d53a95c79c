/**
 * What the inspector needs of a signed transaction (EIP-2718 envelope: legacy, 2930, 1559, 4844 and 7702): the
 * address it calls and its data. The RLP list is walked in place over the bytes to reach those two fields (RLP's
 * five header forms, the Ethereum Yellow Paper, appendix B), without copying or converting the other fields:
 * ethers' `decodeRlp`, which turns every field into a hex string, was three quarters of the inspector's time on the
 * gateway's hot path. Tests check it against ethers' `Transaction.from` for every transaction type. Hex is turned
 * into bytes by Node's Buffer, a tenth of the time of ethers' `getBytes`.
 */

export interface TransactionBody {
  /** Lower-case 0x address, or undefined for a deployment. */
  readonly to: string | undefined;
  /**
   * The data, as a view of a buffer the next call to `transactionBody` reuses: read it before calling again. The
   * gateway inspects one transaction at a time, synchronously, and allocates nothing per transaction for its bytes.
   */
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

/**
 * The RLP item read last by `readItem`: whether it is a list and where its payload lies. One record for the
 * module, overwritten by each read: a transaction's walk reads up to nine items and keeps two of their positions.
 */
const item = { list: false, start: 0, end: 0 };

/** The body of a signed transaction (0x hex), or undefined when the bytes are not one. */
export function transactionBody(raw: string): TransactionBody | undefined {
  const bytes = hexIntoScratch(raw);
  if (!bytes) return undefined;
  const first = bytes[0];
  if (first === undefined) return undefined;
  const type = first >= 0xc0 ? 0 : first;
  const fields = FIELDS[type];
  if (!fields) return undefined;
  // The whole envelope is one list, nothing after it.
  if (!readItem(bytes, type === 0 ? 0 : 1, bytes.length) || !item.list || item.end !== bytes.length) return undefined;
  let listStart = item.start;
  const listEnd = item.end;
  // A blob transaction as the network sends it wraps the transaction in a list with its blobs.
  if (type === 3 && readItem(bytes, listStart, listEnd) && item.list) listStart = item.start;
  let toStart = 0;
  let toEnd = 0;
  let at = listStart;
  for (let index = 0; index <= fields.data; index++) {
    if (!readItem(bytes, at, listEnd)) return undefined;
    if (index === fields.to) {
      if (item.list) return undefined;
      toStart = item.start;
      toEnd = item.end;
    }
    at = item.end;
  }
  if (item.list) return undefined;
  const toLength = toEnd - toStart;
  if (toLength !== 0 && toLength !== 20) return undefined;
  return {
    to: toLength === 0 ? undefined : `0x${bytes.toString('hex', toStart, toEnd)}`,
    data: bytes.subarray(item.start, item.end),
  };
}

/** Reads the RLP item whose header is at `at`, within `limit`, into `item`; false when the bytes are not RLP. */
function readItem(bytes: Buffer, at: number, limit: number): boolean {
  if (at >= limit) return false;
  const head = bytes[at] as number;
  if (head < 0x80) {
    item.list = false;
    item.start = at;
    item.end = at + 1;
    return true;
  }
  const list = head >= 0xc0;
  const short = head - (list ? 0xc0 : 0x80);
  let start: number;
  let length: number;
  if (short <= 55) {
    start = at + 1;
    length = short;
  } else {
    const lengthBytes = short - 55;
    start = at + 1 + lengthBytes;
    if (lengthBytes > 4 || start > limit) return false;
    length = bytes.readUIntBE(at + 1, lengthBytes);
  }
  const end = start + length;
  if (end > limit) return false;
  item.list = list;
  item.start = start;
  item.end = end;
  return true;
}

/**
 * 0x hex of whole bytes as bytes, or undefined for anything else. Buffer stops decoding at the first pair that is
 * not hex, so a decoded length short of half the digits is the check (no regular expression over the input).
 */
export function hexBytes(hex: string): Buffer | undefined {
  if (!isEvenHex(hex)) return undefined;
  const bytes = Buffer.from(hex.slice(2), 'hex');
  return bytes.length * 2 === hex.length - 2 ? bytes : undefined;
}

/** The same, decoded into the module's scratch buffer (grown when a transaction needs more). */
let scratch = Buffer.allocUnsafe(16 * 1024);
function hexIntoScratch(hex: string): Buffer | undefined {
  if (!isEvenHex(hex)) return undefined;
  const length = (hex.length - 2) / 2;
  if (scratch.length < length) scratch = Buffer.allocUnsafe(length);
  return scratch.write(hex.slice(2), 0, length, 'hex') === length ? scratch.subarray(0, length) : undefined;
}

function isEvenHex(hex: string): boolean {
  return hex.length % 2 === 0 && hex.charCodeAt(0) === 0x30 && hex.charCodeAt(1) === 0x78;
}
