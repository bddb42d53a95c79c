/**
 * Small stand-ins for Besu validator nodes (Besu is not installable here): each answers the `qbft_` methods the
 * control plane uses from one shared, in-memory QBFT validator set, and passes every other JSON-RPC call to a real
 * anvil chain, so contract calls through the "node" work for real. Like Besu, the set changes once more than half
 * of the current validators have voted for the change; votes and discards are kept for the test to inspect.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface QbftCall {
  readonly node: string;
  readonly method: string;
  readonly params: unknown[];
}

export class FakeQbftConsensus {
  readonly validators: Set<string>;
  readonly calls: QbftCall[] = [];
  /** target → voter validator → add? */
  private readonly votes = new Map<string, Map<string, boolean>>();

  constructor(validators: readonly string[]) {
    this.validators = new Set(validators.map((v) => v.toLowerCase()));
  }

  vote(voter: string, target: string, add: boolean): void {
    const key = target.toLowerCase();
    const forTarget = this.votes.get(key) ?? new Map<string, boolean>();
    forTarget.set(voter.toLowerCase(), add);
    this.votes.set(key, forTarget);
    const agreeing = [...forTarget].filter(([v, a]) => a === add && this.validators.has(v)).length;
    if (agreeing * 2 > this.validators.size) {
      if (add) this.validators.add(key);
      else this.validators.delete(key);
      this.votes.delete(key);
    }
  }

  discard(voter: string, target: string): void {
    this.votes.get(target.toLowerCase())?.delete(voter.toLowerCase());
  }
}

export interface FakeBesuNode {
  readonly url: string;
  readonly validatorAddress: string;
  close(): Promise<void>;
}

export async function startFakeBesuNode(
  consensus: FakeQbftConsensus,
  validatorAddress: string,
  upstreamUrl: string,
): Promise<FakeBesuNode> {
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const parsed = JSON.parse(body) as { id: unknown; method: string; params?: unknown[] } | unknown[];
    if (Array.isArray(parsed)) {
      // ethers may batch ordinary calls; the control plane sends qbft_ calls one at a time.
      const upstream = await fetch(upstreamUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      response.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
      return;
    }
    const params = parsed.params ?? [];
    const answer = (result: unknown) =>
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ jsonrpc: '2.0', id: parsed.id, result }));
    if (parsed.method.startsWith('qbft_'))
      consensus.calls.push({ node: validatorAddress, method: parsed.method, params });
    switch (parsed.method) {
      case 'qbft_proposeValidatorVote':
        consensus.vote(validatorAddress, String(params[0]), params[1] === true);
        answer(true);
        return;
      case 'qbft_discardValidatorVote':
        consensus.discard(validatorAddress, String(params[0]));
        answer(true);
        return;
      case 'qbft_getValidatorsByBlockNumber':
        answer([...consensus.validators]);
        return;
      default: {
        const upstream = await fetch(upstreamUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        response.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    validatorAddress,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
