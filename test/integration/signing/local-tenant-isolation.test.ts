/**
 * Local mode keeps the tenant rule IAM keeps in AWS, with the real parts: the encrypted local vault and the embedded
 * DynamoDB. A session of organisation B cannot use, change or create organisation A's keys, nor read or write
 * A's partition, an index, or a partition that is no organisation's; a session nobody issued, or one past its end,
 * is refused; sessions are renewed before they lapse.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { LocalKeyVault } from '../../../shared/adapters/local/local-key-vault.ts';
import { LocalTenantCredentials } from '../../../shared/adapters/local/local-tenant-credentials.ts';
import { LocalTenantKeyVault } from '../../../shared/adapters/local/local-tenant-key-vault.ts';
import { tenantTableClient } from '../../../shared/adapters/local/local-tenant-table.ts';
import { NotFoundError, TenantAccessDeniedError } from '../../../shared/errors.ts';
import type { KeyVault } from '../../../shared/ports/key-vault.ts';
import { ensureTable } from '../../../shared/store/create-table.ts';
import { Table } from '../../../shared/store/table.ts';

const ORG_A = 'org_aaaaaaaaaaaaaaaaaaaa';
const ORG_B = 'org_bbbbbbbbbbbbbbbbbbbb';
const TABLE_NAME = 'carechain-tenants';

let now = new Date('2026-12-04T12:00:00Z');
const clock = () => now;
let vault: LocalKeyVault;
let credentials: LocalTenantCredentials;
let dynamo: EmbeddedDynamo;
let keyOfA: string;

const vaultOf = (orgId: string) => new LocalTenantKeyVault(vault, () => credentials.sessionFor(orgId), clock);
const tableOf = (orgId: string) =>
  new Table(
    tenantTableClient({ endpoint: dynamo.endpoint, region: 'eu-north-1' }, () => credentials.sessionFor(orgId), clock),
    TABLE_NAME,
    clock,
    { scopedTo: orgId },
  );

beforeAll(async () => {
  vault = new LocalKeyVault(mkdtempSync(join(tmpdir(), 'carechain-tenant-vault-')), { now: clock });
  credentials = new LocalTenantCredentials({ clock });
  dynamo = await startEmbeddedDynamo();
  await ensureTable(dynamo.client, TABLE_NAME);
  keyOfA = (await vaultOf(ORG_A).createKey({ orgId: ORG_A, alias: 'treasury' })).keyRef;
  await tableOf(ORG_A).create({ pk: `ORG#${ORG_A}`, sk: 'KEY#sk_a', keyRef: keyOfA });
});

afterAll(() => dynamo.close());

describe("the local vault, in organisation B's session", () => {
  const uses: [string, (v: KeyVault) => Promise<unknown>][] = [
    ['sign with', (v) => v.sign(keyOfA, new Uint8Array(32).fill(7))],
    ['read the public key of', (v) => v.getPublicKey(keyOfA)],
    ['disable', (v) => v.disable(keyOfA)],
    ['enable', (v) => v.enable(keyOfA)],
    ['schedule the deletion of', (v) => v.scheduleDeletion(keyOfA, 7)],
  ];

  it.each(uses)("refuses to %s organisation A's key", async (_what, use) => {
    await expect(use(vaultOf(ORG_B))).rejects.toBeInstanceOf(TenantAccessDeniedError);
    // Untouched: A's own session still signs with it.
    await expect(vaultOf(ORG_A).sign(keyOfA, new Uint8Array(32).fill(1))).resolves.toMatchObject({
      v: expect.any(Number),
    });
  });

  it('creates keys for its own organisation only', async () => {
    await expect(vaultOf(ORG_B).createKey({ orgId: ORG_A, alias: 'planted' })).rejects.toBeInstanceOf(
      TenantAccessDeniedError,
    );
    const own = await vaultOf(ORG_B).createKey({ orgId: ORG_B, alias: 'own' });
    expect(await vault.ownerOf(own.keyRef)).toBe(ORG_B);
  });

  it('answers a key that does not exist as not found, as KMS does', async () => {
    await expect(vaultOf(ORG_B).sign('lkv_aaaaaaaaaaaaaaaaaaaaaaaaaa', new Uint8Array(32))).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe('local sessions', () => {
  it('are refused when made up rather than issued', async () => {
    const forged = new LocalTenantKeyVault(vault, async () => ({ orgId: ORG_A, expiresAt: new Date('2100-01-01') }));
    await expect(forged.sign(keyOfA, new Uint8Array(32))).rejects.toBeInstanceOf(TenantAccessDeniedError);
  });

  it('are refused past their end, and renewed five minutes before it', async () => {
    const own = new LocalTenantCredentials({ clock });
    const first = await own.sessionFor(ORG_A);
    expect(await own.sessionFor(ORG_A)).toBe(first);
    const kept = new LocalTenantKeyVault(vault, async () => first, clock);
    now = new Date(now.getTime() + 56 * 60_000);
    const renewed = await own.sessionFor(ORG_A);
    expect(renewed).not.toBe(first);
    now = new Date(now.getTime() + 5 * 60_000);
    await expect(kept.getPublicKey(keyOfA)).rejects.toBeInstanceOf(TenantAccessDeniedError);
    await expect(
      new LocalTenantKeyVault(vault, async () => renewed, clock).getPublicKey(keyOfA),
    ).resolves.toBeDefined();
  });
});

describe("the local table, in organisation B's session", () => {
  it("reads and writes B's own partition", async () => {
    const table = tableOf(ORG_B);
    await table.create({ pk: `ORG#${ORG_B}`, sk: 'KEY#sk_b', keyRef: 'lkv_b' });
    expect(await table.get({ pk: `ORG#${ORG_B}`, sk: 'KEY#sk_b' })).toMatchObject({ keyRef: 'lkv_b' });
    expect((await table.query(`ORG#${ORG_B}`, { beginsWith: 'KEY#' })).items).toHaveLength(1);
  });

  it.each([
    ["read A's item", (t: Table) => t.get({ pk: `ORG#${ORG_A}`, sk: 'KEY#sk_a' })],
    ["list A's partition", (t: Table) => t.query(`ORG#${ORG_A}`, { beginsWith: 'KEY#' })],
    ["write into A's partition", (t: Table) => t.create({ pk: `ORG#${ORG_A}`, sk: 'KEY#planted' })],
    ["change A's item", (t: Table) => t.update({ pk: `ORG#${ORG_A}`, sk: 'KEY#sk_a' }, 1, { keyRef: 'x' })],
    ["delete A's item", (t: Table) => t.delete({ pk: `ORG#${ORG_A}`, sk: 'KEY#sk_a' })],
    ['query an index, even for its own partition', (t: Table) => t.query(`ORG#${ORG_B}`, { index: 'gsi1' })],
    ['read a partition that is no organisation’s', (t: Table) => t.get({ pk: 'USER#usr_x', sk: 'META' })],
  ])('refuses to %s', async (_what, act) => {
    await expect(act(tableOf(ORG_B))).rejects.toBeInstanceOf(TenantAccessDeniedError);
    expect(await tableOf(ORG_A).get({ pk: `ORG#${ORG_A}`, sk: 'KEY#sk_a' })).toMatchObject({ keyRef: keyOfA });
  });
});
