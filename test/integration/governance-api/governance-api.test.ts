/**
 * Consortium governance end to end through the API on the local runtime (real dynalite, real anvil chains, the
 * local vault): the contract is deployed once the network has a running node; the platform (an operator) admits
 * organisation A; A proposes B and the votes pass; a validator for B's node is voted in and the control plane
 * records it; the BFT safety check refuses an unsafe removal with its reason; non-members, double votes and
 * expired proposals are refused with the contract's reason; removing B offboards it.
 *
 * The steps build on each other, as a consortium's history does, so they run in order.
 */
import { hexlify, JsonRpcProvider, randomBytes, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANVIL_CONSENSUS } from '../../../functions/jobs/governance/validator-change.ts';
import { type GovernanceEnv, startGovernanceEnv } from './governance-api-fixture.ts';

let g: GovernanceEnv;
let operator: string;
let networkId: string;
let platformAddress: string;
const genesisValidators = Array.from({ length: 3 }, () => new Wallet(hexlify(randomBytes(32))).address);
let a: { token: string; orgId: string; key: { id: string; address: string }; nodeId: string };
let b: {
  token: string;
  orgId: string;
  key: { id: string; address: string };
  validatorKey: { id: string; address: string };
  apiKey: string;
  apiKeyId: string;
  nodeId: string;
};

const proposals = () => `/v1/networks/${networkId}/proposals`;

beforeAll(async () => {
  g = await startGovernanceEnv();
  operator = await g.operatorToken();
  platformAddress = (await g.runtime.deps.stores.platform.getSigningKey())!.address;
  const network = await g.expectStatus(
    await g.call('POST', '/v1/networks', {
      token: operator,
      body: { name: 'governance-e2e', chainId: 4_242_001, blockPeriodSeconds: 1, validators: genesisValidators },
    }),
    201,
  );
  networkId = network.id;

  const orgA = await g.organisation('Region Uppsala Hospital');
  const orgB = await g.organisation('Apotek Norr');
  const [aKey, bKey, bValidatorKey] = await Promise.all([
    g.signingKey(orgA.token, orgA.orgId, 'consortium-member'),
    g.signingKey(orgB.token, orgB.orgId, 'consortium-member'),
    g.signingKey(orgB.token, orgB.orgId, 'validator'),
  ]);
  const apiKey = await g.expectStatus(
    await g.call('POST', `/v1/orgs/${orgB.orgId}/api-keys`, {
      token: orgB.token,
      body: { name: 'ci', scopes: ['rpc', 'read', 'write'] },
    }),
    201,
  );
  const [aNode, bNode] = await Promise.all([
    g.node(orgA.token, orgA.orgId, networkId),
    g.node(orgB.token, orgB.orgId, networkId),
  ]);
  a = { ...orgA, key: aKey, nodeId: aNode.id };
  b = { ...orgB, key: bKey, validatorKey: bValidatorKey, apiKey: apiKey.secret, apiKeyId: apiKey.id, nodeId: bNode.id };
}, 90_000);

afterAll(async () => {
  await g?.close();
});

async function vote(proposalId: number, body: Record<string, unknown>, token: string) {
  return g.call('POST', `${proposals()}/${proposalId}/votes`, { token, body });
}

async function proposal(proposalId: number) {
  return g.expectStatus(await g.call('GET', `${proposals()}/${proposalId}`, { token: a.token }), 200);
}

async function auditActions(token: string, orgId: string): Promise<string[]> {
  const res = await g.call('GET', `/v1/orgs/${orgId}/audit?limit=200`, { token });
  return (await g.expectStatus(res, 200)).items.map((e: { action: string }) => e.action);
}

describe('governance through the API on the local runtime', () => {
  it('deploys the contract once a node of the network runs, with the platform as founding member', async () => {
    const before = await g.call('GET', proposals(), { token: a.token });
    expect(before.status).toBe(409);
    expect(before.json.detail).toMatch(/not deployed yet/);

    const pass = await g.pass();
    expect(pass.failed).toBe(0);
    const network = await g.expectStatus(await g.call('GET', `/v1/networks/${networkId}`, { token: a.token }), 200);
    expect(network.governanceAddress).toMatch(/^0x[0-9a-fA-F]{40}$/);

    const consortium = await g.expectStatus(
      await g.call('GET', `/v1/networks/${networkId}/governance`, { token: a.token }),
      200,
    );
    expect(consortium.members).toEqual([expect.objectContaining({ address: platformAddress, orgId: 'platform' })]);
    expect(consortium.validators.map((v: string) => v.toLowerCase()).sort()).toEqual(
      genesisValidators.map((v) => v.toLowerCase()).sort(),
    );

    await g.pass();
    const again = await g.call('GET', `/v1/networks/${networkId}`, { token: a.token });
    expect(again.json.governanceAddress).toBe(network.governanceAddress);
    expect((await g.governance.getDeployment(networkId))?.attempt).toBe(1);
  });

  it('refuses a proposal signed by a key that is not a member, with the contract’s reason (403)', async () => {
    const res = await g.call('POST', proposals(), {
      token: a.token,
      body: { kind: 'admit-member', keyId: a.key.id, orgId: b.orgId, memberKeyId: b.key.id },
    });
    expect(res.status).toBe(403);
    expect(res.contentType).toContain('application/problem+json');
    expect(res.json.type).toBe('https://carechain.se/problems/governance-refused');
    expect(res.json.detail).toContain(a.key.address);
    expect(res.json.detail).toContain('CallerNotMember');
    expect(await auditActions(a.token, a.orgId)).toContain('governance.proposal-refused');
  });

  it('lets only operators act for the platform', async () => {
    const res = await g.call('POST', proposals(), {
      token: b.token,
      body: { kind: 'admit-member', actAsPlatform: true, orgId: b.orgId, memberKeyId: b.key.id },
    });
    expect(res.status).toBe(403);
  });

  it('admits organisation A when the platform (through an operator) proposes and votes', async () => {
    const created = await g.expectStatus(
      await g.call('POST', proposals(), {
        token: operator,
        body: { kind: 'admit-member', actAsPlatform: true, orgId: a.orgId, memberKeyId: a.key.id },
      }),
      201,
    );
    expect(created).toMatchObject({
      kind: 'admit-member',
      state: 'active',
      subject: a.key.address,
      orgId: a.orgId,
      proposer: platformAddress,
      proposerOrgId: 'platform',
      tally: { yes: 0, no: 0, votesToPass: 1, members: 1 },
    });
    const voted = await g.expectStatus(await vote(created.id, { actAsPlatform: true, support: true }, operator), 200);
    expect(voted.proposal.state).toBe('executed');

    const { governance, close } = await g.contract(networkId);
    try {
      expect(await governance.getFunction('isMember')(a.key.address)).toBe(true);
    } finally {
      close();
    }
  });

  it('admits B when A proposes and the votes pass; a second vote by the same key is a 409', async () => {
    const created = await g.expectStatus(
      await g.call('POST', proposals(), {
        token: a.token,
        body: { kind: 'admit-member', keyId: a.key.id, orgId: b.orgId, memberKeyId: b.key.id },
      }),
      201,
    );
    expect(created).toMatchObject({ state: 'active', proposerOrgId: a.orgId, tally: { votesToPass: 2, members: 2 } });

    const first = await g.expectStatus(await vote(created.id, { keyId: a.key.id, support: true }, a.token), 200);
    expect(first.proposal).toMatchObject({ state: 'active', tally: { yes: 1, no: 0 } });

    const twice = await vote(created.id, { keyId: a.key.id, support: true }, a.token);
    expect(twice.status).toBe(409);
    expect(twice.json.detail).toMatch(/already voted/);
    expect(twice.json.detail).toContain('AlreadyVoted');

    const deciding = await g.expectStatus(
      await vote(created.id, { actAsPlatform: true, support: true }, operator),
      200,
    );
    expect(deciding.proposal).toMatchObject({ state: 'executed', tally: { yes: 2 } });

    const { governance, close } = await g.contract(networkId);
    try {
      expect(await governance.getFunction('isMember')(b.key.address)).toBe(true);
    } finally {
      close();
    }
    await g.pass();
    expect(await auditActions(b.token, b.orgId)).toContain('governance.member-admitted');
    const actions = await auditActions(a.token, a.orgId);
    expect(actions).toEqual(expect.arrayContaining(['governance.proposal-created', 'governance.vote-cast']));
    expect(actions).toContain('signing-key.signed');
  });

  it('lists proposals for API keys too, newest first, with tally', async () => {
    const list = await g.expectStatus(await g.call('GET', proposals(), { apiKey: b.apiKey }), 200);
    expect(list.items.map((p: { id: number }) => p.id)).toEqual([2, 1]);
    expect(list.items[0]).toMatchObject({ kind: 'admit-member', state: 'executed', subject: b.key.address });
  });

  it('votes in a validator for B’s node and records it on the network and the contract', async () => {
    const created = await g.expectStatus(
      await g.call('POST', proposals(), {
        token: b.token,
        body: { kind: 'add-validator', keyId: b.key.id, nodeId: b.nodeId, memberKeyId: b.validatorKey.id },
      }),
      201,
    );
    expect(created).toMatchObject({ kind: 'add-validator', subject: b.validatorKey.address, orgId: b.orgId });
    await g.expectStatus(await vote(created.id, { keyId: a.key.id, support: true }, a.token), 200);
    const passed = await g.expectStatus(await vote(created.id, { keyId: b.key.id, support: true }, b.token), 200);
    expect(passed.proposal.state).toBe('passed');

    await g.pass();
    const executed = await proposal(created.id);
    expect(executed.state).toBe('executed');
    expect(executed.execution).toMatchObject({
      state: 'executed',
      consensus: ANVIL_CONSENSUS,
      code: null,
      markExecutedTransaction: expect.stringMatching(/^0x[0-9a-f]{64}$/),
    });
    expect(executed.execution.validatorsAfter).toContain(b.validatorKey.address);

    const network = await g.call('GET', `/v1/networks/${networkId}`, { token: b.token });
    expect(network.json.validators).toHaveLength(4);
    expect(network.json.validators).toContain(b.validatorKey.address);
    const { governance, close } = await g.contract(networkId);
    try {
      expect(await governance.getFunction('isValidator')(b.validatorKey.address)).toBe(true);
    } finally {
      close();
    }
  });

  it('refuses to remove a live validator while another is down, with the reason on the proposal', async () => {
    await g.expectStatus(await g.call('POST', `/v1/orgs/${b.orgId}/nodes/${b.nodeId}/stop`, { token: b.token }), 202);
    await g.waitForNode(b.token, b.orgId, b.nodeId, (n) => n.state === 'stopped');

    const target = genesisValidators[0]!;
    const created = await g.expectStatus(
      await g.call('POST', proposals(), {
        token: a.token,
        body: { kind: 'remove-validator', keyId: a.key.id, address: target },
      }),
      201,
    );
    await g.expectStatus(await vote(created.id, { keyId: a.key.id, support: true }, a.token), 200);
    await g.expectStatus(await vote(created.id, { actAsPlatform: true, support: true }, operator), 200);

    await g.pass();
    const refused = await proposal(created.id);
    expect(refused.state).toBe('passed');
    expect(refused.execution).toMatchObject({ state: 'refused', code: 'another-validator-down' });
    expect(refused.execution.reason).toContain(b.validatorKey.address);
    expect(refused.execution.reason).toContain(target);

    const network = await g.call('GET', `/v1/networks/${networkId}`, { token: a.token });
    expect(network.json.validators).toContain(target);
    expect(await auditActions(a.token, a.orgId)).toContain('governance.decision-refused');

    await g.pass(); // a refusal is settled: the next pass leaves it alone
    expect((await proposal(created.id)).execution.attempts).toBe(refused.execution.attempts);
  });

  it('refuses votes on an expired proposal with a 409', async () => {
    const created = await g.expectStatus(
      await g.call('POST', proposals(), {
        token: a.token,
        body: {
          kind: 'remove-validator',
          keyId: a.key.id,
          address: genesisValidators[1],
          votingPeriodSeconds: 3_600,
        },
      }),
      201,
    );
    const provider = new JsonRpcProvider(await g.rpcUrlOf(networkId), undefined, { staticNetwork: true });
    try {
      await provider.send('evm_increaseTime', [7_200]);
      await provider.send('evm_mine', []);
    } finally {
      provider.destroy();
    }
    const late = await vote(created.id, { keyId: a.key.id, support: true }, a.token);
    expect(late.status).toBe(409);
    expect(late.json.detail).toMatch(/closed: it is expired/);
    expect((await proposal(created.id)).state).toBe('expired');
  });

  it('documents the governance routes in the OpenAPI document', async () => {
    const doc = await g.expectStatus(await g.call('GET', '/v1/openapi.json'), 200);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/networks/{networkId}/proposals',
        '/v1/networks/{networkId}/proposals/{proposalId}',
        '/v1/networks/{networkId}/proposals/{proposalId}/votes',
        '/v1/networks/{networkId}/governance',
      ]),
    );
    expect(doc.components.schemas).toHaveProperty('CreateProposal');
  });

  it('answers 404 for a proposal that does not exist and 400 for a malformed request', async () => {
    const missing = await g.call('GET', `${proposals()}/999`, { token: a.token });
    expect(missing.status).toBe(404);
    const bad = await g.call('POST', proposals(), { token: a.token, body: { kind: 'add-validator' } });
    expect(bad.status).toBe(400);
    const noNode = await g.call('POST', proposals(), {
      token: a.token,
      body: { kind: 'add-validator', keyId: a.key.id, nodeId: a.nodeId },
    });
    expect(noNode.status).toBe(400);
    expect(noNode.json.detail).toMatch(/no validator address of its own/);
  });

  it('offboards B when the consortium removes it: validator out, keys disabled, API keys revoked, nodes stopped', async () => {
    await g.expectStatus(await g.call('POST', `/v1/orgs/${b.orgId}/nodes/${b.nodeId}/start`, { token: b.token }), 202);
    await g.waitForNode(b.token, b.orgId, b.nodeId, (n) => n.state === 'running');

    const created = await g.expectStatus(
      await g.call('POST', proposals(), {
        token: a.token,
        body: { kind: 'remove-member', keyId: a.key.id, orgId: b.orgId },
      }),
      201,
    );
    expect(created.subject).toBe(b.key.address);
    await g.expectStatus(await vote(created.id, { keyId: a.key.id, support: true }, a.token), 200);
    await g.expectStatus(await vote(created.id, { actAsPlatform: true, support: true }, operator), 200);

    await g.pass();
    const removed = await proposal(created.id);
    expect(removed.state).toBe('executed');
    expect(removed.execution.state).toBe('executed');
    expect(removed.execution.offboarding).toMatchObject({
      orgId: b.orgId,
      validators: [{ address: b.validatorKey.address, outcome: 'removed', code: null, reason: null }],
      apiKeysRevoked: [b.apiKeyId],
      nodesStopped: [b.nodeId],
      nodesKept: [],
    });
    expect([...removed.execution.offboarding.signingKeysDisabled].sort()).toEqual([b.key.id, b.validatorKey.id].sort());

    const keys = await g.expectStatus(await g.call('GET', `/v1/orgs/${b.orgId}/keys`, { token: b.token }), 200);
    expect(keys.items.map((k: { state: string }) => k.state)).toEqual(['disabled', 'disabled']);
    expect((await g.call('GET', proposals(), { apiKey: b.apiKey })).status).toBe(401);
    const node = await g.expectStatus(
      await g.call('GET', `/v1/orgs/${b.orgId}/nodes/${b.nodeId}`, { token: b.token }),
      200,
    );
    expect(node.desiredState).toBe('stopped');
    const network = await g.call('GET', `/v1/networks/${networkId}`, { token: a.token });
    expect(network.json.validators).not.toContain(b.validatorKey.address);
    expect(await auditActions(b.token, b.orgId)).toContain('governance.member-offboarded');

    const { governance, close } = await g.contract(networkId);
    try {
      expect(await governance.getFunction('isMember')(b.key.address)).toBe(false);
    } finally {
      close();
    }

    await g.pass(); // idempotent: nothing more happens
    expect((await proposal(created.id)).execution.attempts).toBe(removed.execution.attempts);
  });

  it('lets an operator retry a refused decision: the safety check runs again on today’s network', async () => {
    const refused = (await g.expectStatus(await g.call('GET', proposals(), { token: a.token }), 200)).items.find(
      (p: { execution: { state: string } | null }) => p.execution?.state === 'refused',
    );
    const notOperator = await g.call('POST', `${proposals()}/${refused.id}/execution`, { token: a.token });
    expect(notOperator.status).toBe(403);
    const retried = await g.expectStatus(
      await g.call('POST', `${proposals()}/${refused.id}/execution`, { token: operator }),
      200,
    );
    // Three genesis validators remain: removing one would leave two, which QBFT tolerates worse than one.
    expect(retried.execution).toMatchObject({ state: 'refused', code: 'two-validators' });
  });
});

describe('the only validator', () => {
  it('cannot be removed: the refusal says why', async () => {
    const networks = await g.expectStatus(await g.call('GET', '/v1/networks', { token: a.token }), 200);
    const devnet = networks.items.find((n: { name: string }) => n.name === 'carechain-dev');
    await g.node(a.token, a.orgId, devnet.id);
    await g.pass();
    const path = `/v1/networks/${devnet.id}/proposals`;
    const created = await g.expectStatus(
      await g.call('POST', path, {
        token: operator,
        body: { kind: 'remove-validator', actAsPlatform: true, address: platformAddress },
      }),
      201,
    );
    await g.expectStatus(
      await g.call('POST', `${path}/${created.id}/votes`, {
        token: operator,
        body: { actAsPlatform: true, support: true },
      }),
      200,
    );
    await g.pass();
    const refused = await g.expectStatus(await g.call('GET', `${path}/${created.id}`, { token: a.token }), 200);
    expect(refused.execution).toMatchObject({ state: 'refused', code: 'last-validator' });
    expect(refused.execution.reason).toMatch(/only validator/);
  }, 60_000);
});
