/**
 * The thinnest useful JSON-RPC proxy, the yardstick the gateway bench compares against: `node:http`, one undici
 * `Pool` to the node, `JSON.parse` of the request body (any proxy that looks at the call must parse it), the
 * body sent on as it came, the node's answer passed back as text. No auth, policy, limits, metering or cache.
 *
 * Run as its own process (as the gateway is in the bench): node --import tsx test/bench/bare-proxy.ts <nodeUrl>
 * prints `bare proxy listening on <port>` and stops on SIGTERM.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const nodeUrl = new URL(process.argv[2] ?? 'http://127.0.0.1:8545');
const pool = new Pool(nodeUrl.origin, { connections: 64 });
const upstreamHeaders = { 'content-type': 'application/json' };
const answerHeaders = { 'content-type': 'application/json' };

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      JSON.parse(body);
    } catch {
      response.writeHead(400, answerHeaders).end('{"jsonrpc":"2.0","id":null,"error":{"code":-32700}}');
      return;
    }
    pool
      .request({ path: nodeUrl.pathname, method: 'POST', headers: upstreamHeaders, body })
      .then(async (upstream) => {
        const text = await upstream.body.text();
        response.writeHead(upstream.statusCode, answerHeaders).end(text);
      })
      .catch(() => response.writeHead(502).end());
  });
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`bare proxy listening on ${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.close().finally(() => process.exit(0));
});
