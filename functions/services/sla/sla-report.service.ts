/**
 * Uptime rollups and SLA reports, read while a request is answered and built by the daily job (docs/architecture.md,
 * "Health, recovery and SLA"). A node's day is rolled up from its health samples into downtime windows
 * (recomputable at any time; finished days are stored). An organisation's monthly report puts each node's days
 * together: RPC availability, downtime windows, block production apart, the plan's target and the credit earned.
 * The report's canonical JSON is signed with the platform key (EIP-191), so a member checks it with
 * `ethers.verifyMessage(payload, signature)` against the platform's published address.
 */

import type { NetworkIncident } from '../../../shared/domain/network-incident.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';
import { getPlan, isPlanId } from '../../../shared/domain/plans.ts';
import {
  DEFAULT_SLA_TERMS,
  type DowntimeWindow,
  dayRange,
  daysOverlapping,
  downtimeWindows,
  type Interval,
  monthRange,
  type NodeSlaResult,
  nodeMonthSla,
  SLA_REPORT_SCHEMA,
  type SlaTerms,
  type StatusPoint,
  slaTermsFromPlan,
  totalMs,
} from '../../../shared/domain/sla.ts';
import { NotFoundError, ValidationError } from '../../../shared/errors.ts';
import type { Logger } from '../../../shared/observability/logger.ts';
import type { SignedSlaReport, SlaReport } from '../../../shared/schemas/health.schemas.ts';
import type { HealthRepository, StoredSample, UptimeRollup } from '../../../shared/store/health.repository.ts';
import type { NetworkHealthRepository } from '../../../shared/store/network-health.repository.ts';
import type { NodesRepository } from '../../../shared/store/nodes.repository.ts';
import type { OrganisationsRepository } from '../../../shared/store/organisations.repository.ts';
import { type MessageSigner, signReport } from '../platform/report-signing.ts';

export type { MessageSigner };

export interface SlaReportDeps {
  readonly nodes: NodesRepository;
  readonly organisations: OrganisationsRepository;
  readonly health: HealthRepository;
  readonly signer: MessageSigner;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** The SLA an organisation's plan promises. @default DEFAULT_SLA_TERMS (99.9 %, the reference ladder) */
  readonly slaTermsOf?: (orgId: string) => Promise<SlaTerms>;
  /** Network incidents (stalls), reported beside the nodes' own availability; none reported without it. */
  readonly networkHealth?: Pick<NetworkHealthRepository, 'incidentsDuring'>;
  /** A probe speaks for at most this long: longer silences are not downtime. @default 300_000 */
  readonly maxSampleGapMs?: number;
}

/**
 * `slaTermsOf` from the plan catalogue: the organisation's plan (as billing records it) gives the target, the
 * ladder and the node fees; an organisation without a plan gets the reference terms.
 */
export function slaTermsFromPlans(planIdOf: (orgId: string) => Promise<string | undefined>) {
  return async (orgId: string): Promise<SlaTerms> => {
    const planId = await planIdOf(orgId);
    return planId && isPlanId(planId) ? slaTermsFromPlan(getPlan(planId)) : DEFAULT_SLA_TERMS;
  };
}

export class SlaReportService {
  protected readonly deps: SlaReportDeps;
  readonly #maxGapMs: number;

  constructor(deps: SlaReportDeps) {
    this.deps = deps;
    this.#maxGapMs = deps.maxSampleGapMs ?? 300_000;
  }

  /** A node's day from its samples (up to now for today); stored once the day is over. */
  async rollupDay(node: Pick<NodeRecord, 'id' | 'orgId'>, day: string): Promise<UptimeRollup> {
    const now = this.deps.clock().getTime();
    const range = dayRange(day);
    const covered: Interval = { start: range.start, end: Math.max(range.start, Math.min(range.end, now)) };
    const from = iso(covered.start);
    const [samples, carryIn] = await Promise.all([
      covered.end > covered.start ? this.deps.health.allSamples(node.id, from, iso(covered.end)) : [],
      this.deps.health.sampleBefore(node.id, from),
    ]);
    const windows = (down: (s: StoredSample) => boolean) =>
      downtimeWindows(
        samples.map((s) => point(s, down)),
        covered,
        carryIn ? { maxGapMs: this.#maxGapMs, carryIn: point(carryIn, down) } : { maxGapMs: this.#maxGapMs },
      );
    const rpcDowntime = windows((s) => s.health === 'unhealthy');
    const blockDowntime = windows((s) => !s.headAdvancing);
    const rollup: UptimeRollup = {
      nodeId: node.id,
      orgId: node.orgId,
      day,
      complete: covered.end === range.end,
      coveredUntil: iso(covered.end),
      samples: samples.length,
      unhealthySamples: samples.filter((s) => s.health === 'unhealthy').length,
      degradedSamples: samples.filter((s) => s.health === 'degraded').length,
      rpcDowntime,
      blockDowntime,
      rpcDowntimeMs: totalMs(rpcDowntime),
      blockDowntimeMs: totalMs(blockDowntime),
      computedAt: iso(now),
    };
    if (rollup.complete) await this.deps.health.saveRollup(rollup);
    return rollup;
  }

  /** One rollup per UTC day of `range`: stored finished days as they are, the others computed now. */
  async uptime(node: Pick<NodeRecord, 'id' | 'orgId'>, range: Interval): Promise<UptimeRollup[]> {
    const days = daysOverlapping(range);
    const first = days[0];
    const last = days[days.length - 1];
    if (!first || !last) return [];
    const stored = new Map(
      (await this.deps.health.listRollups(node.id, first, last)).filter((r) => r.complete).map((r) => [r.day, r]),
    );
    return Promise.all(days.map((day) => stored.get(day) ?? this.rollupDay(node, day)));
  }

  /** The organisation's report for a month (to date, while it runs), built now and signed. */
  async generate(orgId: string, month: string): Promise<SignedSlaReport> {
    const org = await this.deps.organisations.get(orgId);
    if (!org) throw new NotFoundError('No such organisation');
    const now = this.deps.clock().getTime();
    const range = monthRange(month);
    if (range.start > now)
      throw new ValidationError('That month has not begun', [{ path: 'month', message: 'future' }]);
    const period: Interval = { start: range.start, end: Math.min(range.end, now) };
    const terms = (await this.deps.slaTermsOf?.(orgId)) ?? DEFAULT_SLA_TERMS;
    const nodes = (await this.deps.nodes.listByOrg(orgId)).filter((node) => existedDuring(node, period));
    const maintenance = await this.maintenanceOf(nodes, period);
    const results: NodeSlaResult[] = [];
    for (const node of nodes) {
      const lifetime: Interval = { start: Math.max(period.start, Date.parse(node.createdAt)), end: period.end };
      const days = await this.uptime(node, lifetime);
      const result = nodeMonthSla({
        node: { ...node, ...(node.state === 'terminated' && { endedAt: node.stateChangedAt }) },
        month,
        now,
        rpcDowntime: days.flatMap((d) => d.rpcDowntime as DowntimeWindow[]),
        blockDowntime: days.flatMap((d) => d.blockDowntime as DowntimeWindow[]),
        maintenance: (maintenance.get(node.networkId) ?? []).map(({ start, end }) => ({
          start: Date.parse(start),
          end: Date.parse(end),
        })),
        terms,
      });
      if (result) results.push(result);
    }
    const signer = await this.deps.signer.getAddress();
    const covered = results.filter((r) => r.covered);
    const report: SlaReport = {
      schema: SLA_REPORT_SCHEMA,
      orgId,
      organisationName: org.name,
      month,
      final: now >= range.end,
      generatedAt: iso(now),
      period: { start: iso(period.start), end: iso(period.end) },
      plan: {
        id: terms.planId ?? null,
        slaTargetPercent: terms.targetPercent ?? null,
        creditLadder: terms.ladder.map(({ below, creditPercent }) => ({ below, creditPercent })),
      },
      signer,
      maintenance: [...maintenance.values()].flat().map(({ networkId, start, end, description }) => ({
        networkId,
        start,
        end,
        description,
      })),
      nodes: results,
      networkIncidents: await this.incidentsOf(nodes, period),
      totals: {
        nodes: results.length,
        coveredNodes: covered.length,
        nodesBelowTarget: covered.filter((r) => r.metTarget === false).length,
        creditOre: covered.some((r) => r.creditOre !== null)
          ? covered.reduce((sum, r) => sum + (r.creditOre ?? 0), 0)
          : null,
      },
      notes: notesFor(nodes, this.#maxGapMs),
    };
    return signReport(this.deps.signer, report);
  }

  /**
   * The report a member asks for: a stored final report as it was signed; otherwise one built now, stored when the
   * month is over (and from then on final and unchanged).
   */
  async reportFor(orgId: string, month: string): Promise<SignedSlaReport> {
    const stored = await this.deps.health.getReport(orgId, month);
    if (stored?.final) return fromStored(stored);
    const fresh = await this.generate(orgId, month);
    return fresh.report.final ? this.store(fresh) : fresh;
  }

  /** Keeps a signed report; a final one, once kept, is never replaced. */
  async store(signed: SignedSlaReport): Promise<SignedSlaReport> {
    const kept = await this.deps.health.saveReport({
      orgId: signed.report.orgId,
      month: signed.report.month,
      final: signed.report.final,
      payload: signed.payload,
      signature: signed.signature,
      signer: signed.signer,
      generatedAt: signed.report.generatedAt,
    });
    return fromStored(kept);
  }

  /** The networks' incidents within the period, clipped to it, oldest first. */
  private async incidentsOf(nodes: readonly NodeRecord[], period: Interval) {
    const store = this.deps.networkHealth;
    if (!store) return [];
    const found: NetworkIncident[] = [];
    for (const networkId of new Set(nodes.map((n) => n.networkId))) {
      found.push(...(await store.incidentsDuring(networkId, iso(period.start), iso(period.end))));
    }
    return found
      .sort((a, b) => a.openedAt.localeCompare(b.openedAt))
      .map((incident) => {
        const start = Math.max(period.start, Date.parse(incident.openedAt));
        const end = Math.min(period.end, incident.resolvedAt ? Date.parse(incident.resolvedAt) : period.end);
        return {
          networkId: incident.networkId,
          incidentId: incident.id,
          kind: incident.kind,
          start: iso(start),
          end: iso(end),
          durationMs: Math.max(0, end - start),
          ongoing: incident.resolvedAt === undefined || Date.parse(incident.resolvedAt) > period.end,
          recovery:
            incident.recovery.attempts > 0
              ? `validators restarted together (${incident.recovery.attempts}×): ${incident.recovery.status}`
              : incident.recovery.status,
        };
      });
  }

  private async maintenanceOf(nodes: readonly NodeRecord[], period: Interval) {
    const byNetwork = new Map<string, Awaited<ReturnType<HealthRepository['listMaintenanceWindows']>>>();
    for (const networkId of new Set(nodes.map((n) => n.networkId))) {
      const windows = await this.deps.health.listMaintenanceWindows(networkId, iso(period.start), iso(period.end));
      if (windows.length) byNetwork.set(networkId, windows);
    }
    return byNetwork;
  }
}

function fromStored(stored: { payload: string; signature: string; signer: string }): SignedSlaReport {
  return {
    report: JSON.parse(stored.payload) as SlaReport,
    payload: stored.payload,
    signature: stored.signature,
    signer: stored.signer,
  };
}

function point(sample: StoredSample, down: (s: StoredSample) => boolean): StatusPoint {
  return { at: Date.parse(sample.at), down: down(sample), reason: sample.reason };
}

/** Whether a node existed during part of `interval` (created before its end, not terminated before its start). */
export function existedDuring(node: NodeRecord, interval: Interval): boolean {
  if (Date.parse(node.createdAt) >= interval.end) return false;
  return node.state !== 'terminated' || Date.parse(node.stateChangedAt) > interval.start;
}

function notesFor(nodes: readonly NodeRecord[], maxGapMs: number): string[] {
  const notes = [
    'Availability is the share of each node’s time in the month — from its creation (or the month’s start) to its ' +
      'deletion (or the month’s end, or now) — outside announced maintenance, during which it answered JSON-RPC.',
    'A downtime window opens at the first failed probe and closes at the next passing one; a probe speaks for at ' +
      `most ${Math.round(maxGapMs / 1000)} s, so time without probes is not counted as downtime.`,
    'Block production (the node’s head advancing within 3 block periods) is reported apart and does not change ' +
      'credits. Credits apply to managed nodes; self-hosted nodes are reported for information.',
  ];
  if (nodes.some((n) => n.runtime === 'anvil')) {
    notes.push(
      'Local development runtime: the nodes of a network share one anvil chain process, so a fault of that ' +
        'process is downtime for every node of the network.',
    );
  }
  return notes;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
