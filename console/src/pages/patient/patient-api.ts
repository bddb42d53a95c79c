/**
 * What the patient pages send: Sign-In with Ethereum (EIP-4361, the `siwe` package) with the patient's own key,
 * calls with the short-lived patient session token, and the consent actions signed (EIP-712) in this browser by
 * the pairwise key, which the platform relays. The policy text is shown to the patient and only its hash goes on
 * the ledger; the consent receipt (ISO/IEC TS 27560) stays in the browser, only its hash goes on.
 */
import { id, ZeroHash } from 'ethers';
import { SiweMessage } from 'siwe';
import { consentDomain, consentTypesOf, termsWords } from '../../../../shared/domain/consent.ts';
import type { PurposeOfUse } from '../../../../shared/domain/consent-codes.ts';
import type { PairwiseIdentity, PatientSigner } from '../../../../shared/domain/patient-identity.ts';
import { api } from '../../api/api-client.ts';
import type { PatientNetwork, PatientSession, SiweNonce } from '../../api/consent-types.ts';

/** How long a signature stays usable: long enough to send it, short enough that a lost one soon expires. */
const SIGNATURE_LIFETIME_SECONDS = 10 * 60;

export async function signIn(signer: PatientSigner, network: PatientNetwork): Promise<PatientSession> {
  const { nonce } = await api<SiweNonce>('POST', '/v1/patient/nonces');
  const message = new SiweMessage({
    domain: window.location.host,
    address: await signer.getAddress(),
    statement: 'See my consents and who read my records.',
    uri: window.location.origin,
    version: '1',
    chainId: network.chainId,
    nonce,
    issuedAt: new Date().toISOString(),
  }).prepareMessage();
  const signature = await signer.signMessage(message);
  return api<PatientSession>('POST', '/v1/patient/sessions', { body: { message, signature } });
}

/** A call with the patient session token. */
export function patientCall<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  return api<T>(method, path, { body, headers: { authorization: `Bearer ${token}` } });
}

export interface ConsentChoice {
  readonly organisation: string;
  readonly purpose: PurposeOfUse;
  readonly resourceTypes: readonly string[];
  readonly permit: boolean;
}

/** The human-readable policy the patient agrees to; its hash is what the ledger records. */
export function policyText(choice: ConsentChoice): string {
  const verb = choice.permit ? 'may read' : 'may not read';
  return `${choice.organisation} ${verb} my ${choice.resourceTypes.join(', ')} records for ${choice.purpose}, until I withdraw this consent.`;
}

const deadline = () => Math.floor(Date.now() / 1000) + SIGNATURE_LIFETIME_SECONDS;

export async function signedGive(
  identity: PairwiseIdentity,
  network: PatientNetwork,
  nonce: number,
  choice: ConsentChoice,
) {
  const policy = policyText(choice);
  const receipt = JSON.stringify({ policy, subject: identity.subject, givenAt: new Date().toISOString() });
  const terms = {
    subject: identity.subject,
    patientKey: identity.key.address,
    didCommitment: identity.didCommitment,
    grantee: identity.grantee,
    purpose: choice.purpose,
    resourceTypes: [...choice.resourceTypes],
    dataFrom: 0,
    dataUntil: 0,
    validFrom: 0,
    validUntil: 0,
    permit: choice.permit,
    policyHash: id(policy),
    receiptHash: id(receipt),
    supersedes: ZeroHash,
  };
  const until = deadline();
  const signature = await identity.key.signTypedData(
    consentDomain(network.chainId, network.consentLedgerAddress),
    consentTypesOf('GiveConsent'),
    { ...termsWords(terms), nonce, deadline: until },
  );
  return { terms, nonce, deadline: until, signature };
}

export async function signedWithdrawal(
  identity: PairwiseIdentity,
  network: PatientNetwork,
  consentId: string,
  nonce: number,
) {
  const until = deadline();
  const signature = await identity.key.signTypedData(
    consentDomain(network.chainId, network.consentLedgerAddress),
    consentTypesOf('WithdrawConsent'),
    { consentId, nonce, deadline: until },
  );
  return { nonce, deadline: until, signature };
}

export async function signedBlock(
  identity: PairwiseIdentity,
  network: PatientNetwork,
  blocked: boolean,
  nonce: number,
) {
  const until = deadline();
  const message = { subject: identity.subject, grantee: identity.grantee, blocked };
  const signature = await identity.key.signTypedData(
    consentDomain(network.chainId, network.consentLedgerAddress),
    consentTypesOf('SetBlock'),
    { ...message, nonce, deadline: until },
  );
  return { ...message, nonce, deadline: until, signature };
}
