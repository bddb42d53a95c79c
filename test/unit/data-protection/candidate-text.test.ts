/**
 * The inspector's shortcut: without organisation patterns it decodes and searches only the text a built-in
 * detector could match (enough ASCII digits for a number, an `@`, a `"` or a `/`), counted while the bytes are
 * read. The shortcut must never hide anything: on generated calldata full of near-misses and real personal data,
 * in ABI strings, nested bytes and raw runs, every text a detector matches in passes it, and inspecting with it
 * finds exactly what reading every run of text finds.
 */
import { AbiCoder, getBytes, hexlify, Interface, toUtf8Bytes } from 'ethers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findEmailAddresses,
  findPhoneNumbers,
  MAY_HOLD_NUMBER,
  MIN_PHONE_DIGITS,
  searchPhoneNumbers,
} from '../../../shared/data-protection/contact-detectors.ts';
import { findFhirPatients } from '../../../shared/data-protection/fhir-detector.ts';
import { byteAt, hexPairsOf } from '../../../shared/data-protection/hex-digits.ts';
import { NUMBER_SHAPES, numberShapes } from '../../../shared/data-protection/number-shapes.ts';
import { PersonalDataScanner } from '../../../shared/data-protection/personal-data-scanner.ts';
import {
  findPersonnummer,
  searchPersonnummer,
  segmentOfCode,
} from '../../../shared/data-protection/personnummer-detector.ts';
import {
  isCandidate,
  MARKS,
  MIN_CANDIDATE_BYTES,
  MIN_CANDIDATE_DIGITS,
  segmentOfText,
  textSegments,
} from '../../../shared/data-protection/text-segments.ts';

const inspector = new PersonalDataScanner();
await inspector.prepare();
/** A pattern that matches nothing generated here: it makes the inspector read every run of text. */
const readEverything = await inspector.compilePatterns([{ id: 'p1', name: 'never', pattern: 'QQQ-NEVER-QQQ' }]);
const abi = new Interface(['function record(string note, bytes extra, uint256 at)']);
const CONTRACT = '0x5fbdb2315678afecb367f032d93f642f64180aa3';

const fragments = [
  '19121212-1212',
  '191212-1212',
  '121212+1212',
  '0808081236',
  '070-123 45 67',
  '+46 8 123 456 78',
  'anna.berg@region.se',
  '@',
  '"resourceType":"Patient"',
  'http://electronichealth.se/identifier/personnummer',
  'urn:oid:1.2.752.129.2.1.3.1',
  'LOT-20261124-0017',
  '2026-11-24',
  '0x5fbdb2315678afecb367f032d93f642f64180aa3',
  'Batch released ',
  '/',
  '"',
  '1234567',
  'Å ö é 🚑',
  ' ',
];
/** Words that make the digits after them a code, or name them (labels), with their hyphen. */
const CODE_WORDS = [
  'LOT-',
  'REF-',
  'x-',
  'A7-',
  'pnr-',
  'PNR-',
  'Personnummer-',
  'ssn-',
  'é-',
  'Ölund-',
  '𝐀-',
  'x_-',
  '--',
];
const text = fc
  .array(fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 8 })), { maxLength: 12 })
  .map((parts) => parts.join(''));
const binary = fc.uint8Array({ maxLength: 48 });
/** Digits of a personnummer's shape after code words and labels. */
const coded = fc
  .array(
    fc.oneof(
      fc.constantFrom(...CODE_WORDS, '121212-1212', '19121212-1212', '1212121212', '20261124-0042', ' ', '-', '+'),
      fc.stringMatching(/^[0-9a-z_-]{0,6}$/),
    ),
    { maxLength: 6 },
  )
  .map((parts) => parts.join(''));

describe('the candidate shortcut', () => {
  it('reads text with as few digits as the shortest telephone number', () => {
    expect(MIN_CANDIDATE_DIGITS).toBeLessThanOrEqual(MIN_PHONE_DIGITS);
  });

  it('reads text with a FHIR marker, and leaves out text with its marks and no marker', () => {
    for (const marked of [
      '"resourceType":"Person"',
      'system urn:oid:1.2.752.129.2.1.3.1',
      'see HTTP://ElectronicHealth.SE/identifier/personnummer',
    ]) {
      expect(findFhirPatients(marked)).toHaveLength(1);
      expect(isCandidate(segmentOfText(marked))).toBe(true);
      expect(textSegments(toUtf8Bytes(marked), undefined, 'candidates').map((s) => s.text)).toEqual([marked]);
    }
    for (const unmarked of [
      '"resource":"Patient" and more',
      'ipfs://bafybeid/2026/11/notes.json',
      'v1.2.75.2 of the "type"',
      'Insulin glargin 100 E/ml',
    ]) {
      expect(findFhirPatients(unmarked)).toEqual([]);
      expect(textSegments(toUtf8Bytes(unmarked), undefined, 'candidates')).toEqual([]);
    }
  });

  it('reads runs as short as the shortest e-mail address', () => {
    expect(findEmailAddresses('a@b.se')).toHaveLength(1);
    expect(MIN_CANDIDATE_BYTES).toBeLessThanOrEqual('a@b.se'.length);
    expect(MIN_CANDIDATE_BYTES).toBeLessThanOrEqual(MIN_CANDIDATE_DIGITS);
    const data = new Uint8Array([0, 1, ...toUtf8Bytes('a@b.se'), 0xff, 0, ...toUtf8Bytes('x@y.nu'), 0]);
    expect(inspector.inspectMessage(data).map((finding) => finding.location)).toEqual([
      'message offset 2',
      'message offset 10',
    ]);
  });

  it('counts an `@` only after a character a local part can end with', () => {
    for (const local of ['anna_', 'anna%', 'anna+', 'anna-', "o'", 'åsa', 'Ωmega', 'a7']) {
      const address = `${local}@region.se`;
      expect(findEmailAddresses(`mail ${address} now`)).toHaveLength(1);
      expect(segmentOfText(`mail ${address} now`).marks & MARKS.email).not.toBe(0);
      const bytes = new Uint8Array([0, ...toUtf8Bytes(address), 0]);
      expect(inspector.inspectMessage(bytes).map((finding) => finding.detector)).toEqual(['email']);
    }
    for (const run of ['`@Qc8.=k`', 'anna.@region.se', '@region.se', ' @x.se']) {
      expect(findEmailAddresses(run)).toEqual([]);
      expect(segmentOfText(run).marks & MARKS.email).toBe(0);
    }
  });

  it('leaves out bytecode-like runs with a mark and nothing a detector needs', () => {
    for (const run of ['`@Q`', 'PW`@Qc', 'V[`@Qa', 'W`@Qc8b"', 'dipfsX"', 'xW`@Qc8.=k`']) {
      expect(isCandidate(segmentOfText(run))).toBe(false);
    }
    expect(isCandidate(segmentOfText('a@b.se'))).toBe(true);
  });

  it('passes every text a detector matches in, with what that detector needs', () => {
    fc.assert(
      fc.property(text, (sample) => {
        const segment = segmentOfText(sample);
        const numbers = segment.digits >= MIN_CANDIDATE_DIGITS;
        if (findPersonnummer(sample).length > 0 || findPhoneNumbers(sample).length > 0) expect(numbers).toBe(true);
        if (findEmailAddresses(sample).length > 0) expect(segment.marks & MARKS.email).not.toBe(0);
        if (findFhirPatients(sample).length > 0) {
          expect(segment.marks & MARKS.fhir).not.toBe(0);
          expect(isCandidate(segment)).toBe(true);
        }
        if (!isCandidate(segment)) expect(inspector.inspectMessage(sample, readEverything)).toEqual([]);
      }),
      { numRuns: 2_000, seed: 17 },
    );
  });

  it('reads from a run’s bytes what the same text read as a string holds: digits, shapes and marks', () => {
    const numbery = fc.stringMatching(/^[0-9+ ()a-z_-]{0,16}$/);
    let marked = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof(text, numbery, coded), { maxLength: 3 }), binary, (samples, noise) => {
        // Each sample between bytes that are never text: one run, read at once as bytes and as a string.
        const bytes = new Uint8Array(samples.flatMap((sample) => [0, ...toUtf8Bytes(sample), ...noise.slice(0, 1), 0]));
        for (const segment of textSegments(bytes, undefined, 'all')) {
          const asText = segmentOfText(segment.text);
          expect({ digits: segment.digits, shapes: segment.shapes, email: segment.marks & MARKS.email }).toEqual({
            digits: asText.digits,
            shapes: numberShapes(segment.text),
            email: asText.marks & MARKS.email,
          });
          // The bytes' FHIR mark is the string's markers, `electronichealth.se/` standing in for the whole address.
          const fhirMarker =
            segment.text.includes('"resourceType"') ||
            segment.text.includes('1.2.752.') ||
            /electronichealth\.se\//i.test(segment.text);
          expect((segment.marks & MARKS.fhir) !== 0).toBe(fhirMarker);
          if (asText.marks & MARKS.fhir) expect(segment.marks & MARKS.fhir).not.toBe(0);
          if (fhirMarker) marked++;
        }
      }),
      { numRuns: 3_000, seed: 17 },
    );
    expect(marked).toBeGreaterThan(300);
  });

  it('finds the telephone numbers the full search finds, with its first test', () => {
    const phoneish = fc
      .array(
        fc.oneof(
          fc.constantFrom(
            ...fragments,
            '+',
            '00',
            '0',
            '(0)',
            '-',
            'x',
            '_',
            'é',
            '46',
            '8',
            '70',
            '0046 (0) 8-123 456 78 9',
            '+358 9 123 456 78 90',
          ),
          fc.stringMatching(/^[0-9 ()+-]{0,12}$/),
        ),
        { maxLength: 10 },
      )
      .map((parts) => parts.join(''));
    let found = 0;
    fc.assert(
      fc.property(fc.oneof(text, phoneish), (sample) => {
        const full = searchPhoneNumbers(sample);
        found += full.length;
        expect(findPhoneNumbers(sample)).toEqual(full);
      }),
      { numRuns: 5_000, seed: 17 },
    );
    // The samples hold numbers for the first test to miss, if it could.
    expect(found).toBeGreaterThan(200);
  });

  it('finds in calldata exactly what reading every run of text finds', () => {
    fc.assert(
      fc.property(text, text, binary, fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), (note, extra, noise, at) => {
        const data = abi.encodeFunctionData('record', [
          note,
          hexlify(new Uint8Array([...toUtf8Bytes(extra), ...noise])),
          at,
        ]);
        const raw = `${data}${hexlify(new Uint8Array([...noise, ...toUtf8Bytes(extra)])).slice(2)}`;
        for (const calldata of [data, raw]) {
          const shortcut = inspector.inspectTransaction({ to: CONTRACT, data: calldata });
          const everything = inspector.inspectTransaction({ to: CONTRACT, data: calldata }, readEverything);
          expect(shortcut.map((f) => `${f.detector} @ ${f.location}`)).toEqual(
            everything.map((f) => `${f.detector} @ ${f.location}`),
          );
        }
      }),
      { numRuns: 400, seed: 17 },
    );
  });

  it('finds in init code and messages exactly what reading every run of text finds', () => {
    fc.assert(
      fc.property(text, binary, (body, noise) => {
        const bytes = new Uint8Array([...noise, ...toUtf8Bytes(body), ...noise]);
        const init = AbiCoder.defaultAbiCoder().encode(['string'], [body]);
        const pairs = [
          [inspector.inspectMessage(bytes), inspector.inspectMessage(bytes, readEverything)],
          [
            inspector.inspectTransaction({ data: `0x6080${init.slice(2)}` }),
            inspector.inspectTransaction({ data: `0x6080${init.slice(2)}` }, readEverything),
          ],
        ];
        for (const [shortcut, everything] of pairs) {
          expect(shortcut?.map((f) => `${f.detector} @ ${f.location}`)).toEqual(
            everything?.map((f) => `${f.detector} @ ${f.location}`),
          );
        }
      }),
      { numRuns: 300, seed: 17 },
    );
  });
});

describe('the shapes of digits', () => {
  const numbery = fc
    .array(
      fc.oneof(
        fc.constantFrom(
          ...fragments,
          ...CODE_WORDS,
          '+',
          '-',
          '0',
          '00',
          '12345',
          '123456',
          '1234',
          '-1234',
          '+1234',
          'é',
          '_',
          'x',
        ),
        fc.stringMatching(/^[0-9+ ()-]{0,12}$/),
        fc.string({ maxLength: 4 }),
      ),
      { maxLength: 10 },
    )
    .map((parts) => parts.join(''));

  it('reads the personnummer shape where the first test of the detector passes, but for digits of a code', () => {
    // The shape by its definition, written as one expression: ten digits in a row, or six or more and four around one
    // `-` or `+`, whose first digit is not right after a hyphen after a whole ASCII word that is not a label.
    const asciiNotWord = String.raw`[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]`;
    const label = '(?:pnr|pn|personnr|personnummer|samordningsnummer|samnr|ssn)';
    const codeWord = `(?:^|${asciiNotWord})(?!${label}-)[0-9A-Za-z]+-`;
    const shape = new RegExp(String.raw`(?<!\d)(?<!${codeWord})(?:\d{10}|\d{6,}[-+]\d{4})`, 'i');
    let shaped = 0;
    let codes = 0;
    fc.assert(
      fc.property(fc.oneof(text, numbery, coded), (sample) => {
        const has = (numberShapes(sample) & NUMBER_SHAPES.personnummer) !== 0;
        const firstTest = /\d{6}[-+]?\d{4}/.test(sample);
        if (has) shaped++;
        else if (firstTest) codes++;
        expect(has).toBe(shape.test(sample));
        // Never where the detector's first test fails, and never where the detector reports anything.
        if (has) expect(firstTest).toBe(true);
        expect(searchPersonnummer(sample)).toEqual(has ? findPersonnummer(sample) : []);
      }),
      { numRuns: 5_000, seed: 17 },
    );
    // Each answer is common in the samples, and so are digits of that shape in a code.
    expect(shaped).toBeGreaterThan(1_000);
    expect(shaped).toBeLessThan(4_000);
    expect(codes).toBeGreaterThan(200);
  });

  it('reads the digits of a lot or order number as no personnummer, and those after a label as one', () => {
    for (const code of ['LOT-20261124-0042', 'REF-811228-9874-B', 'batch LOT-1212121212 ok', 'x7-121212-1212']) {
      expect(findPersonnummer(code)).toEqual([]);
      expect(numberShapes(code) & NUMBER_SHAPES.personnummer).toBe(0);
      expect(textSegments(toUtf8Bytes(code), undefined, 'candidates')).toEqual([]);
    }
    for (const named of ['pnr-19121212-1212', 'PERSONNUMMER-121212-1212', 'a_-121212-1212', 'x -1212121212']) {
      expect(findPersonnummer(named)).toHaveLength(1);
      expect(numberShapes(named) & NUMBER_SHAPES.personnummer).not.toBe(0);
      expect(textSegments(toUtf8Bytes(named), undefined, 'candidates').map((s) => s.text)).toEqual([named]);
    }
    // A word beyond ASCII is the detector's to judge: the shape keeps its digits, and the detector finds a code.
    expect(numberShapes('Ölund-121212-1212') & NUMBER_SHAPES.personnummer).not.toBe(0);
    expect(findPersonnummer('Ölund-121212-1212')).toEqual([]);
  });

  it('reads where a telephone number can start in every text the first test of the phone detector passes', () => {
    let numbers = 0;
    fc.assert(
      fc.property(fc.oneof(text, numbery), (sample) => {
        // The phone detector searches only text its first test passes; that test needs exactly this shape.
        if (!MAY_HOLD_NUMBER.test(sample)) return;
        numbers++;
        expect(numberShapes(sample) & NUMBER_SHAPES.phoneStart).not.toBe(0);
      }),
      { numRuns: 5_000, seed: 17 },
    );
    expect(numbers).toBeGreaterThan(200);
    // Dates, amounts and versions have neither shape.
    for (const sample of [
      'Released 2026-01-05T08:00:00Z by QA, order 88123',
      'v1.20.3 build 2026.11.24',
      'total 1234.50 SEK',
    ]) {
      expect(numberShapes(sample)).toBe(0);
    }
  });

  it('tells a segment of a code by its hyphens as the regular expressions say', () => {
    const before = /([\p{L}\p{N}]+)-$/u;
    const after = /^-[\p{L}\p{N}]/u;
    const label = /^(?:pnr|pn|personnr|personnummer|samordningsnummer|samnr|ssn)$/i;
    const byExpressions = (sample: string, start: number, end: number) => {
      if (after.test(sample.slice(end, end + 2))) return true;
      const word = before.exec(sample.slice(Math.max(0, start - 24), start));
      return word !== null && !label.test(word[1] ?? '');
    };
    const words = fc.constantFrom(
      'LOT',
      'REF',
      'pnr',
      'PNR',
      'Personnummer',
      'ssn',
      'år',
      'Ölund',
      '𝐀B',
      'x_y',
      'a1b2c3d4e5f6g7h8i9j0k1l2m3',
      ' ',
      '',
    );
    fc.assert(
      fc.property(
        words,
        fc.constantFrom('-', ' ', ''),
        fc.constantFrom('-', '-x', '-é', '-𝐀', ' ', ''),
        words,
        (w1, hyphen, tail, w2) => {
          const sample = `${w1}${hyphen}191212-1212${tail}${w2}`;
          const start = w1.length + hyphen.length;
          const end = start + '191212-1212'.length;
          expect(segmentOfCode(sample, start, end)).toBe(byExpressions(sample, start, end));
        },
      ),
      { numRuns: 2_000, seed: 17 },
    );
  });
});

describe('text in ABI payloads', () => {
  it('does not read the last byte of a length word as text before the payload', () => {
    // 49 bytes: the length word ends in 0x31, `1`, which must not turn `9121212-1212…` into `19121212-1212`.
    const note = '9121212-1212 is not a personnummer, written here.';
    expect(note).toHaveLength(49);
    const data = abi.encodeFunctionData('record', [note, '0x', 0]);
    const texts = textSegments(getBytes(data), 4).map((segment) => segment.text);
    expect(texts).toContain(note);
    expect(texts.some((text) => text.startsWith('1912'))).toBe(false);
    expect(inspector.inspectTransaction({ to: CONTRACT, data })).toEqual([]);
  });

  it('reads each of many payloads, nested ones among them, as one segment at its own offset', () => {
    // 42 payloads in all: more edges than are put in order one by one, and a nested call's inside another's.
    const many = new Interface(['function notes(string[] texts, bytes inner, string last)']);
    const texts = Array.from({ length: 40 }, (_, i) => (i === 33 ? 'mail anna.berg@region.se' : `note ${i}`));
    const inner = abi.encodeFunctionData('record', ['pnr 19121212-1212', '0x', 1]);
    const data = many.encodeFunctionData('notes', [texts, inner, 'call 070-123 45 67']);
    const bytes = Buffer.from(getBytes(data));
    const segments = textSegments(bytes, 4);
    for (const note of [...texts, 'pnr 19121212-1212', 'call 070-123 45 67']) {
      expect(segments.filter((segment) => segment.text === note).map((segment) => segment.offset)).toEqual([
        bytes.indexOf(note),
      ]);
    }
    expect(inspector.inspectTransaction({ to: CONTRACT, data }).map((f) => `${f.detector} @ ${f.location}`)).toEqual([
      `email @ calldata offset ${bytes.indexOf('anna.berg')}`,
      `personnummer @ calldata offset ${bytes.indexOf('19121212')}`,
      `phone @ calldata offset ${bytes.indexOf('070-123')}`,
    ]);
  });

  it('reads each byte once: a payload nested in another is one segment, at its own offset', () => {
    const inner = abi.encodeFunctionData('record', ['call anna.berg@region.se', '0x', 1]);
    const data = abi.encodeFunctionData('record', ['outer', inner, 2]);
    const segments = textSegments(getBytes(data), 4).filter((segment) => segment.text.includes('@'));
    expect(segments.map((segment) => segment.text)).toEqual(['call anna.berg@region.se']);
    const findings = inspector.inspectTransaction({ to: CONTRACT, data });
    expect(findings.map((finding) => finding.detector)).toEqual(['email']);
  });
});

describe('hex as digit pairs', () => {
  it.each([
    ['0x', 0],
    ['0x00ff', 2],
    ['0xAbCd', 2],
  ])('reads %s', (hex, length) => {
    const pairs = hexPairsOf(hex);
    expect(pairs?.length).toBe(length);
    expect(Array.from({ length }, (_, i) => byteAt(pairs as Uint16Array, i))).toEqual([...getBytes(hex)]);
  });

  it.each(['0x0', '0xzz', '0X12', '0x12ag', '0x1g2a', '12', '0x 1', '', '0x12\u00e9a', '0x\u01301'])(
    'refuses %s',
    (hex) => {
      expect(hexPairsOf(hex)).toBeUndefined();
    },
  );
});
