/**
 * The text inside bytes that are about to go on chain (calldata, init code, a message), where detectors look.
 *
 * Two sources, with byte offsets into the original bytes:
 * - ABI-encoded dynamic values (`string`, `bytes`, arrays of them, also nested in a `bytes` argument): a head
 *   word that points at a length word followed by that many bytes in bounds is taken as a payload, and its text
 *   runs are read whatever their length;
 * - everywhere else (packed encodings, `bytes32` strings, constructor arguments and constants in init code), runs of
 *   at least `MIN_RUN_BYTES` bytes of well-formed UTF-8 text.
 *
 * Text means printable ASCII, tab and line breaks, and well-formed multi-byte UTF-8 (RFC 3629): random binary data
 * (addresses, hashes, amounts, signatures) rarely forms a run of it, which keeps detectors quiet on it. Work is
 * bounded by the length of the input: payload candidates and the bytes decoded from them are capped.
 */

/** One stretch of text and where its first byte is. */
export interface TextSegment {
  /** Byte offset of the text's first byte in the inspected bytes. */
  readonly offset: number;
  readonly byteLength: number;
  readonly text: string;
  /** ASCII digits in the text: numbers the digit-based detectors look for need several. */
  readonly digits: number;
  /** Which of `MARKS` the text holds. */
  readonly marks: number;
}

/**
 * Characters some detector needs, noted while the bytes are read so that text without them is never decoded or
 * searched: `@` (e-mail), `"` (a FHIR resource's `"resourceType"`), `/` (an identifier system's URL).
 */
export const MARKS = { at: 1, quote: 2, slash: 4 } as const;
/** Fewer ASCII digits than this and no mark: no detector but the organisation's own patterns can match. */
export const MIN_CANDIDATE_DIGITS = 7;

/** Which segments to decode: all of them, or only those a built-in detector could match (no org patterns). */
export type SegmentChoice = 'all' | 'candidates';

/** Runs outside ABI payloads shorter than this are not read: too short to hold anything detectors look for. */
export const MIN_RUN_BYTES = 6;
/** ABI payloads considered per input, and how deep `bytes` inside `bytes` is followed. */
const MAX_PAYLOADS = 256;
const MAX_DEPTH = 3;

const decoder = new TextDecoder('utf-8');

/** A string as one segment (typed-data text), with its digits and marks counted. */
export function segmentOfText(text: string): TextSegment {
  let digits = 0;
  let marks = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x30 && code <= 0x39) digits++;
    else marks |= markOf(code);
  }
  return { offset: 0, byteLength: 0, text, digits, marks };
}

/** Whether a built-in detector could match in the segment (a superset of what they match). */
export function isCandidate(segment: Pick<TextSegment, 'digits' | 'marks'>): boolean {
  return segment.digits >= MIN_CANDIDATE_DIGITS || segment.marks !== 0;
}

/** Byte offset of `text[index]` within a segment (segments are well-formed UTF-8, so this is exact). */
export function byteOffsetOf(segment: Pick<TextSegment, 'offset' | 'text'>, index: number): number {
  let bytes = 0;
  for (let i = 0; i < index; i++) {
    const code = segment.text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return segment.offset + bytes;
}

/**
 * The text segments of `bytes`. `abiHead` is where ABI head words start (4 after a function selector), or
 * undefined when the bytes are not ABI-encoded (init code, a message). With `choice` `candidates`, segments no
 * built-in detector could match are left out before they are decoded: most transactions have none to decode.
 */
export function textSegments(
  bytes: Uint8Array,
  abiHead: number | undefined,
  choice: SegmentChoice = 'all',
): TextSegment[] {
  const segments: TextSegment[] = [];
  const payloads = abiHead === undefined ? [] : abiPayloads(bytes, abiHead);
  for (const [start, end] of payloads) collectRuns(bytes, start, end, 1, choice, segments);
  if (payloads.length === 0) {
    collectRuns(bytes, 0, bytes.length, MIN_RUN_BYTES, choice, segments);
    return segments;
  }
  // Runs inside a payload were read with it; the rest of the bytes are read on their own.
  const outside: TextSegment[] = [];
  collectRuns(bytes, 0, bytes.length, MIN_RUN_BYTES, choice, outside);
  for (const segment of outside) {
    if (!insideAny(payloads, segment.offset, segment.offset + segment.byteLength)) segments.push(segment);
  }
  return segments;
}

function insideAny(ranges: ReadonlyArray<readonly [number, number]>, start: number, end: number): boolean {
  for (const [from, to] of ranges) if (start >= from && end <= to) return true;
  return false;
}

/** [start, end) byte ranges of what look like ABI dynamic payloads, outermost first. */
function abiPayloads(bytes: Uint8Array, head: number): Array<[number, number]> {
  const walk: PayloadWalk = { bytes, found: [], decodedBytes: 0, budget: 2 * bytes.length + 1024 };
  walkPayloads(walk, head, bytes.length, 0);
  return walk.found;
}

/** What one search for payloads shares across its levels (a function of its own, not a closure per input). */
interface PayloadWalk {
  readonly bytes: Uint8Array;
  readonly found: Array<[number, number]>;
  decodedBytes: number;
  readonly budget: number;
}

function walkPayloads(walk: PayloadWalk, base: number, end: number, depth: number): void {
  const { bytes, found } = walk;
  for (let word = base; word + 32 <= end && found.length < MAX_PAYLOADS; word += 32) {
    const offset = smallWord(bytes, word);
    if (offset === undefined || offset === 0 || offset % 32 !== 0) continue;
    const lengthAt = base + offset;
    if (lengthAt + 32 > end) continue;
    const length = smallWord(bytes, lengthAt);
    if (!length || lengthAt + 32 + length > end) continue;
    const start = lengthAt + 32;
    if (walk.decodedBytes + length > walk.budget) return;
    walk.decodedBytes += length;
    found.push([start, start + length]);
    // A `bytes` argument may itself hold ABI data (a call, a multicall entry), with or without a selector.
    if (depth < MAX_DEPTH && length >= 64) {
      walkPayloads(walk, start, start + length, depth + 1);
      if (length >= 68) walkPayloads(walk, start + 4, start + length, depth + 1);
    }
  }
}

/** A 32-byte big-endian word that fits in 32 bits, or undefined. */
function smallWord(bytes: Uint8Array, at: number): number | undefined {
  for (let i = at; i < at + 28; i++) if (bytes[i] !== 0) return undefined;
  return (
    (((bytes[at + 28] as number) << 24) |
      ((bytes[at + 29] as number) << 16) |
      ((bytes[at + 30] as number) << 8) |
      (bytes[at + 31] as number)) >>>
    0
  );
}

/**
 * Appends every run of well-formed UTF-8 text of at least `minBytes` bytes within [from, to), counting its ASCII
 * digits and marks on the way; with `choice` `candidates`, only runs a built-in detector could match are decoded.
 */
function collectRuns(
  bytes: Uint8Array,
  from: number,
  to: number,
  minBytes: number,
  choice: SegmentChoice,
  out: TextSegment[],
): void {
  let i = from;
  while (i < to) {
    const first = BYTE_CLASS[bytes[i] as number] as number;
    // ABI padding and binary words are skipped a byte at a time, by table.
    if (first === NOT_TEXT || (first === LEAD && textCharWidth(bytes, i, to) === 0)) {
      i++;
      continue;
    }
    const start = i;
    let digits = 0;
    let marks = 0;
    while (i < to) {
      const b = bytes[i] as number;
      const kind = BYTE_CLASS[b] as number;
      if (kind === ASCII) i++;
      else if (kind === DIGIT) {
        digits++;
        i++;
      } else if (kind === NOT_TEXT) break;
      else if (kind === LEAD) {
        const width = textCharWidth(bytes, i, to);
        if (width === 0) break;
        i += width;
      } else {
        marks |= markOf(b);
        i++;
      }
    }
    if (i - start < minBytes) continue;
    if (choice === 'candidates' && digits < MIN_CANDIDATE_DIGITS && marks === 0) continue;
    out.push({ offset: start, byteLength: i - start, text: decoder.decode(bytes.subarray(start, i)), digits, marks });
  }
}

/** What a byte can be in text: not text, ASCII text, an ASCII digit, a mark, or the lead byte of a UTF-8 character. */
const NOT_TEXT = 0;
const ASCII = 1;
const DIGIT = 2;
const MARK = 3;
const LEAD = 4;
const BYTE_CLASS = Uint8Array.from({ length: 256 }, (_, b) => {
  if (b >= 0x30 && b <= 0x39) return DIGIT;
  if (markOf(b) !== 0) return MARK;
  if ((b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d) return ASCII;
  return b >= 0xc2 && b <= 0xf4 ? LEAD : NOT_TEXT;
});

function markOf(code: number): number {
  if (code === 0x40) return MARKS.at;
  if (code === 0x22) return MARKS.quote;
  if (code === 0x2f) return MARKS.slash;
  return 0;
}

/** Bytes of the text character starting at `i` (printable ASCII, tab, CR, LF, well-formed UTF-8), or 0. */
function textCharWidth(bytes: Uint8Array, i: number, end: number): number {
  const b = bytes[i] as number;
  if (b >= 0x20 && b < 0x7f) return 1;
  if (b === 0x09 || b === 0x0a || b === 0x0d) return 1;
  if (b < 0xc2 || b > 0xf4) return 0;
  const c1 = i + 1 < end ? (bytes[i + 1] as number) : -1;
  if (b < 0xe0) return isContinuation(c1) ? 2 : 0;
  const c2 = i + 2 < end ? (bytes[i + 2] as number) : -1;
  if (b < 0xf0) {
    const low = b === 0xe0 ? 0xa0 : 0x80;
    const high = b === 0xed ? 0x9f : 0xbf;
    return c1 >= low && c1 <= high && isContinuation(c2) ? 3 : 0;
  }
  const c3 = i + 3 < end ? (bytes[i + 3] as number) : -1;
  const low = b === 0xf0 ? 0x90 : 0x80;
  const high = b === 0xf4 ? 0x8f : 0xbf;
  return c1 >= low && c1 <= high && isContinuation(c2) && isContinuation(c3) ? 4 : 0;
}

function isContinuation(byte: number): boolean {
  return byte >= 0x80 && byte <= 0xbf;
}
