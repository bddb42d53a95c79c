/**
 * Hostile text in every string field of every request body never makes the API fail on its side. Operations and
 * fields come from the API's own OpenAPI document, so a new route or field is covered the day it is added (and
 * this test fails until the route has a valid body below). For each field, fast-check puts generated text
 * (unpaired surrogates, NUL, RTL overrides, CRLF, '%', JSON fragments, other scripts, very long strings) instead
 * of, before, after or inside the valid value, in an otherwise valid body sent by a signed-in user allowed to
 * call the route, on the local runtime: real vault, real anvil chain, real signing through ethers. Every answer
 * must be below 500, every refusal problem+json, and text that is not well-formed Unicode a 400 naming the field.
 */
import { Wallet } from 'ethers';
import fc from 'fast-check';
import { SiweMessage } from 'siwe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentDomain, consentTypesOf, termsWords } from '../../../shared/domain/consent.ts';
import { pairwiseIdentity } from '../../../shared/domain/patient-identity.ts';
import { until } from '../../support/consent-fixture.ts';
import { type InProcessRuntime, startInProcessRuntime } from '../../support/in-process-runtime.ts';
import {
  type BodyOperation,
  baselineText,
  bodyOperations,
  errorPath,
  type OpenApiDocument,
  type StringField,
  stringFields,
  withText,
} from '../../support/openapi-fields.ts';

/** Runs per field, the examples below included: with some sixty fields, under 400 requests in all. */
const RUNS_PER_FIELD = 6;
/** Tried on every field whatever the seed: an unpaired surrogate after the valid value, NUL and U+202E inside it. */
const EXAMPLES: Array<[string, string]> = [
  ['\ud800', 'after'],
  ['\u0000\u202e', 'inside'],
];
const PASSWORD = 'a long test password';
const ENODE = `enode://${'ab'.repeat(64)}@10.0.0.7:30303`;
const ZERO_ADDRESS_AA = '0x00000000000000000000000000000000000000aa';

type Caller = 'anonymous' | 'owner' | 'operator' | 'patient';
interface Baseline {
  readonly as: Caller;
  /** A valid body; called for each request, so bodies that must be unique (e-mails, chain ids) can be. */
  readonly body: () => Record<string, unknown>;
}

let env: InProcessRuntime;
let tokens: Record<Caller, string | undefined>;
let ids: Record<string, string>;
let operations: BodyOperation[];
let doc: OpenApiDocument;
let unique = 0;
/** Signed once in beforeAll (a body builder cannot sign): a patient's sign-in and consent actions. */
let patientBodies: {
  session: Record<string, unknown>;
  give: Record<string, unknown>;
  withdrawal: Record<string, unknown>;
  block: Record<string, unknown>;
};

/** A valid body, and who may send it, for every operation that takes one. */
const BASELINES: Record<string, Baseline> = {
  'POST /v1/auth/signup': {
    as: 'anonymous',
    body: () => ({ email: `probe${++unique}@hostile.example`, password: PASSWORD, name: 'Probe Person' }),
  },
  'POST /v1/auth/login': { as: 'anonymous', body: () => ({ email: 'login@hostile.example', password: PASSWORD }) },
  'POST /v1/orgs': { as: 'owner', body: () => ({ name: 'Probe Clinic', type: 'hospital', country: 'SE' }) },
  'PATCH /v1/orgs/{orgId}/members/{userId}': { as: 'owner', body: () => ({ role: 'viewer' }) },
  'POST /v1/orgs/{orgId}/invitations': {
    as: 'owner',
    body: () => ({ email: `invitee${++unique}@hostile.example`, role: 'viewer' }),
  },
  'POST /v1/orgs/{orgId}/api-keys': { as: 'owner', body: () => ({ name: 'probe', scopes: ['rpc'] }) },
  'POST /v1/networks': {
    as: 'operator',
    body: () => ({
      name: `probe-${++unique}`,
      chainId: 7_000_000 + unique,
      consensus: 'qbft',
      validators: [ZERO_ADDRESS_AA],
      bootnodes: [ENODE],
      alloc: { '0x00000000000000000000000000000000000000bb': { balance: '1' } },
    }),
  },
  'POST /v1/orgs/{orgId}/nodes': {
    as: 'owner',
    body: () => ({
      networkId: ids.selfHostedNetworkId,
      name: 'probe-node',
      role: 'member',
      hosting: 'self-hosted',
      size: 'small',
      region: 'eu-north-1',
      enode: ENODE,
      rpcUrl: 'http://127.0.0.1:9/rpc',
    }),
  },
  'PATCH /v1/orgs/{orgId}/nodes/{nodeId}': {
    as: 'owner',
    body: () => ({ enode: ENODE, rpcUrl: 'http://127.0.0.1:9/' }),
  },
  'POST /v1/networks/{networkId}/maintenance-windows': {
    as: 'operator',
    body: () => {
      // Windows of a network may not overlap: each body gets its own hour, days ahead.
      const start = Date.now() + (48 + 2 * ++unique) * 3_600_000;
      return {
        start: new Date(start).toISOString(),
        end: new Date(start + 3_600_000).toISOString(),
        description: 'Besu upgrade',
      };
    },
  },
  'POST /v1/orgs/{orgId}/keys': {
    as: 'owner',
    body: () => ({ alias: `probe-${++unique}`, description: 'Device key' }),
  },
  'POST /v1/orgs/{orgId}/keys/{keyId}/sign-message': {
    as: 'owner',
    body: () => ({ message: 'Batch 2026-11-24 released by pharmacy QA', encoding: 'utf8' }),
  },
  'POST /v1/orgs/{orgId}/keys/{keyId}/sign-typed-data': {
    as: 'owner',
    body: () => ({
      domain: {
        name: 'CareChain Consent',
        version: '1',
        chainId: '1337777',
        verifyingContract: ZERO_ADDRESS_AA,
        salt: `0x${'11'.repeat(32)}`,
      },
      types: {
        Consent: [
          { name: 'patient', type: 'address' },
          { name: 'purpose', type: 'string' },
          { name: 'validUntil', type: 'uint256' },
        ],
      },
      primaryType: 'Consent',
      message: { patient: '0x00000000000000000000000000000000000000c1', purpose: 'research', validUntil: '1800000000' },
    }),
  },
  'POST /v1/orgs/{orgId}/keys/{keyId}/transactions': {
    as: 'owner',
    body: () => ({ to: ZERO_ADDRESS_AA, value: '0', data: '0x', gasLimit: '100000', nodeId: ids.managedNodeId }),
  },
  'POST /v1/networks/{networkId}/proposals': {
    as: 'operator',
    body: () => ({ kind: 'admit-member', actAsPlatform: true, orgId: ids.orgId, memberKeyId: ids.keyId }),
  },
  'POST /v1/networks/{networkId}/proposals/{proposalId}/votes': {
    as: 'operator',
    body: () => ({ actAsPlatform: true, support: true }),
  },
  'POST /v1/orgs/{orgId}/billing/checkout': { as: 'owner', body: () => ({ planId: 'enterprise', nodeSize: 'small' }) },
  'POST /v1/networks/{networkId}/consents': {
    as: 'owner',
    body: () => ({ keyId: ids.keyId, ...patientBodies.give }),
  },
  'POST /v1/networks/{networkId}/consents/{consentId}/withdrawal': {
    as: 'owner',
    body: () => ({ keyId: ids.keyId, ...patientBodies.withdrawal }),
  },
  'POST /v1/networks/{networkId}/consents/blocks': {
    as: 'owner',
    body: () => ({ keyId: ids.keyId, ...patientBodies.block }),
  },
  'POST /v1/orgs/{orgId}/networks/{networkId}/accesses': {
    as: 'owner',
    body: () => ({
      keyId: ids.keyId,
      subject: `0x${'3f'.repeat(32)}`,
      purpose: 'ETREAT',
      resourceType: 'AllergyIntolerance',
      emergency: true,
    }),
  },
  'POST /v1/orgs/{orgId}/networks/{networkId}/dids/{keyId}/delegates': {
    as: 'owner',
    body: () => ({ delegateType: 'veriKey', delegate: ZERO_ADDRESS_AA, validitySeconds: 86_400 }),
  },
  'POST /v1/orgs/{orgId}/networks/{networkId}/dids/{keyId}/attributes': {
    as: 'owner',
    body: () => ({ name: 'did/svc/FhirEndpoint', value: 'https://fhir.hostile.example/fhir', validitySeconds: 86_400 }),
  },
  'POST /v1/patient/sessions': { as: 'anonymous', body: () => ({ ...patientBodies.session }) },
  'POST /v1/patient/networks/{networkId}/view': {
    as: 'patient',
    body: () => ({
      identities: [{ grantee: ZERO_ADDRESS_AA, salt: `0x${'5a'.repeat(32)}`, patientKey: ZERO_ADDRESS_AA }],
    }),
  },
  'POST /v1/patient/networks/{networkId}/consents': { as: 'patient', body: () => ({ ...patientBodies.give }) },
  'POST /v1/patient/networks/{networkId}/consents/{consentId}/withdrawal': {
    as: 'patient',
    body: () => ({ ...patientBodies.withdrawal }),
  },
  'POST /v1/patient/networks/{networkId}/consents/blocks': {
    as: 'patient',
    body: () => ({ ...patientBodies.block }),
  },
  'POST /v1/networks/{networkId}/recovery': { as: 'operator', body: () => ({ scope: 'down-validators' }) },
  'POST /v1/networks/{networkId}/upgrades': {
    as: 'operator',
    body: () => ({ version: '26.6.0', sha256: 'ab'.repeat(32) }),
  },
  'PUT /v1/networks/{networkId}/backup-policy': {
    as: 'operator',
    body: () => ({ enabled: true, intervalHours: 24, retentionDays: 14, sourceNodeId: ids.managedNodeId }),
  },
  'PUT /v1/orgs/{orgId}/backup-copies': {
    as: 'owner',
    body: () => ({ networkId: ids.networkId, bucket: 'hostile-hospital-backups' }),
  },
  'PUT /v1/orgs/{orgId}/data-protection/patterns': {
    as: 'owner',
    body: () => ({ patterns: [{ name: 'Journal number', pattern: 'JRN-[0-9]{8}' }] }),
  },
  'POST /v1/orgs/{orgId}/data-protection/exemptions': {
    as: 'owner',
    body: () => ({
      networkId: ids.networkId,
      contract: ZERO_ADDRESS_AA,
      detector: 'email',
      reason: 'Staff e-mail addresses in the duty roster contract',
    }),
  },
  'PUT /v1/networks/{networkId}/data-protection-policy': { as: 'operator', body: () => ({ mode: 'block' }) },
  'POST /v1/ops/data-protection/exemptions/{exemptionId}/decision': {
    as: 'operator',
    body: () => ({ decision: 'reject', note: 'The roster can refer to staff by their HSA id' }),
  },
  'POST /v1/orgs/{orgId}/webhooks': {
    as: 'owner',
    body: () => ({
      url: 'http://127.0.0.1:9/carechain/events',
      description: 'Pharmacy system',
      eventTypes: ['chain.log'],
      chainLog: { networkId: ids.networkId, address: [ZERO_ADDRESS_AA], topics: [`0x${'ab'.repeat(32)}`, null] },
    }),
  },
  'PATCH /v1/orgs/{orgId}/webhooks/{webhookId}': {
    as: 'owner',
    body: () => ({ url: 'http://127.0.0.1:9/other', description: 'Pager' }),
  },
};

/** Text no field should trust: broken or tricky Unicode, controls, encodings, markup, JSON, sizes. */
const unpairedSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
const trickyCharacter = fc.constantFrom(
  '\u0000',
  '\u202e',
  '\u200f',
  '\ufeff',
  '\uffff',
  '\r\n',
  '\t',
  '%',
  '%00',
  '%zz',
  '%E2%80%AE',
  '"',
  '\\',
  '{"a":[1,{}]}',
  '"}]',
  '</script>',
  'é',
  'Ω',
  'إ',
  '👩‍⚕️',
  ' ',
);
const hostileText = fc.oneof(
  fc.string({ unit: fc.oneof(unpairedSurrogate, trickyCharacter, fc.string({ unit: 'binary', maxLength: 1 })) }),
  fc.constantFrom(
    'x'.repeat(70_000),
    'é'.repeat(6_000),
    '\ud800'.repeat(2_000),
    '9'.repeat(100),
    `0x${'f'.repeat(80)}`,
  ),
);
const placement = fc.constantFrom('instead', 'before', 'after', 'inside');

function place(text: string, where: string, around: string | undefined): string {
  if (around === undefined || where === 'instead') return text;
  if (where === 'before') return text + around;
  if (where === 'after') return around + text;
  const middle = Math.floor(around.length / 2);
  return around.slice(0, middle) + text + around.slice(middle);
}

async function send(method: string, path: string, token: string | undefined, body: unknown) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${env.runtime.url}${path}`, { method, headers, body: JSON.stringify(body) });
  const text = await response.text();
  let json: { status?: number; type?: string; errors?: Array<{ path: string }> } | undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined; // a body that is not JSON fails the content-type check of any refusal
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', json, text };
}

function expectCreated(res: Awaited<ReturnType<typeof send>>, what: string) {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${res.text}`);
  // biome-ignore lint/suspicious/noExplicitAny: set-up responses are read field by field
  return res.json as any;
}

function fillPath(template: string): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = ids[name];
    if (!value) throw new Error(`No real id for {${name}}: add one to the hostile-strings test`);
    return value;
  });
}

beforeAll(async () => {
  env = await startInProcessRuntime();
  const signup = (email: string) =>
    send('POST', '/v1/auth/signup', undefined, { email, password: PASSWORD, name: 'Probe Person' });
  const owner = expectCreated(await signup('owner@hostile.example'), 'owner');
  expectCreated(await signup('login@hostile.example'), 'login user');
  const member = expectCreated(await signup('member@hostile.example'), 'member');
  tokens = { anonymous: undefined, owner: owner.token, operator: await env.operatorToken(), patient: undefined };
  const asOwner = (path: string, body: unknown) => send('POST', path, owner.token, body);

  const org = expectCreated(await asOwner('/v1/orgs', { name: 'Hostile Hospital', type: 'hospital' }), 'org');
  const orgPath = `/v1/orgs/${org.id}`;
  // Billing is off locally: the plan is active at once, and it allows every kind of node and many keys.
  expectCreated(await asOwner(`${orgPath}/billing/checkout`, { planId: 'enterprise' }), 'plan');
  const invitation = expectCreated(
    await asOwner(`${orgPath}/invitations`, { email: 'member@hostile.example' }),
    'invitation',
  );
  expectCreated(await send('POST', `/v1/invitations/${invitation.token}/accept`, member.token, {}), 'accept');
  const networks = await env.call('GET', '/v1/networks', { token: owner.token });
  const networkId = networks.json.items[0].id;
  const key = expectCreated(await asOwner(`${orgPath}/keys`, { alias: 'hostile' }), 'signing key');
  const managed = expectCreated(await asOwner(`${orgPath}/nodes`, { networkId }), 'managed node');
  // Self-hosted nodes (their URLs lead nowhere) get a network of their own: the platform sends governance calls
  // through any serving node of a network, and those of the network under test should reach its chain.
  const selfHostedNetwork = expectCreated(
    await send('POST', '/v1/networks', tokens.operator, {
      name: 'self-hosted-probes',
      chainId: 6_999_999,
      validators: [ZERO_ADDRESS_AA],
    }),
    'network for self-hosted nodes',
  );
  const selfHosted = expectCreated(
    await asOwner(`${orgPath}/nodes`, { networkId: selfHostedNetwork.id, hosting: 'self-hosted' }),
    'self-hosted node',
  );
  const exemption = expectCreated(
    await asOwner(`${orgPath}/data-protection/exemptions`, {
      networkId,
      contract: ZERO_ADDRESS_AA,
      detector: 'phone',
      reason: 'Switchboard numbers of the clinics, no patients',
    }),
    'exemption',
  );
  const webhook = expectCreated(
    await asOwner(`${orgPath}/webhooks`, { url: 'http://127.0.0.1:9/hook', eventTypes: ['node.health_changed'] }),
    'webhook',
  );
  ids = {
    consentId: `0x${'c0'.repeat(32)}`,
    webhookId: webhook.id,
    orgId: org.id,
    exemptionId: exemption.id,
    userId: member.user.id,
    networkId,
    selfHostedNetworkId: selfHostedNetwork.id,
    keyId: key.id,
    managedNodeId: managed.id,
    nodeId: selfHosted.id,
    proposalId: '1',
  };
  // Transactions go through the organisation's running node, to its anvil chain.
  await env.waitForNode(owner.token, org.id, managed.id, (node) => node.state === 'running');
  // The consent routes need the network's consent ledger, which the governance worker deploys.
  const network = await until(
    async () => {
      await env.runtime.governance.runNow();
      return (await env.call('GET', `/v1/networks/${networkId}`, { token: owner.token })).json;
    },
    (n) => Boolean(n.consentLedgerAddress),
    'the consent ledger deployment',
  );
  patientBodies = await signedPatientBodies(network);
  tokens.patient = expectCreated(
    await send('POST', '/v1/patient/sessions', undefined, await siwe(network.chainId)),
    'patient session',
  ).token;
  doc = (await env.call('GET', '/v1/openapi.json')).json;
  operations = bodyOperations(doc);
}, 150_000);
afterAll(() => env?.close());

describe('hostile text in request bodies', () => {
  it('has a valid body, which passes validation as it is, for every operation that takes one', async () => {
    expect(operations.length).toBeGreaterThanOrEqual(15);
    const missing = operations.filter((operation) => !BASELINES[operation.name]).map((operation) => operation.name);
    expect(missing, 'add a valid body for these to BASELINES').toEqual([]);
    for (const operation of operations) {
      const baseline = BASELINES[operation.name] as Baseline;
      const res = await send(operation.method, fillPath(operation.path), tokens[baseline.as], baseline.body());
      expect({ operation: operation.name, status: res.status, type: res.json?.type }).not.toMatchObject({
        type: 'https://carechain.se/problems/validation-failed',
      });
      expect(res.status, `${operation.name}: ${res.text}`).toBeLessThan(500);
    }
  });

  it('never answers 5xx, refuses with problem+json, and names the field of malformed text', async () => {
    const covered: string[] = [];
    const failures: string[] = [];
    for (const operation of operations) {
      const baseline = BASELINES[operation.name];
      if (!baseline) continue;
      const fields = stringFields(doc, operation.schema, baseline.body());
      expect(fields.length, `${operation.name} has no string field`).toBeGreaterThan(0);
      for (const field of fields) {
        covered.push(`${operation.name} ${field.kind === 'key' ? 'key of ' : ''}${errorPath(field)}`);
        const run = await fc.check(
          fc.asyncProperty(hostileText, placement, async (text, where) => {
            const body = baseline.body();
            const value = place(text, where, baselineText(body, field));
            const path = fillPath(operation.path);
            const res = await send(operation.method, path, tokens[baseline.as], withText(body, field, value));
            expectSound(res, operation, field, value);
          }),
          { numRuns: RUNS_PER_FIELD, examples: EXAMPLES },
        );
        // Every field is tried even after one fails, so a run reports all of them (each shrunk, with its seed).
        if (run.failed)
          failures.push(`${firstLine(run.errorInstance)} [seed ${run.seed}, path ${run.counterexamplePath}]`);
      }
    }
    expect(covered).toEqual(
      expect.arrayContaining([
        'POST /v1/orgs/{orgId}/keys/{keyId}/sign-message body.message',
        'POST /v1/orgs/{orgId}/keys/{keyId}/sign-typed-data body.message.purpose',
        'POST /v1/orgs/{orgId}/keys/{keyId}/sign-typed-data key of body.types',
        'POST /v1/orgs/{orgId}/nodes body.rpcUrl',
        'PATCH /v1/orgs/{orgId}/nodes/{nodeId} body.rpcUrl',
      ]),
    );
    expect(failures).toEqual([]);
  }, 240_000);
});

/** A patient's Sign-In with Ethereum body, with a fresh nonce, for this server. */
async function siwe(chainId: number) {
  const { nonce } = expectCreated(await send('POST', '/v1/patient/nonces', undefined, undefined), 'nonce');
  const patient = Wallet.createRandom();
  const message = new SiweMessage({
    domain: new URL(env.runtime.url).host,
    address: patient.address,
    uri: env.runtime.url,
    version: '1',
    chainId,
    nonce,
    issuedAt: new Date().toISOString(),
  }).prepareMessage();
  return { message, signature: await patient.signMessage(message) };
}

/** What a patient's wallet signs: a consent toward the hostile hospital, its withdrawal and a block. */
async function signedPatientBodies(network: { chainId: number; consentLedgerAddress: string }) {
  const patient = Wallet.createRandom();
  const grantee = ZERO_ADDRESS_AA;
  const identity = await pairwiseIdentity(patient, network.chainId, network.consentLedgerAddress, grantee);
  const domain = consentDomain(network.chainId, network.consentLedgerAddress);
  const deadline = Math.floor(Date.now() / 1000) + 3_600;
  const terms = {
    subject: identity.subject,
    patientKey: identity.key.address,
    didCommitment: identity.didCommitment,
    grantee: identity.grantee,
    purpose: 'TREAT' as const,
    resourceTypes: ['Observation'],
    dataFrom: 0,
    dataUntil: 0,
    validFrom: 0,
    validUntil: 0,
    permit: true,
    policyHash: `0x${'01'.repeat(32)}`,
    receiptHash: `0x${'02'.repeat(32)}`,
    supersedes: `0x${'00'.repeat(32)}`,
  };
  const sign = (action: 'GiveConsent' | 'WithdrawConsent' | 'SetBlock', message: Record<string, unknown>) =>
    identity.key.signTypedData(domain, consentTypesOf(action), { ...message, nonce: 0, deadline });
  const block = { subject: identity.subject, grantee, blocked: true };
  return {
    session: await siwe(network.chainId),
    give: { terms, nonce: 0, deadline, signature: await sign('GiveConsent', { ...termsWords(terms) }) },
    withdrawal: { nonce: 0, deadline, signature: await sign('WithdrawConsent', { consentId: ids.consentId }) },
    block: { ...block, nonce: 0, deadline, signature: await sign('SetBlock', block) },
  };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

function expectSound(
  res: Awaited<ReturnType<typeof send>>,
  operation: BodyOperation,
  field: StringField,
  value: string,
) {
  const where = `${operation.name} ${errorPath(field)} = ${JSON.stringify(value).slice(0, 120)}`;
  expect(res.status, `${where}: ${res.text.slice(0, 300)}`).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.contentType, where).toContain('application/problem+json');
    expect(res.json?.status, where).toBe(res.status);
  }
  if (!value.isWellFormed() && res.status !== 413) {
    expect(res.status, `${where}: ${res.text.slice(0, 300)}`).toBe(400);
    const paths = (res.json?.errors ?? []).map((error) => error.path);
    const named = paths.some((path) => path === errorPath(field) || path.startsWith(`${errorPath(field)}.`));
    expect(named, `${where}: the field errors ${JSON.stringify(paths)} do not name ${errorPath(field)}`).toBe(true);
  }
}
