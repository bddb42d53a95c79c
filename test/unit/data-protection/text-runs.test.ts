/**
 * The runs of text the inspector reads outside ABI payloads (text-segments.ts), against their definition read the
 * plainest way: from left to right, one character at a time, each character decoded by a strict UTF-8 decoder. The
 * inspector skips ahead over bytes that cannot be in text and decides that from a few bytes around each one; on bytes
 * made to confuse that (lead bytes without their continuation bytes, continuation bytes without a lead, overlong and
 * surrogate forms, characters cut off at the end), it must read exactly the runs the definition reads.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isCandidate,
  MIN_RUN_BYTES,
  segmentOfText,
  textSegments,
} from '../../../shared/data-protection/text-segments.ts';

const strict = new TextDecoder('utf-8', { fatal: true });

/** Bytes of the text character at `i`: printable ASCII, tab, line breaks, or one well-formed multi-byte character. */
function characterWidth(bytes: Uint8Array, i: number): number {
  const b = bytes[i] as number;
  if ((b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d) return 1;
  for (let width = 2; width <= 4 && i + width <= bytes.length; width++) {
    try {
      const decoded = strict.decode(bytes.subarray(i, i + width));
      if ([...decoded].length === 1 && (decoded.codePointAt(0) as number) >= 0x80) return width;
    } catch {
      // Not a character of this width.
    }
  }
  return 0;
}

/** Every run of text characters of at least `minBytes` bytes, read from the left. */
function definedRuns(bytes: Uint8Array, minBytes: number): { offset: number; text: string }[] {
  const runs: { offset: number; text: string }[] = [];
  let i = 0;
  while (i < bytes.length) {
    const start = i;
    for (let width = characterWidth(bytes, i); width > 0 && i < bytes.length; width = characterWidth(bytes, i)) {
      i += width;
    }
    if (i === start) {
      i++;
      continue;
    }
    if (i - start >= minBytes) runs.push({ offset: start, text: new TextDecoder().decode(bytes.subarray(start, i)) });
  }
  return runs;
}

const piece = fc.oneof(
  fc.constantFrom(
    [0x00],
    [0xff],
    [0x7f],
    [0x09],
    [0x41],
    [0x31],
    [0x40],
    [0x2e],
    [0x22],
    [0x2f],
    [0xc2],
    [0xe2],
    [0xf0],
    [0x80],
    [0xbf],
    [0xc0, 0x80],
    [0xed, 0xa0, 0x80],
    [0xe0, 0x80, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xc3, 0xa9],
    [0xe2, 0x82, 0xac],
    [0xf0, 0x9f, 0x9a, 0x91],
  ),
  fc.uint8Array({ minLength: 1, maxLength: 3 }).map((bytes) => [...bytes]),
  fc
    .constantFrom('Batch 2026-11-24', 'anna.berg@region.se', '19121212-1212', '°C é')
    .map((text) => [...new TextEncoder().encode(text)]),
);
const bytes = fc.array(piece, { maxLength: 40 }).map((pieces) => new Uint8Array(pieces.flat()));

describe('runs of text outside ABI payloads', () => {
  it('are the runs the definition reads, at their offsets', () => {
    fc.assert(
      fc.property(bytes, (sample) => {
        const read = textSegments(sample, undefined, 'all').map(({ offset, text }) => ({ offset, text }));
        expect(read).toEqual(definedRuns(sample, MIN_RUN_BYTES));
      }),
      { numRuns: 5_000, seed: 17 },
    );
  });

  it('leave out, when only candidates are wanted, only runs no built-in detector could match', () => {
    let candidates = 0;
    fc.assert(
      fc.property(bytes, (sample) => {
        const all = textSegments(sample, undefined, 'all');
        const wanted = textSegments(sample, undefined, 'candidates');
        candidates += wanted.length;
        for (const segment of all) {
          if (isCandidate(segmentOfText(segment.text))) expect(wanted).toContainEqual(segment);
        }
        for (const segment of wanted) expect(all).toContainEqual(segment);
      }),
      { numRuns: 2_000, seed: 17 },
    );
    expect(candidates).toBeGreaterThan(500);
  });

  it('reads a run up to a character cut off at the end', () => {
    const cut = new Uint8Array([...new TextEncoder().encode('Batch 2026-11-24 '), 0xe2, 0x82]);
    expect(textSegments(cut, undefined, 'all').map((segment) => segment.text)).toEqual(['Batch 2026-11-24 ']);
  });
});
