/**
 * LocalConnectionPush over real `ws` sockets: a message reaches the connection by its id, closing it closes the
 * client's socket, and a connection that is closed (or never was) is 'gone', as API Gateway answers 410.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { LocalConnectionPush } from '../../../functions/local/local-connection-push.ts';

const server = createServer();
const wss = new WebSocketServer({ server });
const push = new LocalConnectionPush();
const accepted: string[] = [];
wss.on('connection', (socket) => accepted.push(push.add(socket)));

beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
afterAll(() => new Promise<void>((resolve) => wss.close(() => server.close(() => resolve()))));

it('posts to a connection by id, closes it, and reports it gone afterwards', async () => {
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const received = new Promise<string>((resolve) => client.once('message', (data) => resolve(data.toString())));
  await new Promise((resolve) => client.once('open', resolve));
  await expect.poll(() => accepted.length).toBe(1);
  const id = accepted[0] as string;

  await expect(push.post(id, '{"jsonrpc":"2.0","method":"eth_subscription"}')).resolves.toBe('sent');
  expect(await received).toBe('{"jsonrpc":"2.0","method":"eth_subscription"}');

  const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
  await push.close(id);
  expect(await closed).toBe(1000);
  await expect.poll(() => push.post(id, '{}')).toBe('gone');
  await expect(push.post('never-connected', '{}')).resolves.toBe('gone');
});
