/**
 * Consents end to end, in headless Chromium against the real local server (`npm start`): a patient reaches the
 * patient page from the login screen, makes a key in the browser and signs in with it (Sign-In with Ethereum),
 * opens their records with hospital A and gives A a consent, all signed in the browser; A's FHIR integration logs
 * an access and an emergency access through the API; A's administrator checks the consent on the Consents page
 * (permit) and sees both accesses; the patient sees them, the emergency one flagged, withdraws and blocks A; A's
 * check now denies. axe-core finds no serious or critical violation on the new pages, phones scroll neither
 * sideways, and screenshots are taken at 1280 and 390 px.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { http, type LocalServer, startLocalServer } from '../support/local-server.ts';
import { seriousViolations, settledViolations } from './support/accessibility.ts';
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
  defaultNetworkId,
  governanceDeployed,
  type Hospital,
  hospital,
  ok,
  runningNode,
  until,
} from './support/consortium-setup.ts';

const OPERATOR = { email: 'operator@carechain.local', password: 'operator passphrase for consent e2e' };

let dataDir: string;
let server: LocalServer;
let browser: Browser | undefined;
let browserMissing: Error | undefined;
const opened: ConsolePage[] = [];
let networkId: string;
let a: Hospital;
const journey: { patient?: Page; pseudonym?: string; admin?: Page } = {};
/** A's FHIR server's API key: reads (checks) and writes (logging accesses), as the README tells integrators. */
let fhirServerKey: string;

async function open(width = 1280): Promise<ConsolePage> {
  if (!browser) throw browserMissing ?? new Error('Chromium was not launched');
  const consolePage = await openConsolePage(browser, server.url, width === 1280 ? {} : { width, height: 844 });
  opened.push(consolePage);
  return consolePage;
}

function the<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('an earlier step did not run');
  return value;
}

beforeAll(async () => {
  ensureConsoleBuilt();
  dataDir = await mkdtemp(join(tmpdir(), 'carechain-consent-e2e-'));
  server = await startLocalServer({
    dataDir,
    env: { CARECHAIN_OPERATOR_EMAIL: OPERATOR.email, CARECHAIN_OPERATOR_PASSWORD: OPERATOR.password },
    timeoutMs: 45_000,
  });
  browser = await launchChromium().catch((error: unknown) => {
    browserMissing = error instanceof Error ? error : new Error(String(error));
    return undefined;
  });
  a = await hospital(server.url, 'Region Uppsala Akademiska', 'Anna Lind', 'consent-a');
  networkId = await defaultNetworkId(server.url, a.token);
  await runningNode(server.url, a, networkId);
  await governanceDeployed(server.url, a.token, networkId);
  await until(
    async () => (await http(server.url, 'GET', `/v1/networks/${networkId}`, { token: a.token })).json,
    (n) => Boolean(n.consentLedgerAddress),
    'the consent ledger deployment',
  );
  // The platform admits A to the consortium (what the consortium journey does in the browser).
  const { token: operator } = await ok(http(server.url, 'POST', '/v1/auth/login', { body: OPERATOR }), 200);
  const proposal = await ok(
    http(server.url, 'POST', `/v1/networks/${networkId}/proposals`, {
      token: operator,
      body: { kind: 'admit-member', actAsPlatform: true, orgId: a.orgId, memberKeyId: a.key.id },
    }),
    201,
  );
  await ok(
    http(server.url, 'POST', `/v1/networks/${networkId}/proposals/${proposal.id}/votes`, {
      token: operator,
      body: { actAsPlatform: true, support: true },
    }),
    200,
  );
  fhirServerKey = (
    await ok(
      http(server.url, 'POST', `/v1/orgs/${a.orgId}/api-keys`, {
        token: a.token,
        body: { name: 'fhir-server', scopes: ['read', 'write'] },
      }),
      201,
    )
  ).secret;
  // The control plane's governance watcher records who holds A's member address: patients see A by name.
  await until(
    async () => (await http(server.url, 'GET', `/v1/networks/${networkId}/governance`, { token: a.token })).json,
    (g) => Boolean(g.members?.some((m: { orgId: string | null }) => m.orgId === a.orgId)),
    'A’s admission recorded by the watcher',
  );
}, 180_000);

afterEach(() => {
  const problems = opened.flatMap((p) => p.problems.splice(0));
  expect(problems).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

/** A's FHIR server logs an access through the API with its API key, as it would after a permit. */
async function logAccess(body: Record<string, unknown>) {
  return ok(
    http(server.url, 'POST', `/v1/orgs/${a.orgId}/networks/${networkId}/accesses`, {
      apiKey: fhirServerKey,
      body: { keyId: a.key.id, subject: the(journey.pseudonym), ...body },
    }),
    201,
  );
}

async function checkOnConsentsPage(page: Page): Promise<string> {
  await page.getByLabel('Patient pseudonym').fill(the(journey.pseudonym));
  await page.getByLabel('FHIR resource type').fill('Observation');
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  const answer = page.locator('output.check-answer');
  await answer.waitFor();
  return textOf(answer);
}

describe('consents in the console', () => {
  it('a patient signs in with a key made in the browser and gives hospital A a consent', async () => {
    const { page } = await open();
    journey.patient = page;
    // The first read of the organisation list fails, as on a phone that lost its connection for a moment: the page
    // says so and reads it again by itself.
    let listReads = 0;
    await page.route('**/v1/patient/networks/*/organisations', async (route) => {
      listReads++;
      if (listReads > 1) return route.continue();
      await route.fulfill({
        status: 503,
        contentType: 'application/problem+json',
        body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'Try again.' }),
      });
    });
    await page.goto('/login');
    await page.getByRole('link', { name: 'I am a patient' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your consents' }).waitFor();
    expect(await settledViolations(page), 'patient sign-in').toEqual([]);
    await screenshot(page, 'consents-01-patient-sign-in');
    await page.getByRole('button', { name: 'Make a key in this browser and sign in' }).click();
    await page.getByRole('heading', { name: 'Signed in' }).waitFor({ timeout: 30_000 });
    await page.getByRole('heading', { name: 'Your key is kept only in this browser' }).waitFor();
    expect(await textOf(page.locator('.copyable-value').first())).toMatch(/^did:ethr:0x[0-9a-f]+:0x[0-9a-fA-F]{40}$/);

    await page.getByRole('button', { name: 'Look again' }).waitFor();
    await page.getByLabel('Organisation', { exact: true }).waitFor({ timeout: 30_000 });
    expect(listReads).toBeGreaterThan(1);
    await page.unroute('**/v1/patient/networks/*/organisations');
    await page.getByLabel('Organisation', { exact: true }).selectOption({ label: a.name });
    await page.getByRole('button', { name: 'Show my consents and accesses' }).click();
    const records = page.getByRole('region', { name: a.name });
    await records.waitFor({ timeout: 30_000 });
    journey.pseudonym = await textOf(records.locator('.copyable-value'));
    expect(journey.pseudonym).toMatch(/^0x[0-9a-f]{64}$/);
    await records.getByText(`You have given ${a.name} no consent.`).waitFor();
    await records.getByRole('button', { name: 'Sign and give consent' }).click();
    await records.getByText('May read Observation, MedicationStatement').waitFor({ timeout: 30_000 });
    expect(await settledViolations(page), 'patient with a consent').toEqual([]);
    await screenshot(page, 'consents-02-patient-consent-given');
  }, 120_000);

  it('A logs accesses; its administrator checks the consent (permit) and sees the log', async () => {
    await logAccess({ purpose: 'TREAT', resourceType: 'Observation' });
    await logAccess({ purpose: 'ETREAT', resourceType: 'AllergyIntolerance', emergency: true });
    const { page } = await open();
    journey.admin = page;
    await page.goto(`/login?next=${encodeURIComponent(`/orgs/${a.orgId}/consents`)}`);
    await page.getByLabel('E-mail address').fill(a.email);
    await page.getByLabel('Password').fill(a.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Consents' }).waitFor();
    expect(await checkOnConsentsPage(page)).toMatch(/^Permit at block \d+ — consent 0x/);
    const log = page.getByRole('region', { name: 'Accesses your organisation logged' });
    await log.getByText('2 logged, 1 of them emergency accesses.').waitFor();
    expect(await textOf(log)).toContain('Treatment: 1');
    expect(await textOf(log)).toContain('Emergency treatment: 1');
    await log.getByText('Emergency', { exact: true }).waitFor();
    expect(await settledViolations(page), 'organisation consents').toEqual([]);
    await screenshot(page, 'consents-03-organisation-check-and-log');
  }, 90_000);

  it('the patient sees both accesses, the emergency one flagged, withdraws and blocks; A’s check denies', async () => {
    const page = the(journey.patient);
    await page.getByRole('button', { name: 'Show my consents and accesses' }).click();
    const records = page.getByRole('region', { name: a.name });
    await records.getByText('Emergency access').waitFor();
    expect(await textOf(records)).toContain(`${a.name} read AllergyIntolerance for Emergency treatment`);
    expect(await textOf(records)).toContain(`${a.name} read Observation for Treatment`);
    await records.getByRole('button', { name: /^Withdraw/ }).click();
    await records.getByText('Withdrawn', { exact: true }).waitFor({ timeout: 30_000 });
    await records.getByRole('button', { name: `Block ${a.name}` }).click();
    await records.getByText(`You have blocked ${a.name}`).waitFor({ timeout: 30_000 });
    expect(await settledViolations(page), 'patient after withdrawing and blocking').toEqual([]);
    await screenshot(page, 'consents-04-patient-withdrawn-blocked');

    const admin = the(journey.admin);
    expect(await checkOnConsentsPage(admin)).toMatch(/^Deny at block \d+ — the patient has blocked/);
  }, 90_000);

  it('reads well at phone width without sideways scrolling', async () => {
    const phone = await open(390);
    await phone.page.goto('/patient');
    await phone.page.getByRole('heading', { level: 1, name: 'Your consents' }).waitFor();
    await phone.page.getByRole('button', { name: /Make a key in this browser and sign in/ }).waitFor();
    expect(await overflowsHorizontally(phone.page)).toBe(false);
    expect(await seriousViolations(phone.page), 'patient page at 390 px').toEqual([]);
    await screenshot(phone.page, 'phone-consents-patient');

    await phone.page.goto(`/login?next=${encodeURIComponent(`/orgs/${a.orgId}/consents`)}`);
    await phone.page.getByLabel('E-mail address').fill(a.email);
    await phone.page.getByLabel('Password').fill(a.password);
    await phone.page.getByRole('button', { name: 'Log in' }).click();
    await phone.page.getByRole('heading', { level: 1, name: 'Consents' }).waitFor();
    await phone.page.locator('[role="status"][aria-label^="Loading"]').first().waitFor({ state: 'detached' });
    await phone.page.getByText('2 logged, 1 of them emergency accesses.').waitFor();
    expect(await overflowsHorizontally(phone.page)).toBe(false);
    expect(await seriousViolations(phone.page), 'consents page at 390 px').toEqual([]);
    await screenshot(phone.page, 'phone-consents-organisation');
  }, 90_000);
});
