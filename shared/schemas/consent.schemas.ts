/**
 * The consent ledger as the API accepts and shows it: a patient's signed actions (give, withdraw, block) that a
 * member organisation relays, the check a member's FHIR server asks before it releases records, the records and
 * the access log. Codes are HL7 v3 ActReason purposes and FHIR resource type names; hashes, pseudonyms and
 * signatures are 0x-hex. Nothing here names a person: the subject is a per-organisation pseudonym.
 */
import { z } from '@hono/zod-openapi';
import { isAddress } from 'ethers/address';
import { ZeroHash } from 'ethers/constants';
import {
  CONSENT_STATUSES,
  FHIR_RESOURCE_TYPE_PATTERN,
  MAX_RESOURCE_TYPES,
  PURPOSES_OF_USE,
} from '../domain/consent-codes.ts';
import { OrgId, SigningKeyId, Timestamp } from './common.schemas.ts';

export const Bytes32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, 'A 32-byte value in hex: 0x and 64 hex digits')
  .openapi({ example: `0x${'3f'.repeat(32)}` });

export const EthereumAddress = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'An Ethereum address: 0x and 40 hex digits')
  .refine((value) => isAddress(value), 'Not an Ethereum address (check the capitalisation, EIP-55)')
  .openapi({ example: '0x8ba1f109551bD432803012645Ac136ddd64DBA72' });

export const Signature = z
  .string()
  .regex(/^0x[0-9a-fA-F]{130}$/, 'A 65-byte signature in hex (r‖s‖v): 0x and 130 hex digits')
  .openapi({ description: 'The EIP-712 signature of the patient’s pairwise key for this organisation' });

export const Purpose = z.enum(PURPOSES_OF_USE).openapi({
  description: 'Purpose of use, HL7 v3 ActReason: TREAT, ETREAT, HPAYMT, HOPERAT, HRESCH or PATRQT',
});

export const ResourceType = z
  .string()
  .regex(FHIR_RESOURCE_TYPE_PATTERN, 'A FHIR resource type name, e.g. Observation')
  .openapi({ example: 'Observation' });

const UnixSeconds = z
  .number()
  .int()
  .min(0)
  .max(2 ** 53 - 1);
const OpenBound = UnixSeconds.default(0).openapi({ description: 'Unix seconds; 0 (the default) leaves it open' });

const RelayingKey = {
  keyId: SigningKeyId.openapi({
    description:
      'The signing key of your organisation that relays (a consortium member on this network): it signs and sends ' +
      'the transaction; the network is free-gas',
  }),
};

const SignedBy = {
  nonce: UnixSeconds.openapi({ description: 'The signing key’s nonce on the ledger (each signature is used once)' }),
  deadline: UnixSeconds.openapi({ description: 'Unix seconds after which the signature is refused' }),
  signature: Signature,
};

/** The terms exactly as the patient signed them (GiveConsent), codes in words. */
export const ConsentTermsBody = z
  .strictObject({
    subject: Bytes32.openapi({ description: 'The pseudonym: keccak256(abi.encode(patientKey, didCommitment))' }),
    patientKey: EthereumAddress.openapi({ description: 'The patient’s pairwise key for this grantee, which signs' }),
    didCommitment: Bytes32.openapi({ description: 'keccak256(abi.encode(salt, did)): the salted hash of the DID' }),
    grantee: EthereumAddress.openapi({ description: 'The member organisation’s address the consent is given to' }),
    purpose: Purpose,
    resourceTypes: z.array(ResourceType).min(1).max(MAX_RESOURCE_TYPES),
    dataFrom: OpenBound,
    dataUntil: OpenBound,
    validFrom: OpenBound,
    validUntil: OpenBound,
    permit: z.boolean().openapi({ description: 'true permits, false denies (a deny wins over any permit)' }),
    policyHash: Bytes32.openapi({ description: 'Hash of the human-readable policy text, kept off chain' }),
    receiptHash: Bytes32.openapi({ description: 'Hash of the ISO/IEC TS 27560 consent receipt, kept off chain' }),
    supersedes: Bytes32.default(ZeroHash).openapi({ description: 'The consent this one replaces, if any' }),
  })
  .openapi('ConsentTerms');
export type ConsentTermsBody = z.infer<typeof ConsentTermsBody>;

export const SignedConsent = z
  .strictObject({ terms: ConsentTermsBody, ...SignedBy })
  .openapi('SignedConsent', { description: 'A GiveConsent the patient signed (EIP-712)' });
export type SignedConsent = z.infer<typeof SignedConsent>;
export const RelayConsent = z
  .strictObject({ ...RelayingKey, terms: ConsentTermsBody, ...SignedBy })
  .openapi('RelayConsent');
export type RelayConsent = z.infer<typeof RelayConsent>;

export const SignedWithdrawal = z
  .strictObject(SignedBy)
  .openapi('SignedWithdrawal', { description: 'A WithdrawConsent the patient signed (EIP-712)' });
export type SignedWithdrawal = z.infer<typeof SignedWithdrawal>;
export const RelayWithdrawal = z.strictObject({ ...RelayingKey, ...SignedBy }).openapi('RelayWithdrawal');
export type RelayWithdrawal = z.infer<typeof RelayWithdrawal>;

const BlockFields = {
  subject: Bytes32,
  grantee: EthereumAddress,
  blocked: z.boolean().openapi({ description: 'true blocks ("spärr"): every check denies; false lifts the block' }),
};
export const SignedBlock = z
  .strictObject({ ...BlockFields, ...SignedBy })
  .openapi('SignedBlock', { description: 'A SetBlock the patient signed (EIP-712)' });
export type SignedBlock = z.infer<typeof SignedBlock>;
export const RelayBlock = z.strictObject({ ...RelayingKey, ...BlockFields, ...SignedBy }).openapi('RelayBlock');
export type RelayBlock = z.infer<typeof RelayBlock>;

export const ConsentIdParam = Bytes32.openapi({ description: 'The consent’s id on the ledger' });

export const ConsentView = z
  .object({
    id: z.string(),
    subject: z.string(),
    grantee: z.string(),
    granteeName: z.string().nullable().openapi({ description: 'The grantee organisation’s name, when known' }),
    controller: z.string().openapi({ description: 'The pairwise key that controls the pseudonym' }),
    purpose: z.string(),
    resourceTypes: z.array(z.string()),
    dataFrom: Timestamp.nullable(),
    dataUntil: Timestamp.nullable(),
    validFrom: Timestamp.nullable(),
    validUntil: Timestamp.nullable(),
    decision: z.enum(['permit', 'deny']),
    status: z.enum(CONSENT_STATUSES),
    recordedAt: Timestamp,
    policyHash: z.string(),
    receiptHash: z.string(),
    supersedes: z.string().nullable(),
  })
  .openapi('Consent');
export type ConsentView = z.infer<typeof ConsentView>;

export const RelayedConsent = z
  .object({
    transactionHash: z.string(),
    blockNumber: z.number().int(),
    relayedBy: z.string().openapi({ description: 'The member address that relayed' }),
    consent: ConsentView,
  })
  .openapi('RelayedConsent');

export const RelayedBlock = z
  .object({
    transactionHash: z.string(),
    blockNumber: z.number().int(),
    relayedBy: z.string(),
    subject: z.string(),
    grantee: z.string(),
    blocked: z.boolean(),
  })
  .openapi('RelayedBlock');

export const ConsentCheckQuery = z.object({
  subject: Bytes32.openapi({ param: { description: 'The pseudonym the patient gave your organisation' } }),
  grantee: EthereumAddress.openapi({ param: { description: 'The member address that would read' } }),
  purpose: Purpose,
  resourceType: ResourceType,
  orgId: OrgId.optional().openapi({
    description: 'Signed-in users: the organisation the check is for (metered to it); API keys use their own',
  }),
});

export const ConsentCheck = z
  .object({
    decision: z.enum(['permit', 'deny']),
    consent: ConsentView.nullable().openapi({
      description: 'The record that decides: the permitting consent, or the deny that wins; null when none applies',
    }),
    blocked: z.boolean().openapi({ description: 'The patient blocked this grantee: every check denies' }),
    blockNumber: z.number().int().openapi({ description: 'The block the answer was read at (at most one behind)' }),
    cached: z.boolean().openapi({ description: 'Answered from the cache of this block' }),
  })
  .openapi('ConsentCheck');
export type ConsentCheck = z.infer<typeof ConsentCheck>;

export const AccessView = z
  .object({
    subject: z.string(),
    grantee: z.string(),
    granteeName: z.string().nullable(),
    consentId: z.string().nullable().openapi({ description: 'The consent that permitted it; null in an emergency' }),
    purpose: z.string(),
    resourceType: z.string(),
    emergency: z.boolean().openapi({ description: 'Emergency access without consent (nödöppning)' }),
    loggedAt: Timestamp,
    blockNumber: z.number().int(),
    transactionHash: z.string(),
  })
  .openapi('Access');
export type AccessView = z.infer<typeof AccessView>;

export const LogAccess = z
  .strictObject({
    keyId: SigningKeyId.openapi({ description: 'Your organisation’s member key that logs (and is the grantee)' }),
    subject: Bytes32.openapi({ description: 'The pseudonym the patient gave your organisation' }),
    purpose: Purpose,
    resourceType: ResourceType,
    emergency: z.boolean().default(false).openapi({
      description: 'Emergency access without consent (nödöppning): always logged as such and shown to the patient',
    }),
  })
  .openapi('LogAccess');
export type LogAccess = z.infer<typeof LogAccess>;

export const LoggedAccess = z
  .object({ transactionHash: z.string(), blockNumber: z.number().int(), access: AccessView })
  .openapi('LoggedAccess');

export const AccessListQuery = z.object({
  before: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 ** 53 - 1)
    .optional()
    .openapi({ description: 'Only accesses in blocks before this one (the previous page’s nextBefore)' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .optional()
    .openapi({ description: 'Blocks with accesses per page (default 20)' }),
});

export const AccessList = z
  .object({
    items: z.array(AccessView).openapi({ description: 'Newest first' }),
    grantees: z.array(z.string()).openapi({ description: 'Your organisation’s key addresses the log was read for' }),
    counts: z.object({
      byPurpose: z.record(z.string(), z.number().int()),
      emergency: z.number().int(),
      total: z.number().int(),
    }),
    nextBefore: z.number().int().nullable(),
  })
  .openapi('AccessList');
export type AccessList = z.infer<typeof AccessList>;
