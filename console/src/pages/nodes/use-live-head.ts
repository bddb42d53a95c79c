/**
 * Follows a node's newest block over the gateway's WebSocket (docs/architecture.md, "Event streams"): a one-hour
 * ticket from the API (the console never holds an API key) offered as a subprotocol beside `carechain-jsonrpc`,
 * `eth_blockNumber` for the head at once, then `eth_subscribe` to `newHeads`. A closed connection is opened again
 * with a new ticket after an exponential backoff with jitter (1 s doubling to 30 s); the socket is closed when the
 * page is left.
 */
import { useEffect, useState } from 'react';
import { api } from '../../api/api-client.ts';
import type { LiveTicket } from '../../api/api-types.ts';

/** The subprotocol the gateway speaks; the ticket is offered beside it. */
const JSON_RPC_SUBPROTOCOL = 'carechain-jsonrpc';
const FIRST_RETRY_MS = 1000;
const LONGEST_RETRY_MS = 30_000;

export interface Head {
  readonly number: number;
  /** The block's own timestamp (seconds), once a newHeads notification has brought it. */
  readonly timestamp?: number;
}

export type LiveHeadState =
  | { readonly kind: 'connecting'; readonly head?: Head }
  | { readonly kind: 'live'; readonly head?: Head }
  | { readonly kind: 'waiting'; readonly head?: Head; readonly reason: string; readonly retryAt: number };

/** Why the gateway closed, in words (its close codes are in docs/architecture.md). */
function closeReason(event: CloseEvent): string {
  const words: Record<number, string> = {
    1001: 'The server is restarting.',
    1008: 'The page did not keep up with the notifications.',
    4001: 'The live ticket expired.',
    4002: 'The organisation is suspended.',
    4004: 'The node is gone.',
    4029: 'Too many messages.',
    4500: 'The node stopped answering.',
  };
  return words[event.code] ?? (event.reason || 'The connection was lost or refused.');
}

/** The next wait after `failures` failed connections in a row: doubling, capped, half of it random. */
export function retryDelayMs(failures: number, random = Math.random()): number {
  const ceiling = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

function hexNumber(value: unknown): number | undefined {
  return typeof value === 'string' && /^0x[0-9a-f]+$/i.test(value) ? Number.parseInt(value, 16) : undefined;
}

/** The head a gateway message brings, if any: an `eth_blockNumber` answer or a `newHeads` notification. */
function headFrom(message: unknown, blockNumberId: number): Head | undefined {
  if (!message || typeof message !== 'object') return undefined;
  const m = message as { id?: unknown; result?: unknown; method?: unknown; params?: { result?: unknown } };
  if (m.id === blockNumberId) {
    const number = hexNumber(m.result);
    return number === undefined ? undefined : { number };
  }
  if (m.method === 'eth_subscription' && m.params?.result && typeof m.params.result === 'object') {
    const header = m.params.result as { number?: unknown; timestamp?: unknown };
    const number = hexNumber(header.number);
    return number === undefined ? undefined : { number, timestamp: hexNumber(header.timestamp) };
  }
  return undefined;
}

export function useLiveHead(orgId: string, nodeId: string, enabled: boolean): LiveHeadState {
  const [state, setState] = useState<LiveHeadState>({ kind: 'connecting' });

  useEffect(() => {
    if (!enabled) return undefined;
    let stopped = false;
    let socket: WebSocket | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let head: Head | undefined;
    const leaving = new AbortController();

    const retry = (reason: string) => {
      failures += 1;
      const delay = retryDelayMs(failures);
      setState({ kind: 'waiting', head, reason, retryAt: Date.now() + delay });
      timer = setTimeout(() => void connect(), delay);
    };

    const connect = async () => {
      setState({ kind: 'connecting', head });
      let ticket: LiveTicket;
      try {
        ticket = await api<LiveTicket>('POST', `/v1/orgs/${orgId}/nodes/${nodeId}/live-ticket`, {
          signal: leaving.signal,
        });
      } catch (error) {
        if (!stopped) retry(error instanceof Error ? error.message : 'No live ticket.');
        return;
      }
      if (stopped) return;
      const ws = new WebSocket(ticket.url, [JSON_RPC_SUBPROTOCOL, ticket.ticket]);
      socket = ws;
      ws.onopen = () => {
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }));
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'eth_subscribe', params: ['newHeads'] }));
      };
      ws.onmessage = (message) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(String(message.data));
        } catch {
          return; // not JSON-RPC: nothing to show
        }
        if ((parsed as { id?: unknown }).id === 2 && 'result' in (parsed as object)) failures = 0;
        const next = headFrom(parsed, 1);
        // The eth_blockNumber answer may arrive after the first notification: never step back.
        if (next && (!head || next.number > head.number || (next.number === head.number && next.timestamp))) {
          head = next;
        }
        setState({ kind: 'live', head });
      };
      ws.onclose = (event) => {
        socket = undefined;
        if (!stopped) retry(closeReason(event));
      };
    };

    void connect();
    return () => {
      stopped = true;
      leaving.abort();
      clearTimeout(timer);
      socket?.close(1000, 'The page was left');
    };
  }, [orgId, nodeId, enabled]);

  return enabled ? state : { kind: 'connecting' };
}
