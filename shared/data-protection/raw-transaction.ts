/**
 * What the inspector needs of a signed transaction (EIP-2718 envelope: legacy, 2930, 1559, 4844 and 7702): the
 * address it calls and its data. The RLP list is walked in place over the hex the gateway received (RLP's five
 * header forms, the Ethereum Yellow Paper, appendix B), reading a byte from its two hex digits only where a header
 * is; only the data is turned into bytes, into a reused buffer. Decoding the whole transaction first (ethers'
 * `decodeRlp`, then Node's hex decoder over every byte) was most of the inspector's time inside the gateway, where
 * the call is one among many and caches are cold. Tests check it against ethers' `Transaction.from` for every
 * transaction type.
 */

export interface TransactionBody {
  /** Whether the transaction deploys a contract (it has no address to call). */
  readonly deployment: boolean;
  /** Lower-case 0x address, or undefined for a deployment; made when asked for (when there is something to report). */
  readonly to: string | undefined;
  /**
   * The data: the first `dataLength` bytes of `buffer`, which the next call to `transactionBody` reuses: read them
   * before calling again. The gateway inspects one transaction at a time, synchronously, and allocates nothing per
   * transaction for its bytes.
   */
  readonly buffer: Uint8Array;
  readonly dataLength: number;
  /** The same bytes as a view of their own length, made when asked for. */
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
 * The RLP item read last by `readItem`: whether it is a list and where its payload lies, in bytes. One record for
 * the module, overwritten by each read: a transaction's walk reads up to nine items and keeps two of their positions.
 */
const item = { list: false, start: 0, end: 0 };

/**
 * The body of a signed transaction (0x hex of whole bytes), or undefined when the text is not one: not RLP of a
 * transaction type, or with a digit that is not hex in a header, the address or the data.
 */
export function transactionBody(raw: string): TransactionBody | undefined {
  if (!isEvenHex(raw)) return undefined;
  const length = (raw.length - 2) / 2;
  const first = byteAt(raw, 0);
  if (first < 0) return undefined;
  const type = first >= 0xc0 ? 0 : first;
  const fields = FIELDS[type];
  if (!fields) return undefined;
  // The whole envelope is one list, nothing after it.
  if (!readItem(raw, type === 0 ? 0 : 1, length) || !item.list || item.end !== length) return undefined;
  let listStart = item.start;
  const listEnd = item.end;
  // A blob transaction as the network sends it wraps the transaction in a list with its blobs.
  if (type === 3 && readItem(raw, listStart, listEnd) && item.list) listStart = item.start;
  let toStart = 0;
  let toEnd = 0;
  let at = listStart;
  for (let index = 0; index <= fields.data; index++) {
    if (!readItem(raw, at, listEnd)) return undefined;
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
  // The data's digits are checked as it is decoded and the address's here. Digits of fields the walk steps over
  // (amounts, the signature) are not read: a node refuses a transaction with one that is not hex, and nothing in
  // them is inspected.
  const dataLength = hexIntoScratch(raw, 2 + 2 * item.start, 2 + 2 * item.end);
  if (dataLength < 0) return undefined;
  if (toLength === 0) return new Body(raw, -1, scratchBytes, dataLength);
  const toDigits = 2 + 2 * toStart;
  return areHexDigits(raw, toDigits, toDigits + 40) ? new Body(raw, toDigits, scratchBytes, dataLength) : undefined;
}

class Body implements TransactionBody {
  constructor(
    private readonly raw: string,
    /** Where the address's 40 digits start in `raw`, or -1 for a deployment. */
    private readonly toDigits: number,
    readonly buffer: Uint8Array,
    readonly dataLength: number,
  ) {}

  get deployment(): boolean {
    return this.toDigits < 0;
  }

  get data(): Uint8Array {
    return this.buffer.subarray(0, this.dataLength);
  }

  get to(): string | undefined {
    return this.toDigits < 0 ? undefined : `0x${this.raw.slice(this.toDigits, this.toDigits + 40).toLowerCase()}`;
  }
}

/** Reads the RLP item whose header is at byte `at`, within `limit`, into `item`; false when it is not RLP. */
function readItem(hex: string, at: number, limit: number): boolean {
  if (at >= limit) return false;
  const head = byteAt(hex, at);
  if (head < 0) return false;
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
      const byte = byteAt(hex, k);
      if (byte < 0) return false;
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

/** The value of each ASCII hex digit, -1 for every other character code below 128. */
const DIGIT_VALUE = Int8Array.from({ length: 128 }, (_, code) => {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  return -1;
});

function digitValue(code: number): number {
  return code < 128 ? (DIGIT_VALUE[code] as number) : -1;
}

/** Byte `index` of 0x hex, or -1 when either of its digits is not hex. */
function byteAt(hex: string, index: number): number {
  const high = digitValue(hex.charCodeAt(2 + 2 * index));
  const low = digitValue(hex.charCodeAt(3 + 2 * index));
  return (high | low) < 0 ? -1 : (high << 4) | low;
}

function areHexDigits(hex: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (digitValue(hex.charCodeAt(i)) < 0) return false;
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

/**
 * The hex digits [from, to) decoded into the module's scratch buffer (grown when a transaction needs more), as the
 * number of bytes, or -1 when a digit is not hex.
 */
let scratch = Buffer.allocUnsafe(16 * 1024);
/** The scratch buffer as a plain view: a view per transaction would be an allocation per transaction. */
let scratchBytes = new Uint8Array(scratch.buffer, scratch.byteOffset, scratch.length);
function hexIntoScratch(hex: string, from: number, to: number): number {
  const length = (to - from) / 2;
  if (scratch.length < length) {
    scratch = Buffer.allocUnsafe(length);
    scratchBytes = new Uint8Array(scratch.buffer, scratch.byteOffset, scratch.length);
  }
  // Written from the start of the buffer, which holds the data whole: `write(string, encoding)` skips the checks of
  // an offset and a length, which showed in profiles of the gateway.
  if (length > 0 && scratch.write(hex.slice(from, to), 'hex') !== length) return -1;
  return length;
}

function isEvenHex(hex: string): boolean {
  return hex.length % 2 === 0 && hex.charCodeAt(0) === 0x30 && hex.charCodeAt(1) === 0x78;
}
