/**
 * A self-hosted node's URL is its owner's input, so the probe treats it as untrusted: in AWS mode it never
 * connects to a non-public address (literal or resolved, loopback, private, link-local, IPv4-mapped), it never
 * follows a redirect, it reads a bounded answer, and it gives up at its deadline. Each case runs against a real
 * server on loopback that records whether anything reached it.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpNodeProbe } from '../../../shared/adapters/http/http-node-probe.ts';
import { isPublicAddress, OutboundHttp, OutboundRequestError } from '../../../shared/adapters/http/outbound-http.ts';

const servers: Server[] = [];
const clients: { close(): Promise<void> }[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function serve(listener: RequestListener): Promise<{ port: number; hits: () => number }> {
  let hits = 0;
  const server = createServer((request, response) => {
    hits++;
    listener(request, response);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, hits: () => hits };
}

const publicOnly = () => {
  const client = new OutboundHttp({ allowPrivateAddresses: false });
  clients.push(client);
  return client;
};

const anyAddress = (maxResponseBytes?: number) => {
  const client = new OutboundHttp({ allowPrivateAddresses: true, ...(maxResponseBytes && { maxResponseBytes }) });
  clients.push(client);
  return client;
};

async function failureOf(promise: Promise<unknown>): Promise<OutboundRequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutboundRequestError);
  return error as OutboundRequestError;
}

describe('which addresses count as public', () => {
  it.each([
    ['8.8.8.8', true],
    ['2001:4860:4860::8888', true],
    ['127.0.0.1', false],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['::1', false],
    ['fd00::1', false],
    ['fe80::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:8.8.8.8', true],
    ['224.0.0.1', false],
    ['not an address', false],
  ])('%s → %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe('requests to a member’s URL in AWS mode', () => {
  it('never connects to a literal private address', async () => {
    const target = await serve((_, response) => response.end('{}'));
    for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]']) {
      const failure = await failureOf(
        publicOnly().request(`http://${host}:${target.port}/`, { method: 'GET', timeoutMs: 2_000 }),
      );
      expect(failure.failure).toBe('address-refused');
    }
    expect(target.hits()).toBe(0);
  });

  it('never connects to a name that resolves to a private address', async () => {
    const target = await serve((_, response) => response.end('{}'));
    const failure = await failureOf(
      publicOnly().request(`http://localhost:${target.port}/`, { method: 'GET', timeoutMs: 2_000 }),
    );
    expect(failure.failure).toBe('address-refused');
    expect(target.hits()).toBe(0);
  });

  it('refuses URLs with credentials and other schemes', async () => {
    for (const url of ['http://user:secret@example.org/', 'file:///etc/passwd', 'ftp://example.org/']) {
      const failure = await failureOf(publicOnly().request(url, { method: 'GET', timeoutMs: 2_000 }));
      expect(failure.failure).toBe('invalid-url');
    }
  });
});

describe('requests to a member’s URL in any mode', () => {
  it('does not follow a redirect: the 3xx is the answer', async () => {
    const elsewhere = await serve((_, response) => response.end('secret'));
    const redirecting = await serve((_, response) =>
      response.writeHead(307, { location: `http://127.0.0.1:${elsewhere.port}/` }).end(),
    );
    const answer = await anyAddress().request(`http://127.0.0.1:${redirecting.port}/`, {
      method: 'POST',
      body: '{}',
      timeoutMs: 2_000,
    });
    expect(answer.status).toBe(307);
    expect(elsewhere.hits()).toBe(0);
  });

  it('reads no more than its bound of an endless answer', async () => {
    const flooding = await serve((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const write = () => {
        while (!response.destroyed && response.write(chunk)) {}
        if (!response.destroyed) response.once('drain', write);
      };
      write();
    });
    const failure = await failureOf(
      anyAddress(4096).request(`http://127.0.0.1:${flooding.port}/`, { method: 'GET', timeoutMs: 5_000 }),
    );
    expect(failure.failure).toBe('too-large');
  });

  it('gives up at its deadline on a server that never answers', async () => {
    const silent = await serve(() => undefined);
    const failure = await failureOf(
      anyAddress().request(`http://127.0.0.1:${silent.port}/`, { method: 'GET', timeoutMs: 200 }),
    );
    expect(failure.failure).toBe('timeout');
    expect(failure.message).toBe('no answer within 200 ms');
  });
});

describe('the probe of a self-hosted node', () => {
  it('records a refused address as a failed probe with the reason, never reaching the server', async () => {
    const target = await serve((_, response) => response.end('[]'));
    const probe = new HttpNodeProbe({ memberPrivateAddresses: false });
    clients.push(probe);
    const result = await probe.probe(
      { rpcUrl: `http://127.0.0.1:${target.port}/`, besu: true, memberSupplied: true },
      { minPeers: 1, maxBlocksBehind: 2, timeoutMs: 2_000 },
    );
    expect(result).toEqual({
      rpcOk: false,
      rpcError: 'the URL does not lead to a public address',
      liveness: 'unreachable',
      readiness: 'unreachable',
    });
    await expect(
      probe.chainId({ rpcUrl: `http://127.0.0.1:${target.port}/`, besu: false, memberSupplied: true }, 2_000),
    ).rejects.toThrow('the URL does not lead to a public address');
    expect(target.hits()).toBe(0);
  });

  it('still reaches the private address of a node the platform runs', async () => {
    const node = await serve((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"jsonrpc":"2.0","id":1,"result":"0x539"}');
    });
    const probe = new HttpNodeProbe({ memberPrivateAddresses: false });
    clients.push(probe);
    const chainId = await probe.chainId(
      { rpcUrl: `http://127.0.0.1:${node.port}/`, besu: false, memberSupplied: false },
      2_000,
    );
    expect(chainId).toBe(1337);
    expect(node.hits()).toBe(1);
  });
});
