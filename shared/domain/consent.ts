/**
 * The consent ledger's vocabulary, shared by the API, the contract binding and the patient's browser: purposes of
 * use (HL7 v3 ActReason), FHIR R5 resource types as codes, the statuses of a consent, and the EIP-712 domain and
 * types of the three actions a patient signs (give, withdraw, block), exactly as ConsentLedger.sol hashes them.
 * Codes travel on chain as bytes32 words (`codeWord`), so they must fit 31 bytes. The codes themselves are in
 * consent-codes.ts, which the API's schemas read without ethers' ABI coder.
 */
import type { TypedDataDomain, TypedDataField } from 'ethers';
import { decodeBytes32String, encodeBytes32String } from 'ethers/abi';
import { ZeroHash } from 'ethers/constants';
import type { PurposeOfUse } from './consent-codes.ts';

/** The EIP-712 types of the patient's three actions, exactly as the contract hashes them. */
export const CONSENT_TYPES = {
  GiveConsent: [
    { name: 'subject', type: 'bytes32' },
    { name: 'patientKey', type: 'address' },
    { name: 'didCommitment', type: 'bytes32' },
    { name: 'grantee', type: 'address' },
    { name: 'purpose', type: 'bytes32' },
    { name: 'resourceTypes', type: 'bytes32[]' },
    { name: 'dataFrom', type: 'uint64' },
    { name: 'dataUntil', type: 'uint64' },
    { name: 'validFrom', type: 'uint64' },
    { name: 'validUntil', type: 'uint64' },
    { name: 'permit', type: 'bool' },
    { name: 'policyHash', type: 'bytes32' },
    { name: 'receiptHash', type: 'bytes32' },
    { name: 'supersedes', type: 'bytes32' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
  WithdrawConsent: [
    { name: 'consentId', type: 'bytes32' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
  SetBlock: [
    { name: 'subject', type: 'bytes32' },
    { name: 'grantee', type: 'address' },
    { name: 'blocked', type: 'bool' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
} as const satisfies Record<string, readonly TypedDataField[]>;

export type ConsentAction = keyof typeof CONSENT_TYPES;

/** The types of one action, as ethers' signTypedData and verifyTypedData (and wallets) take them. */
export function consentTypesOf(action: ConsentAction): Record<string, TypedDataField[]> {
  return { [action]: [...CONSENT_TYPES[action]] };
}

/** The domain a patient's signature is bound to: one ledger on one chain. */
export function consentDomain(chainId: number, ledgerAddress: string): TypedDataDomain {
  return { name: 'CareChain Consent Ledger', version: '1', chainId, verifyingContract: ledgerAddress };
}

/** A code (purpose, resource type) as the bytes32 word the contract stores and events carry. */
export function codeWord(code: string): string {
  return encodeBytes32String(code);
}

/** The code a bytes32 word holds; '' for the zero word. */
export function wordCode(word: string): string {
  return word === ZeroHash ? '' : decodeBytes32String(word);
}

/** What a patient consents to, in the contract's words (bytes32 codes, Unix seconds; 0 leaves a bound open). */
export interface ConsentTermsWords {
  readonly subject: string;
  readonly patientKey: string;
  readonly didCommitment: string;
  readonly grantee: string;
  readonly purpose: string;
  readonly resourceTypes: readonly string[];
  readonly dataFrom: bigint;
  readonly dataUntil: bigint;
  readonly validFrom: bigint;
  readonly validUntil: bigint;
  readonly permit: boolean;
  readonly policyHash: string;
  readonly receiptHash: string;
  readonly supersedes: string;
}

/** What a patient consents to, in the codes people read (purpose and resource types as text). */
export interface ConsentTerms {
  readonly subject: string;
  readonly patientKey: string;
  readonly didCommitment: string;
  readonly grantee: string;
  readonly purpose: PurposeOfUse;
  readonly resourceTypes: readonly string[];
  readonly dataFrom: number;
  readonly dataUntil: number;
  readonly validFrom: number;
  readonly validUntil: number;
  readonly permit: boolean;
  readonly policyHash: string;
  readonly receiptHash: string;
  readonly supersedes: string;
}

/** The terms as the contract's words, which is what the patient signs and the ledger records. */
export function termsWords(terms: ConsentTerms): ConsentTermsWords {
  return {
    subject: terms.subject,
    patientKey: terms.patientKey,
    didCommitment: terms.didCommitment,
    grantee: terms.grantee,
    purpose: codeWord(terms.purpose),
    resourceTypes: terms.resourceTypes.map(codeWord),
    dataFrom: BigInt(terms.dataFrom),
    dataUntil: BigInt(terms.dataUntil),
    validFrom: BigInt(terms.validFrom),
    validUntil: BigInt(terms.validUntil),
    permit: terms.permit,
    policyHash: terms.policyHash,
    receiptHash: terms.receiptHash,
    supersedes: terms.supersedes,
  };
}
