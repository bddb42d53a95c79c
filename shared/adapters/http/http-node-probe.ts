/**
 * NodeProbe over HTTP. A probe is one JSON-RPC batch (`eth_blockNumber`, `eth_syncing`, and `net_peerCount` where
 * peers are expected) plus, on Besu, `GET /liveness` and `GET /readiness`.
 *
 * Nodes the platform runs are reached through one client; self-hosted nodes, whose URLs members gave, through
 * another that treats them as untrusted: bounded answers, no redirects, and in AWS only public addresses (see
 * outbound-http.ts). Answers are read defensively: whatever a node sends becomes a failed probe, never an error.
 */
import type { ProbeObservation } from '../../domain/health.ts';
import type { NodeProbe, ProbeRequest, ProbeResult, ProbeTarget } from '../../ports/node-probe.ts';
import { OutboundHttp, OutboundRequestError, type OutboundResponse } from './outbound-http.ts';

export interface HttpNodeProbeOptions {
  /**
   * Whether members' node URLs may lead to private addresses: true locally (their test nodes run on the same
   * machine), false in AWS, where such an address is the platform's own network.
   */
  readonly memberPrivateAddresses: boolean;
  /** Largest answer read from a member's node. @default 65_536 */
  readonly maxMemberResponseBytes?: number;
}

interface RpcReply {
  readonly id?: unknown;
  readonly result?: unknown;
  readonly error?: { readonly message?: string };
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

export class HttpNodeProbe implements NodeProbe {
  readonly #platformNodes: OutboundHttp;
  readonly #memberNodes: OutboundHttp;

  constructor(options: HttpNodeProbeOptions) {
    // Nodes the platform runs answer with whole blocks at times (readiness checks do not), so their bound is wider.
    this.#platformNodes = new OutboundHttp({ allowPrivateAddresses: true, maxResponseBytes: 1024 * 1024 });
    this.#memberNodes = new OutboundHttp({
      allowPrivateAddresses: options.memberPrivateAddresses,
      maxResponseBytes: options.maxMemberResponseBytes ?? 65_536,
    });
  }

  async probe(target: ProbeTarget, request: ProbeRequest): Promise<ProbeResult> {
    const { minPeers, maxBlocksBehind, timeoutMs } = request;
    const [rpc, liveness, readiness] = await Promise.all([
      this.#probeJsonRpc(target, minPeers > 0, timeoutMs),
      target.besu ? this.#probeBesuEndpoint(target, '/liveness', timeoutMs) : undefined,
      target.besu
        ? this.#probeBesuEndpoint(
            target,
            `/readiness?minPeers=${minPeers}&maxBlocksBehind=${maxBlocksBehind}`,
            timeoutMs,
          )
        : undefined,
    ]);
    return {
      ...rpc,
      ...(liveness !== undefined && { liveness }),
      ...(readiness !== undefined && { readiness }),
    };
  }

  async chainId(target: ProbeTarget, timeoutMs: number): Promise<number> {
    const body = '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}';
    const response = await this.#send(target, target.rpcUrl, { method: 'POST', body, timeoutMs });
    if (response.status !== 200) throw new OutboundRequestError('unreachable', `HTTP ${response.status}`);
    const reply = parseJson(response.text) as RpcReply | undefined;
    const chainId = quantity(reply?.result);
    if (chainId === undefined) {
      throw new OutboundRequestError('unreachable', reply?.error?.message ?? 'no chain id in the answer');
    }
    return chainId;
  }

  async close(): Promise<void> {
    await Promise.all([this.#platformNodes.close(), this.#memberNodes.close()]);
  }

  async #probeJsonRpc(
    target: ProbeTarget,
    withPeers: boolean,
    timeoutMs: number,
  ): Promise<Omit<ProbeObservation, 'at' | 'liveness' | 'readiness'>> {
    const calls = [
      { jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] },
      { jsonrpc: '2.0', id: 2, method: 'eth_syncing', params: [] },
      ...(withPeers ? [{ jsonrpc: '2.0', id: 3, method: 'net_peerCount', params: [] }] : []),
    ];
    const started = performance.now();
    let replies: RpcReply[];
    try {
      const response = await this.#send(target, target.rpcUrl, {
        method: 'POST',
        body: JSON.stringify(calls),
        timeoutMs,
      });
      if (response.status < 200 || response.status > 299) return { rpcOk: false, rpcError: `HTTP ${response.status}` };
      const parsed = parseJson(response.text);
      if (parsed === undefined) return { rpcOk: false, rpcError: 'the answer was not JSON' };
      if (!Array.isArray(parsed)) return { rpcOk: false, rpcError: 'the answer to a batch was not a batch' };
      replies = parsed.filter((reply): reply is RpcReply => typeof reply === 'object' && reply !== null);
    } catch (error) {
      return { rpcOk: false, rpcError: reasonOf(error) };
    }
    const latencyMs = Math.round(performance.now() - started);
    const byId = new Map(replies.map((reply) => [reply.id, reply]));
    const head = byId.get(1);
    const blockNumber = quantity(head?.result);
    if (blockNumber === undefined) {
      const message = typeof head?.error?.message === 'string' ? head.error.message.slice(0, 200) : 'no block number';
      return { rpcOk: false, latencyMs, rpcError: `eth_blockNumber: ${message}` };
    }
    const syncing = syncStatus(byId.get(2)?.result);
    const peerCount = withPeers ? quantity(byId.get(3)?.result) : undefined;
    return {
      rpcOk: true,
      latencyMs,
      blockNumber,
      ...(syncing !== undefined && { syncing }),
      ...(peerCount !== undefined && { peerCount }),
    };
  }

  async #probeBesuEndpoint(target: ProbeTarget, path: string, timeoutMs: number) {
    try {
      const response = await this.#send(target, new URL(path, target.rpcUrl), { method: 'GET', timeoutMs });
      return response.status >= 200 && response.status <= 299 ? ('up' as const) : ('down' as const);
    } catch {
      return 'unreachable' as const;
    }
  }

  /**
   * One request, once more at once when the first failed on a pooled keep-alive connection the node had already
   * closed (a restarted node, an idle timeout): that is the connection's fault, not the node's, and must not count
   * as a failed probe.
   */
  async #send(
    target: ProbeTarget,
    url: string | URL,
    init: { method: 'GET' | 'POST'; body?: string; timeoutMs: number },
  ): Promise<OutboundResponse> {
    const client = target.memberSupplied ? this.#memberNodes : this.#platformNodes;
    const request = { ...init, ...(init.method === 'POST' && { headers: JSON_HEADERS }) };
    try {
      return await client.request(url, request);
    } catch (error) {
      if (error instanceof OutboundRequestError && error.failure === 'reset') return client.request(url, request);
      throw error;
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function quantity(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{1,16}$/.test(value)) return undefined;
  return Number.parseInt(value, 16);
}

function syncStatus(value: unknown): ProbeObservation['syncing'] {
  if (value === false) return false;
  if (value && typeof value === 'object') {
    const { currentBlock, highestBlock } = value as { currentBlock?: unknown; highestBlock?: unknown };
    const current = quantity(currentBlock);
    const highest = quantity(highestBlock);
    if (current !== undefined && highest !== undefined) return { currentBlock: current, highestBlock: highest };
  }
  return undefined;
}
