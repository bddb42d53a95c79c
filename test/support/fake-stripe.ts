/**
 * A local stand-in for the parts of the Stripe API billing uses, served over real HTTP on 127.0.0.1 so the real
 * `stripe` client talks to it (`host`/`port`/`protocol: 'http'`). It parses Stripe's form encoding
 * (`metadata[k]=v`, `line_items[0][price]=…`), keeps objects in memory, answers in Stripe's shapes (lists, errors,
 * `resource_missing`, the duplicate meter-event refusal), records every request for assertions, and lets a test
 * play Stripe's part: complete a checkout, change a subscription's status, add invoices, fail requests, and sign
 * webhook events with the real signing scheme.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, unknown>;
  readonly body: Record<string, unknown>;
  readonly idempotencyKey: string | undefined;
}

export interface FakePrice {
  readonly lookupKey: string;
  readonly unitAmount?: number;
  readonly usageType?: 'licensed' | 'metered';
}

export interface FakeStripeOptions {
  /** The API key clients must present. @default 'sk_test_fake' */
  readonly secretKey?: string;
  readonly prices?: readonly FakePrice[];
  /** Stripe's clock (for `created` and meter-event age checks). @default the real time */
  readonly now?: () => Date;
}

type Json = Record<string, unknown>;
type Handler = (request: ParsedRequest) => Json;

interface ParsedRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Json;
  readonly idempotencyKey: string | undefined;
}

class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: Json,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(error.message));
  }
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
  readonly prices = new Map<string, Json>();
  readonly checkoutSessions = new Map<string, Json>();
  readonly subscriptions = new Map<string, Json>();
  readonly invoices = new Map<string, Json>();
  readonly meterEvents: Json[] = [];
  readonly secretKey: string;

  private readonly sessionExtras = new Map<string, { lineItems: Json[]; subscriptionMetadata: Json }>();
  private readonly idempotent = new Map<string, { status: number; body: Json }>();
  private readonly failures: Failure[] = [];
  private readonly now: () => Date;
  private server: Server | undefined;
  port = 0;

  private constructor(options: FakeStripeOptions) {
    this.secretKey = options.secretKey ?? 'sk_test_fake';
    this.now = options.now ?? (() => new Date());
    for (const price of options.prices ?? []) this.addPrice(price);
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
    const object = {
      id: newId('price'),
      object: 'price',
      active: true,
      currency: 'sek',
      lookup_key: price.lookupKey,
      unit_amount: price.unitAmount ?? null,
      recurring: { interval: 'month', usage_type: price.usageType ?? 'licensed' },
      type: 'recurring',
    };
    this.prices.set(object.id, object);
    return object;
  }

  /** The next `times` requests matching method and path prefix answer `status` (a Stripe outage, say). */
  failNext(method: string, pathPrefix: string, options: { status?: number; times?: number } = {}): void {
    this.failures.push({ method, pathPrefix, status: options.status ?? 500, remaining: options.times ?? 1 });
  }

  requestsTo(method: string, pathPrefix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix));
  }

  /** Plays the customer paying: the session completes and a subscription (and its first paid invoice) exists. */
  completeCheckout(sessionId: string, options: { status?: Stripe.Subscription.Status } = {}): Json {
    const session = this.mustGet(this.checkoutSessions, sessionId, 'checkout.session');
    // Stripe's hosted page takes no payment for a session that is expired or already paid.
    if (session.status !== 'open')
      throw new Error(`Checkout session ${sessionId} is ${session.status}: it cannot be paid`);
    const extras = this.sessionExtras.get(sessionId);
    const subscriptionId = newId('sub');
    const subscription: Json = {
      id: subscriptionId,
      object: 'subscription',
      status: options.status ?? 'active',
      customer: session.customer,
      metadata: { ...(extras?.subscriptionMetadata ?? {}) },
      created: this.seconds(),
      items: {
        object: 'list',
        has_more: false,
        url: `/v1/subscription_items?subscription=${subscriptionId}`,
        data: (extras?.lineItems ?? []).map((line) => ({
          id: newId('si'),
          object: 'subscription_item',
          price: this.prices.get(String(line.price)),
          quantity: line.quantity === undefined ? undefined : Number(line.quantity),
        })),
      },
    };
    this.subscriptions.set(subscriptionId, subscription);
    Object.assign(session, { status: 'complete', payment_status: 'paid', subscription: subscriptionId });
    this.addInvoice(subscriptionId, { status: 'paid', total: 290_000 });
    return subscription;
  }

  setSubscriptionStatus(subscriptionId: string, status: Stripe.Subscription.Status): Json {
    const subscription = this.mustGet(this.subscriptions, subscriptionId, 'subscription');
    subscription.status = status;
    return subscription;
  }

  addInvoice(subscriptionId: string, fields: { status: string; total: number }): Json {
    const subscription = this.mustGet(this.subscriptions, subscriptionId, 'subscription');
    const start = this.seconds();
    const invoice = {
      id: newId('in'),
      object: 'invoice',
      number: `CC-${String(this.invoices.size + 1).padStart(4, '0')}`,
      customer: subscription.customer,
      status: fields.status,
      currency: 'sek',
      total: fields.total,
      amount_due: fields.total,
      amount_paid: fields.status === 'paid' ? fields.total : 0,
      period_start: start,
      period_end: start + 30 * 86_400,
      hosted_invoice_url: `http://127.0.0.1:${this.port}/invoices/${this.invoices.size + 1}`,
      invoice_pdf: `http://127.0.0.1:${this.port}/invoices/${this.invoices.size + 1}.pdf`,
      parent: {
        type: 'subscription_details',
        quote_details: null,
        subscription_details: { subscription: subscriptionId, metadata: subscription.metadata },
      },
      lines: {
        object: 'list',
        has_more: false,
        url: '/v1/invoices/lines',
        data: [{ id: newId('il'), object: 'line_item', amount: fields.total, description: 'Plan', quantity: 1 }],
      },
    };
    this.invoices.set(invoice.id, invoice);
    return invoice;
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
    if (key === 'POST /v1/customers') return (r) => this.createCustomer(r.params);
    if (key === 'GET /v1/customers/search') return (r) => this.searchCustomers(r.params);
    if (method === 'GET' && path.startsWith('/v1/customers/'))
      return () => this.mustGet(this.customers, id, 'customer');
    if (key === 'GET /v1/prices') return (r) => this.listPrices(r.params);
    if (key === 'POST /v1/checkout/sessions') return (r) => this.createCheckoutSession(r.params);
    if (method === 'POST' && /^\/v1\/checkout\/sessions\/[^/]+\/expire$/.test(path)) {
      return () => this.expireCheckoutSession(parts.at(-2) ?? '');
    }
    if (method === 'GET' && path.startsWith('/v1/checkout/sessions/')) {
      return () => this.mustGet(this.checkoutSessions, id, 'checkout.session');
    }
    if (key === 'POST /v1/billing_portal/sessions') return (r) => this.createPortalSession(r.params);
    if (method === 'GET' && path.startsWith('/v1/subscriptions/')) {
      return () => this.mustGet(this.subscriptions, id, 'subscription');
    }
    if (key === 'POST /v1/subscription_items') return (r) => this.createSubscriptionItem(r.params);
    if (method === 'POST' && path.startsWith('/v1/subscription_items/')) {
      return (r) => this.updateSubscriptionItem(id, r.params);
    }
    if (key === 'GET /v1/invoices') return (r) => this.listInvoices(r.params);
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

  /** The subscription's items, as the subscription object lists them. */
  itemsOf(subscriptionId: string): Json[] {
    const subscription = this.mustGet(this.subscriptions, subscriptionId, 'subscription');
    return (subscription.items as { data: Json[] }).data;
  }

  private createSubscriptionItem(params: Json): Json {
    const subscriptionId = String(params.subscription ?? '');
    const items = this.itemsOf(subscriptionId);
    const price = this.prices.get(String(params.price ?? ''));
    if (!price) throw missing('price', String(params.price), 'price');
    if (items.some((item) => (item.price as Json | undefined)?.id === price.id)) {
      throw invalid('Cannot add multiple subscription items with the same plan.', 'price');
    }
    const item = {
      id: newId('si'),
      object: 'subscription_item',
      subscription: subscriptionId,
      price,
      quantity: quantityParam(params.quantity),
    };
    items.push(item);
    return item;
  }

  private updateSubscriptionItem(itemId: string, params: Json): Json {
    for (const subscription of this.subscriptions.values()) {
      const item = (subscription.items as { data: Json[] }).data.find((candidate) => candidate.id === itemId);
      if (!item) continue;
      if (params.quantity !== undefined) item.quantity = quantityParam(params.quantity);
      return { ...item, subscription: subscription.id };
    }
    throw missing('subscription_item', itemId, 'id');
  }

  private listPrices(params: Json): Json {
    const keys = asArray(params.lookup_keys).map(String);
    const data = [...this.prices.values()].filter(
      (price) => (keys.length === 0 || keys.includes(String(price.lookup_key))) && price.active === true,
    );
    return { object: 'list', data, has_more: false, url: '/v1/prices' };
  }

  private createCheckoutSession(params: Json): Json {
    if (params.mode !== 'subscription') throw invalid('This fake only supports mode=subscription', 'mode');
    const customer = String(params.customer ?? '');
    if (!this.customers.has(customer)) throw missing('customer', customer, 'customer');
    if (!params.success_url) throw invalid('Missing required param: success_url.', 'success_url');
    const lineItems = asArray(params.line_items).map(asObject);
    if (lineItems.length === 0) throw invalid('Missing required param: line_items.', 'line_items');
    for (const line of lineItems) {
      if (!this.prices.has(String(line.price))) throw missing('price', String(line.price), 'line_items');
    }
    const session = {
      id: newId('cs_test'),
      object: 'checkout.session',
      mode: 'subscription',
      status: 'open',
      payment_status: 'unpaid',
      customer,
      client_reference_id: params.client_reference_id ?? null,
      metadata: asObject(params.metadata),
      subscription: null,
      success_url: params.success_url,
      cancel_url: params.cancel_url ?? null,
      url: `http://127.0.0.1:${this.port}/pay/${newId('cs')}`,
      created: this.seconds(),
    };
    this.checkoutSessions.set(session.id, session);
    this.sessionExtras.set(session.id, {
      lineItems,
      subscriptionMetadata: asObject(asObject(params.subscription_data).metadata),
    });
    return session;
  }

  /** As Stripe: only an open session can be expired; any other status is a 400 naming it. */
  private expireCheckoutSession(sessionId: string): Json {
    const session = this.mustGet(this.checkoutSessions, sessionId, 'checkout.session');
    if (session.status !== 'open') {
      throw new StripeApiError(400, {
        type: 'invalid_request_error',
        message: `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of \`${String(session.status)}\`.`,
      });
    }
    Object.assign(session, { status: 'expired', url: null });
    return session;
  }

  private createPortalSession(params: Json): Json {
    const customer = String(params.customer ?? '');
    if (!this.customers.has(customer)) throw missing('customer', customer, 'customer');
    return {
      id: newId('bps'),
      object: 'billing_portal.session',
      customer,
      return_url: params.return_url ?? null,
      url: `http://127.0.0.1:${this.port}/portal/${newId('bps')}`,
      created: this.seconds(),
    };
  }

  private listInvoices(params: Json): Json {
    const data = [...this.invoices.values()].filter((i) => !params.customer || i.customer === params.customer);
    return { object: 'list', data: data.reverse(), has_more: false, url: '/v1/invoices' };
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

function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

function invalid(message: string, param: string): StripeApiError {
  return new StripeApiError(400, { type: 'invalid_request_error', message, param });
}

function missing(kind: string, id: string, param: string): StripeApiError {
  return new StripeApiError(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${kind}: '${id}'`,
    param,
  });
}

function send(res: ServerResponse, status: number, body: Json, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': newId('req'), ...headers });
  res.end(JSON.stringify(body));
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function asObject(value: unknown): Json {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

function asArray(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value && typeof value === 'object') return Object.values(value);
  return value === undefined ? [] : [value];
}

/**
 * Stripe's form encoding to nested values: `a[b]=1` → `{ a: { b: '1' } }`, `a[0][b]=1` and `a[]=1` → arrays.
 */
export function parseForm(encoded: string): Json {
  const root: Json = {};
  for (const [key, value] of new URLSearchParams(encoded)) {
    const segments = key.match(/^[^[]+|\[[^\]]*\]/g)?.map((s) => s.replace(/^\[|\]$/g, '')) ?? [key];
    let node: Json = root;
    segments.forEach((segment, i) => {
      const name = segment === '' ? String(Object.keys(node).length) : segment;
      if (i === segments.length - 1) {
        node[name] = value;
        return;
      }
      node[name] ??= {};
      node = node[name] as Json;
    });
  }
  return arraysFromIndexedObjects(root) as Json;
}

function arraysFromIndexedObjects(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value as Json).map(([k, v]) => [k, arraysFromIndexedObjects(v)] as const);
  const indexed = entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k));
  if (indexed) return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => v);
  return Object.fromEntries(entries);
}

function quantityParam(value: unknown): number {
  const quantity = Number(value ?? 1);
  if (!Number.isSafeInteger(quantity) || quantity < 0) throw invalid('Invalid non-negative integer', 'quantity');
  return quantity;
}
