/**
 * A consortium ready for consents, made through the API as a new user would on `npm start` (the local runtime in
 * this process: real dynalite, real anvil, the local vault): two hospitals with a signing key, a running managed
 * node and an API key each, both admitted to the consortium of the default network by governance votes, and the
 * network's governance contract, DID registry and consent ledger deployed by the control plane's own worker.
 * Patients are plain ethers wallets; helpers sign what a patient's wallet would sign.
 */
import { type HDNodeWallet, hexlify, id, randomBytes, type Wallet, ZeroHash } from 'ethers';
import { SiweMessage } from 'siwe';
import { consentDomain, consentTypesOf, termsWords } from '../../shared/domain/consent.ts';
import type { PurposeOfUse } from '../../shared/domain/consent-codes.ts';
import { type PairwiseIdentity, pairwiseIdentity } from '../../shared/domain/patient-identity.ts';
import { type InProcessRuntime, startInProcessRuntime } from './in-process-runtime.ts';

export interface Hospital {
  readonly name: string;
  readonly token: string;
  readonly orgId: string;
  readonly key: { readonly id: string; readonly address: string };
  readonly nodeId: string;
  /** Scopes rpc and read: what a FHIR server (or a DID resolver through the gateway) uses. */
  readonly apiKey: string;
}

export interface ConsentNetwork {
  readonly id: string;
  readonly chainId: number;
  readonly consentLedgerAddress: string;
  readonly didRegistryAddress: string;
}

type Patient = Wallet | HDNodeWallet;
type ConsentTermsInput = Parameters<typeof termsWords>[0];

// biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
async function ok<T = any>(result: Promise<{ status: number; json: T; text: string }>, status: number): Promise<T> {
  const res = await result;
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.text}`);
  return res.json;
}

export async function startConsentEnv(names = ['Region Uppsala Akademiska', 'Karolinska Solna']) {
  const env: InProcessRuntime = await startInProcessRuntime();
  const { call } = env;
  const operator = await env.operatorToken();
  const networkId = env.runtime.defaultNetworkId;

  async function hospital(name: string): Promise<Hospital> {
    const { token, orgId } = await env.user(name);
    const key = await ok(call('POST', `/v1/orgs/${orgId}/keys`, { token, body: { alias: 'consortium-member' } }), 201);
    const node = await ok(call('POST', `/v1/orgs/${orgId}/nodes`, { token, body: { networkId } }), 201);
    await env.waitForNode(token, orgId, node.id, (n) => n.state === 'running');
    const apiKey = await ok(
      call('POST', `/v1/orgs/${orgId}/api-keys`, { token, body: { name: 'fhir-server', scopes: ['rpc', 'read'] } }),
      201,
    );
    const org = await ok(call('GET', `/v1/orgs/${orgId}`, { token }), 200);
    return {
      name: org.name,
      token,
      orgId,
      key: { id: key.id, address: key.address },
      nodeId: node.id,
      apiKey: apiKey.secret,
    };
  }

  const [a, b] = (await Promise.all(names.map(hospital))) as [Hospital, Hospital];
  const network = await until(
    async () => {
      await env.runtime.governance.runNow();
      return (await call('GET', `/v1/networks/${networkId}`, { token: operator })).json;
    },
    (n) => Boolean(n.consentLedgerAddress),
    'the consent contracts deployment',
  );

  /** Admits a hospital: the platform proposes, then every member votes yes. */
  async function admit(who: Hospital, voters: Hospital[]) {
    const proposal = await ok(
      call('POST', `/v1/networks/${networkId}/proposals`, {
        token: operator,
        body: { kind: 'admit-member', actAsPlatform: true, orgId: who.orgId, memberKeyId: who.key.id },
      }),
      201,
    );
    const votes = `/v1/networks/${networkId}/proposals/${proposal.id}/votes`;
    await ok(call('POST', votes, { token: operator, body: { actAsPlatform: true, support: true } }), 200);
    for (const voter of voters) {
      await ok(call('POST', votes, { token: voter.token, body: { keyId: voter.key.id, support: true } }), 200);
    }
  }
  await admit(a, []);
  await admit(b, [a]);
  // The watcher records which organisation holds each member address (names in answers).
  await env.runtime.governance.runNow();
  await env.runtime.governance.runNow();

  const consentNetwork: ConsentNetwork = {
    id: networkId,
    chainId: network.chainId,
    consentLedgerAddress: network.consentLedgerAddress,
    didRegistryAddress: network.didRegistryAddress,
  };

  /** The ledger's view of time: the latest block's timestamp. */
  async function chainTime(): Promise<number> {
    const rpc = await call('POST', `/rpc/${a.nodeId}`, {
      apiKey: a.apiKey,
      body: { jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: ['latest', false] },
    });
    return Number.parseInt(rpc.json.result.timestamp, 16);
  }

  /** The terms a patient signs: permit TREAT on observations and medication statements, open-ended, by default. */
  function terms(identity: PairwiseIdentity, overrides: Record<string, unknown> = {}) {
    return {
      subject: identity.subject,
      patientKey: identity.key.address,
      didCommitment: identity.didCommitment,
      grantee: identity.grantee,
      purpose: 'TREAT' as PurposeOfUse,
      resourceTypes: ['Observation', 'MedicationStatement'],
      dataFrom: 0,
      dataUntil: 0,
      validFrom: 0,
      validUntil: 0,
      permit: true,
      policyHash: id('Samtycke till vård: provsvar och läkemedelslista'),
      receiptHash: hexlify(randomBytes(32)),
      supersedes: ZeroHash,
      ...overrides,
    };
  }

  const domain = () => consentDomain(consentNetwork.chainId, consentNetwork.consentLedgerAddress);

  return {
    env,
    call,
    ok,
    operator,
    a,
    b,
    network: consentNetwork,
    chainTime,
    /** A patient's pairwise identity toward a hospital, from the patient's own key. */
    identity: (patient: Patient, toward: Hospital) =>
      pairwiseIdentity(patient, consentNetwork.chainId, consentNetwork.consentLedgerAddress, toward.key.address),
    terms,
    /** A GiveConsent signed by the pairwise key, as the body the relay routes take. */
    async signedGive(
      identity: PairwiseIdentity,
      terms: ConsentTermsInput,
      options: { nonce: number; deadlineIn?: number; signer?: Wallet },
    ) {
      const deadline = (await chainTime()) + (options.deadlineIn ?? 600);
      const signer = options.signer ?? identity.key;
      const signature = await signer.signTypedData(domain(), consentTypesOf('GiveConsent'), {
        ...termsWords(terms),
        nonce: options.nonce,
        deadline,
      });
      return { terms, nonce: options.nonce, deadline, signature };
    },
    async signedWithdrawal(identity: PairwiseIdentity, consentId: string, nonce: number) {
      const deadline = (await chainTime()) + 600;
      const signature = await identity.key.signTypedData(domain(), consentTypesOf('WithdrawConsent'), {
        consentId,
        nonce,
        deadline,
      });
      return { nonce, deadline, signature };
    },
    /** Signs in as the patient with Sign-In with Ethereum; answers the patient session. */
    async signIn(patient: Patient) {
      const { nonce } = await ok(call('POST', '/v1/patient/nonces'), 201);
      const message = new SiweMessage({
        domain: new URL(env.runtime.url).host,
        address: patient.address,
        statement: 'See my consents and who read my records.',
        uri: env.runtime.url,
        version: '1',
        chainId: consentNetwork.chainId,
        nonce,
        issuedAt: new Date().toISOString(),
      }).prepareMessage();
      const signature = await patient.signMessage(message);
      return ok(call('POST', '/v1/patient/sessions', { body: { message, signature } }), 201);
    },
    close: () => env.close(),
  };
}

export type ConsentEnv = Awaited<ReturnType<typeof startConsentEnv>>;

/** Polls `read` until `done` holds. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
