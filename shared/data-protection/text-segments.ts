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
import { isLabelAt } from './code-words.ts';
import { mayHoldFhirPatient } from './fhir-detector.ts';
import { byteAt, decodeInto, hexDigitsOf, NOT_A_BYTE, ZERO_PAIR } from './hex-digits.ts';
import { NUMBER_SHAPES, numberShapes } from './number-shapes.ts';
import { AT, MARKS, mayEndLocalPart, numberFollowsAt, withMark } from './run-marks.ts';

export { MARKS } from './run-marks.ts';

/** One stretch of text and where its first byte is. */
export interface TextSegment {
  /** Byte offset of the text's first byte in the inspected bytes. */
  readonly offset: number;
  readonly byteLength: number;
  readonly text: string;
  /** ASCII digits in the text: numbers the digit-based detectors look for need several. */
  readonly digits: number;
  /** Which of `MARKS` the text holds (run-marks.ts). */
  readonly marks: number;
  /** Which of `NUMBER_SHAPES` its digits have (number-shapes.ts). */
  readonly shapes: number;
}

/** Fewer ASCII digits than this: no number detector can match (a telephone number has seven, a personnummer ten). */
export const MIN_CANDIDATE_DIGITS = 7;

/**
 * The shortest text a built-in detector finds: an e-mail address such as `a@b.se` (a telephone number has at least
 * seven digits, a personnummer ten, a FHIR marker eight characters). Shorter runs are never candidates.
 */
export const MIN_CANDIDATE_BYTES = 6;

/** Which segments to decode: all of them, or only those a built-in detector could match (no org patterns). */
export type SegmentChoice = 'all' | 'candidates';

/** Runs outside ABI payloads shorter than this are not read: too short to hold anything detectors look for. */
export const MIN_RUN_BYTES = 6;
/** ABI payloads considered per input, and how deep `bytes` inside `bytes` is followed. */
const MAX_PAYLOADS = 256;
const MAX_DEPTH = 3;

const decoder = new TextDecoder('utf-8');
/** Where a run's bytes are decoded before they become text; grown for a longer run. */
let runBytes = new Uint8Array(4 * 1024);

/** The text of the bytes [start, end) of hex digits (a run of well-formed UTF-8). */
function textOf(hex: Uint16Array, start: number, end: number): string {
  if (runBytes.length < end - start) runBytes = new Uint8Array(end - start);
  return decoder.decode(decodeInto(hex, start, end, runBytes));
}

/** A string as one segment (typed-data text), with what it holds read as a run's bytes are. */
export function segmentOfText(text: string): TextSegment {
  let digits = 0;
  let marks = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x30 && code <= 0x39) digits++;
    else if (code === 0x40 && i > 0 && mayEndLocalPart(text.charCodeAt(i - 1))) marks |= AT;
    else if (code === 0x2e && marks & AT) marks |= MARKS.email;
  }
  if (mayHoldFhirPatient(text)) marks |= MARKS.fhir;
  return { offset: 0, byteLength: 0, text, digits, marks: marks & ~AT, shapes: numberShapes(text) };
}

/** Whether a built-in detector could match in the segment (a superset of what they match). */
export function isCandidate(segment: Pick<TextSegment, 'digits' | 'marks' | 'shapes'>): boolean {
  return isCandidateRun(segment.digits, segment.marks, segment.shapes);
}

function isCandidateRun(digits: number, marks: number, shapes: number): boolean {
  return (digits >= MIN_CANDIDATE_DIGITS && shapes !== 0) || marks !== 0;
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

/** The text segments of `bytes` up to `end`, as `hexTextSegments` finds them in the same bytes written as hex. */
export function textSegments(
  bytes: Uint8Array,
  abiHead: number | undefined,
  choice: SegmentChoice = 'all',
  end = bytes.length,
): TextSegment[] {
  return hexTextSegments(hexDigitsOf(bytes.subarray(0, end)), 0, end, abiHead, choice);
}

/**
 * The text segments of the bytes [start, end) of hex digits (hex-digits.ts), in the order they appear, at offsets
 * from `start`. `abiHead` is where ABI head words start, from `start` (4 after a function selector), or undefined
 * when the bytes are not ABI-encoded (init code, a message). With `choice` `candidates`, segments no built-in detector
 * could match are left out before they are decoded: most transactions have none to decode.
 *
 * No byte is read twice, and most are not read at all. A run of text stops at the edge of an ABI payload: text inside
 * one is read whatever its length, text outside from `MIN_RUN_BYTES`, and the last byte of a length word (`0x31`, a
 * payload of 49 bytes, is `1`) never becomes the first character of the text after it. A pair of digits that is not
 * hex is no byte, and not text.
 */
export function hexTextSegments(
  hex: Uint16Array,
  start: number,
  end: number,
  abiHead: number | undefined,
  choice: SegmentChoice,
): TextSegment[] {
  const segments: TextSegment[] = [];
  // Edges of every payload, in order; between two edges, bytes are inside some payload or inside none.
  const count = abiHead === undefined ? 0 : payloadEdges(hex, start + abiHead, end);
  if (count === 0) {
    collectRuns(hex, start, start, end, MIN_RUN_BYTES, choice, segments);
    return segments;
  }
  const { edges } = walk;
  let depth = 0;
  let from = start;
  for (let k = 0; k < count; k++) {
    const edge = edges[k] as number;
    const at = position(edge);
    if (at > from) collectRuns(hex, start, from, at, depth > 0 ? 1 : MIN_RUN_BYTES, choice, segments);
    from = at;
    depth += edge >= 0 ? 1 : -1;
  }
  collectRuns(hex, start, from, end, MIN_RUN_BYTES, choice, segments);
  return segments;
}

/** An edge's byte position: a payload's start as itself, its end as `-end - 1`. */
function position(edge: number): number {
  return edge >= 0 ? edge : -edge - 1;
}

function byPosition(a: number, b: number): number {
  return position(a) - position(b);
}

/**
 * Finds the edges of what look like ABI dynamic payloads and puts them in order in `walk.edges`, a payload's start as
 * itself, its end as `-end - 1`; answers how many there are. The array is the module's, refilled by the next call:
 * read it before calling again (inspection is synchronous). Nothing is allocated: sorting an array, or emptying one
 * by its length, allocated more than the rest of an inspection of a call with a few string arguments.
 */
function payloadEdges(hex: Uint16Array, head: number, end: number): number {
  walk.hex = hex;
  walk.count = 0;
  walk.decodedBytes = 0;
  walk.budget = 2 * (end - head) + 1024;
  walkPayloads(head, end, 0);
  walk.hex = EMPTY;
  sortEdges(walk.edges, walk.count);
  return walk.count;
}

/**
 * Sorts the first `count` edges by position, in place and stably. Edges are found nearly in order: top-level payloads
 * in the order of their heads, payloads nested in one right after it; insertion sort does little more than read
 * them then. Many payloads (a crafted input) are sorted by the runtime instead.
 */
function sortEdges(edges: Int32Array, count: number): void {
  if (count > INSERTION_SORT_MAX) {
    edges.subarray(0, count).sort(byPosition);
    return;
  }
  for (let k = 1; k < count; k++) {
    const edge = edges[k] as number;
    const at = position(edge);
    let j = k - 1;
    while (j >= 0 && position(edges[j] as number) > at) {
      edges[j + 1] = edges[j] as number;
      j--;
    }
    edges[j + 1] = edge;
  }
}

const INSERTION_SORT_MAX = 64;
const EMPTY = new Uint16Array(0);

/** What one search for payloads shares across its levels: the module's one, reset by each search. */
const walk = {
  hex: EMPTY as Uint16Array,
  edges: new Int32Array(2 * MAX_PAYLOADS),
  count: 0,
  decodedBytes: 0,
  budget: 0,
};

function walkPayloads(base: number, end: number, depth: number): void {
  const { hex, edges } = walk;
  for (let word = base; word + 32 <= end && walk.count < edges.length; word += 32) {
    const offset = smallWord(hex, word);
    if (offset === undefined || offset === 0 || offset % 32 !== 0) continue;
    const lengthAt = base + offset;
    if (lengthAt + 32 > end) continue;
    const length = smallWord(hex, lengthAt);
    if (!length || lengthAt + 32 + length > end) continue;
    const start = lengthAt + 32;
    if (walk.decodedBytes + length > walk.budget) return;
    walk.decodedBytes += length;
    edges[walk.count++] = start;
    edges[walk.count++] = -(start + length) - 1;
    // A `bytes` argument may itself hold ABI data (a call, a multicall entry), with or without a selector.
    if (depth < MAX_DEPTH && length >= 64) {
      walkPayloads(start, start + length, depth + 1);
      if (length >= 68) walkPayloads(start + 4, start + length, depth + 1);
    }
  }
}

/**
 * A 32-byte big-endian word that fits in 32 bits, or undefined: 28 bytes `00`, then four bytes. The zeros are read
 * from the last: an address, an amount or a hash has another byte there, and is done with at the first read.
 */
function smallWord(hex: Uint16Array, at: number): number | undefined {
  for (let i = at + 27; i >= at; i--) if (hex[i] !== ZERO_PAIR) return undefined;
  let value = 0;
  for (let i = at + 28; i < at + 32; i++) {
    const byte = byteAt(hex, i);
    if (byte === NOT_A_BYTE) return undefined;
    value = value * 256 + byte;
  }
  return value;
}

/**
 * Appends every run of well-formed UTF-8 text of at least `minBytes` bytes within [from, to), at its offset from
 * `base`, reading its ASCII digits, their shapes and its marks on the way; with `choice` `candidates`, only runs a
 * built-in detector could match are decoded.
 */
function collectRuns(
  hex: Uint16Array,
  base: number,
  from: number,
  to: number,
  minBytes: number,
  choice: SegmentChoice,
  out: TextSegment[],
): void {
  // Runs shorter than `shortest` are not wanted. A byte that cannot be text ends every run across it, so when one
  // lies among the next `shortest` bytes, no wanted run starts at or before it: the scan jumps past the last such
  // byte, found from the end of that window backwards (as a string search skips ahead), and reads byte by byte only
  // where `shortest` bytes in a row may all be text. Binary words and bytecode are mostly jumped over. Whether a byte
  // can be text is decided exactly (`cannotBeText`): a lead byte of random data rarely starts a well-formed character,
  // and a window it passed would be read again from each of its bytes.
  const shortest = choice === 'candidates' ? Math.max(minBytes, MIN_CANDIDATE_BYTES) : minBytes;
  let i = from;
  while (i < to) {
    let k = i + shortest - 1;
    if (k < to) {
      while (k >= i && !cannotBeText(hex, k, from, to)) k--;
      if (k >= i) {
        i = k + 1;
        continue;
      }
    }
    const first = BYTE_CLASS[byteAt(hex, i)] as number;
    // Bytes that may be text, but do not start it here, are skipped one at a time, by table.
    if (first === NOT_TEXT || (first === LEAD && textCharWidth(hex, i, to) === 0)) {
      i++;
      continue;
    }
    const start = i;
    let digits = 0;
    let marks = 0;
    let shapes = 0;
    // The digits' shapes as `numberShapes` reads them: digits in a row up to here, the run of digits right before the
    // one `-` or `+` just before this run, whether the character before is an ASCII letter, digit, `_` or `+`; ASCII
    // letters and digits in a row and whether a character beyond ASCII is before them, whether the byte before is a
    // `-` after a code word (code-words.ts), and whether this run of digits and the run before the sign started after
    // one.
    let run = 0;
    let runBefore = 0;
    let afterWord = false;
    let word = 0;
    let wordAfterWide = false;
    let codeHyphen = false;
    let joined = false;
    let joinedBefore = false;
    while (i < to) {
      const b = byteAt(hex, i);
      const kind = BYTE_CLASS[b] as number;
      if (kind === DIGIT) {
        if (run === 0) joined = codeHyphen;
        digits++;
        run++;
        if ((run >= 10 && !joined) || (run >= 4 && runBefore >= 6 && !joinedBefore))
          shapes |= NUMBER_SHAPES.personnummer;
        if (b === 0x30 && !afterWord && numberFollowsAt(hex, i + 1, to)) shapes |= NUMBER_SHAPES.phoneStart;
        afterWord = true;
        word++;
        codeHyphen = false;
        i++;
        continue;
      }
      if (kind === NOT_TEXT) break;
      const sign = kind === SIGN;
      runBefore = sign ? run : 0;
      joinedBefore = sign && joined;
      run = 0;
      codeHyphen = b === 0x2d && word > 0 && !wordAfterWide && !isLabelAt(hex, i - word, i);
      if (kind === LEAD) {
        const width = textCharWidth(hex, i, to);
        if (width === 0) break;
        i += width;
        afterWord = false;
        word = 0;
        wordAfterWide = true;
        continue;
      }
      if (kind === WORD && b !== 0x5f) {
        word++;
      } else {
        word = 0;
        wordAfterWide = false;
      }
      if (kind === MARK) marks = withMark(marks, hex, b, start, i, to);
      else if (
        b === 0x2b &&
        !afterWord &&
        i + 1 < to &&
        BYTE_CLASS[byteAt(hex, i + 1)] === DIGIT &&
        numberFollowsAt(hex, i + 2, to)
      )
        shapes |= NUMBER_SHAPES.phoneStart;
      afterWord = kind === WORD || b === 0x2b;
      i++;
    }
    if (i - start < shortest) continue;
    marks &= ~AT;
    if (choice === 'candidates' && !isCandidateRun(digits, marks, shapes)) continue;
    out.push({ offset: start - base, byteLength: i - start, text: textOf(hex, start, i), digits, marks, shapes });
  }
}

/**
 * What a byte can be in text: not text, ASCII text, an ASCII digit, a mark (run-marks.ts), the lead byte of a UTF-8
 * character, an ASCII letter or `_` (a word character to the number shapes), or `-` or `+`.
 */
const NOT_TEXT = 0;
const ASCII = 1;
const DIGIT = 2;
const MARK = 3;
const LEAD = 4;
const WORD = 5;
const SIGN = 6;
/** By byte, and `NOT_A_BYTE` (a pair of digits that is not hex) as not text. */
const BYTE_CLASS = Uint8Array.from({ length: NOT_A_BYTE + 1 }, (_, b) => {
  if (b >= 0x30 && b <= 0x39) return DIGIT;
  if (b === 0x40 || b === 0x2e || b === 0x22 || b === 0x2f) return MARK;
  if ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f) return WORD;
  if (b === 0x2d || b === 0x2b) return SIGN;
  if ((b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d) return ASCII;
  return b >= 0xc2 && b <= 0xf4 ? LEAD : NOT_TEXT;
});

/**
 * Bytes that are in no run of text: controls other than tab and line breaks, DEL, and bytes UTF-8 never uses
 * (0xc0, 0xc1, 0xf5 and above), and `NOT_A_BYTE`. Continuation bytes are not among them: they are inside multi-byte
 * characters.
 */
const NEVER_TEXT = Uint8Array.from({ length: NOT_A_BYTE + 1 }, (_, b) =>
  (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f || b === 0xc0 || b === 0xc1 || b >= 0xf5 ? 1 : 0,
);

/**
 * Whether `bytes[k]` is in no character of text within [from, to): a byte in `NEVER_TEXT`, a lead byte that starts
 * no well-formed character, or a continuation byte that no well-formed character starting in the three bytes before
 * it (a character is at most four bytes) reaches. A byte for which this is true ends every run across it.
 */
function cannotBeText(hex: Uint16Array, k: number, from: number, to: number): boolean {
  const b = byteAt(hex, k);
  if (NEVER_TEXT[b] === 1) return true;
  if (b < 0x80) return false;
  if (b > 0xbf) return textCharWidth(hex, k, to) === 0;
  for (let j = k - 1; j >= from && j >= k - 3; j--) {
    const before = byteAt(hex, j);
    if (before >= 0xc2 && before <= 0xf4) return textCharWidth(hex, j, to) <= k - j;
    // A byte before that is not a continuation byte cannot be inside the character that reaches `k`.
    if (before < 0x80 || before > 0xbf) return true;
  }
  return true;
}

/** Bytes of the text character starting at `i` (printable ASCII, tab, CR, LF, well-formed UTF-8), or 0. */
function textCharWidth(hex: Uint16Array, i: number, end: number): number {
  const b = byteAt(hex, i);
  if (b >= 0x20 && b < 0x7f) return 1;
  if (b === 0x09 || b === 0x0a || b === 0x0d) return 1;
  if (b < 0xc2 || b > 0xf4) return 0;
  const c1 = i + 1 < end ? byteAt(hex, i + 1) : -1;
  if (b < 0xe0) return isContinuation(c1) ? 2 : 0;
  const c2 = i + 2 < end ? byteAt(hex, i + 2) : -1;
  if (b < 0xf0) {
    const low = b === 0xe0 ? 0xa0 : 0x80;
    const high = b === 0xed ? 0x9f : 0xbf;
    return c1 >= low && c1 <= high && isContinuation(c2) ? 3 : 0;
  }
  const c3 = i + 3 < end ? byteAt(hex, i + 3) : -1;
  const low = b === 0xf0 ? 0x90 : 0x80;
  const high = b === 0xf4 ? 0x8f : 0xbf;
  return c1 >= low && c1 <= high && isContinuation(c2) && isContinuation(c3) ? 4 : 0;
}

function isContinuation(byte: number): boolean {
  return byte >= 0x80 && byte <= 0xbf;
}
