/**
 * Embedded DynamoDB for local mode and tests: dynalite in this process, on loopback, persisted (LevelDB) under a
 * directory or kept in memory when none is given.
 *
 * A persisted database is marked open (`<path>.open`) while it serves and unmarked when it closes. Finding the
 * mark at start means the last process stopped without closing it (killed, crashed, power lost): its indexes are
 * then repaired from its items before it serves (see dynalite-index-repair.ts).
 */
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import {
  addMissingGlobalIndexes,
  type IndexRepairReport,
  repairIndexes,
  type WantedIndex,
} from './dynalite-index-repair.ts';

export interface EmbeddedDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** Set when the database had not been closed cleanly and its indexes were checked before serving. */
  readonly repaired: IndexRepairReport | undefined;
  /** Indexes added to a table made by an older release (and filled from its items) before serving. */
  readonly addedIndexes: readonly string[];
  close(): Promise<void>;
}

export async function startEmbeddedDynamo(
  options: {
    path?: string;
    region?: string;
    /** The global indexes `table` must have; ones it lacks are added before the database serves. */
    indexes?: { readonly table: string; readonly wanted: readonly WantedIndex[] };
  } = {},
): Promise<EmbeddedDynamo> {
  const openMark = options.path === undefined ? undefined : `${options.path}.open`;
  const addedIndexes =
    options.path && options.indexes && existsSync(options.path)
      ? await addMissingGlobalIndexes(options.path, options.indexes.table, options.indexes.wanted)
      : [];
  const mustRepair = (openMark && existsSync(openMark)) || addedIndexes.length > 0;
  const repaired = mustRepair ? await repairIndexes(options.path as string) : undefined;
  const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  if (openMark) await writeFile(openMark, `${process.pid}\n`, { mode: 0o600 });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: options.region ?? 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
  return {
    endpoint,
    client,
    repaired,
    addedIndexes,
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (openMark) await rm(openMark, { force: true });
    },
  };
}
