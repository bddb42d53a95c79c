/**
 * The ConsentLedger contract for TypeScript: ABI and bytecode from the compiled artefact, and readers that turn the
 * contract's answers into plain values. The EIP-712 domain and types a patient signs and the vocabularies (HL7 v3
 * ActReason purposes, FHIR R5 resource types as bytes32 words) are the domain's (shared/domain/consent.ts), which
 * the patient's browser uses too.
 */
import type { BaseContract, Contract, ContractRunner, InterfaceAbi, Overrides, Signer } from 'ethers';
import { Interface } from 'ethers/abi';
import { ZeroHash } from 'ethers/constants';
import { codeWord, wordCode } from '../../domain/consent.ts';
import { CONSENT_STATUSES, type ConsentStatus } from '../../domain/consent-codes.ts';
import { lazyOnce } from '../../lazy-once.ts';
import { loadChainClients } from '../chain-clients.ts';
import artefact from './build/ConsentLedger.abi.json' with { type: 'json' };

export const CONSENT_LEDGER_ABI: InterfaceAbi = artefact.abi;
/** The creation code, 11 KB: read from the whole artefact when a deployment first needs it. */
export const consentLedgerBytecode = lazyOnce(
  async () => (await import('./build/ConsentLedger.json', { with: { type: 'json' } })).default.bytecode,
);
export const consentLedgerInterface = new Interface(CONSENT_LEDGER_ABI);

export interface ConsentRecord {
  readonly id: string;
  readonly subject: string;
  readonly grantee: string;
  readonly controller: string;
  readonly purpose: string;
  readonly resourceTypes: readonly string[];
  readonly dataFrom: number | undefined;
  readonly dataUntil: number | undefined;
  readonly validFrom: number | undefined;
  readonly validUntil: number | undefined;
  readonly decision: 'permit' | 'deny';
  readonly status: ConsentStatus;
  readonly recordedAt: number;
  readonly policyHash: string;
  readonly receiptHash: string;
  readonly supersedes: string | undefined;
}

export async function deployConsentLedger(
  signer: Signer,
  governanceAddress: string,
  overrides: Overrides = {},
): Promise<Contract> {
  const { ContractFactory } = await loadChainClients();
  const factory = new ContractFactory(CONSENT_LEDGER_ABI, await consentLedgerBytecode(), signer);
  const contract = await factory.deploy(governanceAddress, overrides);
  await contract.waitForDeployment();
  return contract as Contract;
}

export async function connectConsentLedger(address: string, runner: ContractRunner): Promise<Contract> {
  const { Contract } = await loadChainClients();
  return new Contract(address, CONSENT_LEDGER_ABI, runner);
}

const seconds = (value: bigint) => (value === 0n ? undefined : Number(value));

export async function readConsent(contract: BaseContract, id: string, blockTag?: number): Promise<ConsentRecord> {
  const [consent, resourceTypes] = (await contract.getFunction('getConsent')(
    id,
    blockTag === undefined ? {} : { blockTag },
  )) as [
    {
      subject: string;
      grantee: string;
      controller: string;
      purpose: string;
      dataFrom: bigint;
      dataUntil: bigint;
      validFrom: bigint;
      validUntil: bigint;
      permit: boolean;
      status: bigint;
      recordedAt: bigint;
      policyHash: string;
      receiptHash: string;
      supersedes: string;
    },
    string[],
  ];
  return {
    id,
    subject: consent.subject,
    grantee: consent.grantee,
    controller: consent.controller,
    purpose: wordCode(consent.purpose),
    resourceTypes: resourceTypes.map(wordCode),
    dataFrom: seconds(consent.dataFrom),
    dataUntil: seconds(consent.dataUntil),
    validFrom: seconds(consent.validFrom),
    validUntil: seconds(consent.validUntil),
    decision: consent.permit ? 'permit' : 'deny',
    status: CONSENT_STATUSES[Number(consent.status)] ?? 'none',
    recordedAt: Number(consent.recordedAt),
    policyHash: consent.policyHash,
    receiptHash: consent.receiptHash,
    supersedes: consent.supersedes === ZeroHash ? undefined : consent.supersedes,
  };
}

export interface ConsentDecision {
  readonly decision: 'permit' | 'deny';
  /** The consent that decides; undefined when none applies or a block denies. */
  readonly consentId: string | undefined;
}

export async function checkConsent(
  contract: BaseContract,
  query: { subject: string; grantee: string; purpose: string; resourceType: string },
  blockTag?: number,
): Promise<ConsentDecision> {
  const [permitted, decidedBy] = (await contract.getFunction('check')(
    query.subject,
    query.grantee,
    codeWord(query.purpose),
    codeWord(query.resourceType),
    blockTag === undefined ? {} : { blockTag },
  )) as [boolean, string];
  return { decision: permitted ? 'permit' : 'deny', consentId: decidedBy === ZeroHash ? undefined : decidedBy };
}

export interface ConsentLedgerRevert {
  readonly name: string;
  readonly args: readonly unknown[];
}

/** The contract's custom error in a failed call or estimate, or undefined when the failure was something else. */
export function decodeConsentRevert(error: unknown): ConsentLedgerRevert | undefined {
  const data = findRevertData(error);
  if (!data) return undefined;
  try {
    const parsed = consentLedgerInterface.parseError(data);
    return parsed ? { name: parsed.name, args: [...parsed.args] } : undefined;
  } catch {
    return undefined;
  }
}

function findRevertData(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 6; depth++) {
    const candidate = current as { data?: unknown; info?: { error?: { data?: unknown } }; error?: unknown };
    if (typeof candidate.data === 'string' && candidate.data.startsWith('0x') && candidate.data.length >= 10) {
      return candidate.data;
    }
    const nested = candidate.info?.error?.data;
    if (typeof nested === 'string' && nested.startsWith('0x')) return nested;
    current = candidate.error;
  }
  return undefined;
}
