/**
 * The console end to end, in headless Chromium against the real local server (what `npm start` runs): a new user
 * signs up, onboards an organisation, creates a managed node and watches it come up, registers a self-hosted node
 * and downloads its join bundle, creates a signing key and signs a message, creates an API key and calls the gateway with it, invites a colleague who joins; an operator
 * sees the organisation and its node. Every page is photographed into test/e2e/screenshots (1280×800, and a few at
 * phone width, where axe-core must find no serious or critical violation). The steps share one server and one
 * browser and run in order.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyMessage } from 'ethers';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../support/local-server.ts';
import { seriousViolations } from './support/accessibility.ts';
import {
  type ConsolePage,
  layoutShift,
  openConsolePage,
  overflowsHorizontally,
  screenshot,
  textOf,
} from './support/browser-page.ts';
import { launchChromium } from './support/chromium.ts';
import { ensureConsoleBuilt } from './support/console-build.ts';

const OPERATOR_EMAIL = 'operator@carechain.local';
const OPERATOR_PASSWORD = 'operator passphrase for e2e';
const USER = { name: 'Anna Lind', email: 'anna.lind@region-hospital.example', password: 'a long hospital passphrase' };
const COLLEAGUE = {
  name: 'Erik Berg',
  email: 'erik.berg@region-hospital.example',
  password: 'another long passphrase',
};
const ORG_NAME = 'Region Hospital Uppsala';
const NODE_NAME = 'ward-reader';
/** Cumulative layout shift that Chromium's own guidance calls good. */
const CALM_LAYOUT_SHIFT = 0.1;

let dataDir: string;
let server: LocalServer;
let browser: Browser | undefined;
let browserMissing: Error | undefined;
const opened: ConsolePage[] = [];

/** What the steps hand on to each other. */
const journey: { orgId?: string; nodeId?: string; user?: ConsolePage; inviteUrl?: string } = {};

function user(): ConsolePage {
  if (!journey.user) throw new Error('the sign-up step did not run');
  return journey.user;
}

async function open(options: Parameters<typeof openConsolePage>[2] = {}): Promise<ConsolePage> {
  if (!browser) throw browserMissing ?? new Error('Chromium was not launched');
  const consolePage = await openConsolePage(browser, server.url, options);
  opened.push(consolePage);
  return consolePage;
}

async function goToSection(page: Page, label: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: label }).waitFor();
}

/** A fresh load of a console address, waited until its data has arrived (no loading placeholders left). */
async function loadSettled(page: Page, path: string) {
  await page.goto(path);
  await page.locator('[role="status"][aria-label^="Loading"]').first().waitFor({ state: 'detached' });
}

beforeAll(async () => {
  ensureConsoleBuilt();
  dataDir = await mkdtemp(join(tmpdir(), 'carechain-e2e-'));
  server = await startLocalServer({
    dataDir,
    env: {
      CARECHAIN_OPERATOR_EMAIL: OPERATOR_EMAIL,
      CARECHAIN_OPERATOR_PASSWORD: OPERATOR_PASSWORD,
      // Probe every second so the journey sees health and a rising head block without waiting long.
      CARECHAIN_HEALTH_INTERVAL_MS: '1000',
      // Networks are looked at every second too.
      CARECHAIN_FLEET_INTERVAL_MS: '1000',
    },
    timeoutMs: 45_000,
  });
  // Without Chromium every browser step fails with the reason and how to install it (counted as failures, not
  // as skipped tests).
  browser = await launchChromium().catch((error: unknown) => {
    browserMissing = error instanceof Error ? error : new Error(String(error));
    return undefined;
  });
}, 120_000);

afterEach(() => {
  // Script errors and Content-Security-Policy refusals fail the step in which they happened.
  const problems = opened.flatMap((p) => p.problems.splice(0));
  expect(problems).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('the console, end to end', () => {
  it('serves the console at / and deep links, and leaves the API its own paths', async () => {
    const home = await fetch(`${server.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await home.text()).toContain('<div id="root"></div>');
    const deepLink = await fetch(`${server.url}/orgs/org_aaaaaaaaaaaaaaaaaaaa/nodes`, {
      headers: { accept: 'text/html' },
    });
    expect(await deepLink.text()).toContain('<div id="root"></div>');
    const health = await fetch(`${server.url}/health`);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const me = await fetch(`${server.url}/v1/me`, { headers: { accept: 'text/html' } });
    expect(me.status).toBe(401);
    expect(me.headers.get('content-type')).toContain('application/problem+json');
  });

  it('a new user signs up, and a password that is too short is explained next to the field', async () => {
    journey.user = await open();
    const { page } = user();
    await page.goto('/');
    await page.waitForURL('**/login');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await screenshot(page, '01-login');

    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Your name').fill(USER.name);
    await page.getByLabel('Work e-mail address').fill(USER.email);
    await page.getByLabel('Password', { exact: true }).fill('too short');
    await page.getByRole('button', { name: 'Create account' }).click();
    const password = page.getByLabel('Password', { exact: true });
    await page.getByText('Use at least 12 characters').waitFor();
    expect(await password.getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, '02-signup-field-error');

    await password.fill(USER.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/onboarding');
    await page.getByRole('heading', { name: 'Set up your organisation' }).waitFor();
  });

  it('onboards an organisation and chooses a plan (or is told plans are not available yet)', async () => {
    const { page } = user();
    await page.getByLabel('Organisation name').fill(ORG_NAME);
    await page.getByLabel('Member category').selectOption('hospital');
    await page.getByLabel('Country').selectOption('SE');
    await screenshot(page, '03-onboarding-organisation');
    await page.getByRole('button', { name: 'Create organisation' }).click();
    await page.waitForURL(/\/orgs\/org_[a-z2-7]{20}\/onboarding\/plan$/);
    journey.orgId = page.url().match(/\/orgs\/(org_[a-z2-7]{20})\//)?.[1];

    const plans = page.getByRole('radio', { name: /Managed member node/ });
    const notYet = page.getByText('Choosing a plan is not available yet');
    await plans.or(notYet).first().waitFor();
    await screenshot(page, '04-onboarding-plan');
    if (await notYet.isVisible()) {
      await page.getByRole('link', { name: 'Continue to your first node' }).click();
    } else {
      await plans.check();
      await page.getByRole('button', { name: 'Continue with Managed member node' }).click();
      // Locally billing is off: the plan is active at once and the page says nothing is charged.
      await page.getByText('Managed member node is active').waitFor();
      await page.getByText('nothing is charged').first().waitFor();
      await screenshot(page, '05-onboarding-plan-active');
      await page.getByRole('button', { name: 'Continue to your first node' }).click();
    }
    await page.waitForURL('**/nodes/new');
  });

  it('creates a managed node and follows it until it runs', async () => {
    const { page } = user();
    await page.getByRole('heading', { name: 'New managed node' }).waitFor();
    await expect.poll(() => page.getByLabel('Network').inputValue()).toMatch(/^net_/);
    await page.getByLabel('Name (optional)').fill(NODE_NAME);
    await page.getByRole('radio', { name: /Member node/ }).check();
    await page.getByRole('radio', { name: /Small/ }).check();
    await screenshot(page, '06-node-create');
    await page.getByRole('button', { name: 'Create node' }).click();
    await page.waitForURL(/\/nodes\/node_[a-z2-7]{20}$/);
    journey.nodeId = page.url().split('/').pop();
    await page.getByRole('heading', { level: 1, name: NODE_NAME }).waitFor();
    await screenshot(page, '07-node-provisioning');

    await page.getByText('The node is running and serving JSON-RPC').waitFor({ timeout: 45_000 });
    await expect.poll(() => textOf(page.locator('.header-state'))).toContain('Running');
    const rpcUrl = `${server.url}/rpc/${journey.nodeId}`;
    await page.getByText(rpcUrl, { exact: true }).waitFor();
    await page.getByText(`cast block-number --rpc-url "${rpcUrl}/$CARECHAIN_API_KEY"`).first().waitFor();
    await screenshot(page, '08-node-running');
  }, 90_000);

  it('shows the node as healthy with a rising head block once the monitor has probed it', async () => {
    const { page } = user();
    const headBlock = page.getByTestId('head-block');
    const notYet = page.getByText('Health monitoring is not available yet');
    await headBlock.or(notYet).first().waitFor();
    if (await notYet.isVisible()) {
      await screenshot(page, '09-node-health-not-available');
      return;
    }
    const readHead = async () => Number((await textOf(headBlock)).replaceAll(',', ''));
    // The monitor probes on its own schedule: wait for a first figure, then for the head to move on.
    await expect.poll(readHead, { timeout: 50_000, interval: 1000 }).toBeGreaterThan(0);
    const first = await readHead();
    await expect.poll(readHead, { timeout: 50_000, interval: 1000 }).toBeGreaterThan(first);
    await page.locator('#health-heading').locator('..').getByText('Healthy').waitFor({ timeout: 30_000 });
    await screenshot(page, '09-node-health');
  }, 120_000);

  it('shows maintenance an operator announced for the node’s network', async () => {
    const { page } = user();
    await page.getByTestId('maintenance-none').waitFor();
    const login = await fetch(`${server.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: OPERATOR_EMAIL, password: OPERATOR_PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const networks = await fetch(`${server.url}/v1/networks`, { headers: { authorization: `Bearer ${token}` } });
    const networkId = ((await networks.json()) as { items: { id: string }[] }).items[0]?.id;
    const start = Date.now() + 2 * 3_600_000;
    const announced = await fetch(`${server.url}/v1/networks/${networkId}/maintenance-windows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        start: new Date(start).toISOString(),
        end: new Date(start + 3_600_000).toISOString(),
        description: 'Besu upgrade on the validators',
      }),
    });
    expect(announced.status).toBe(201);
    await loadSettled(page, page.url());
    await page.getByTestId('maintenance-windows').getByText('Besu upgrade on the validators').waitFor();
    await page.getByTestId('maintenance-windows').getByText('Upcoming').waitFor();
    await screenshot(page, '09b-node-maintenance');
  }, 60_000);

  it('stops and starts the node after confirming', async () => {
    const { page } = user();
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Stop this node?' });
    await dialog.waitFor();
    await screenshot(page, '10-node-stop-confirm');
    await dialog.getByRole('button', { name: 'Stop node' }).click();
    await expect.poll(() => textOf(page.locator('.header-state')), { timeout: 30_000 }).toContain('Stopped');

    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.getByRole('dialog', { name: 'Start this node?' }).getByRole('button', { name: 'Start node' }).click();
    await expect.poll(() => textOf(page.locator('.header-state')), { timeout: 30_000 }).toContain('Running');
  }, 75_000);

  it('registers a self-hosted node and downloads its join bundle as files', async () => {
    const { page } = user();
    await goToSection(page, 'Nodes');
    await page.getByRole('link', { name: 'Register a self-hosted node' }).first().click();
    await page.getByRole('heading', { name: 'Register a self-hosted node' }).waitFor();
    await expect.poll(() => page.getByLabel('Network').inputValue()).toMatch(/^net_/);
    await page.getByLabel('Name (optional)').fill('lab-laptop');
    await page.getByLabel('Enode URL (optional)').fill('enode://not-an-enode');
    await page.getByRole('button', { name: 'Register node' }).click();
    // The API's field error stands beside the field that caused it.
    await page.getByText('Not an enode URL').waitFor();
    expect(await page.getByLabel('Enode URL (optional)').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, '11-self-hosted-field-error');

    await page.getByLabel('Enode URL (optional)').fill('');
    await page.getByRole('button', { name: 'Register node' }).click();
    await page.getByRole('heading', { level: 1, name: 'lab-laptop' }).waitFor();
    const bundle = page.getByRole('region', { name: 'Join bundle' });
    await bundle.getByRole('button', { name: 'Download genesis.json' }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      bundle.getByRole('button', { name: 'Download genesis.json' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('genesis.json');
    const genesis = JSON.parse(await readFile(await download.path(), 'utf8')) as { config?: { chainId?: number } };
    expect(genesis.config?.chainId).toEqual(expect.any(Number));
    await bundle.getByRole('button', { name: 'Download config.toml' }).waitFor();
    await bundle.getByText(/besu/).first().waitFor();
    await screenshot(page, '11-self-hosted-join-bundle');
  });

  it('creates a signing key, copies its address and signs a test message', async () => {
    const { page } = user();
    await goToSection(page, 'Signing keys');
    await page.getByLabel('Alias').fill('pharmacy-qa');
    await page.getByLabel('Description (optional)').fill('Releases medicine batches');
    await page.getByRole('button', { name: 'Create key' }).click();
    const card = page.getByRole('article', { name: 'pharmacy-qa' });
    await card.waitFor();
    const address = await textOf(card.locator('.copyable-value').first());
    expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    await card.getByRole('button', { name: 'Copy address' }).waitFor();

    const message = 'Batch 2026-11-24 released by pharmacy QA';
    await card.getByLabel('Message to sign').fill(message);
    await card.getByRole('button', { name: 'Sign message' }).click();
    const signature = await textOf(card.getByRole('status', { name: 'Signature' }).locator('.copyable-value'));
    expect(signature).toMatch(/^0x[0-9a-f]{130}$/);
    expect(verifyMessage(message, signature)).toBe(address);
    await screenshot(page, '12-signing-keys');
  });

  it('creates an API key whose secret is shown once, and calls the node through the gateway with it', async () => {
    const { page } = user();
    await goToSection(page, 'API keys');
    await page.getByLabel('Name').fill('lab-integration');
    expect(await page.getByRole('checkbox', { name: /^rpc/ }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Create API key' }).click();
    const secretBox = page.getByRole('region', { name: /Your new API key/ });
    await secretBox.getByText('it is shown only once').waitFor();
    const secret = await textOf(secretBox.locator('.copyable-value'));
    expect(secret).toMatch(/^cck_/);
    await secretBox.getByRole('button', { name: 'Copy secret' }).waitFor();
    await screenshot(page, '13-api-key-secret-once');

    const answer = await fetch(`${server.url}/rpc/${journey.nodeId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': secret },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }),
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({
      jsonrpc: '2.0',
      id: 1,
      result: expect.stringMatching(/^0x[0-9a-f]+$/),
    });

    await secretBox.getByRole('button', { name: 'I have stored it' }).click();
    const row = page.getByRole('row', { name: /lab-integration/ });
    await row.waitFor();
    const prefix = (await textOf(row.locator('code'))).replace('…', '');
    expect(secret.startsWith(prefix)).toBe(true);
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await row.waitFor();
    expect(await page.content()).not.toContain(secret);
    await screenshot(page, '14-api-keys');
  });

  it('invites a colleague, who accepts the link and joins the organisation', async () => {
    const { page } = user();
    await goToSection(page, 'Members');
    await page.getByRole('row', { name: new RegExp(USER.name) }).waitFor();
    await page.getByLabel('E-mail address').fill(COLLEAGUE.email);
    await page.getByLabel('Role', { exact: true }).selectOption('developer');
    await page.getByRole('button', { name: 'Create invitation' }).click();
    const link = page.locator('.result .copyable-value');
    await link.waitFor();
    journey.inviteUrl = await textOf(link);
    expect(journey.inviteUrl).toMatch(/\/invitations\/cci_/);
    await screenshot(page, '15-members-invitation');

    const colleague = await open();
    await colleague.page.goto(journey.inviteUrl);
    await colleague.page.getByRole('heading', { name: 'Join an organisation' }).waitFor();
    await screenshot(colleague.page, '16-invitation-signed-out');
    await colleague.page.getByRole('link', { name: 'Create an account' }).click();
    await colleague.page.getByLabel('Your name').fill(COLLEAGUE.name);
    await colleague.page.getByLabel('Work e-mail address').fill(COLLEAGUE.email);
    await colleague.page.getByLabel('Password', { exact: true }).fill(COLLEAGUE.password);
    await colleague.page.getByRole('button', { name: 'Create account' }).click();
    await colleague.page.getByText(`You are signed in as ${COLLEAGUE.email}`).waitFor();
    await screenshot(colleague.page, '17-invitation-accept');
    await colleague.page.getByRole('button', { name: 'Accept invitation' }).click();
    await colleague.page.waitForURL(`**/orgs/${journey.orgId}/nodes`);
    await colleague.page.getByRole('link', { name: NODE_NAME }).waitFor();
  });

  it('shows usage, billing and the audit log', async () => {
    const { page } = user();
    await goToSection(page, 'Usage');
    await page
      .getByText('RPC calls per day')
      .or(page.getByText('Usage reporting is not available yet'))
      .first()
      .waitFor();
    await screenshot(page, '18-usage');

    await goToSection(page, 'Billing');
    await page.getByRole('heading', { name: 'SLA reports' }).waitFor();
    await page.getByRole('heading', { name: 'Data-protection report' }).waitFor();
    await page.locator('[role="status"][aria-label^="Loading"]').first().waitFor({ state: 'detached' });
    await screenshot(page, '19-billing');

    await goToSection(page, 'Audit log');
    await page.getByRole('cell', { name: 'api-key.created' }).waitFor();
    await page.getByRole('cell', { name: 'node.requested' }).first().waitFor();
    await page.getByRole('cell', { name: 'invitation.accepted' }).waitFor();
    await screenshot(page, '20-audit-log');

    await goToSection(page, 'Nodes');
    await page
      .getByRole('row', { name: new RegExp(NODE_NAME) })
      .getByText('Running')
      .waitFor();
    await screenshot(page, '21-nodes');
  });

  it('loads each page without layout jumps', async () => {
    const calm = await open({ storageState: await user().context.storageState() });
    const pages = ['nodes', `nodes/${journey.nodeId}`, 'keys', 'api-keys', 'members', 'audit', 'billing', 'usage'];
    for (const path of pages) {
      await loadSettled(calm.page, `/orgs/${journey.orgId}/${path}`);
      // Charts and late panels settle a moment after the last placeholder leaves.
      await calm.page.waitForTimeout(300);
      expect(await layoutShift(calm.page), path).toBeLessThan(CALM_LAYOUT_SHIFT);
    }
  }, 60_000);

  it('reads well at phone width without sideways scrolling', async () => {
    const phone = await open({ width: 390, height: 844, storageState: await user().context.storageState() });
    const views: Array<[string, string]> = [
      ['nodes', 'phone-nodes'],
      [`nodes/${journey.nodeId}`, 'phone-node-detail'],
      ['keys', 'phone-signing-keys'],
      ['api-keys', 'phone-api-keys'],
      ['billing', 'phone-billing'],
    ];
    for (const [path, name] of views) {
      await loadSettled(phone.page, `/orgs/${journey.orgId}/${path}`);
      expect(await overflowsHorizontally(phone.page), path).toBe(false);
      expect(await seriousViolations(phone.page), `${path} at 390 px`).toEqual([]);
      await screenshot(phone.page, name);
    }
    const signedOut = await open({ width: 390, height: 844 });
    await signedOut.page.goto('/signup');
    await signedOut.page.getByRole('heading', { name: 'Create your account' }).waitFor();
    expect(await overflowsHorizontally(signedOut.page)).toBe(false);
    await screenshot(signedOut.page, 'phone-signup');
  }, 60_000);

  it('an operator logs in with the keyboard and sees the organisation and its node in the fleet', async () => {
    const { page } = await open();
    await page.goto('/login');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.type(OPERATOR_EMAIL);
    await page.keyboard.press('Tab');
    await page.keyboard.type(OPERATOR_PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/ops/orgs');
    const orgRow = page.getByRole('row', { name: new RegExp(ORG_NAME) });
    await orgRow.waitFor();
    // The managed node and the self-hosted one.
    await expect.poll(() => textOf(orgRow.locator('td.num').first())).toBe('2');
    await screenshot(page, '22-ops-organisations');

    await page.getByRole('link', { name: 'Fleet health' }).click();
    const nodeRow = page.getByRole('row', { name: new RegExp(NODE_NAME) });
    await nodeRow.waitFor();
    expect(await textOf(nodeRow)).toContain(ORG_NAME);
    expect(await textOf(nodeRow)).toContain('Running');
    await screenshot(page, '23-ops-fleet');
  });

  it('an operator sees each network’s state, and its health, upgrades and backups on the network’s page', async () => {
    const { page } = await open();
    await page.goto('/login');
    await page.getByLabel('E-mail address').fill(OPERATOR_EMAIL);
    await page.getByLabel('Password').fill(OPERATOR_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL('**/ops/orgs');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Networks', exact: true }).click();
    const state = page.getByTestId('network-state').first();
    // The default network runs on anvil here: one process seals every block, so it is producing.
    await expect.poll(() => textOf(state), { timeout: 15_000 }).toContain('Producing');
    await screenshot(page, '24-ops-networks-state');

    await page.getByRole('row').nth(1).getByRole('link').first().click();
    const health = page.getByTestId('network-health');
    await expect
      .poll(() => textOf(health.getByTestId('network-health-reason')), { timeout: 15_000 })
      .toContain('consensus does not apply');
    await page.getByTestId('network-upgrades').waitFor();
    await page.getByLabel('Version', { exact: true }).fill('26.6.0');
    await page.getByLabel(/SHA-256/).fill('ab'.repeat(32));
    await page.getByRole('button', { name: 'Plan the upgrade' }).click();
    // anvil has no Besu to upgrade: the refusal says so.
    await page.getByText('it has no Besu to upgrade').waitFor();
    await page.getByTestId('network-backups').waitFor();
    await screenshot(page, '25-ops-network-health');
  });
});
