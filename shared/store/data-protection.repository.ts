/**
 * What the personal-data guard keeps (docs/architecture.md, "Personal-data guard"): each network's policy (absent:
 * the default, `block`), each organisation's own patterns, and exemptions. Evidence of blocks and flags is in the
 * audit log (audit.repository.ts), listed per organisation and month under GSI1. Every write is one conditional
 * single-item write: a new item needs its key to be free, a change needs the version it read.
 */
import {
  type DataProtectionMode,
  DEFAULT_DATA_PROTECTION_MODE,
  type Exemption,
  type ExemptionState,
  type OrgPattern,
} from '../domain/data-protection.ts';
import { gsi1, gsi2, keys } from './keys.ts';
import type { Item, ReadOptions, Table } from './table.ts';

export interface DataProtectionPolicy {
  readonly networkId: string;
  readonly mode: DataProtectionMode;
  /** Undefined while the network has the default (never set). */
  readonly updatedAt: string | undefined;
  readonly updatedBy: string | undefined;
  /** 0 while never set. */
  readonly version: number;
}

export interface OrgPatterns {
  readonly orgId: string;
  readonly patterns: readonly OrgPattern[];
  readonly updatedAt: string | undefined;
  readonly version: number;
}

type PolicyItem = Item & Omit<DataProtectionPolicy, 'version'> & { version: number };
type PatternsItem = Item & Omit<OrgPatterns, 'version'> & { version: number };
type ExemptionItem = Item & Exemption;

export class DataProtectionRepository {
  constructor(private readonly table: Table) {}

  async getPolicy(networkId: string, options: ReadOptions = {}): Promise<DataProtectionPolicy> {
    const key = keys.dataProtectionPolicy(networkId);
    const item = await (options.recent ? this.table.getRecent<PolicyItem>(key) : this.table.get<PolicyItem>(key));
    if (!item) {
      return { networkId, mode: DEFAULT_DATA_PROTECTION_MODE, updatedAt: undefined, updatedBy: undefined, version: 0 };
    }
    return {
      networkId,
      mode: item.mode,
      updatedAt: item.updatedAt,
      updatedBy: item.updatedBy,
      version: item.version,
    };
  }

  /** Sets the mode over the policy as it was read (`current`); someone else's change in between is a conflict. */
  async setPolicy(
    current: DataProtectionPolicy,
    change: { mode: DataProtectionMode; at: string; by: string },
  ): Promise<DataProtectionPolicy> {
    const fields = { networkId: current.networkId, mode: change.mode, updatedAt: change.at, updatedBy: change.by };
    if (current.version === 0) {
      await this.table.create<PolicyItem>(
        { ...keys.dataProtectionPolicy(current.networkId), ...fields, version: 1, type: 'data-protection-policy' },
        'The policy was changed by someone else; read it again and retry',
      );
      return { ...fields, version: 1 };
    }
    await this.table.update(keys.dataProtectionPolicy(current.networkId), current.version, fields);
    return { ...fields, version: current.version + 1 };
  }

  async getPatterns(orgId: string, options: ReadOptions = {}): Promise<OrgPatterns> {
    const key = keys.orgPatterns(orgId);
    const item = await (options.recent ? this.table.getRecent<PatternsItem>(key) : this.table.get<PatternsItem>(key));
    if (!item) return { orgId, patterns: [], updatedAt: undefined, version: 0 };
    return { orgId, patterns: item.patterns, updatedAt: item.updatedAt, version: item.version };
  }

  async setPatterns(current: OrgPatterns, patterns: readonly OrgPattern[], at: string): Promise<OrgPatterns> {
    if (current.version === 0) {
      await this.table.create<PatternsItem>(
        {
          ...keys.orgPatterns(current.orgId),
          orgId: current.orgId,
          patterns,
          updatedAt: at,
          version: 1,
          type: 'org-patterns',
        },
        'The patterns were changed by someone else; read them again and retry',
      );
      return { orgId: current.orgId, patterns, updatedAt: at, version: 1 };
    }
    await this.table.update(keys.orgPatterns(current.orgId), current.version, { patterns, updatedAt: at });
    return { orgId: current.orgId, patterns, updatedAt: at, version: current.version + 1 };
  }

  async createExemption(exemption: Exemption): Promise<Exemption> {
    await this.table.create<ExemptionItem>({
      ...keys.exemption(exemption.id),
      ...exemption,
      type: 'data-protection-exemption',
      gsi1pk: gsi1.exemptionsOfOrg(exemption.orgId),
      gsi1sk: `${exemption.requestedAt}#${exemption.id}`,
      gsi2pk: gsi2.exemptions(),
      gsi2sk: `${exemption.requestedAt}#${exemption.id}`,
    });
    return exemption;
  }

  async getExemption(exemptionId: string): Promise<Exemption | undefined> {
    const item = await this.table.get<ExemptionItem>(keys.exemption(exemptionId));
    return item ? toExemption(item) : undefined;
  }

  /** An organisation's exemptions, oldest first (read from GSI1, so a change shows within a moment). */
  async listExemptions(orgId: string): Promise<Exemption[]> {
    const items = await this.table.queryAll<ExemptionItem>(gsi1.exemptionsOfOrg(orgId), { index: 'gsi1' });
    return items.map(toExemption);
  }

  /** Every organisation's exemptions, newest first, for operators. */
  async listAllExemptions(): Promise<Exemption[]> {
    const items = await this.table.queryAll<ExemptionItem>(gsi2.exemptions(), { index: 'gsi2', newestFirst: true });
    return items.map(toExemption);
  }

  /** Records a decision on the exemption as it was read; guarded by its version and the state it starts from. */
  async decideExemption(
    current: Exemption,
    change: { state: ExemptionState; at: string; by: string; note: string | undefined },
  ): Promise<Exemption> {
    const updated = await this.table.update<ExemptionItem>(
      keys.exemption(current.id),
      current.version,
      { state: change.state, decidedAt: change.at, decidedBy: change.by, decisionNote: change.note },
      {
        extraCondition: {
          expression: '#state = :from',
          names: { '#state': 'state' },
          values: { ':from': current.state },
        },
      },
    );
    return toExemption(updated);
  }
}

function toExemption(item: ExemptionItem): Exemption {
  return {
    id: item.id,
    orgId: item.orgId,
    networkId: item.networkId,
    contract: item.contract,
    detector: item.detector,
    reason: item.reason,
    state: item.state,
    requestedAt: item.requestedAt,
    requestedBy: item.requestedBy,
    decidedAt: item.decidedAt,
    decidedBy: item.decidedBy,
    decisionNote: item.decisionNote,
    version: item.version,
  };
}
