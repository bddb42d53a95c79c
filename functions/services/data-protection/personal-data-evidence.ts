/**
 * Evidence of personal data the guard met: every block and every flag is one audit entry
 * (`personal-data.blocked` / `personal-data.flagged`) holding the channel, the key and node, the network's policy,
 * and per finding its detector, its location and the fingerprint of the value (an HMAC under the platform's
 * evidence key, shared/ports/match-fingerprinter.ts), never the value. The entry is also listed per organisation
 * and month (GSI1), which the data-protection report counts: one conditional write per event, the monthly figures
 * computed when asked for.
 */
import { createHash } from 'node:crypto';
import {
  type DataProtectionMode,
  findingView,
  MAX_FINDINGS_KEPT,
  PERSONAL_DATA_AUDIT_ACTIONS,
  type PersonalDataChannel,
  type PersonalDataFinding,
  type PersonalDataOutcome,
} from '../../../shared/domain/data-protection.ts';
import { monthOf } from '../../../shared/domain/sla.ts';
import type { MatchFingerprinter } from '../../../shared/ports/match-fingerprinter.ts';
import { gsi1 } from '../../../shared/store/keys.ts';
import type { Actor } from '../access/org-access.ts';
import { type AuditDeps, appendAudit } from '../audit/audit-trail.ts';

export interface EvidenceDeps extends AuditDeps {
  readonly fingerprinter: MatchFingerprinter;
}

export interface PersonalDataEvent {
  readonly orgId: string;
  readonly outcome: PersonalDataOutcome;
  readonly channel: PersonalDataChannel;
  readonly actor: Actor;
  readonly requestId: string | undefined;
  /** The policy that decided (`block` or `flag`). */
  readonly mode: DataProtectionMode;
  /** The API key (gateway) or signing key (signing API, consent relays) the request used. */
  readonly keyId: string;
  readonly nodeId?: string | undefined;
  readonly networkId?: string | undefined;
  readonly contract?: string | undefined;
  /** What was signed or sent, when it has a name (`transaction`, `message`, `typed-data`). */
  readonly subject: string;
  readonly findings: readonly PersonalDataFinding[];
  /** The hash of a refused or flagged signed transaction (gateway), and its signer's address. */
  readonly transactionHash?: string | undefined;
  readonly sender?: string | undefined;
}

/** The details of an evidence entry, as the report reads them back. */
export interface EvidenceDetails {
  readonly channel: PersonalDataChannel;
  readonly policy: DataProtectionMode;
  readonly keyId: string;
  readonly nodeId: string | null;
  readonly networkId: string | null;
  readonly contract: string | null;
  readonly subject: string;
  readonly transactionHash: string | null;
  readonly sender: string | null;
  readonly findingCount: number;
  readonly findings: readonly { detector: string; location: string; patternId?: string; fingerprint: string }[];
}

export async function recordPersonalData(deps: EvidenceDeps, event: PersonalDataEvent): Promise<void> {
  const kept = event.findings.slice(0, MAX_FINDINGS_KEPT);
  const findings = await Promise.all(
    kept.map(async (finding) => ({
      ...findingView(finding),
      fingerprint: await fingerprintOf(deps.fingerprinter, finding),
    })),
  );
  const details: EvidenceDetails = {
    channel: event.channel,
    policy: event.mode,
    keyId: event.keyId,
    nodeId: event.nodeId ?? null,
    networkId: event.networkId ?? null,
    contract: event.contract ?? null,
    subject: event.subject,
    transactionHash: event.transactionHash ?? null,
    sender: event.sender ?? null,
    findingCount: event.findings.length,
    findings,
  };
  await appendAudit(
    deps,
    event.requestId,
    {
      orgId: event.orgId,
      actor: event.actor,
      action: PERSONAL_DATA_AUDIT_ACTIONS[event.outcome],
      target: event.nodeId ?? event.keyId,
      details: { ...details },
    },
    gsi1.personalDataEvidence(event.orgId, monthOf(deps.clock().getTime())),
  );
}

function fingerprintOf(fingerprinter: MatchFingerprinter, finding: PersonalDataFinding): Promise<string> {
  const digest = createHash('sha256').update(finding.matched.reveal(), 'utf8').digest();
  return fingerprinter.fingerprintDigest(digest);
}
