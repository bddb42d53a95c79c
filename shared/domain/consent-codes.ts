/**
 * The consent ledger's codes as people and schemas read them: purposes of use, the statuses of a consent, FHIR
 * resource type names. Apart from their on-chain encoding (consent.ts), so that validating a request does not load
 * ethers' ABI coder.
 */

/**
 * Purposes of use, HL7 v3 ActReason (v3-ActReason code system, 2.16.840.1.113883.5.8): treatment, emergency
 * treatment, payment, operations, research, and the patient's own request.
 */
export const PURPOSES_OF_USE = ['TREAT', 'ETREAT', 'HPAYMT', 'HOPERAT', 'HRESCH', 'PATRQT'] as const;
export type PurposeOfUse = (typeof PURPOSES_OF_USE)[number];

/** In the order of the Solidity enum `Status`. */
export const CONSENT_STATUSES = ['none', 'active', 'withdrawn', 'superseded'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

/** A FHIR resource type name (`Observation`, `MedicationStatement`): PascalCase letters, at most 31 characters. */
export const FHIR_RESOURCE_TYPE_PATTERN = /^[A-Z][A-Za-z]{1,30}$/;

/** At most this many resource types in one consent (the contract's MAX_RESOURCE_TYPES). */
export const MAX_RESOURCE_TYPES = 32;
