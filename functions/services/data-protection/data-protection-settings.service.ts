/**
 * What operators and members set for the personal-data guard (docs/architecture.md, "Personal-data guard"):
 * each network's policy (operators; audited in the platform's log), an organisation's own patterns for its patient
 * ids (its admins; checked so that every saved pattern compiles in RE2), and exemptions for one contract and
 * detector, which a member asks for and an operator approves, rejects or later revokes (audited in the
 * organisation's log, which its data-protection officer reads).
 */
import { createHash } from 'node:crypto';
import {
  type DataProtectionMode,
  type Exemption,
  type ExemptionDecision,
  exemptionStateAfter,
  type OrgPattern,
} from '../../../shared/domain/data-protection.ts';
import { newId } from '../../../shared/domain/ids.ts';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import { InvalidStateError, NotFoundError, ValidationError } from '../../../shared/errors.ts';
import type { PersonalDataInspector } from '../../../shared/ports/personal-data-inspector.ts';
import type { RequestExemption, SetOrgPatterns } from '../../../shared/schemas/data-protection.schemas.ts';
import type {
  DataProtectionPolicy,
  DataProtectionRepository,
  OrgPatterns,
} from '../../../shared/store/data-protection.repository.ts';
import type { NetworksRepository } from '../../../shared/store/networks.repository.ts';
import { type AuditDeps, appendAudit, type ChangeAuthor } from '../audit/audit-trail.ts';

export interface DataProtectionSettingsDeps extends AuditDeps {
  readonly stores: AuditDeps['stores'] & {
    readonly dataProtection: DataProtectionRepository;
    readonly networks: NetworksRepository;
  };
  readonly inspector: PersonalDataInspector;
}

export class DataProtectionSettings {
  constructor(private readonly deps: DataProtectionSettingsDeps) {}

  async policy(networkId: string): Promise<DataProtectionPolicy> {
    await this.network(networkId);
    return this.deps.stores.dataProtection.getPolicy(networkId);
  }

  async setPolicy(author: ChangeAuthor, networkId: string, mode: DataProtectionMode): Promise<DataProtectionPolicy> {
    const current = await this.policy(networkId);
    if (current.version > 0 && current.mode === mode) return current;
    const updated = await this.deps.stores.dataProtection.setPolicy(current, {
      mode,
      at: this.deps.clock().toISOString(),
      by: author.actor.id,
    });
    await appendAudit(this.deps, author.requestId, {
      orgId: PLATFORM_ORG_ID,
      actor: author.actor,
      action: 'data-protection.policy-changed',
      target: networkId,
      details: { from: current.mode, to: mode },
    });
    return updated;
  }

  patterns(orgId: string): Promise<OrgPatterns> {
    return this.deps.stores.dataProtection.getPatterns(orgId);
  }

  /** Replaces the organisation's patterns; a pattern RE2 cannot run, or that matches empty text, is refused. */
  async setPatterns(author: ChangeAuthor, orgId: string, body: SetOrgPatterns): Promise<OrgPatterns> {
    const checked = await Promise.all(body.patterns.map((entry) => this.deps.inspector.checkPattern(entry.pattern)));
    const problems = checked.flatMap((problem, i) =>
      problem === undefined ? [] : [{ path: `body.patterns.${i}.pattern`, message: problem }],
    );
    if (problems.length > 0)
      throw new ValidationError('Some patterns cannot be used: see each one’s message', problems);
    const patterns: OrgPattern[] = body.patterns.map(({ name, pattern }) => ({
      id: patternId(pattern),
      name,
      pattern,
    }));
    const current = await this.patterns(orgId);
    const updated = await this.deps.stores.dataProtection.setPatterns(
      current,
      patterns,
      this.deps.clock().toISOString(),
    );
    await appendAudit(this.deps, author.requestId, {
      orgId,
      actor: author.actor,
      action: 'data-protection.patterns-changed',
      target: orgId,
      details: { patterns: patterns.map(({ id, name }) => ({ id, name })) },
    });
    return updated;
  }

  exemptions(orgId: string): Promise<Exemption[]> {
    return this.deps.stores.dataProtection.listExemptions(orgId);
  }

  async requestExemption(author: ChangeAuthor, orgId: string, body: RequestExemption): Promise<Exemption> {
    await this.network(body.networkId);
    const exemption = await this.deps.stores.dataProtection.createExemption({
      id: newId('exemption'),
      orgId,
      networkId: body.networkId,
      contract: body.contract.toLowerCase(),
      detector: body.detector,
      reason: body.reason,
      state: 'requested',
      requestedAt: this.deps.clock().toISOString(),
      requestedBy: author.actor.id,
      decidedAt: undefined,
      decidedBy: undefined,
      decisionNote: undefined,
      version: 1,
    });
    await appendAudit(this.deps, author.requestId, {
      orgId,
      actor: author.actor,
      action: 'data-protection.exemption-requested',
      target: exemption.id,
      details: { networkId: exemption.networkId, contract: exemption.contract, detector: exemption.detector },
    });
    return exemption;
  }

  /** Every organisation's exemptions for operators, newest first; `state` narrows them. */
  async allExemptions(state?: Exemption['state']): Promise<Exemption[]> {
    const all = await this.deps.stores.dataProtection.listAllExemptions();
    return state ? all.filter((exemption) => exemption.state === state) : all;
  }

  async decideExemption(
    author: ChangeAuthor,
    exemptionId: string,
    decision: ExemptionDecision,
    note: string | undefined,
  ): Promise<Exemption> {
    const current = await this.deps.stores.dataProtection.getExemption(exemptionId);
    if (!current) throw new NotFoundError('No such exemption');
    const next = exemptionStateAfter(current.state, decision);
    if (!next) throw new InvalidStateError(`An exemption that is ${current.state} cannot be ${decision}d`);
    const decided = await this.deps.stores.dataProtection.decideExemption(current, {
      state: next,
      at: this.deps.clock().toISOString(),
      by: author.actor.id,
      note,
    });
    await appendAudit(this.deps, author.requestId, {
      orgId: decided.orgId,
      actor: author.actor,
      action: `data-protection.exemption-${next}`,
      target: decided.id,
      details: { networkId: decided.networkId, contract: decided.contract, detector: decided.detector, note },
    });
    return decided;
  }

  private async network(networkId: string) {
    const network = await this.deps.stores.networks.get(networkId);
    if (!network) throw new NotFoundError('No such network');
    return network;
  }
}

/** A pattern's id follows from its text, so evidence names the same pattern however the list is reordered. */
function patternId(pattern: string): string {
  return `pat_${createHash('sha256').update(pattern).digest('hex').slice(0, 12)}`;
}
