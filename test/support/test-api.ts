/**
 * A real control-plane API for tests: in-memory dynalite, the real repositories and `createApp`, with every log
 * line kept so tests can inspect them. Helpers act as a user would, through HTTP requests to the app.
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../functions/api/app.ts';
import type { AppDeps } from '../../functions/api/app-deps.ts';
import { ensureOperator } from '../../functions/api/operator-bootstrap.ts';
import { localTenancy } from '../../functions/local/local-tenancy.ts';
import { slaReporter } from '../../functions/local/local-wiring.ts';
import { wireBilling } from '../../functions/services/billing/billing-wiring.ts';
import { ensurePlatformKey } from '../../functions/services/platform/platform-bootstrap.ts';
import { WebhookSender } from '../../functions/services/webhooks/webhook-sender.ts';
import { HttpWebhookTransport } from '../../shared/adapters/http/http-webhook-transport.ts';
import { startEmbeddedDynamo } from '../../shared/adapters/local/dynalite-server.ts';
import { LocalKeyVault } from '../../shared/adapters/local/local-key-vault.ts';
import { LocalMatchFingerprinter } from '../../shared/adapters/local/local-match-fingerprinter.ts';
import { LocalSecretBox } from '../../shared/adapters/local/local-secret-box.ts';
import { NoBilling } from '../../shared/adapters/local/no-billing.ts';
import { VaultKeySigner } from '../../shared/chain/vault-key-signer.ts';
import { PersonalDataScanner } from '../../shared/data-protection/personal-data-scanner.ts';
import { UsageRepository } from '../../shared/metering/usage.repository.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { ensureTable } from '../../shared/store/create-table.ts';
import { HealthRepository } from '../../shared/store/health.repository.ts';
import type { RecentItems } from '../../shared/store/recent-items.ts';
import { createStores } from '../../shared/store/stores.ts';
import { Table } from '../../shared/store/table.ts';

export const OPERATOR = { email: 'ops@carechain.test', password: 'operator-password-1234' } as const;

export async function startTestApi(
  options: {
    clock?: () => Date;
    bodyLimitBytes?: number;
    /** Dependencies built from the stores (a network fleet, …), added before the app is created. */
    extend?: (stores: ReturnType<typeof createStores>) => Partial<AppDeps>;
    /** Hot-path reads answered from recent items, as the deployed functions and `npm start` do. @default none */
    recent?: RecentItems;
  } = {},
) {
  const dynamo = await startEmbeddedDynamo();
  await ensureTable(dynamo.client, 'carechain-test');
  const clock = options.clock ?? (() => new Date());
  const table = new Table(dynamo.client, 'carechain-test', clock, { recent: options.recent });
  const stores = createStores(table, clock);
  const logLines: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logLines.push(line) });
  const billing = wireBilling({ provider: new NoBilling(), stores, clock, logger });
  const vault = new LocalKeyVault(mkdtempSync(join(tmpdir(), 'carechain-vault-')));
  const platformKey = await ensurePlatformKey(vault, stores.platform, clock());
  const tenancy = localTenancy({
    database: dynamo.connection,
    tableName: 'carechain-test',
    vault,
    memberships: stores.organisations,
    recent: options.recent,
    clock,
  });
  const healthStore = new HealthRepository(table);
  // Receivers in tests run on this machine: local mode's transport (http to loopback allowed).
  const webhookTransport = new HttpWebhookTransport({ allowPrivateAddresses: true });
  const webhookSecrets = new LocalSecretBox(vault.derivedKey('webhook-signing-secrets'));
  const webhookSender = new WebhookSender({ transport: webhookTransport, secrets: webhookSecrets, clock });
  const slaReports = slaReporter({ stores, health: healthStore, vault, keyRef: platformKey.keyRef, clock, logger });
  const deps: AppDeps = {
    config: {
      mode: 'local',
      bodyLimitBytes: options.bodyLimitBytes ?? 65_536,
      sessionTtlHours: 12,
      publicUrl: undefined,
    },
    stores,
    logger,
    billing: billing.deps,
    admission: billing.admission,
    signingKeyAdmission: billing.signingKeyAdmission,
    clock,
    managedRuntime: 'anvil',
    vault,
    tenancy,
    health: { health: healthStore, slaReports, platformAddress: async () => platformKey.address },
    usageRecords: new UsageRepository(table, clock),
    ...options.extend?.(stores),
    dataProtection: {
      inspector: new PersonalDataScanner(),
      fingerprinter: new LocalMatchFingerprinter(vault.vaultDir),
      reportSigner: new VaultKeySigner(vault, platformKey.keyRef),
    },
    webhookDelivery: { secrets: webhookSecrets, sender: webhookSender },
  };
  await ensureOperator(stores, { ...OPERATOR, now: clock() });
  const app = createApp(deps);

  type Body = Record<string, unknown> | unknown[] | string | undefined;
  async function call(
    method: string,
    path: string,
    init: {
      token?: string;
      apiKey?: string;
      body?: Body;
      headers?: Record<string, string>;
      /** Another app over the same deps (one built with some of them replaced). @default the test API's */
      app?: Pick<typeof app, 'request'>;
    } = {},
  ) {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.apiKey) headers['x-api-key'] = init.apiKey;
    let body: string | undefined;
    if (init.body !== undefined) {
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await (init.app ?? app).request(path, { method, headers, body });
    const text = await response.text();
    // biome-ignore lint/suspicious/noExplicitAny: test responses are checked field by field
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  }

  let counter = 0;
  async function signup(name = 'Test User') {
    counter++;
    const email = `user${counter}-${Math.random().toString(36).slice(2, 8)}@example.se`;
    const password = `pw-${Math.random().toString(36).slice(2)}-long`;
    const res = await call('POST', '/v1/auth/signup', { body: { email, password, name } });
    if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${res.text}`);
    return { token: res.json.token as string, user: res.json.user as { id: string; email: string }, email, password };
  }

  async function createOrg(token: string, name = 'Region Stockholm Hospital') {
    const res = await call('POST', '/v1/orgs', { token, body: { name, type: 'hospital', country: 'SE' } });
    if (res.status !== 201) throw new Error(`create org failed: ${res.status} ${res.text}`);
    return res.json as { id: string; name: string };
  }

  async function createApiKey(token: string, orgId: string, scopes: string[] = ['rpc', 'read', 'write']) {
    const res = await call('POST', `/v1/orgs/${orgId}/api-keys`, { token, body: { name: 'ci', scopes } });
    if (res.status !== 201) throw new Error(`create api key failed: ${res.status} ${res.text}`);
    return res.json as { id: string; secret: string; prefix: string };
  }

  /** A network as an operator creates it (through the API). */
  async function createNetwork(name = `net-${++counter}`) {
    const token = await loginOperator();
    const res = await call('POST', '/v1/networks', {
      token,
      body: { name, chainId: 4_000_000 + counter, validators: ['0x00000000000000000000000000000000000000aa'] },
    });
    if (res.status !== 201) throw new Error(`create network failed: ${res.status} ${res.text}`);
    return res.json as { id: string; chainId: number };
  }

  async function loginOperator() {
    const res = await call('POST', '/v1/auth/login', { body: OPERATOR });
    if (res.status !== 200) throw new Error(`operator login failed: ${res.status} ${res.text}`);
    return res.json.token as string;
  }

  return {
    app,
    deps,
    stores,
    table,
    dynamo,
    vault,
    logLines,
    call,
    signup,
    createOrg,
    createApiKey,
    createNetwork,
    loginOperator,
    webhookSender,
    close: async () => {
      await webhookTransport.close();
      await dynamo.close();
    },
  };
}

export type TestApi = Awaited<ReturnType<typeof startTestApi>>;
