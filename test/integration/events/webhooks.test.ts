/**
 * Webhooks end to end on real parts (dynalite, the real repositories, the API, the local secret box, real HTTP to a
 * receiver on this machine): an endpoint is registered through the API and its secret shown once; node health
 * changes written with their outbox are recorded and delivered signed, in order; a receiver down for two minutes
 * (the workers' clock is moved, nothing sleeps) then up gets every event exactly once by id, in order; the delivery
 * log, "send again" and "send a test event" work through the API; in AWS mode private and plain-http URLs are
 * refused at registration and at delivery.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventStreamJobs, runEventPass } from '../../../functions/jobs/events/event-pass.ts';
import { WebhookService } from '../../../functions/services/webhooks/webhooks.service.ts';
import { HttpWebhookTransport } from '../../../shared/adapters/http/http-webhook-transport.ts';
import type { NodeHealth } from '../../../shared/domain/node.ts';
import {
  EVENT_ID_HEADER,
  SIGNATURE_HEADER,
  signatureHeader,
  verifyWebhookSignature,
  WebhookSignatureError,
} from '../../../shared/domain/webhook-signature.ts';
import { scanItems } from '../../support/table-scan.ts';
import { startTestApi, type TestApi } from '../../support/test-api.ts';

let now = Date.parse('2026-12-01T09:00:00Z');
const clock = () => new Date(now);

interface Received {
  readonly id: string;
  readonly header: string;
  readonly body: string;
}

let api: TestApi;
let receiver: Server;
let receiverUrl: string;
let receiverDown = false;
const received: Received[] = [];
let owner: { token: string };
let orgId: string;
let nodeId: string;
let ownNetworkId: string;
let otherNetworkId: string;

function jobs() {
  return eventStreamJobs({
    events: api.stores.events,
    webhooks: api.stores.webhooks,
    networks: api.stores.networks,
    nodes: api.stores.nodes,
    cursors: api.stores.chainLogCursors,
    consentCursors: api.stores.consentCursors,
    members: api.stores.governance,
    wantsEvents: (org) => api.stores.webhooks.orgHasEndpoints(org),
    sender: api.webhookSender,
    clock,
    logger: { info() {}, warn() {}, debug() {}, error() {} } as never,
    random: () => 0.5,
  });
}

/** The node's health moves, written by the repository with its node.health_changed event in the same write. */
async function healthChanges(values: readonly NodeHealth[]) {
  for (const health of values) {
    const node = await api.stores.nodes.get(orgId, nodeId);
    if (!node) throw new Error('node gone');
    await api.stores.nodes.annotate(node, { health });
  }
}

beforeAll(async () => {
  api = await startTestApi({ clock });
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (receiverDown) {
        response.writeHead(503).end();
        return;
      }
      received.push({
        id: String(request.headers[EVENT_ID_HEADER.toLowerCase()]),
        header: String(request.headers[SIGNATURE_HEADER.toLowerCase()]),
        body: Buffer.concat(chunks).toString('utf8'),
      });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/carechain`;
  owner = await api.signup('Webhook Owner');
  orgId = (await api.createOrg(owner.token, 'Apotek Norr')).id;
  const network = await api.createNetwork();
  const node = await api.call('POST', `/v1/orgs/${orgId}/nodes`, {
    token: owner.token,
    body: { networkId: network.id, hosting: 'self-hosted' },
  });
  nodeId = node.json.id;
  ownNetworkId = network.id;
  otherNetworkId = (await api.createNetwork()).id;
}, 60_000);

afterAll(async () => {
  await new Promise((done) => receiver?.close(done));
  await api?.close();
});

describe('webhook endpoints and deliveries', () => {
  let endpointId: string;
  let secret: string;

  it('registers an endpoint and shows its signing secret once, never again and never in the table', async () => {
    const created = await api.call('POST', `/v1/orgs/${orgId}/webhooks`, {
      token: owner.token,
      body: { url: receiverUrl, description: 'Pharmacy pager', eventTypes: ['node.health_changed'] },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json.secret).toMatch(/^whsec_/);
    endpointId = created.json.id;
    secret = created.json.secret;
    expect(created.json.secretPrefix).toBe(secret.slice(0, created.json.secretPrefix.length));

    const listed = await api.call('GET', `/v1/orgs/${orgId}/webhooks`, { token: owner.token });
    expect(listed.json.items).toHaveLength(1);
    expect(listed.text).not.toContain(secret);
    const one = await api.call('GET', `/v1/orgs/${orgId}/webhooks/${endpointId}`, { token: owner.token });
    expect(one.json.secret).toBeUndefined();
    const scan = await scanItems(api.table);
    expect(JSON.stringify(scan)).not.toContain(secret);
    expect(api.logLines.join('\n')).not.toContain(secret);
  });

  it('refuses a chain.log subscription without a filter, with a problem naming the field', async () => {
    const res = await api.call('POST', `/v1/orgs/${orgId}/webhooks`, {
      token: owner.token,
      body: { url: receiverUrl, eventTypes: ['chain.log'] },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.stringify(res.json.errors)).toContain('chainLog');
  });

  it('follows chain logs only of a network the organisation has a node on', async () => {
    const filter = (networkId: string) => ({
      url: receiverUrl,
      eventTypes: ['chain.log'],
      chainLog: { networkId, address: ['0x00000000000000000000000000000000000000aa'] },
    });
    const elsewhere = await api.call('POST', `/v1/orgs/${orgId}/webhooks`, {
      token: owner.token,
      body: filter(otherNetworkId),
    });
    expect(elsewhere.status).toBe(400);
    expect(JSON.stringify(elsewhere.json.errors)).toContain('chainLog.networkId');
    const own = await api.call('POST', `/v1/orgs/${orgId}/webhooks`, {
      token: owner.token,
      body: filter(ownNetworkId),
    });
    expect(own.status).toBe(201);
    await api.call('DELETE', `/v1/orgs/${orgId}/webhooks/${own.json.id}`, { token: owner.token });
  });

  it('delivers events signed with the endpoint secret, with their ids, in the order they happened', async () => {
    await healthChanges(['healthy', 'degraded', 'unhealthy']);
    await runEventPass(jobs());
    expect(received).toHaveLength(3);
    const events = received.map((r) => JSON.parse(r.body));
    expect(events.map((e) => e.data.health)).toEqual(['healthy', 'degraded', 'unhealthy']);
    for (const delivery of received) {
      expect(() =>
        verifyWebhookSignature({ payload: delivery.body, header: delivery.header, secret, now: clock() }),
      ).not.toThrow();
      expect(JSON.parse(delivery.body).id).toBe(delivery.id);
      expect(JSON.parse(delivery.body)).toMatchObject({ type: 'node.health_changed', orgId, data: { nodeId } });
    }
    // Nothing is sent twice on the next pass.
    await runEventPass(jobs());
    expect(received).toHaveLength(3);
  });

  it('a receiver down for two minutes, then up, gets every event exactly once by id, in order', async () => {
    received.length = 0;
    receiverDown = true;
    const sequence: NodeHealth[] = ['healthy', 'degraded', 'healthy', 'unhealthy', 'healthy', 'degraded'];
    await healthChanges(sequence.slice(0, 3));
    const downSince = now;
    // Two minutes of the workers' time, a pass every 5 seconds, events still happening meanwhile.
    let step = 0;
    while (now - downSince < 120_000) {
      await runEventPass(jobs());
      now += 5_000;
      if (++step === 10) await healthChanges(sequence.slice(3));
    }
    expect(received).toHaveLength(0);
    const waiting = await api.call('GET', `/v1/orgs/${orgId}/webhooks/${endpointId}`, { token: owner.token });
    expect(waiting.json.retrying).not.toBeNull();
    const log = await api.call('GET', `/v1/orgs/${orgId}/webhooks/${endpointId}/deliveries`, { token: owner.token });
    expect(log.json.items[0]).toMatchObject({ status: 'retrying', responseStatus: 503 });
    expect(log.json.items[0].attempts).toBeGreaterThan(1);

    receiverDown = false;
    // Retries wait out their backoff (capped well below an hour at this attempt count).
    for (let pass = 0; pass < 40 && received.length < sequence.length; pass++) {
      await runEventPass(jobs());
      now += 30_000;
    }
    const ids = received.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(received.map((r) => JSON.parse(r.body).data.health)).toEqual(sequence);
    // Their order is the event log's order.
    const recorded = await api.stores.events.eventsAfter(orgId, '', 100);
    const logged = recorded.map((r) => r.event.id);
    expect(logged.slice(-sequence.length)).toEqual(ids);
    const after = await api.call('GET', `/v1/orgs/${orgId}/webhooks/${endpointId}/deliveries`, { token: owner.token });
    expect(after.json.items.every((d: { status: string }) => d.status === 'delivered')).toBe(true);
    expect(after.json.items.some((d: { attempts: number }) => d.attempts > 1)).toBe(true);
  });

  it('sends a delivery again on request (same event id, newly signed) and sends a test event', async () => {
    const log = await api.call('GET', `/v1/orgs/${orgId}/webhooks/${endpointId}/deliveries`, { token: owner.token });
    const delivery = log.json.items[0];
    received.length = 0;
    const again = await api.call(
      'POST',
      `/v1/orgs/${orgId}/webhooks/${endpointId}/deliveries/${delivery.id}/redeliver`,
      { token: owner.token },
    );
    expect(again.status, again.text).toBe(200);
    expect(again.json.attempts).toBe(delivery.attempts + 1);
    expect(received.map((r) => r.id)).toEqual([delivery.eventId]);

    const test = await api.call('POST', `/v1/orgs/${orgId}/webhooks/${endpointId}/test`, { token: owner.token });
    expect(test.status, test.text).toBe(200);
    expect(test.json).toMatchObject({ eventType: 'webhook.test', status: 'delivered', responseStatus: 204 });
    const last = received.at(-1) as Received;
    expect(JSON.parse(last.body).type).toBe('webhook.test');
    verifyWebhookSignature({ payload: last.body, header: last.header, secret, now: clock() });

    const unknown = await api.call(
      'POST',
      `/v1/orgs/${orgId}/webhooks/${endpointId}/deliveries/dlv_9999999999999999/redeliver`,
      { token: owner.token },
    );
    expect(unknown.status).toBe(404);
  });

  it('removes an endpoint: nothing more is sent to it', async () => {
    const removed = await api.call('DELETE', `/v1/orgs/${orgId}/webhooks/${endpointId}`, { token: owner.token });
    expect(removed.status).toBe(204);
    received.length = 0;
    await healthChanges(['unhealthy']);
    await runEventPass(jobs());
    expect(received).toHaveLength(0);
  });

  it('lists the endpoints once per pass, and serves one registered between passes from the next pass', async () => {
    const running = jobs();
    const listings = vi.spyOn(api.stores.webhooks, 'listAll');
    const register = async () => {
      const created = await api.call('POST', `/v1/orgs/${orgId}/webhooks`, {
        token: owner.token,
        body: { url: receiverUrl, eventTypes: ['node.health_changed'] },
      });
      expect(created.status, created.text).toBe(201);
      return created.json.id as string;
    };
    try {
      const first = await register();
      received.length = 0;
      await healthChanges(['degraded', 'healthy']);
      await runEventPass(running);
      expect(received).toHaveLength(2);
      expect(listings).toHaveBeenCalledTimes(1);

      const second = await register();
      await healthChanges(['degraded']);
      await runEventPass(running);
      // Both endpoints get the new event: the second pass listed the endpoints again.
      expect(received).toHaveLength(4);
      expect(listings).toHaveBeenCalledTimes(2);
      for (const id of [first, second]) {
        await api.call('DELETE', `/v1/orgs/${orgId}/webhooks/${id}`, { token: owner.token });
      }
    } finally {
      listings.mockRestore();
    }
  });
});

describe('the verify helper', () => {
  const body = '{"id":"evt_1","type":"node.state_changed"}';
  const secret = 'whsec_test_secret';
  const at = new Date('2026-12-01T10:00:00Z');
  const t = Math.floor(at.getTime() / 1000);

  it('accepts a genuine signature', () => {
    expect(() =>
      verifyWebhookSignature({ payload: body, header: signatureHeader(body, secret, t), secret, now: at }),
    ).not.toThrow();
  });

  it('refuses a forged body, a wrong secret, a missing header and a stale timestamp', () => {
    const reason = (header: string | undefined, payload = body, key = secret, now = at) => {
      try {
        verifyWebhookSignature({ payload, header, secret: key, now });
        return 'accepted';
      } catch (error) {
        return error instanceof WebhookSignatureError ? error.reason : 'other';
      }
    };
    const header = signatureHeader(body, secret, t);
    expect(reason(header, body.replace('evt_1', 'evt_2'))).toBe('mismatch');
    expect(reason(header, body, 'whsec_guess')).toBe('mismatch');
    expect(reason(undefined)).toBe('malformed');
    expect(reason(`t=${t},v1=${'0'.repeat(64)}`)).toBe('mismatch');
    // Re-signing an old delivery's timestamp is impossible without the secret; an old one is refused as stale.
    expect(reason(header, body, secret, new Date(at.getTime() + 301_000))).toBe('stale');
    expect(reason(signatureHeader(body, secret, t - 3600))).toBe('stale');
  });
});

describe('receivers in AWS mode', () => {
  it('refuses plain http, private and loopback addresses at registration', async () => {
    const service = new WebhookService({
      stores: api.stores,
      clock,
      secrets: api.deps.webhookDelivery?.secrets as never,
      sender: api.webhookSender,
      publicUrlsOnly: true,
      logger: { warn() {} },
    });
    const author = { actor: 'user:test', requestId: 'req_test' } as never;
    for (const url of [
      'http://hooks.example.com/x',
      'https://10.0.0.7/x',
      'https://127.0.0.1/x',
      'https://169.254.169.254/latest',
      'https://[::1]/x',
      'https://localhost/x',
    ]) {
      await expect(
        service.create(author, orgId, { url, description: '', eventTypes: ['node.state_changed'] }),
      ).rejects.toMatchObject({ status: 400 });
    }
  });

  it('refuses at delivery time a name that resolves to a private address, and plain http', async () => {
    const transport = new HttpWebhookTransport({ allowPrivateAddresses: false });
    try {
      const headers = { 'content-type': 'application/json' };
      const viaName = await transport.post({ url: 'https://localhost:1/x', body: '{}', headers, timeoutMs: 2000 });
      expect(viaName).toEqual({ answered: false, failure: 'the URL does not lead to a public address' });
      const plain = await transport.post({ url: receiverUrl, body: '{}', headers, timeoutMs: 2000 });
      expect(plain).toMatchObject({ answered: false });
      expect(received.filter((r) => r.body === '{}')).toHaveLength(0);
    } finally {
      await transport.close();
    }
  });
});
