/**
 * The personal-data guard as the API shows and accepts it: a network's policy, an organisation's own patterns,
 * exemptions, and the signed monthly data-protection report.
 */
import { z } from '@hono/zod-openapi';
import { isAddress } from 'ethers/address';
import {
  DATA_PROTECTION_MODES,
  EXEMPTION_DECISIONS,
  EXEMPTION_STATES,
  MAX_ORG_PATTERN_LENGTH,
  MAX_ORG_PATTERNS,
  PERSONAL_DATA_CHANNELS,
  PERSONAL_DATA_DETECTORS,
  PERSONAL_DATA_OUTCOMES,
} from '../domain/data-protection.ts';
import { Timestamp } from './common.schemas.ts';
import { MONTHLY_REPORT_FIELDS, signedReport } from './health.schemas.ts';
import { WellFormedText } from './text.schemas.ts';

const Mode = z.enum(DATA_PROTECTION_MODES).openapi({
  description:
    '`block` refuses personal data (the default), `flag` lets it through and records it, `off` inspects nothing',
});
const Detector = z.enum(PERSONAL_DATA_DETECTORS);

export const SetDataProtectionPolicy = z.strictObject({ mode: Mode }).openapi('SetDataProtectionPolicy');
export type SetDataProtectionPolicy = z.infer<typeof SetDataProtectionPolicy>;

export const DataProtectionPolicyView = z
  .object({
    networkId: z.string(),
    mode: Mode,
    isDefault: z.boolean().openapi({ description: 'True while no operator has set the policy (`block`)' }),
    updatedAt: Timestamp.nullable(),
  })
  .openapi('DataProtectionPolicy');

export const SetOrgPatterns = z
  .strictObject({
    patterns: z
      .array(
        z.strictObject({
          name: WellFormedText.trim().min(1).max(60).openapi({ example: 'Journal number' }),
          pattern: WellFormedText.min(1).max(MAX_ORG_PATTERN_LENGTH).openapi({
            example: 'JRN-\\d{8}',
            description: 'RE2 syntax (no backreferences or lookaround); matching takes time linear in the text',
          }),
        }),
      )
      .max(MAX_ORG_PATTERNS)
      .refine(
        (list) => new Set(list.map((p) => p.name.toLowerCase())).size === list.length,
        'Give each pattern its own name',
      )
      .refine((list) => new Set(list.map((p) => p.pattern)).size === list.length, 'List each pattern once'),
  })
  .openapi('SetOrgPatterns');
export type SetOrgPatterns = z.infer<typeof SetOrgPatterns>;

const OrgPatternView = z.object({ id: z.string(), name: z.string(), pattern: z.string() });

export const OrgPatternsView = z
  .object({ patterns: z.array(OrgPatternView), updatedAt: Timestamp.nullable() })
  .openapi('OrgPatterns');

export const RequestExemption = z
  .strictObject({
    networkId: z.string().regex(/^net_[a-z2-7]{20}$/, 'Not a network id'),
    contract: z
      .string()
      .refine((value) => isAddress(value), 'Not an address')
      .openapi({ example: '0x5FbDB2315678afecb367f032d93F642f64180aa3' }),
    detector: Detector,
    reason: WellFormedText.trim()
      .min(10, 'Say in a sentence why the contract must carry this kind of data')
      .max(1000)
      .openapi({ example: 'Staff e-mail addresses in the duty roster contract; no patient data' }),
  })
  .openapi('RequestExemption');
export type RequestExemption = z.infer<typeof RequestExemption>;

export const ExemptionView = z
  .object({
    id: z.string(),
    orgId: z.string(),
    networkId: z.string(),
    contract: z.string(),
    detector: Detector,
    reason: z.string(),
    state: z.enum(EXEMPTION_STATES),
    requestedAt: Timestamp,
    decidedAt: Timestamp.nullable(),
    decisionNote: z.string().nullable(),
  })
  .openapi('Exemption');
export const ExemptionList = z.object({ items: z.array(ExemptionView) }).openapi('ExemptionList');

export const ExemptionQuery = z.object({ state: z.enum(EXEMPTION_STATES).optional() });

export const DecideExemption = z
  .strictObject({
    decision: z.enum(EXEMPTION_DECISIONS),
    note: WellFormedText.trim().max(1000).optional(),
  })
  .openapi('DecideExemption');
export type DecideExemption = z.infer<typeof DecideExemption>;

export const DATA_PROTECTION_REPORT_SCHEMA = 'carechain.data-protection-report/1';

export const DataProtectionReport = z
  .object({
    schema: z.literal(DATA_PROTECTION_REPORT_SCHEMA),
    ...MONTHLY_REPORT_FIELDS,
    signer: z.string().openapi({ description: 'The platform address that signs the report' }),
    policies: z.array(
      z.object({
        networkId: z.string(),
        networkName: z.string(),
        mode: Mode,
        isDefault: z.boolean(),
        updatedAt: Timestamp.nullable(),
      }),
    ),
    patterns: z.array(OrgPatternView),
    exemptions: z.array(ExemptionView.omit({ orgId: true })),
    counts: z
      .array(
        z.object({
          detector: Detector,
          outcome: z.enum(PERSONAL_DATA_OUTCOMES),
          channel: z.enum(PERSONAL_DATA_CHANNELS),
          requests: z.number().int().openapi({ description: 'Requests in which the detector matched' }),
          findings: z.number().int(),
          distinctValues: z
            .number()
            .int()
            .openapi({ description: 'Distinct values found (told apart by their salted hashes)' }),
        }),
      )
      .openapi({ description: 'By detector, outcome and channel' }),
    totals: z.object({
      blockedRequests: z.number().int(),
      flaggedRequests: z.number().int(),
      findings: z.number().int(),
    }),
    notes: z.array(z.string()),
  })
  .openapi('DataProtectionReport');
export type DataProtectionReport = z.infer<typeof DataProtectionReport>;

export const SignedDataProtectionReport = signedReport(DataProtectionReport, 'SignedDataProtectionReport');
export type SignedDataProtectionReport = z.infer<typeof SignedDataProtectionReport>;
