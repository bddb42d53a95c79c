/**
 * Event streams in the console, end to end in headless Chromium against the real local server (`npm start`): an
 * administrator finds Webhooks in the navigation, is told beside the field what is wrong with a log filter,
 * registers an endpoint of a local receiver and sees its signing secret exactly once (copied to the clipboard,
 * gone after); a test event reaches the receiver with a CareChain-Signature that the README's verify helper
 * accepts, the delivery log shows it, and "Send again" delivers the same event id once more; the endpoint is
 * disabled, enabled and deleted. On a node's page the live head block rises as blocks are sealed, over the
 * gateway's WebSocket, which is closed when the page is left; a stopped node says it has no live head.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, WebSocket } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../shared/domain/webhook-signature.ts';
import { http, type LocalServer, startLocalServer } from '../support/local-server.ts';
import { settledViolations } from './support/accessibility.ts';
import {
  type ConsolePage,
  openConsolePage,
  overflowsHorizontally,
  screenshot,
  textOf,
} from './support/browser-page.ts';
import { launchChromium } from './support/chromium.ts';
import { ensureConsoleBuilt } from './support/console-build.ts';
import { defaultNetworkId, type Hospital, hospital, ok, runningNode, until } from './support/consortium-setup.ts';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let dataDir: string;
let server: LocalServer;
let browser: Browser | undefined;
let browserMissing: Error | undefined;
const opened: ConsolePage[] = [];
let admin: Hospital;
let networkId: string;
let nodeId: string;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
const journey: { page?: Page; secret?: string; endpointPath?: string } = {};

function the<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('an earlier step did not run');
  return value;
}

/** A new browser page, signed in as the administrator and at `path`; `prepare` runs before anything loads. */
async function signedIn(path: string, prepare?: (page: Page) => Promise<void>, width = 1280): Promise<Page> {
  if (!browser) throw browserMissing ?? new Error('Chromium was not launched');
  const consolePage = await openConsolePage(browser, server.url, width === 1280 ? {} : { width, height: 844 });
  opened.push(consolePage);
  // The secret's copy button writes to the clipboard; the test reads it back.
  await consolePage.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const { page } = consolePage;
  await prepare?.(page);
  await page.goto(`/login?next=${encodeURIComponent(path)}`);
  await page.getByLabel('E-mail address').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`**${path}`);
  return page;
}

/** A receiver as the README shows one, minus the checks (the test makes them): keeps what came and answers 204. */
async function startReceiver(): Promise<void> {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/carechain/events`;
}

beforeAll(async () => {
  ensureConsoleBuilt();
  dataDir = await mkdtemp(join(tmpdir(), 'carechain-events-e2e-'));
  server = await startLocalServer({ dataDir, timeoutMs: 45_000 });
  browser = await launchChromium().catch((error: unknown) => {
    browserMissing = error instanceof Error ? error : new Error(String(error));
    return undefined;
  });
  await startReceiver();
  admin = await hospital(server.url, 'Region Vasterbotten', 'Karin Holm', 'events');
  networkId = await defaultNetworkId(server.url, admin.token);
  nodeId = await runningNode(server.url, admin, networkId);
}, 180_000);

afterEach(() => {
  const problems = opened.flatMap((p) => p.problems.splice(0));
  expect(problems).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('event streams in the console', () => {
  it('registers a webhook: a bad filter is explained beside its field, the secret is shown once', async () => {
    const page = await signedIn(`/orgs/${admin.orgId}/nodes`);
    journey.page = page;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    await page.getByText('No webhook endpoints yet.').waitFor();

    await page.getByLabel('Endpoint URL').fill(receiverUrl);
    await page.getByLabel('Description').fill('FHIR server');
    await page.getByRole('checkbox', { name: /^node\.state_changed/ }).check();
    await page.getByRole('checkbox', { name: /^chain\.log/ }).check();
    await page.getByLabel('Network', { exact: true }).selectOption(networkId);
    const addresses = page.getByLabel('Contract addresses', { exact: true });
    await addresses.fill('0x1234');
    await page.getByRole('button', { name: 'Register endpoint' }).click();
    await page.getByText('An address: 0x and 40 hexadecimal digits').waitFor();
    expect(await addresses.getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'webhooks-01-filter-explained');

    await addresses.fill(`0x${'ab'.repeat(20)}`);
    await page.getByLabel('Topics', { exact: true }).fill(`0x${'cd'.repeat(32)}\n*`);
    await page.getByRole('button', { name: 'Register endpoint' }).click();
    const secretCard = page.getByRole('region', { name: `Signing secret of ${receiverUrl}` });
    await secretCard.getByText('you will not see it again').waitFor();
    const secret = await textOf(secretCard.locator('.copyable-value'));
    expect(secret).toMatch(/^whsec_/);
    journey.secret = secret;
    await secretCard.getByRole('button', { name: 'Copy signing secret' }).click();
    await secretCard.getByText('Copied', { exact: true }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    expect(await settledViolations(page), 'webhooks page with the secret').toEqual([]);
    await screenshot(page, 'webhooks-02-secret-once');

    await secretCard.getByRole('button', { name: 'I have stored it' }).click();
    const row = page.getByRole('row', { name: new RegExp(receiverUrl.replaceAll('.', '\\.')) });
    await row.waitFor();
    expect(await textOf(row)).toContain('chain.log');
    expect(await textOf(row)).toContain('Active');
    expect(await textOf(row)).toContain(`0x${'cd'.repeat(32)}`);
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await row.waitFor();
    expect(await page.content()).not.toContain(secret);
    expect(await settledViolations(page), 'webhooks list').toEqual([]);
    await screenshot(page, 'webhooks-03-list');
  }, 120_000);

  it('sends a test event that arrives signed, shows it in the delivery log and sends it again', async () => {
    const page = the(journey.page);
    const secret = the(journey.secret);
    await page.getByRole('link', { name: receiverUrl }).click();
    await page.getByRole('heading', { level: 1, name: 'FHIR server' }).waitFor();
    await page.getByText('Nothing delivered yet.').waitFor();
    journey.endpointPath = new URL(page.url()).pathname;

    await page.getByRole('button', { name: 'Send a test event' }).click();
    await page.getByText(/Test event evt_\S+: delivered, the receiver answered 204/).waitFor();
    await until(
      async () => received.length,
      (count) => count === 1,
      'the test delivery at the receiver',
    );
    const first = the(received[0]);
    const signature = String(first.headers['carechain-signature']);
    expect(() => verifyWebhookSignature({ payload: first.body, header: signature, secret })).not.toThrow();
    expect(() => verifyWebhookSignature({ payload: first.body, header: signature, secret: `${secret}x` })).toThrow();
    const event = JSON.parse(first.body);
    expect(event).toMatchObject({ type: 'webhook.test', orgId: admin.orgId });
    expect(first.headers['carechain-event-id']).toBe(event.id);

    const log = page.getByRole('region', { name: 'Delivery log' });
    const row = log.getByRole('row', { name: new RegExp(event.id) });
    await row.waitFor();
    expect(await textOf(row)).toMatch(/webhook\.test.*Delivered.*204/);
    expect(await textOf(row.getByRole('cell').nth(5))).toBe('1');

    await row.getByRole('button', { name: `Send again ${event.id}` }).click();
    await until(
      async () => received.length,
      (count) => count === 2,
      'the second delivery at the receiver',
    );
    const again = the(received[1]);
    expect(JSON.parse(again.body).id).toBe(event.id);
    expect(() =>
      verifyWebhookSignature({ payload: again.body, header: String(again.headers['carechain-signature']), secret }),
    ).not.toThrow();
    await expect.poll(async () => textOf(row.getByRole('cell').nth(5))).toBe('2');
    expect(await settledViolations(page), 'endpoint page with its delivery log').toEqual([]);
    await screenshot(page, 'webhooks-04-delivery-log');
  }, 90_000);

  it('reads well at phone width without sideways scrolling', async () => {
    const phone = await signedIn(the(journey.endpointPath), undefined, 390);
    await phone.getByRole('region', { name: 'Delivery log' }).getByRole('row').nth(1).waitFor();
    expect(await overflowsHorizontally(phone)).toBe(false);
    expect(await settledViolations(phone), 'endpoint page at 390 px').toEqual([]);
    await screenshot(phone, 'phone-webhook-endpoint');
    await phone.getByRole('link', { name: 'Webhooks', exact: true }).first().click();
    await phone.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    expect(await overflowsHorizontally(phone)).toBe(false);
    expect(await settledViolations(phone), 'webhooks page at 390 px').toEqual([]);
    await screenshot(phone, 'phone-webhooks');
  }, 60_000);

  it('changes what the endpoint receives: a bad URL is explained beside its field, the signing secret stays', async () => {
    const page = the(journey.page);
    const secret = the(journey.secret);
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    const form = page.getByRole('form', { name: 'Change the endpoint' });
    const url = form.getByLabel('Endpoint URL');
    expect(await url.inputValue()).toBe(receiverUrl);
    expect(await form.getByLabel('Description').inputValue()).toBe('FHIR server');
    expect(await form.getByLabel('Topics', { exact: true }).inputValue()).toBe(`0x${'cd'.repeat(32)}\n*`);
    expect(await form.getByRole('checkbox', { name: /^node\.state_changed/ }).isChecked()).toBe(true);

    await url.fill('ftp://files.example/inbox');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form.getByText('Only http and https URLs are accepted').waitFor();
    expect(await url.getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'webhooks-05-change');

    await url.fill(receiverUrl);
    await form.getByLabel('Description').fill('FHIR server, ward 4');
    await form.getByRole('checkbox', { name: /^chain\.log/ }).uncheck();
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Changes saved. The signing secret stays the same.').waitFor();
    await page.getByRole('heading', { level: 1, name: 'FHIR server, ward 4' }).waitFor();
    expect(await form.count()).toBe(0);
    const endpoint = await ok(http(server.url, 'GET', `/v1${the(journey.endpointPath)}`, { token: admin.token }), 200);
    expect(endpoint).toMatchObject({
      eventTypes: ['node.state_changed'],
      chainLog: null,
      description: 'FHIR server, ward 4',
    });
    expect(await settledViolations(page), 'endpoint page after a change').toEqual([]);

    // The receiver still checks deliveries with the secret it was given at registration.
    const before = received.length;
    await page.getByRole('button', { name: 'Send a test event' }).click();
    await until(
      async () => received.length,
      (count) => count === before + 1,
      'the test delivery after the change',
    );
    const delivery = the(received[before]);
    expect(() =>
      verifyWebhookSignature({
        payload: delivery.body,
        header: String(delivery.headers['carechain-signature']),
        secret,
      }),
    ).not.toThrow();
  }, 60_000);

  it('disables, enables and deletes the endpoint', async () => {
    const page = the(journey.page);
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByText('Nothing is sent while the endpoint is disabled').waitFor();
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByText('Nothing is sent while the endpoint is disabled').waitFor({ state: 'detached' });
    const list = await ok(http(server.url, 'GET', `/v1/orgs/${admin.orgId}/webhooks`, { token: admin.token }), 200);
    expect(list.items[0].status).toBe('active');

    await page.getByRole('button', { name: 'Delete' }).click();
    await page
      .getByRole('dialog', { name: 'Delete this endpoint?' })
      .getByRole('button', { name: 'Delete endpoint' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    await page.getByText('No webhook endpoints yet.').waitFor();
  }, 60_000);

  it('shows the node’s head block rising live over the WebSocket and closes the socket when the page is left', async () => {
    const sockets: WebSocket[] = [];
    const page = await signedIn(`/orgs/${admin.orgId}/nodes/${nodeId}`, async (page) => {
      page.on('websocket', (socket) => sockets.push(socket));
    });
    const panel = page.getByRole('region', { name: 'Live head' });
    await panel.getByRole('status').getByText('Live').waitFor();
    const blockNumber = async () =>
      Number((await panel.locator('[data-block-number]').getAttribute('data-block-number')) ?? -1);
    await expect.poll(blockNumber).toBeGreaterThan(0);
    const seen = await blockNumber();
    // Blocks are sealed every 2 s on the local network: the number rises while the page is open.
    await expect.poll(blockNumber, { timeout: 20_000 }).toBeGreaterThan(seen);
    await panel.getByText(/^\d+ s ago$/).waitFor();
    expect(sockets.map((socket) => socket.url())).toEqual([`${server.url.replace(/^http/, 'ws')}/rpc/${nodeId}`]);
    expect(await settledViolations(page), 'node page with its live head').toEqual([]);
    await screenshot(page, 'node-live-head');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    await expect.poll(() => the(sockets[0]).isClosed()).toBe(true);
  }, 90_000);

  it('says when the live connection is lost and opens it again with a new ticket', async () => {
    let connections = 0;
    let tickets = 0;
    const page = await signedIn(`/orgs/${admin.orgId}/nodes/${nodeId}`, async (page) => {
      page.on('response', (response) => {
        if (response.url().endsWith(`/nodes/${nodeId}/live-ticket`) && response.status() === 201) tickets += 1;
      });
      // The first connection goes through to the gateway until its first new block, then is closed as the gateway
      // closes one whose node stopped answering (4500); later ones go through untouched.
      await page.routeWebSocket(/\/rpc\//, (socket) => {
        connections += 1;
        const gateway = socket.connectToServer();
        if (connections > 1) return;
        gateway.onMessage((message) => {
          socket.send(message);
          if (String(message).includes('eth_subscription')) {
            void socket.close({ code: 4500, reason: 'The node stopped answering' });
          }
        });
      });
    });
    const panel = page.getByRole('region', { name: 'Live head' });
    await panel.getByText('The node stopped answering.').waitFor();
    await panel.getByRole('status').getByText('Live').waitFor();
    expect(connections).toBe(2);
    // Each connection asked for its own ticket (a page that settles may have asked once more before it opened any).
    expect(tickets).toBeGreaterThanOrEqual(2);
    const blockNumber = async () =>
      Number((await panel.locator('[data-block-number]').getAttribute('data-block-number')) ?? -1);
    const seen = await blockNumber();
    await expect.poll(blockNumber, { timeout: 20_000 }).toBeGreaterThan(seen);
  }, 90_000);

  it('says a stopped node has no live head', async () => {
    await ok(http(server.url, 'POST', `/v1/orgs/${admin.orgId}/nodes/${nodeId}/stop`, { token: admin.token }), 202);
    const page = await signedIn(`/orgs/${admin.orgId}/nodes/${nodeId}`);
    const panel = page.getByRole('region', { name: 'Live head' });
    await panel.getByText(/The node is not running \(it is \w+\): no blocks to follow\./).waitFor({ timeout: 30_000 });
  }, 60_000);
});
