/**
 * A local stand-in for the parts of the Stripe API billing uses, served over real HTTP on 127.0.0.1 so the real
 * `stripe` client talks to it (`host`/`port`/`protocol: 'http'`). It parses Stripe's form encoding
 * (fake-stripe/wire.ts), keeps objects in memory, answers in Stripe's shapes (lists, errors, `resource_missing`,
 * the duplicate meter-event refusal), holds a catalogue of products, prices and meters with Stripe's rules
 * (fake-stripe/catalogue.ts), records every request for assertions, and lets a test play Stripe's part: complete
 * a checkout, change a subscription's status, add invoices, fail requests, and sign webhook events with the real
 * signing scheme.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { FakeCatalogue, type FakePrice } from './fake-stripe/catalogue.ts';
import { FakeSubscriptions } from './fake-stripe/subscriptions.ts';
import {
  asObject,
  headerOf,
  invalid,
  type Json,
  missing,
  newId,
  parseForm,
  StripeApiError,
  send,
} from './fake-stripe/wire.ts';

export type { FakePrice } from './fake-stripe/catalogue.ts';
export { parseForm } from './fake-stripe/wire.ts';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, unknown>;
  readonly body: Record<string, unknown>;
  readonly idempotencyKey: string | undefined;
}

export interface FakeStripeOptions {
  /** The API key clients must present. @default 'sk_test_fake' */
  readonly secretKey?: string;
  readonly prices?: readonly FakePrice[];
  /** Stripe's clock (for `created` and meter-event age checks). @default the real time */
  readonly now?: () => Date;
}

type Handler = (request: ParsedRequest) => Json;

interface ParsedRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Json;
  readonly idempotencyKey: string | undefined;
}

interface Failure {
  readonly method: string;
  readonly pathPrefix: string;
  readonly status: number;
  remaining: number;
}

const METER_EVENT_MAX_AGE_S = 35 * 86_400;

export class FakeStripe {
  readonly requests: RecordedRequest[] = [];
  readonly customers = new Map<string, Json>();
  /** Products, prices and meters. */
  readonly catalogue: FakeCatalogue;
  /** Checkout sessions, subscriptions and invoices. */
  readonly billing: FakeSubscriptions;
  readonly meterEvents: Json[] = [];
  readonly secretKey: string;

  private readonly idempotent = new Map<string, { status: number; body: Json }>();
  private readonly failures: Failure[] = [];
  private readonly now: () => Date;
  private server: Server | undefined;
  port = 0;

  private constructor(options: FakeStripeOptions) {
    this.secretKey = options.secretKey ?? 'sk_test_fake';
    this.now = options.now ?? (() => new Date());
    this.catalogue = new FakeCatalogue(() => this.seconds());
    this.billing = new FakeSubscriptions({
      customers: this.customers,
      prices: this.catalogue.prices,
      port: () => this.port,
      seconds: () => this.seconds(),
    });
    for (const price of options.prices ?? []) this.addPrice(price);
  }

  get prices(): Map<string, Json> {
    return this.catalogue.prices;
  }

  get checkoutSessions(): Map<string, Json> {
    return this.billing.checkoutSessions;
  }

  get subscriptions(): Map<string, Json> {
    return this.billing.subscriptions;
  }

  get invoices(): Map<string, Json> {
    return this.billing.invoices;
  }

  /** Plays the customer paying: the session completes and a subscription (and its first paid invoice) exists. */
  completeCheckout(sessionId: string, options: { status?: Stripe.Subscription.Status } = {}): Json {
    return this.billing.completeCheckout(sessionId, options);
  }

  setSubscriptionStatus(subscriptionId: string, status: Stripe.Subscription.Status): Json {
    return this.billing.setSubscriptionStatus(subscriptionId, status);
  }

  addInvoice(subscriptionId: string, fields: { status: string; total: number }): Json {
    return this.billing.addInvoice(subscriptionId, fields);
  }

  /** The subscription's items, as the subscription object lists them. */
  itemsOf(subscriptionId: string): Json[] {
    return this.billing.itemsOf(subscriptionId);
  }

  static async start(options: FakeStripeOptions = {}): Promise<FakeStripe> {
    const fake = new FakeStripe(options);
    const server = createServer((req, res) => void fake.serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    fake.server = server;
    fake.port = (server.address() as AddressInfo).port;
    return fake;
  }

  /** What `StripeBilling` needs to talk to this fake. */
  clientOptions() {
    return {
      secretKey: this.secretKey,
      host: '127.0.0.1',
      port: this.port,
      protocol: 'http' as const,
      maxNetworkRetries: 0,
    };
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  addPrice(price: FakePrice): Json {
    return this.catalogue.addPrice(price);
  }

  /** Requests that change something (Stripe's writes are POSTs and DELETEs). */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  /** The next `times` requests matching method and path prefix answer `status` (a Stripe outage, say). */
  failNext(method: string, pathPrefix: string, options: { status?: number; times?: number } = {}): void {
    this.failures.push({ method, pathPrefix, status: options.status ?? 500, remaining: options.times ?? 1 });
  }

  requestsTo(method: string, pathPrefix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix));
  }

  /** A webhook event around a copy of `object`, as Stripe would send it. */
  event(type: string, object: Json): Json {
    return {
      id: newId('evt'),
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: this.seconds(),
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
  }

  /** The raw body and a real `Stripe-Signature` header for an event. */
  sign(event: Json, secret: string, timestamp?: number): { rawBody: string; signatureHeader: string } {
    const rawBody = JSON.stringify(event, null, 2);
    const signatureHeader = Stripe.webhooks.generateTestHeaderString({
      payload: rawBody,
      secret,
      timestamp: timestamp ?? this.seconds(),
    });
    return { rawBody, signatureHeader };
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const query = parseForm(url.search.slice(1));
    const body = parseForm(Buffer.concat(chunks).toString('utf8'));
    const idempotencyKey = headerOf(req, 'idempotency-key');
    this.requests.push({ method, path: url.pathname, query, body, idempotencyKey });
    try {
      if (headerOf(req, 'authorization') !== `Bearer ${this.secretKey}`) {
        throw new StripeApiError(401, { type: 'invalid_request_error', message: 'Invalid API Key provided' });
      }
      this.injectedFailure(method, url.pathname);
      const replay = idempotencyKey && method === 'POST' ? this.idempotent.get(idempotencyKey) : undefined;
      if (replay) return send(res, replay.status, replay.body, { 'idempotent-replayed': 'true' });
      const handler = this.route(method, url.pathname);
      const answer = handler({ method, path: url.pathname, params: method === 'GET' ? query : body, idempotencyKey });
      if (idempotencyKey && method === 'POST') this.idempotent.set(idempotencyKey, { status: 200, body: answer });
      send(res, 200, answer);
    } catch (error) {
      if (error instanceof StripeApiError) return send(res, error.status, { error: error.error }, error.headers);
      send(res, 500, { error: { type: 'api_error', message: String(error) } });
    }
  }

  private injectedFailure(method: string, path: string): void {
    const failure = this.failures.find((f) => f.remaining > 0 && f.method === method && path.startsWith(f.pathPrefix));
    if (!failure) return;
    failure.remaining--;
    throw new StripeApiError(failure.status, { type: 'api_error', message: 'Injected failure' });
  }

  private route(method: string, path: string): Handler {
    const parts = path.split('/').filter(Boolean);
    const id = parts.at(-1) ?? '';
    const key = `${method} ${path}`;
    const handler = this.catalogue.route(method, path) ?? this.billing.route(method, path);
    if (handler) return (r) => handler(r.params);
    if (key === 'POST /v1/customers') return (r) => this.createCustomer(r.params);
    if (key === 'GET /v1/customers/search') return (r) => this.searchCustomers(r.params);
    if (method === 'GET' && path.startsWith('/v1/customers/'))
      return () => this.mustGet(this.customers, id, 'customer');
    if (key === 'POST /v1/billing/meter_events') return (r) => this.createMeterEvent(r.params);
    throw new StripeApiError(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${method}: ${path}).`,
    });
  }

  private createCustomer(params: Json): Json {
    const customer = {
      id: newId('cus'),
      object: 'customer',
      name: params.name ?? null,
      email: params.email ?? null,
      metadata: asObject(params.metadata),
      created: this.seconds(),
      livemode: false,
    };
    this.customers.set(customer.id, customer);
    return customer;
  }

  /** Supports the one query form billing sends: `metadata['key']:'value'`. */
  private searchCustomers(params: Json): Json {
    const match = /^metadata\['([^']+)'\]:'([^']*)'$/.exec(String(params.query ?? ''));
    if (!match) throw invalid(`Unsupported search query: ${String(params.query)}`, 'query');
    const [, field, value] = match;
    const data = [...this.customers.values()].filter((c) => asObject(c.metadata)[field as string] === value);
    return { object: 'search_result', data, has_more: false, next_page: null, url: '/v1/customers/search' };
  }

  private createMeterEvent(params: Json): Json {
    const payload = asObject(params.payload);
    const identifier = String(params.identifier ?? newId('mev'));
    if (!params.event_name) throw invalid('Missing required param: event_name.', 'event_name');
    if (!this.customers.has(String(payload.stripe_customer_id))) {
      throw invalid(`No such customer: '${String(payload.stripe_customer_id)}'`, 'payload[stripe_customer_id]');
    }
    if (!/^-?\d+$/.test(String(payload.value ?? ''))) throw invalid('The value must be a whole number.', 'payload');
    const timestamp = params.timestamp === undefined ? this.seconds() : Number(params.timestamp);
    if (timestamp < this.seconds() - METER_EVENT_MAX_AGE_S || timestamp > this.seconds() + 300) {
      throw invalid(
        'Timestamp must be within the past 35 days and not more than 5 minutes in the future.',
        'timestamp',
      );
    }
    if (this.meterEvents.some((event) => event.identifier === identifier)) {
      throw new StripeApiError(
        400,
        { type: 'invalid_request_error', message: `An event already exists with identifier ${identifier}.` },
        { 'stripe-should-retry': 'false' },
      );
    }
    const event = {
      object: 'billing.meter_event',
      created: this.seconds(),
      event_name: params.event_name,
      identifier,
      livemode: false,
      payload,
      timestamp,
    };
    this.meterEvents.push(event);
    return event;
  }

  private mustGet(map: Map<string, Json>, id: string, kind: string): Json {
    const object = map.get(id);
    if (!object) throw missing(kind, id, 'id');
    return object;
  }

  private seconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }
}
