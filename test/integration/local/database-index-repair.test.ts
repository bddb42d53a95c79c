/**
 * The embedded database after an unclean stop: dynalite writes an item's index entries before the item, so a
 * process killed in between leaves indexes that disagree with the items for good. Here the first half of such
 * writes is made with dynalite's own index function on a real on-disk database, as a killed control plane leaves
 * it; the next start finds the database marked open and rebuilds the indexes from the items.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedDynamo } from '../../../shared/adapters/local/dynalite-server.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';
import { ensureTable } from '../../../shared/store/create-table.ts';
import { createStores } from '../../../shared/store/stores.ts';
import { Table } from '../../../shared/store/table.ts';
import { aNetwork, aNode } from '../../unit/providers/node-fixtures.ts';

const TABLE_NAME = 'carechain';
type Item = Record<string, unknown>;

interface DynaliteStore {
  db: {
    iterator(range: { gte: string; lt: string }): AsyncIterable<[string, Item]>;
    close(): Promise<void>;
  };
}
interface DynaliteDbModule {
  create(options: { path: string }): DynaliteStore;
  updateIndexes(
    store: DynaliteStore,
    table: Item,
    existing: Item | undefined,
    item: Item,
    cb: (e?: Error) => void,
  ): void;
}
const dynaliteDb = createRequire(import.meta.url)('dynalite/db') as DynaliteDbModule;

let dir: string;
let path: string;
let running: NodeRecord;
let other: NodeRecord;
const ghostId = newId('node');

async function open() {
  const dynamo = await startEmbeddedDynamo({ path });
  await ensureTable(dynamo.client, TABLE_NAME);
  return { dynamo, stores: createStores(new Table(dynamo.client, TABLE_NAME)) };
}

/** The first half of two writes, as dynalite makes them, on the closed database: index entries, then no item. */
async function cutShortWrites(): Promise<void> {
  const store = dynaliteDb.create({ path });
  try {
    let table: Item | undefined;
    for await (const [, value] of store.db.iterator({ gte: 'table~', lt: 'table\u007f' })) table = value;
    let item: Item | undefined;
    for await (const [, value] of store.db.iterator({ gte: `item-${TABLE_NAME}~`, lt: `item-${TABLE_NAME}\u007f` })) {
      if ((value.sk as { S?: string }).S === `NODE#${running.id}`) item = value;
    }
    if (!table || !item) throw new Error('the node item was not found');
    const update = (existing: Item | undefined, next: Item) =>
      new Promise<void>((resolve, reject) =>
        dynaliteDb.updateIndexes(store, table as Item, existing, next, (error) => (error ? reject(error) : resolve())),
      );
    // An update to a node that never reached its item, and a node created whose item was never written.
    // Items are stored in DynamoDB's attribute-value form.
    const version = Number((item.version as { N: string }).N);
    await update(item, {
      ...item,
      state: { S: 'failed' },
      reason: { S: 'never happened' },
      version: { N: `${version + 1}` },
    });
    await update(undefined, {
      ...item,
      pk: { S: `ORG#${newId('org')}` },
      sk: { S: `NODE#${ghostId}` },
      id: { S: ghostId },
      gsi2sk: { S: ghostId },
    });
  } finally {
    await store.db.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'carechain-db-'));
  path = join(dir, 'dynamodb');
  const { dynamo, stores } = await open();
  const network = await stores.networks.create(aNetwork());
  running = await stores.nodes.create(aNode(network, { state: 'running' }));
  other = await stores.nodes.create(aNode(network, { state: 'stopped' }));
  expect(existsSync(`${path}.open`)).toBe(true);
  await dynamo.close();
  expect(existsSync(`${path}.open`)).toBe(false);
  await cutShortWrites();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const summary = (nodes: NodeRecord[]) => nodes.map((n) => `${n.id}:${n.state}:${n.version}`).sort();

describe('the embedded database after an unclean stop', () => {
  it('would list what was never written if its indexes were left as the cut-short writes left them', async () => {
    const { dynamo, stores } = await open();
    try {
      expect(dynamo.repaired).toBeUndefined(); // closed cleanly: nothing is checked
      const fleet = await stores.nodes.listFleet();
      expect(fleet.map((n) => n.id)).toContain(ghostId);
      expect(fleet.find((n) => n.id === running.id)?.state).toBe('failed');
      expect((await stores.nodes.get(running.orgId, running.id))?.state).toBe('running');
    } finally {
      await dynamo.close();
    }
  });

  it('rebuilds the indexes from the items when the last process left the database open', async () => {
    await writeFile(`${path}.open`, '4242\n'); // what a killed process leaves behind
    const { dynamo, stores } = await open();
    try {
      // Items: the network, its name claim and the two nodes. Each node is in both indexes (by network, fleet).
      expect(dynamo.repaired).toEqual({ items: 4, removed: 2, written: 2 });
      const truth = [...(await stores.nodes.listByOrg(running.orgId)), ...(await stores.nodes.listByOrg(other.orgId))];
      expect(summary(await stores.nodes.listFleet())).toEqual(summary(truth));
      expect(summary(await stores.nodes.listByNetwork(running.networkId))).toEqual(summary(truth));
      expect(truth.find((n) => n.id === running.id)).toMatchObject({ state: 'running', version: running.version });
    } finally {
      await dynamo.close();
    }
    expect(existsSync(`${path}.open`)).toBe(false);
  });

  it('finds nothing to repair in a database whose indexes agree with its items', async () => {
    await writeFile(`${path}.open`, '4242\n');
    const { dynamo, stores } = await open();
    try {
      expect(dynamo.repaired).toEqual({ items: 4, removed: 0, written: 0 });
      expect(await stores.nodes.listFleet()).toHaveLength(2);
    } finally {
      await dynamo.close();
    }
  });
});
