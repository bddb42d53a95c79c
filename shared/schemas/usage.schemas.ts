/**
 * An organisation's metered usage as the API shows it (`GET /v1/orgs/{orgId}/usage`): one series per meter, by hour
 * or by UTC day. The metering code builds exactly this shape, and the console reads it.
 */
import { z } from '@hono/zod-openapi';
import { METERS, type Meter, USAGE_GRANULARITIES } from '../domain/metering.ts';
import { Timestamp } from './common.schemas.ts';

export const UsageQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Default: the start of this month (UTC)' }),
  to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Default: now' }),
  granularity: z.enum(USAGE_GRANULARITIES).default('day'),
});

export const MeterSeries = z.object({
  unit: z.string().openapi({ description: 'The unit values are in (node_hours in node-seconds)' }),
  total: z.number(),
  points: z
    .array(
      z.object({
        start: z.string().openapi({ description: 'Start of the bucket: an hour key or a UTC midnight' }),
        value: z.number(),
      }),
    )
    .openapi({ description: 'One point per bucket in the range, zeros included, oldest first' }),
});
export type MeterSeries = z.infer<typeof MeterSeries>;

export const UsageView = z
  .object({
    orgId: z.string(),
    from: Timestamp,
    to: Timestamp,
    granularity: z.enum(USAGE_GRANULARITIES),
    meters: z.object(
      Object.fromEntries(METERS.map((meter) => [meter, MeterSeries])) as Record<Meter, typeof MeterSeries>,
    ),
  })
  .openapi('Usage');
export type UsageView = z.infer<typeof UsageView>;
