/**
 * A webhook receiver on this machine for tests: it answers 204 to every delivery and keeps what came (path, event
 * id and signature headers, raw body, parsed event), in arrival order.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EVENT_ID_HEADER, SIGNATURE_HEADER } from '../../shared/domain/webhook-signature.ts';

export interface ReceivedDelivery {
  readonly path: string;
  readonly id: string;
  readonly header: string;
  readonly body: string;
  // biome-ignore lint/suspicious/noExplicitAny: a delivery's JSON, read field by field
  readonly event: any;
}

export async function startWebhookReceiver() {
  const received: ReceivedDelivery[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({
        path: String(request.url),
        id: String(request.headers[EVENT_ID_HEADER.toLowerCase()]),
        header: String(request.headers[SIGNATURE_HEADER.toLowerCase()]),
        body,
        event: JSON.parse(body),
      });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    received,
    url: (path: string) => `${base}${path}`,
    /** What came to `path`, of `type` when given. */
    at: (path: string, type?: string) =>
      received.filter((delivery) => delivery.path === path && (type === undefined || delivery.event.type === type)),
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
