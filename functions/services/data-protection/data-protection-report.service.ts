/**
 * The organisation's monthly data-protection report, for its DPIA (docs/architecture.md, "Personal-data guard"):
 * what the guard blocked and flagged, by detector, outcome and channel, counted from the month's evidence entries
 * when asked for (every entry was one conditional write, so nothing is counted twice), with the policies in force
 * on the organisation's networks, its own patterns and its exemptions. Signed by the platform key exactly like the
 * SLA report: `ethers.verifyMessage(payload, signature)` returns the address at `GET /v1/platform`.
 */
import {
  PERSONAL_DATA_AUDIT_ACTIONS,
  type PersonalDataChannel,
  type PersonalDataDetector,
  type PersonalDataOutcome,
} from '../../../shared/domain/data-protection.ts';
import { monthRange } from '../../../shared/domain/sla.ts';
import { NotFoundError, ValidationError } from '../../../shared/errors.ts';
import {
  DATA_PROTECTION_REPORT_SCHEMA,
  type DataProtectionReport,
  type SignedDataProtectionReport,
} from '../../../shared/schemas/data-protection.schemas.ts';
import type { AuditRepository } from '../../../shared/store/audit.repository.ts';
import type { DataProtectionRepository } from '../../../shared/store/data-protection.repository.ts';
import { gsi1 } from '../../../shared/store/keys.ts';
import type { NetworksRepository } from '../../../shared/store/networks.repository.ts';
import type { NodesRepository } from '../../../shared/store/nodes.repository.ts';
import type { OrganisationsRepository } from '../../../shared/store/organisations.repository.ts';
import { type MessageSigner, signReport } from '../platform/report-signing.ts';
import type { EvidenceDetails } from './personal-data-evidence.ts';

export interface DataProtectionReportDeps {
  readonly stores: {
    readonly organisations: OrganisationsRepository;
    readonly audit: AuditRepository;
    readonly dataProtection: DataProtectionRepository;
    readonly networks: NetworksRepository;
    readonly nodes: NodesRepository;
  };
  readonly clock: () => Date;
  readonly signer: MessageSigner;
}

const OUTCOME_OF_ACTION = new Map<string, PersonalDataOutcome>(
  Object.entries(PERSONAL_DATA_AUDIT_ACTIONS).map(([outcome, action]) => [action, outcome as PersonalDataOutcome]),
);

const NOTES = [
  'Inspected: signed transactions sent through the JSON-RPC gateway (calldata, and the init code of deployments) ' +
    'and what the signing API signs (transactions, messages, typed data). Text is read from ABI-encoded strings ' +
    'and bytes and from any run of UTF-8 text in the data.',
  'Not inspected, by design: hashed or encrypted data, which cannot be read and is how personal data should be ' +
    'referred to on chain; numbers encoded as integers; transactions sent to self-hosted nodes directly.',
  'Values found are never stored: each finding keeps its detector, where it was found and a salted hash ' +
    '(HMAC-SHA-256 under a platform-held key), which tells repeated values apart without revealing them.',
];

export class DataProtectionReportService {
  constructor(private readonly deps: DataProtectionReportDeps) {}

  async reportFor(orgId: string, month: string): Promise<SignedDataProtectionReport> {
    const org = await this.deps.stores.organisations.get(orgId);
    if (!org) throw new NotFoundError('No such organisation');
    const now = this.deps.clock().getTime();
    const range = monthRange(month);
    if (range.start > now)
      throw new ValidationError('That month has not begun', [{ path: 'month', message: 'future' }]);
    const { dataProtection, audit } = this.deps.stores;
    const [entries, policies, patterns, exemptions] = await Promise.all([
      audit.listIndexed(gsi1.personalDataEvidence(orgId, month)),
      this.policiesOf(orgId),
      dataProtection.getPatterns(orgId),
      dataProtection.listExemptions(orgId),
    ]);
    const report: DataProtectionReport = {
      schema: DATA_PROTECTION_REPORT_SCHEMA,
      orgId,
      organisationName: org.name,
      month,
      final: now >= range.end,
      generatedAt: new Date(now).toISOString(),
      period: { start: new Date(range.start).toISOString(), end: new Date(Math.min(range.end, now)).toISOString() },
      signer: await this.deps.signer.getAddress(),
      policies,
      patterns: patterns.patterns.map(({ id, name, pattern }) => ({ id, name, pattern })),
      exemptions: exemptions.map((e) => ({
        id: e.id,
        networkId: e.networkId,
        contract: e.contract,
        detector: e.detector,
        reason: e.reason,
        state: e.state,
        requestedAt: e.requestedAt,
        decidedAt: e.decidedAt ?? null,
        decisionNote: e.decisionNote ?? null,
      })),
      ...countEvidence(entries),
      notes: NOTES,
    };
    return signReport(this.deps.signer, report);
  }

  /** The policy of every network the organisation has had nodes on. */
  private async policiesOf(orgId: string): Promise<DataProtectionReport['policies']> {
    const nodes = await this.deps.stores.nodes.listByOrg(orgId);
    const networkIds = [...new Set(nodes.map((node) => node.networkId))].sort();
    return Promise.all(
      networkIds.map(async (networkId) => {
        const [network, policy] = await Promise.all([
          this.deps.stores.networks.get(networkId),
          this.deps.stores.dataProtection.getPolicy(networkId),
        ]);
        return {
          networkId,
          networkName: network?.name ?? networkId,
          mode: policy.mode,
          isDefault: policy.version === 0,
          updatedAt: policy.updatedAt ?? null,
        };
      }),
    );
  }
}

type Counts = Pick<DataProtectionReport, 'counts' | 'totals'>;

/** Counts by detector, outcome and channel from evidence entries (see personal-data-evidence.ts). */
export function countEvidence(
  entries: readonly { action: string; details: Record<string, unknown> | undefined }[],
): Counts {
  const rows = new Map<
    string,
    { requests: number; findings: number; values: Set<string> } & Counts['counts'][number]
  >();
  const totals = { blockedRequests: 0, flaggedRequests: 0, findings: 0 };
  for (const entry of entries) {
    const outcome = OUTCOME_OF_ACTION.get(entry.action);
    if (!outcome || !entry.details) continue;
    const details = entry.details as unknown as EvidenceDetails;
    if (outcome === 'blocked') totals.blockedRequests++;
    else totals.flaggedRequests++;
    totals.findings += details.findingCount;
    const seenInRequest = new Set<string>();
    for (const finding of details.findings) {
      const key = `${finding.detector}\u0000${outcome}\u0000${details.channel}`;
      let row = rows.get(key);
      if (!row) {
        row = {
          detector: finding.detector as PersonalDataDetector,
          outcome,
          channel: details.channel as PersonalDataChannel,
          requests: 0,
          findings: 0,
          distinctValues: 0,
          values: new Set(),
        };
        rows.set(key, row);
      }
      row.findings++;
      row.values.add(finding.fingerprint);
      if (!seenInRequest.has(key)) {
        seenInRequest.add(key);
        row.requests++;
      }
    }
  }
  const counts = [...rows.values()]
    .map(({ values, ...row }) => ({ ...row, distinctValues: values.size }))
    .sort((a, b) => `${a.detector}${a.outcome}${a.channel}`.localeCompare(`${b.detector}${b.outcome}${b.channel}`));
  return { counts, totals };
}
