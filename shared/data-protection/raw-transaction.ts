/**
 * What the inspector needs of a signed transaction (EIP-2718 envelope: legacy, 2930, 1559, 4844 and 7702): the
 * address it calls and where its data is. The transaction's characters are copied as ASCII codes into a reused array
 * (hex-digits.ts), and the RLP list is walked in place over them (RLP's five header forms, the Ethereum Yellow Paper,
 * appendix B), reading a byte from its two digits only where a header is. The data is not decoded: the inspector
 * reads its bytes from the digits as it scans them. Tests check the address and the data against ethers'
 * `Transaction.from` for every transaction type.
 *
 * Digits are checked where they are read: the headers and the address. Digits of what the walk steps over (amounts,
 * the signature) and of the data's binary stretches, which the scan jumps over, are not: a node refuses a transaction
 * with a digit that is not hex, so nothing in it reaches the chain, and a pair that is not hex ends a run of text as
 * any binary byte does, so the data around it is read as before. A character beyond ASCII anywhere makes the
 * transaction unreadable.
 */
import { areHexPairs, byteAt, copyAscii, isEvenHex, NOT_A_BYTE, pairsOf } from './hex-digits.ts';

export interface TransactionBody {
  /** Whether the transaction deploys a contract (it has no address to call). */
  readonly deployment: boolean;
  /** Lower-case 0x address, or undefined for a deployment; made when asked for (when there is something to report). */
  readonly to: string | undefined;
  /**
   * The transaction as hex digits (hex-digits.ts), its data the bytes [`dataStart`, `dataEnd`) of them. The array is
   * reused by the next call to `transactionBody`: read it before calling again. The gateway inspects one transaction
   * at a time, synchronously, and allocates nothing per transaction for its digits.
   */
  readonly hex: Uint16Array;
  readonly dataStart: number;
  readonly dataEnd: number;
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
 * The RLP item read last by `readItem`: whether it is a list and where its payload lies, in bytes. One record for
 * the module, overwritten by each read: a transaction's walk reads up to nine items and keeps two of their positions.
 */
const item = { list: false, start: 0, end: 0 };

/**
 * The body of a signed transaction (0x hex of whole bytes), or undefined when the text is not one: not RLP of a
 * transaction type, with a digit that is not hex in a header or the address, or with a character beyond ASCII.
 */
export function transactionBody(raw: string): TransactionBody | undefined {
  if (!isEvenHex(raw)) return undefined;
  if (digits.length < raw.length) {
    digits = new Uint8Array(raw.length);
    pairs = pairsOf(digits);
  }
  if (!copyAscii(raw, digits)) return undefined;
  const length = (raw.length - 2) / 2;
  const first = txByte(0);
  if (first === NOT_A_BYTE) return undefined;
  const type = first >= 0xc0 ? 0 : first;
  const fields = FIELDS[type];
  if (!fields) return undefined;
  // The whole envelope is one list, nothing after it.
  if (!readItem(type === 0 ? 0 : 1, length) || !item.list || item.end !== length) return undefined;
  let listStart = item.start;
  const listEnd = item.end;
  // A blob transaction as the network sends it wraps the transaction in a list with its blobs.
  if (type === 3 && readItem(listStart, listEnd) && item.list) listStart = item.start;
  let toStart = 0;
  let toEnd = 0;
  let at = listStart;
  for (let index = 0; index <= fields.data; index++) {
    if (!readItem(at, listEnd)) return undefined;
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
  // Byte j of the transaction is byte j + 1 of the digits, after the `0x`.
  if (toLength === 0) return new Body(raw, -1, pairs, 1 + item.start, 1 + item.end);
  return areHexPairs(pairs, 1 + toStart, 21 + toStart)
    ? new Body(raw, 2 + 2 * toStart, pairs, 1 + item.start, 1 + item.end)
    : undefined;
}

/** The transaction being read, as hex digits, and the same read as pairs; grown for a longer one. */
let digits = new Uint8Array(16 * 1024);
let pairs = pairsOf(digits);

class Body implements TransactionBody {
  constructor(
    private readonly raw: string,
    /** Where the address's 40 digits start in `raw`, or -1 for a deployment. */
    private readonly toDigits: number,
    readonly hex: Uint16Array,
    readonly dataStart: number,
    readonly dataEnd: number,
  ) {}

  get deployment(): boolean {
    return this.toDigits < 0;
  }

  get to(): string | undefined {
    return this.toDigits < 0 ? undefined : `0x${this.raw.slice(this.toDigits, this.toDigits + 40).toLowerCase()}`;
  }
}

/** Byte `j` of the transaction being read, or `NOT_A_BYTE`. */
function txByte(j: number): number {
  return byteAt(pairs, 1 + j);
}

/** Reads the RLP item whose header is at byte `at`, within `limit`, into `item`; false when it is not RLP. */
function readItem(at: number, limit: number): boolean {
  if (at >= limit) return false;
  const head = txByte(at);
  if (head === NOT_A_BYTE) return false;
  if (head < 0x80) {
    item.list = false;
    item.start = at;
    item.end = at + 1;
    return true;
  }
  const list = head >= 0xc0;
  const short = head - (list ? 0xc0 : 0x80);
  let start: number;
  let length = 0;
  if (short <= 55) {
    start = at + 1;
    length = short;
  } else {
    const lengthBytes = short - 55;
    start = at + 1 + lengthBytes;
    if (lengthBytes > 4 || start > limit) return false;
    for (let k = at + 1; k < start; k++) {
      const byte = txByte(k);
      if (byte === NOT_A_BYTE) return false;
      length = length * 256 + byte;
    }
  }
  const end = start + length;
  if (end > limit) return false;
  item.list = list;
  item.start = start;
  item.end = end;
  return true;
}
