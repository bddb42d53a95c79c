/**
 * Personal data and the immutable chain (docs/architecture.md, "Personal-data guard"), pure: the named detectors,
 * the policy a network runs under (`block`, `flag`, `off`), exemptions for one organisation, contract and detector,
 * and the decision a policy makes about what the inspector found. A blockchain cannot forget, so personal data must
 * never be written to it: what the inspector finds is refused (`block`, the default) or let through and recorded
 * (`flag`), unless an operator approved an exemption for exactly that contract and detector.
 *
 * What was matched is held in a `MatchedValue`, which prints as a placeholder everywhere (logs, JSON, errors): only
 * the evidence fingerprint (a salted hash) ever leaves the process.
 */

/** The inspector's detectors, each with a name that refusals, evidence and reports use. */
export const PERSONAL_DATA_DETECTORS = ['personnummer', 'email', 'phone', 'fhir-patient', 'org-pattern'] as const;
export type PersonalDataDetector = (typeof PERSONAL_DATA_DETECTORS)[number];

/** What a network does with personal data it is asked to write: refuse it, let it through and record it, or nothing. */
export const DATA_PROTECTION_MODES = ['block', 'flag', 'off'] as const;
export type DataProtectionMode = (typeof DATA_PROTECTION_MODES)[number];
export const DEFAULT_DATA_PROTECTION_MODE: DataProtectionMode = 'block';

/** Where the inspector ran: the JSON-RPC gateway, the signing API, or a consent relay. */
export const PERSONAL_DATA_CHANNELS = ['gateway', 'signing-api', 'consent-relay'] as const;
export type PersonalDataChannel = (typeof PERSONAL_DATA_CHANNELS)[number];

/** What happened to a request with findings; each is an audit event (`personal-data.<outcome>`). */
export const PERSONAL_DATA_OUTCOMES = ['blocked', 'flagged'] as const;
export type PersonalDataOutcome = (typeof PERSONAL_DATA_OUTCOMES)[number];
export const PERSONAL_DATA_AUDIT_ACTIONS: Readonly<Record<PersonalDataOutcome, string>> = {
  blocked: 'personal-data.blocked',
  flagged: 'personal-data.flagged',
};

/** Exemptions: a member asks, an operator approves or rejects, and may revoke an approved one. */
export const EXEMPTION_STATES = ['requested', 'approved', 'rejected', 'revoked'] as const;
export type ExemptionState = (typeof EXEMPTION_STATES)[number];
export const EXEMPTION_DECISIONS = ['approve', 'reject', 'revoke'] as const;
export type ExemptionDecision = (typeof EXEMPTION_DECISIONS)[number];

const PLACEHOLDER = '[personal data]';

/**
 * A matched value: readable only through `reveal()` (which the evidence fingerprint calls); every other way of
 * turning it into text, JSON or a log line gives a placeholder.
 */
export class MatchedValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return PLACEHOLDER;
  }

  toJSON(): string {
    return PLACEHOLDER;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return PLACEHOLDER;
  }
}

/** One thing the inspector found: which detector, and where (`calldata offset 68`); never the value as text. */
export interface PersonalDataFinding {
  readonly detector: PersonalDataDetector;
  readonly location: string;
  /** The value in a canonical form (personnummer in 12 digits, e-mail in lower case, phone in E.164). */
  readonly matched: MatchedValue;
  /** For `org-pattern`: the organisation's pattern that matched. */
  readonly patternId?: string;
}

/** A finding as refusals, evidence and reports show it. */
export interface FindingView {
  readonly detector: PersonalDataDetector;
  readonly location: string;
  readonly patternId?: string;
}

export function findingView(finding: PersonalDataFinding): FindingView {
  return {
    detector: finding.detector,
    location: finding.location,
    ...(finding.patternId !== undefined && { patternId: finding.patternId }),
  };
}

/** `calldata offset 68: personnummer`, for messages. */
export function describeFinding(finding: FindingView): string {
  return `${finding.location}: ${finding.detector}`;
}

/** An organisation's own pattern for its patient ids (RE2 syntax: linear time, no backreferences). */
export interface OrgPattern {
  readonly id: string;
  readonly name: string;
  readonly pattern: string;
}

export const MAX_ORG_PATTERNS = 20;
export const MAX_ORG_PATTERN_LENGTH = 200;

export interface Exemption {
  readonly id: string;
  readonly orgId: string;
  readonly networkId: string;
  /** Lower-case 0x address of the contract the exemption covers. */
  readonly contract: string;
  readonly detector: PersonalDataDetector;
  /** Why the organisation asks (for the operator and the DPIA). */
  readonly reason: string;
  readonly state: ExemptionState;
  readonly requestedAt: string;
  readonly requestedBy: string;
  readonly decidedAt: string | undefined;
  readonly decidedBy: string | undefined;
  readonly decisionNote: string | undefined;
  readonly version: number;
}

/** The state a decision leads to, or undefined when the exemption's state does not allow it. */
export function exemptionStateAfter(state: ExemptionState, decision: ExemptionDecision): ExemptionState | undefined {
  if (decision === 'revoke') return state === 'approved' ? 'revoked' : undefined;
  if (state !== 'requested') return undefined;
  return decision === 'approve' ? 'approved' : 'rejected';
}

export type PolicyAction = 'allow' | 'flag' | 'block';

export interface PolicyDecision {
  readonly action: PolicyAction;
  /** What the action is about (exempted findings left out). */
  readonly findings: readonly PersonalDataFinding[];
  /** Findings an approved exemption covered, with the exemption. */
  readonly exempted: readonly { readonly finding: PersonalDataFinding; readonly exemptionId: string }[];
}

export interface PolicyContext {
  readonly mode: DataProtectionMode;
  readonly networkId: string | undefined;
  /** The contract the transaction calls (or typed data names); deployments and messages have none. */
  readonly contract: string | undefined;
  /** The organisation's exemptions; only approved ones for this network and contract apply. */
  readonly exemptions: readonly Exemption[];
}

/** What a network's policy does with the findings of one request. */
export function decidePersonalData(findings: readonly PersonalDataFinding[], context: PolicyContext): PolicyDecision {
  if (context.mode === 'off' || findings.length === 0) return { action: 'allow', findings: [], exempted: [] };
  const contract = context.contract?.toLowerCase();
  const applicable = context.exemptions.filter(
    (e) =>
      e.state === 'approved' && e.networkId === context.networkId && contract !== undefined && e.contract === contract,
  );
  const remaining: PersonalDataFinding[] = [];
  const exempted: { finding: PersonalDataFinding; exemptionId: string }[] = [];
  for (const finding of findings) {
    const exemption = applicable.find((e) => e.detector === finding.detector);
    if (exemption) exempted.push({ finding, exemptionId: exemption.id });
    else remaining.push(finding);
  }
  if (remaining.length === 0) return { action: 'allow', findings: [], exempted };
  return { action: context.mode === 'block' ? 'block' : 'flag', findings: remaining, exempted };
}

const STRICTNESS: Readonly<Record<DataProtectionMode, number>> = { block: 2, flag: 1, off: 0 };

/** The strictest of several networks' modes; the default when there are none. */
export function strictestMode(modes: readonly DataProtectionMode[]): DataProtectionMode {
  if (modes.length === 0) return DEFAULT_DATA_PROTECTION_MODE;
  return modes.reduce((a, b) => (STRICTNESS[b] > STRICTNESS[a] ? b : a));
}

/** The message of a refusal: what was found where, never the value, and what to do instead. */
export function refusalMessage(findings: readonly FindingView[]): string {
  const shown = findings.slice(0, 3).map(describeFinding).join('; ');
  const more = findings.length > 3 ? ` and ${findings.length - 3} more` : '';
  return (
    `Personal data must not be written to the chain (${shown}${more}). Keep it off chain and send only a hash ` +
    'or a reference; a contract that must carry such data needs an approved exemption.'
  );
}

/** At most this many findings are kept per request (evidence and answers); the count says how many there were. */
export const MAX_FINDINGS_KEPT = 20;
