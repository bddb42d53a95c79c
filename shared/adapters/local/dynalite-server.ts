/**
 * Embedded DynamoDB for local mode and tests: dynalite in this process, on loopback, persisted (LevelDB) under a
 * directory or kept in memory when none is given. Clients in this process reach it through its request listener
 * (dynalite-in-process.ts); clients in other processes through its loopback port.
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
import { type DynaliteListener, IN_PROCESS_AUTH_SCHEMES, InProcessDynamoHandler } from './dynalite-in-process.ts';
import {
  addMissingGlobalIndexes,
  type IndexRepairReport,
  repairIndexes,
  type WantedIndex,
} from './dynalite-index-repair.ts';

/** How a client reaches the embedded database: its loopback address, and in this process its request listener. */
export interface EmbeddedDynamoConnection {
  readonly endpoint: string;
  readonly region: string;
  readonly requestHandler?: InProcessDynamoHandler;
}

export interface EmbeddedDynamo {
  readonly endpoint: string;
  readonly connection: EmbeddedDynamoConnection;
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
  const requestHandler = new InProcessDynamoHandler(server.listeners('request')[0] as DynaliteListener);
  const connection = { endpoint, region: options.region ?? 'eu-north-1', requestHandler };
  const client = embeddedDynamoClient(connection);
  return {
    endpoint,
    connection,
    client,
    repaired,
    addedIndexes,
    async close() {
      requestHandler.close();
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (openMark) await rm(openMark, { force: true });
    },
  };
}

/** A client of the embedded database, through its request listener when it is in this process. */
export function embeddedDynamoClient(connection: EmbeddedDynamoConnection): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: connection.endpoint,
    region: connection.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
    // As in AWS (functions/handlers/aws-core.ts): the middleware stack resolved once per command class.
    cacheMiddleware: true,
    // In the same process: no socket, and no signature nobody verifies (dynalite-in-process.ts).
    ...(connection.requestHandler && {
      requestHandler: connection.requestHandler,
      httpAuthSchemes: IN_PROCESS_AUTH_SCHEMES,
    }),
  });
}
