/**
 * enode URLs (`enode://<node id>@<host>:<port>[?discport=<udp port>]`), the form Besu takes for bootnodes and
 * static nodes. The node id is the 64-byte public key in hex. Checked here so that a typo fails when the bundle
 * is made, not when a member's node silently never finds a peer.
 */
import { ValidationError } from '../../errors.ts';

const ENODE = /^enode:\/\/([0-9a-fA-F]{128})@(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})(?:\?discport=(\d{1,5}))?$/;

export interface Enode {
  /** 128 lower-case hex characters. */
  readonly nodeId: string;
  readonly host: string;
  readonly port: number;
  readonly discoveryPort: number | undefined;
}

/** @throws ValidationError naming `field` when the URL is not an enode URL */
export function parseEnode(url: string, field = 'enode'): Enode {
  const match = ENODE.exec(url.trim());
  const port = Number(match?.[3]);
  const discoveryPort = match?.[4] === undefined ? undefined : Number(match[4]);
  if (!match || !isPort(port) || (discoveryPort !== undefined && !isPort(discoveryPort))) {
    throw new ValidationError(`${field} is not an enode URL (enode://<128 hex>@host:port)`, [
      { path: field, message: 'not an enode URL' },
    ]);
  }
  return { nodeId: match[1]!.toLowerCase(), host: match[2]!, port, discoveryPort };
}

export function formatEnode(enode: Enode): string {
  const discovery = enode.discoveryPort === undefined ? '' : `?discport=${enode.discoveryPort}`;
  return `enode://${enode.nodeId}@${enode.host}:${enode.port}${discovery}`;
}

/** Each URL checked and normalised, duplicates (same node id, host and port) dropped, order kept. */
export function normalisedEnodes(urls: readonly string[], field: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  urls.forEach((url, index) => {
    const normalised = formatEnode(parseEnode(url, `${field}[${index}]`));
    if (!seen.has(normalised)) {
      seen.add(normalised);
      out.push(normalised);
    }
  });
  return out;
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65_535;
}
