/**
 * What the consortium journey prepares through the API before the browsers start (what a hospital's integration
 * team would have done already): two organisations with an administrator, a signing key each, B's API key and
 * nodes on the default network, and the network's governance contract deployed.
 */
import { http } from '../../support/local-server.ts';

export interface Hospital {
  readonly name: string;
  readonly email: string;
  readonly password: string;
  readonly token: string;
  readonly orgId: string;
  readonly key: { readonly id: string; readonly address: string; readonly alias: string };
}

/** Polls `read` until `done` holds (the setup runs in beforeAll, where expect.poll is not available). */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function ok(result: Promise<{ status: number; json: unknown; text: string }>, status: number) {
  const res = await result;
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.text}`);
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
  return res.json as any;
}

export async function hospital(base: string, name: string, person: string, alias: string): Promise<Hospital> {
  const email = `${person.toLowerCase().replace(/\s+/g, '.')}@${name.toLowerCase().replace(/\s+/g, '-')}.example`;
  const password = `${person} has a long passphrase`;
  const { token } = await ok(http(base, 'POST', '/v1/auth/signup', { body: { email, password, name: person } }), 201);
  const org = await ok(http(base, 'POST', '/v1/orgs', { token, body: { name, type: 'hospital' } }), 201);
  const key = await ok(http(base, 'POST', `/v1/orgs/${org.id}/keys`, { token, body: { alias } }), 201);
  return { name, email, password, token, orgId: org.id, key: { id: key.id, address: key.address, alias } };
}

export async function defaultNetworkId(base: string, token: string): Promise<string> {
  const networks = await ok(http(base, 'GET', '/v1/networks', { token }), 200);
  return networks.items[0].id as string;
}

/** A managed node of the organisation on the network, once it runs. */
export async function runningNode(base: string, who: Hospital, networkId: string): Promise<string> {
  const node = await ok(
    http(base, 'POST', `/v1/orgs/${who.orgId}/nodes`, { token: who.token, body: { networkId, name: 'consortium' } }),
    201,
  );
  await until(
    async () => (await http(base, 'GET', `/v1/orgs/${who.orgId}/nodes/${node.id}`, { token: who.token })).json.state,
    (state) => state === 'running',
    `node ${node.id} running`,
  );
  return node.id as string;
}

export async function apiKey(base: string, who: Hospital): Promise<string> {
  const key = await ok(
    http(base, 'POST', `/v1/orgs/${who.orgId}/api-keys`, { token: who.token, body: { name: 'lab', scopes: ['rpc'] } }),
    201,
  );
  return key.id as string;
}

/** Waits until the control plane has deployed the network's governance contract (its worker runs every 5 s). */
export async function governanceDeployed(base: string, token: string, networkId: string): Promise<void> {
  await until(
    async () => (await http(base, 'GET', `/v1/networks/${networkId}`, { token })).json.governanceAddress,
    (address) => typeof address === 'string',
    'the governance deployment',
  );
}
