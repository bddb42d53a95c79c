/**
 * The Consortium pages end to end, in headless Chromium against the real local server: an organisation that is
 * not a member is told how to join; an operator, acting for the platform, admits hospital A; A's administrator
 * proposes admitting B and votes with the keyboard only, the operator votes in another browser and B, watching
 * in a third, becomes a member without reloading; removing B shows what offboarding did; a vote's transaction
 * shows its receipt; an operator creates a network and sees its genesis. axe-core finds no serious or critical
 * violation on any console page, phones scroll no page sideways, and screenshots are taken at 1280 and 390 px.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { http, type LocalServer, startLocalServer } from '../support/local-server.ts';
import { seriousViolations, settledViolations, tabTo } from './support/accessibility.ts';
import {
  type ConsolePage,
  openConsolePage,
  overflowsHorizontally,
  screenshot,
  textOf,
} from './support/browser-page.ts';
import { launchChromium } from './support/chromium.ts';
import { ensureConsoleBuilt } from './support/console-build.ts';
import {
  apiKey,
  defaultNetworkId,
  governanceDeployed,
  type Hospital,
  hospital,
  runningNode,
} from './support/consortium-setup.ts';

const OPERATOR = { email: 'operator@carechain.local', password: 'operator passphrase for consortium e2e' };

let dataDir: string;
let server: LocalServer;
let browser: Browser | undefined;
let browserMissing: Error | undefined;
const opened: ConsolePage[] = [];
let networkId: string;
let a: Hospital;
let b: Hospital;
const journey: { operator?: Page; a?: Page; b?: Page; admitB?: string; removeB?: string } = {};

async function open(width = 1280): Promise<ConsolePage> {
  if (!browser) throw browserMissing ?? new Error('Chromium was not launched');
  const consolePage = await openConsolePage(browser, server.url, width === 1280 ? {} : { width, height: 844 });
  opened.push(consolePage);
  return consolePage;
}

async function logIn(email: string, password: string, next: string): Promise<Page> {
  const { page } = await open();
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`**${next}`);
  return page;
}

function the(page: Page | undefined): Page {
  if (!page) throw new Error('an earlier step did not run');
  return page;
}

/** Confirms the open dialog (checking what it says will be signed) and waits for it to close. */
async function signInDialog(page: Page, title: string, says: readonly string[], confirm: string) {
  const dialog = page.getByRole('dialog', { name: title });
  await dialog.waitFor();
  for (const text of says) expect(await textOf(dialog)).toContain(text);
  expect(await seriousViolations(page), `dialog ${title}`).toEqual([]);
  await dialog.getByRole('button', { name: confirm }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
}

async function vote(page: Page, support: 'yes' | 'no', proposal: string) {
  await page.getByRole('button', { name: `Vote ${support}`, exact: true }).click();
  await signInDialog(page, `Vote ${support} on proposal ${proposal}?`, [`vote on`], `Sign and vote ${support}`);
  await page.getByText(`Your ${support} vote is recorded on the network`).waitFor();
}

beforeAll(async () => {
  ensureConsoleBuilt();
  dataDir = await mkdtemp(join(tmpdir(), 'carechain-consortium-e2e-'));
  server = await startLocalServer({
    dataDir,
    env: { CARECHAIN_OPERATOR_EMAIL: OPERATOR.email, CARECHAIN_OPERATOR_PASSWORD: OPERATOR.password },
    timeoutMs: 45_000,
  });
  browser = await launchChromium().catch((error: unknown) => {
    browserMissing = error instanceof Error ? error : new Error(String(error));
    return undefined;
  });
  [a, b] = await Promise.all([
    hospital(server.url, 'Region Uppsala Hospital', 'Anna Lind', 'consortium-a'),
    hospital(server.url, 'Apotek Norr', 'Bo Ek', 'consortium-b'),
  ]);
  networkId = await defaultNetworkId(server.url, a.token);
  await Promise.all([
    runningNode(server.url, a, networkId),
    runningNode(server.url, b, networkId),
    apiKey(server.url, b),
  ]);
  await governanceDeployed(server.url, a.token, networkId);
}, 150_000);

afterEach(() => {
  const problems = opened.flatMap((p) => p.problems.splice(0));
  expect(problems).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('the consortium in the console', () => {
  it('tells an organisation that is not a member how to join, with the details to send', async () => {
    journey.a = await logIn(a.email, a.password, `/orgs/${a.orgId}/consortium`);
    const page = journey.a;
    await page.waitForURL(`**/orgs/${a.orgId}/consortium/${networkId}`);
    const join = page.getByTestId('how-to-join');
    await join.waitFor();
    expect(await textOf(join)).toContain(a.orgId);
    expect(await textOf(join)).toContain(a.key.address);
    await page.getByTestId('no-member-key').waitFor();
    expect(await page.getByRole('button', { name: 'Review and sign…' }).count()).toBe(0);
    expect(await settledViolations(page), 'consortium, not a member').toEqual([]);
    await screenshot(page, 'consortium-01-not-a-member');
  }, 60_000);

  it('an operator acting for the platform admits hospital A', async () => {
    journey.operator = await logIn(OPERATOR.email, OPERATOR.password, '/ops/networks');
    const page = journey.operator;
    await page.getByRole('link', { name: 'Consortium' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Consortium' }).waitFor();
    await page.getByText('You act for the platform').waitFor();
    expect(await settledViolations(page), 'ops consortium').toEqual([]);
    await page.getByLabel('What to propose').selectOption('admit-member');
    await page.getByLabel('Organisation id').fill('not-an-id');
    await page.getByRole('button', { name: 'Review and sign…' }).click();
    await page.getByText('Enter the organisation id it sent you').waitFor();
    expect(await page.getByLabel('Organisation id').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Organisation id').fill(a.orgId);
    await page.getByLabel('Member key address').fill(a.key.address);
    await page.getByRole('button', { name: 'Review and sign…' }).click();
    await signInDialog(
      page,
      'Sign this proposal?',
      [a.orgId, a.key.address, 'CareChain platform key'],
      'Sign and propose',
    );
    await page.getByRole('heading', { level: 1, name: /^Proposal 1: Admit Region Uppsala Hospital/ }).waitFor();
    await screenshot(page, 'consortium-02-proposal-created');
    await vote(page, 'yes', '1');
    await expect.poll(() => textOf(page.getByTestId('proposal-state'))).toContain('Carried out');
    expect(await settledViolations(page), 'proposal carried out').toEqual([]);
  }, 60_000);

  it('A’s administrator proposes admitting B and votes, with the keyboard only', async () => {
    const page = the(journey.a);
    await page.getByTestId('membership-state').getByText('is a member').waitFor({ timeout: 15_000 });
    await page.goto(`/orgs/${a.orgId}/consortium/${networkId}`);
    await page.getByRole('heading', { name: 'Propose a change' }).waitFor();
    await tabTo(page, 'What to propose');
    await tabTo(page, 'Organisation id');
    await page.keyboard.type(b.orgId);
    await tabTo(page, 'Member key address');
    await page.keyboard.type(b.key.address);
    await tabTo(page, 'Sign with');
    await tabTo(page, 'Review and sign…');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Sign this proposal?' });
    await dialog.waitFor();
    expect(await textOf(dialog)).toContain(b.orgId);
    expect(await textOf(dialog)).toContain('consortium-a');
    await tabTo(page, 'Sign and propose', 5);
    await screenshot(page, 'consortium-03-keyboard-confirm');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: /^Proposal 2: Admit Apotek Norr/ }).waitFor({ timeout: 30_000 });
    journey.admitB = '2';
    // The vote buttons come once the member's keys are read, after the heading; a keyboard user waits to see them.
    await page.getByRole('button', { name: 'Vote yes' }).waitFor();
    await tabTo(page, 'Vote yes');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Vote yes on proposal 2?' }).waitFor();
    await tabTo(page, 'Sign and vote yes', 5);
    await page.keyboard.press('Enter');
    await page.getByText('Your yes vote is recorded on the network').waitFor({ timeout: 30_000 });
    await expect.poll(() => textOf(page.getByTestId('proposal-tally'))).toBe('1 of 2 yes votes needed');
    await page.getByTestId('already-voted').waitFor();
    await screenshot(page, 'consortium-04-voted');
  }, 90_000);

  it('the operator votes in their own browser, and B sees itself become a member without reloading', async () => {
    journey.b = await logIn(b.email, b.password, `/orgs/${b.orgId}/consortium/${networkId}`);
    const watcher = journey.b;
    await watcher.getByTestId('how-to-join').waitFor();

    const page = the(journey.operator);
    await page.getByRole('link', { name: 'Consortium', exact: true }).click();
    await page.getByRole('link', { name: /^2\. Admit Apotek Norr/ }).click();
    await page.getByTestId('votes-table').getByText('Region Uppsala Hospital').waitFor();
    await vote(page, 'yes', '2');
    await expect.poll(() => textOf(page.getByTestId('proposal-state'))).toContain('Carried out');

    await watcher.getByTestId('membership-state').getByText('Apotek Norr is a member').waitFor({ timeout: 15_000 });
    await watcher.getByRole('heading', { name: 'Propose a change' }).waitFor();
    const members = watcher.getByTestId('members-table');
    await members.getByText('Apotek Norr').waitFor();
    // The proposal that admitted it shows once the control plane has read the admission (its watcher runs every 5 s).
    await expect.poll(() => textOf(members), { timeout: 15_000 }).toContain('by proposal 2');
    expect(await settledViolations(watcher), 'consortium, member').toEqual([]);
    await screenshot(watcher, 'consortium-05-member');

    const proposer = the(journey.a);
    await expect.poll(() => proposer.getByTestId('votes-table').locator('tbody tr').count()).toBe(2);
    await screenshot(proposer, 'consortium-06-proposal-votes');
  }, 60_000);

  it('removing B shows what offboarding did', async () => {
    const page = the(journey.a);
    await page.goto(`/orgs/${a.orgId}/consortium/${networkId}`);
    await page.getByLabel('What to propose').selectOption('remove-member');
    await page.getByLabel('Member to remove').selectOption({ label: `Apotek Norr (${b.key.address})` });
    await page.getByRole('button', { name: 'Review and sign…' }).click();
    await signInDialog(page, 'Sign this proposal?', ['remove Apotek Norr'], 'Sign and propose');
    await page.getByRole('heading', { level: 1, name: /^Proposal 3: Remove Apotek Norr/ }).waitFor({ timeout: 30_000 });
    journey.removeB = page.url();
    await vote(page, 'yes', '3');

    const operator = the(journey.operator);
    await operator.goto(`/ops/networks/${networkId}/consortium/proposals/3`);
    await vote(operator, 'yes', '3');
    const offboarding = page.getByTestId('offboarding');
    await offboarding.waitFor({ timeout: 40_000 });
    await expect.poll(() => textOf(page.getByTestId('execution')), { timeout: 30_000 }).toContain('Carried out');
    const text = await textOf(offboarding);
    expect(text).toContain(`Signing keys disabled1 key${b.key.id}`);
    expect(text).toMatch(/API keys revoked1 key/);
    expect(text).toMatch(/Nodes stopped1 node/);
    expect(await settledViolations(page), 'proposal with offboarding').toEqual([]);
    await screenshot(page, 'consortium-07-offboarding');
  }, 90_000);

  it('shows a vote’s transaction with its receipt and how to check it through the gateway', async () => {
    const page = the(journey.a);
    await page
      .getByTestId('votes-table')
      .getByRole('link', { name: /^Vote transaction 0x/ })
      .first()
      .click();
    await page.getByRole('heading', { level: 1, name: 'Governance transaction' }).waitFor();
    await page.getByText('Succeeded').waitFor();
    await page.getByText('VoteCast').waitFor();
    await page.getByText(/cast receipt 0x[0-9a-f]{64} --rpc-url/).waitFor();
    expect(await settledViolations(page), 'transaction').toEqual([]);
    await screenshot(page, 'consortium-08-transaction');
  }, 30_000);

  it('an operator creates a network: mistakes in plain words, then the generated genesis', async () => {
    const page = the(journey.operator);
    await page.goto('/ops/networks/new');
    await page.getByLabel('Name', { exact: true }).fill('X');
    await page.getByLabel('Chain id').fill('4242.5');
    await page.getByRole('button', { name: 'Create network' }).click();
    await page.getByText('Use 3 to 40 lower-case letters').waitFor();
    await page.getByText('Enter a whole number of at least 1').waitFor();
    expect(await settledViolations(page), 'create network with errors').toEqual([]);
    await screenshot(page, 'consortium-09-network-form-errors');
    await page.getByLabel('Name', { exact: true }).fill('research-net');
    await page.getByLabel('Chain id').fill('4242019');
    await page.getByLabel('Block period (seconds)').fill('1');
    await page.getByRole('button', { name: 'Create network' }).click();
    await page.getByRole('heading', { level: 1, name: 'research-net' }).waitFor({ timeout: 30_000 });
    const genesis = JSON.parse(await textOf(page.getByTestId('genesis-json'))) as { config: { chainId: number } };
    expect(genesis.config.chainId).toBe(4_242_019);
    expect(await page.getByTestId('genesis-validators').locator('li').count()).toBeGreaterThan(0);
    expect(await settledViolations(page), 'network detail').toEqual([]);
    await screenshot(page, 'consortium-10-network-genesis');
  }, 60_000);
});

describe('every console page', () => {
  it('explains a too-short organisation name in plain words on the onboarding form', async () => {
    const page = the(journey.a);
    await page.goto('/onboarding');
    await page.getByLabel('Organisation name').fill('A');
    await page.getByRole('button', { name: 'Create organisation' }).click();
    await page.getByText('Use at least 2 characters').waitFor();
    expect(await page.content()).not.toContain('Too small');
    expect(await settledViolations(page), 'onboarding with an error').toEqual([]);
  });

  it('has no serious or critical accessibility violations', async () => {
    const nodes = await http(server.url, 'GET', `/v1/orgs/${a.orgId}/nodes`, { token: a.token });
    const invitation = await http(server.url, 'POST', `/v1/orgs/${a.orgId}/invitations`, {
      token: a.token,
      body: { email: 'new.colleague@region-uppsala.example', role: 'viewer' },
    });
    const member = the(journey.a);
    const orgPages = [
      'nodes',
      'nodes/new',
      'nodes/self-hosted',
      `nodes/${nodes.json.items[0].id}`,
      'keys',
      'api-keys',
      'usage',
      'billing',
      'members',
      'audit',
      'onboarding/plan',
      `consortium/${networkId}`,
      `consortium/${networkId}/proposals/2`,
    ].map((path) => `/orgs/${a.orgId}/${path}`);
    for (const path of [...orgPages, '/onboarding', '/no-such-page']) {
      await member.goto(path);
      expect(await settledViolations(member), path).toEqual([]);
    }
    const operator = the(journey.operator);
    for (const path of [
      '/ops/orgs',
      '/ops/fleet',
      '/ops/networks',
      '/ops/networks/new',
      `/ops/networks/${networkId}`,
    ]) {
      await operator.goto(path);
      expect(await settledViolations(operator), path).toEqual([]);
    }
    const signedOut = await open();
    const inviteLink = new URL(invitation.json.acceptUrl);
    for (const path of ['/login', '/signup', inviteLink.pathname]) {
      await signedOut.page.goto(path);
      await signedOut.page.getByRole('heading', { level: 1 }).waitFor();
      expect(await settledViolations(signedOut.page), path).toEqual([]);
    }
  }, 120_000);

  it('reads well at phone width without sideways scrolling', async () => {
    const phone = await open(390);
    await phone.page.goto(`/login?next=${encodeURIComponent(`/orgs/${a.orgId}/consortium/${networkId}`)}`);
    await phone.page.getByLabel('E-mail address').fill(a.email);
    await phone.page.getByLabel('Password').fill(a.password);
    await phone.page.getByRole('button', { name: 'Log in' }).click();
    await phone.page.getByRole('heading', { name: 'Propose a change' }).waitFor();
    const views: Array<[string, string]> = [
      [`/orgs/${a.orgId}/consortium/${networkId}`, 'phone-consortium'],
      [`/orgs/${a.orgId}/consortium/${networkId}/proposals/3`, 'phone-consortium-offboarding'],
      [new URL(the(journey.a).url()).pathname, 'phone-consortium-transaction'],
    ];
    for (const [path, name] of views) {
      await phone.page.goto(path);
      await phone.page.locator('[role="status"][aria-label^="Loading"]').first().waitFor({ state: 'detached' });
      await phone.page.getByRole('heading', { level: 1 }).waitFor();
      expect(await overflowsHorizontally(phone.page), path).toBe(false);
      expect(await seriousViolations(phone.page), `${path} at 390 px`).toEqual([]);
      await screenshot(phone.page, name);
    }
    const ops = await open(390);
    await ops.page.goto('/login?next=/ops/networks');
    await ops.page.getByLabel('E-mail address').fill(OPERATOR.email);
    await ops.page.getByLabel('Password').fill(OPERATOR.password);
    await ops.page.getByRole('button', { name: 'Log in' }).click();
    await ops.page.getByRole('heading', { level: 1, name: 'Networks' }).waitFor();
    for (const [path, name] of [
      ['/ops/networks', 'phone-ops-networks'],
      ['/ops/networks/new', 'phone-ops-network-new'],
      [`/ops/networks/${networkId}`, 'phone-ops-network-genesis'],
      [`/ops/networks/${networkId}/consortium/proposals/2`, 'phone-ops-proposal'],
    ] as const) {
      await ops.page.goto(path);
      await ops.page.locator('[role="status"][aria-label^="Loading"]').first().waitFor({ state: 'detached' });
      await ops.page.getByRole('heading', { level: 1 }).waitFor();
      expect(await overflowsHorizontally(ops.page), path).toBe(false);
      expect(await seriousViolations(ops.page), `${path} at 390 px`).toEqual([]);
      await screenshot(ops.page, name);
    }
  }, 90_000);
});
