/**
 * The personal-data inspector (shared/ports/personal-data-inspector.ts): finds the text in what is about to be
 * signed or sent (text-segments.ts) and runs the named detectors over it. Pure: no I/O, no clock, no state between
 * calls beyond the organisation's compiled patterns it is handed.
 *
 * Findings name the detector and the byte offset where the match starts (`calldata offset 68`); the value is held
 * in a `MatchedValue` for the evidence fingerprint and never printed.
 */
import { toUtf8Bytes } from 'ethers/utils';
import { MatchedValue, type OrgPattern, type PersonalDataFinding } from '../domain/data-protection.ts';
import type {
  CompiledPatterns,
  PersonalDataInspector,
  RawTransactionInspection,
  TransactionToInspect,
  TypedDataToInspect,
} from '../ports/personal-data-inspector.ts';
import { findEmailAddresses, findPhoneNumbers, loadNumberingPlans, numberingPlansLoaded } from './contact-detectors.ts';
import { findFhirPatients } from './fhir-detector.ts';
import { hexDigitsOf, hexPairsOf } from './hex-digits.ts';
import { NUMBER_SHAPES } from './number-shapes.ts';
import { checkOrgPattern, compileOrgPatterns, findOrgPatterns, NO_PATTERNS } from './org-patterns.ts';
import { searchPersonnummer } from './personnummer-detector.ts';
import { type TransactionBody, transactionBody } from './raw-transaction.ts';
import type { TextMatch } from './text-match.ts';
import {
  byteOffsetOf,
  hexTextSegments,
  isCandidate,
  MARKS,
  MIN_CANDIDATE_DIGITS,
  type SegmentChoice,
  segmentOfText,
  type TextSegment,
  textSegments,
} from './text-segments.ts';
import { primaryTypeOf, type TypedDataTypes, typedDataValues } from './typed-data-values.ts';

/** Typed data deeper than this is not walked further (EIP-712 structs are a few levels deep). */
const MAX_TYPED_DATA_DEPTH = 16;

export class PersonalDataScanner implements PersonalDataInspector {
  prepare(): Promise<void> {
    return loadNumberingPlans();
  }

  checkPattern(pattern: string): Promise<string | undefined> {
    return checkOrgPattern(pattern);
  }

  async compilePatterns(patterns: readonly OrgPattern[]): Promise<CompiledPatterns> {
    await this.prepare();
    return compileOrgPatterns(patterns);
  }

  inspectRawTransaction(raw: string, patterns: CompiledPatterns = NO_PATTERNS): RawTransactionInspection {
    assertPrepared();
    const body = transactionBody(raw);
    if (!body) return { decoded: false, to: undefined, findings: [] };
    return new ReadTransaction(body, inspectData(body.deployment, body.hex, body.dataStart, body.dataEnd, patterns));
  }

  inspectTransaction(
    transaction: TransactionToInspect,
    patterns: CompiledPatterns = NO_PATTERNS,
  ): readonly PersonalDataFinding[] {
    assertPrepared();
    // Hex that is not whole bytes cannot be signed either: there is nothing to inspect.
    const { data } = transaction;
    const hex = typeof data === 'string' ? (hexPairsOf(data) ?? NO_PAIRS) : hexDigitsOf(data);
    const deployment = transaction.to === undefined || transaction.to === null;
    return inspectData(deployment, hex, 0, hex.length, patterns);
  }

  inspectMessage(
    message: string | Uint8Array,
    patterns: CompiledPatterns = NO_PATTERNS,
  ): readonly PersonalDataFinding[] {
    assertPrepared();
    const bytes = typeof message === 'string' ? toUtf8Bytes(message) : message;
    return findingsIn(textSegments(bytes, undefined, choiceFor(patterns)), 'message', patterns);
  }

  inspectTypedData(
    typedData: TypedDataToInspect,
    patterns: CompiledPatterns = NO_PATTERNS,
  ): readonly PersonalDataFinding[] {
    assertPrepared();
    const primaryType = typedData.types && (typedData.primaryType ?? primaryTypeOf(typedData.types));
    if (typedData.types && primaryType) return inspectTypedValues(typedData, typedData.types, primaryType, patterns);
    const findings: PersonalDataFinding[] = [];
    const visit = (value: unknown, path: string, depth: number) => {
      if (depth > MAX_TYPED_DATA_DEPTH) return;
      if (typeof value === 'string') {
        findings.push(...findingsIn([segmentOfText(value)], `typed data ${path}`, patterns));
        // A `bytes` member is hex: what it encodes is inspected too.
        const hex = value.length > 2 ? hexPairsOf(value) : undefined;
        if (hex) findings.push(...findingsIn(segmentsOfBytes(hex, patterns), `typed data ${path} bytes`, patterns));
      } else if (Array.isArray(value)) {
        value.forEach((item, i) => {
          visit(item, `${path}[${i}]`, depth + 1);
        });
      } else if (value !== null && typeof value === 'object') {
        for (const [key, item] of Object.entries(value)) {
          findings.push(...findingsIn([segmentOfText(key)], `typed data ${path} key`, patterns));
          visit(item, `${path}.${key}`, depth + 1);
        }
      }
    };
    visit(typedData.domain, 'domain', 0);
    visit(typedData.message, 'message', 0);
    return findings;
  }
}

/** The data of a transaction, the bytes [start, end) of hex digits: calldata, or init code for a deployment. */
function inspectData(
  deployment: boolean,
  hex: Uint16Array,
  start: number,
  end: number,
  patterns: CompiledPatterns,
): readonly PersonalDataFinding[] {
  if (end === start) return NO_FINDINGS;
  // A call's data is ABI-encoded after its 4-byte selector; init code is bytecode with arguments appended.
  const abiHead = deployment || end - start < 4 ? undefined : 4;
  const segments = hexTextSegments(hex, start, end, abiHead, choiceFor(patterns));
  return findingsIn(segments, deployment ? 'init code' : 'calldata', patterns);
}

/** The text segments of bytes given as hex digit pairs that are not ABI-encoded (a `bytes` member of typed data). */
function segmentsOfBytes(hex: Uint16Array, patterns: CompiledPatterns): readonly TextSegment[] {
  return hexTextSegments(hex, 0, hex.length, undefined, choiceFor(patterns));
}

/**
 * Inspections run once `prepare` has finished (the numbering plans are loaded): one that ran before could not
 * validate a telephone number, so it fails, whatever the input, rather than miss one now and then.
 */
function assertPrepared(): void {
  if (!numberingPlansLoaded()) throw new Error('The personal-data inspector inspects once prepare() has finished');
}

/** A transaction read: its address is made only when it is asked for (to name the contract of a finding). */
class ReadTransaction implements RawTransactionInspection {
  readonly decoded = true;

  constructor(
    private readonly body: TransactionBody,
    readonly findings: readonly PersonalDataFinding[],
  ) {}

  get to(): string | undefined {
    return this.body.to;
  }
}

/** Typed data read by its types (typed-data-values.ts): text members as text, bytes members by their bytes. */
function inspectTypedValues(
  typedData: TypedDataToInspect,
  types: TypedDataTypes,
  primaryType: string,
  patterns: CompiledPatterns,
): PersonalDataFinding[] {
  const findings: PersonalDataFinding[] = [];
  for (const value of typedDataValues(typedData.domain, typedData.message, types, primaryType)) {
    if ('text' in value) {
      findings.push(...findingsIn([segmentOfText(value.text)], `typed data ${value.path}`, patterns));
    } else {
      findings.push(...findingsIn(segmentsOfBytes(value.hex, patterns), `typed data ${value.path} bytes`, patterns));
    }
  }
  return findings;
}

/** Every detector over every segment, as findings at byte offsets; one finding per detector and offset. */
function findingsIn(
  segments: readonly TextSegment[],
  where: string,
  patterns: CompiledPatterns,
): readonly PersonalDataFinding[] {
  if (segments.length === 0) return NO_FINDINGS;
  const findings: PersonalDataFinding[] = [];
  let seen: Set<string> | undefined;
  for (const segment of segments) {
    for (const match of matchesIn(segment, patterns)) {
      const location = `${where} offset ${byteOffsetOf(segment, match.index)}`;
      const key = `${match.detector}\u0000${match.patternId ?? ''}\u0000${location}`;
      seen ??= new Set();
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push({
        detector: match.detector,
        location,
        matched: new MatchedValue(match.value),
        ...(match.patternId !== undefined && { patternId: match.patternId }),
      });
    }
  }
  return findings;
}

/** Without organisation patterns, only text a built-in detector could match is decoded at all. */
function choiceFor(patterns: CompiledPatterns): SegmentChoice {
  return patterns.size > 0 ? 'all' : 'candidates';
}

const NO_MATCHES: readonly TextMatch[] = [];
const NO_PAIRS = new Uint16Array(0);
/** What most inspections find, shared: findings are read, never changed, by those who ask. */
const NO_FINDINGS: readonly PersonalDataFinding[] = Object.freeze([]);

/**
 * Each detector runs only on text that holds what it needs, as read when the text was (run-marks.ts): the number
 * detectors on text with enough digits of their shape (number-shapes.ts), the e-mail detector on text with an `@`
 * and a `.` after it, the FHIR detector on text with one of its markers; the organisation's patterns on all text.
 */
function matchesIn(segment: TextSegment, patterns: CompiledPatterns): readonly TextMatch[] {
  const orgMatches = patterns.size > 0 ? findOrgPatterns(segment.text, patterns) : NO_MATCHES;
  if (!isCandidate(segment)) return orgMatches;
  const { text, marks } = segment;
  const shapes = segment.digits >= MIN_CANDIDATE_DIGITS ? segment.shapes : 0;
  const personnummer = shapes & NUMBER_SHAPES.personnummer ? searchPersonnummer(text) : NO_MATCHES;
  let phones = shapes & NUMBER_SHAPES.phoneStart ? findPhoneNumbers(text) : NO_MATCHES;
  const emails = marks & MARKS.email ? findEmailAddresses(text) : NO_MATCHES;
  const fhir = marks & MARKS.fhir ? findFhirPatients(text) : NO_MATCHES;
  if (personnummer.length + phones.length + emails.length + fhir.length === 0) return orgMatches;
  // A personnummer written without separators is also a valid-looking phone number: it is reported once, as what it is.
  if (personnummer.length > 0) phones = phones.filter((phone) => !personnummer.some((p) => overlaps(p, phone)));
  return [...personnummer, ...emails, ...phones, ...fhir, ...orgMatches];
}

function overlaps(a: TextMatch, b: TextMatch): boolean {
  return a.index < b.index + b.length && b.index < a.index + a.length;
}
