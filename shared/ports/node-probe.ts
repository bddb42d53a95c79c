/**
 * NodeProbe: how the control plane looks at a node through its JSON-RPC URL — the health monitor's probe and the
 * chain-id check of a self-hosted node — without knowing how the request travels. A target says whether its URL is
 * one the platform made (a node it runs) or one a member gave (a self-hosted node): the adapter treats the latter
 * as untrusted input.
 */
import type { ProbeObservation } from '../domain/health.ts';

export interface ProbeTarget {
  readonly rpcUrl: string;
  /** Besu answers `GET /liveness` and `GET /readiness` beside JSON-RPC; other runtimes are asked JSON-RPC only. */
  readonly besu: boolean;
  /** The URL is a member's (a self-hosted node), not one the platform made for a node it runs. */
  readonly memberSupplied: boolean;
}

export interface ProbeRequest {
  /** Peers the node must have; 0 leaves `net_peerCount` out. */
  readonly minPeers: number;
  /** Besu readiness: blocks the node may be behind its peers. */
  readonly maxBlocksBehind: number;
  /** Deadline of each request of the probe. */
  readonly timeoutMs: number;
}

/** What one probe saw, before any judgement; the caller stamps the time it started. */
export type ProbeResult = Omit<ProbeObservation, 'at'>;

export interface NodeProbe {
  /** One probe: a JSON-RPC batch (head, sync state, peers where expected) and, on Besu, its health endpoints. */
  probe(target: ProbeTarget, request: ProbeRequest): Promise<ProbeResult>;
  /** The chain id the node serves; throws with a reason that may be shown to the node's owner when it has none. */
  chainId(target: ProbeTarget, timeoutMs: number): Promise<number>;
  /** Releases connections. Idempotent. */
  close(): Promise<void>;
}
