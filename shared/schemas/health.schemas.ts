/**
 * Node health, uptime and SLA reports as the API shows them. The SLA report schema is also the report's type:
 * the job builds exactly this object, its canonical JSON is what the platform key signs.
 */
import { z } from '@hono/zod-openapi';
import { BESU_PROBE_RESULTS, NODE_HEALTHS, RECOVERY_OUTCOMES } from '../domain/health.ts';
import { MAINTENANCE_STATUSES, SLA_REPORT_SCHEMA } from '../domain/sla.ts';
import { Timestamp } from './common.schemas.ts';
import { WellFormedText } from './text.schemas.ts';

const IsoDateTime = z.iso.datetime({ offset: false }).openapi({ example: '2026-11-24T12:00:00.000Z' });

export const NodeHealthQuery = z.object({
  from: IsoDateTime.optional().openapi({ description: 'Start (inclusive); default one hour before `to`' }),
  to: IsoDateTime.optional().openapi({ description: 'End (exclusive); default now' }),
  limit: z.coerce.number().int().min(1).max(2000).optional().openapi({ description: 'Samples per page (default 500)' }),
  cursor: z.string().max(2048).optional().openapi({ description: 'From the previous page’s `nextCursor`' }),
});

export const HealthSampleView = z
  .object({
    at: Timestamp,
    health: z.enum(NODE_HEALTHS),
    reason: z.string(),
    rpcOk: z.boolean(),
    latencyMs: z.number().nullable(),
    blockNumber: z.number().int().nullable(),
    headAdvancing: z.boolean(),
    syncing: z.boolean().nullable(),
    peerCount: z.number().int().nullable(),
    liveness: z.enum(BESU_PROBE_RESULTS).nullable(),
    readiness: z.enum(BESU_PROBE_RESULTS).nullable(),
    consecutiveFailures: z.number().int(),
    recovery: z
      .object({ attempt: z.number().int(), outcome: z.enum(RECOVERY_OUTCOMES), error: z.string().nullable() })
      .nullable()
      .openapi({ description: 'Set when the monitor tried a restart after this probe' }),
  })
  .openapi('HealthSample');
export type HealthSampleView = z.infer<typeof HealthSampleView>;

export const TimeWindow = z
  .object({ start: Timestamp, end: Timestamp, durationMs: z.number().int(), reason: z.string().nullable() })
  .openapi('TimeWindow');

export const UptimeDayView = z
  .object({
    day: z.string().openapi({ example: '2026-11-24' }),
    complete: z.boolean().openapi({ description: 'False for a day not over yet' }),
    coveredUntil: Timestamp,
    samples: z.number().int(),
    rpcDowntimeMs: z.number().int(),
    blockDowntimeMs: z.number().int(),
    rpcAvailabilityPercent: z.number(),
    blockProductionPercent: z.number(),
    rpcDowntime: z.array(TimeWindow),
  })
  .openapi('UptimeDay');

export const NodeHealthView = z
  .object({
    nodeId: z.string(),
    health: z.enum(NODE_HEALTHS).nullable().openapi({ description: 'Null until the node’s first probe' }),
    healthReason: z.string().nullable(),
    healthChangedAt: Timestamp.nullable(),
    from: Timestamp,
    to: Timestamp,
    samples: z.array(HealthSampleView).openapi({ description: 'Newest first' }),
    nextCursor: z.string().nullable(),
    uptime: z.array(UptimeDayView).openapi({ description: 'One entry per UTC day the range touches' }),
  })
  .openapi('NodeHealth');

export const SlaMonthQuery = z.object({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'A month is written YYYY-MM')
    .openapi({ example: '2026-11' }),
});

const Availability = z.object({
  downtimeMs: z.number().int(),
  availabilityPercent: z.number().openapi({ description: 'Truncated to four decimals, never rounded up' }),
  windows: z.array(TimeWindow),
});

export const NodeSla = z
  .object({
    nodeId: z.string(),
    name: z.string(),
    networkId: z.string(),
    hosting: z.string(),
    size: z.string(),
    covered: z.boolean().openapi({ description: 'Managed nodes under a plan with an SLA target' }),
    periodStart: Timestamp,
    periodEnd: Timestamp,
    partial: z.boolean(),
    maintenanceMs: z.number().int(),
    eligibleMs: z.number().int(),
    rpc: Availability.openapi({ description: 'JSON-RPC availability; credits are computed from it' }),
    blockProduction: Availability.openapi({
      description: 'Time the node served a head that advanced within 3 block periods, reported apart',
    }),
    targetPercent: z.number().nullable(),
    metTarget: z.boolean().nullable(),
    creditPercent: z.number(),
    creditOre: z.number().int().nullable(),
  })
  .openapi('NodeSla');

/** What every monthly report of an organisation begins with (SLA and data-protection reports). */
export const MONTHLY_REPORT_FIELDS = {
  orgId: z.string(),
  organisationName: z.string(),
  month: z.string(),
  final: z.boolean().openapi({ description: 'False while the month is in progress (month to date)' }),
  generatedAt: Timestamp,
  period: z.object({ start: Timestamp, end: Timestamp }),
};

export const SlaReport = z
  .object({
    schema: z.literal(SLA_REPORT_SCHEMA),
    ...MONTHLY_REPORT_FIELDS,
    plan: z.object({
      id: z.string().nullable(),
      slaTargetPercent: z.number().nullable(),
      creditLadder: z.array(z.object({ below: z.number(), creditPercent: z.number() })),
    }),
    signer: z.string().openapi({ description: 'The platform address that signs the report' }),
    maintenance: z.array(
      z.object({ networkId: z.string(), start: Timestamp, end: Timestamp, description: z.string() }),
    ),
    nodes: z.array(NodeSla),
    networkIncidents: z
      .array(
        z.object({
          networkId: z.string(),
          incidentId: z.string(),
          kind: z.enum(['stalled', 'below-quorum']),
          start: Timestamp,
          end: Timestamp,
          durationMs: z.number().int(),
          ongoing: z.boolean().openapi({ description: 'Still open at the end of the period' }),
          recovery: z.string().openapi({ description: 'How it was recovered (coordinated restart, …)' }),
        }),
      )
      .optional()
      .openapi({
        description:
          'Times the networks of the organisation’s nodes sealed no block (stalled, or below quorum), within the ' +
          'period: their nodes answered, yet no transaction could be written. Reports signed before these were ' +
          'recorded do not carry the field.',
      }),
    totals: z.object({
      nodes: z.number().int(),
      coveredNodes: z.number().int(),
      nodesBelowTarget: z.number().int(),
      creditOre: z.number().int().nullable(),
    }),
    notes: z.array(z.string()),
  })
  .openapi('SlaReport');
export type SlaReport = z.infer<typeof SlaReport>;

/** A report as the platform key signs it (SLA and data-protection reports): the report, and what was signed. */
export function signedReport<R extends z.ZodTypeAny>(report: R, name: string) {
  return z
    .object({
      report,
      payload: z
        .string()
        .openapi({ description: 'Canonical JSON of `report` (sorted keys, no whitespace): what was signed' }),
      signature: z.string().openapi({ description: 'EIP-191 personal-message signature of `payload`' }),
      signer: z
        .string()
        .openapi({ description: 'Address that `ethers.verifyMessage(payload, signature)` must return' }),
    })
    .openapi(name);
}

export const SignedSlaReport = signedReport(SlaReport, 'SignedSlaReport');
export type SignedSlaReport = z.infer<typeof SignedSlaReport>;

export const PlatformView = z
  .object({
    name: z.string(),
    signingAddress: z
      .string()
      .openapi({ description: 'Signs SLA and data-protection reports; compare with `signer` of any report' }),
    signatureScheme: z.literal('EIP-191'),
    verification: z.string(),
  })
  .openapi('Platform');

const IsoInstant = z.iso
  .datetime({ offset: true })
  .openapi({ format: 'date-time', example: '2026-12-06T02:00:00.000Z' });

export const CreateMaintenanceWindow = z
  .strictObject({
    start: IsoInstant,
    end: IsoInstant,
    description: WellFormedText.trim().min(1).max(500).openapi({ example: 'Besu upgrade to 25.10' }),
  })
  .openapi('CreateMaintenanceWindow');

export const MaintenanceWindowView = z
  .object({
    id: z.string(),
    networkId: z.string(),
    start: Timestamp,
    end: Timestamp,
    description: z.string(),
    status: z.enum(MAINTENANCE_STATUSES),
  })
  .openapi('MaintenanceWindow');

export const MaintenanceWindowList = z.object({ items: z.array(MaintenanceWindowView) }).openapi('MaintenanceWindows');

export const MaintenanceQuery = z.object({
  from: IsoInstant.optional().openapi({ description: 'Windows ending after this (default: 31 days ago)' }),
  to: IsoInstant.optional().openapi({ description: 'Windows starting before this (default: one year ahead)' }),
});
