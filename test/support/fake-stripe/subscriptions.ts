/**
 * Checkout, subscriptions, the customer portal and invoices of the fake Stripe server. A subscription's items
 * hold the price objects themselves, as Stripe embeds them: a price archived or stripped of its lookup key later
 * shows so on the subscription, which keeps the same price id (prices never change under a subscription).
 */
import type Stripe from 'stripe';
import { asArray, asObject, invalid, type Json, missing, newId, quantityParam, StripeApiError } from './wire.ts';

/** What subscriptions need from the rest of the fake. */
export interface SubscriptionsContext {
  readonly customers: Map<string, Json>;
  readonly prices: Map<string, Json>;
  readonly port: () => number;
  readonly seconds: () => number;
}

type Handler = (params: Json) => Json;

export class FakeSubscriptions {
  readonly checkoutSessions = new Map<string, Json>();
  readonly subscriptions = new Map<string, Json>();
  readonly invoices = new Map<string, Json>();
  private readonly sessionExtras = new Map<string, { lineItems: Json[]; subscriptionMetadata: Json }>();

  constructor(private readonly context: SubscriptionsContext) {}

  /** The handler for a request of this part, or undefined when the path is not its. */
  route(method: string, path: string): Handler | undefined {
    const parts = path.split('/').filter(Boolean);
    const id = parts.at(-1) ?? '';
    const key = `${method} ${path}`;
    if (key === 'POST /v1/checkout/sessions') return (p) => this.createCheckoutSession(p);
    if (method === 'POST' && /^\/v1\/checkout\/sessions\/[^/]+\/expire$/.test(path)) {
      return () => this.expireCheckoutSession(parts.at(-2) ?? '');
    }
    if (method === 'GET' && path.startsWith('/v1/checkout/sessions/')) {
      return () => this.must(this.checkoutSessions, id, 'checkout.session');
    }
    if (key === 'POST /v1/billing_portal/sessions') return (p) => this.createPortalSession(p);
    if (method === 'GET' && path.startsWith('/v1/subscriptions/')) {
      return () => this.must(this.subscriptions, id, 'subscription');
    }
    if (key === 'POST /v1/subscription_items') return (p) => this.createSubscriptionItem(p);
    if (method === 'POST' && path.startsWith('/v1/subscription_items/')) {
      return (p) => this.updateSubscriptionItem(id, p);
    }
    if (key === 'GET /v1/invoices') return (p) => this.listInvoices(p);
    return undefined;
  }

  /** Plays the customer paying: the session completes and a subscription (and its first paid invoice) exists. */
  completeCheckout(sessionId: string, options: { status?: Stripe.Subscription.Status } = {}): Json {
    const session = this.must(this.checkoutSessions, sessionId, 'checkout.session');
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
      created: this.context.seconds(),
      items: {
        object: 'list',
        has_more: false,
        url: `/v1/subscription_items?subscription=${subscriptionId}`,
        data: (extras?.lineItems ?? []).map((line) => ({
          id: newId('si'),
          object: 'subscription_item',
          price: this.context.prices.get(String(line.price)),
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
    const subscription = this.must(this.subscriptions, subscriptionId, 'subscription');
    subscription.status = status;
    return subscription;
  }

  addInvoice(subscriptionId: string, fields: { status: string; total: number }): Json {
    const subscription = this.must(this.subscriptions, subscriptionId, 'subscription');
    const start = this.context.seconds();
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
      hosted_invoice_url: `http://127.0.0.1:${this.context.port()}/invoices/${this.invoices.size + 1}`,
      invoice_pdf: `http://127.0.0.1:${this.context.port()}/invoices/${this.invoices.size + 1}.pdf`,
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

  /** The subscription's items, as the subscription object lists them. */
  itemsOf(subscriptionId: string): Json[] {
    const subscription = this.must(this.subscriptions, subscriptionId, 'subscription');
    return (subscription.items as { data: Json[] }).data;
  }

  private createSubscriptionItem(params: Json): Json {
    const subscriptionId = String(params.subscription ?? '');
    const items = this.itemsOf(subscriptionId);
    const price = this.context.prices.get(String(params.price ?? ''));
    if (!price) throw missing('price', String(params.price), 'price');
    if (price.active !== true) throw inactivePrice('price');
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

  private createCheckoutSession(params: Json): Json {
    if (params.mode !== 'subscription') throw invalid('This fake only supports mode=subscription', 'mode');
    const customer = String(params.customer ?? '');
    if (!this.context.customers.has(customer)) throw missing('customer', customer, 'customer');
    if (!params.success_url) throw invalid('Missing required param: success_url.', 'success_url');
    const lineItems = asArray(params.line_items).map(asObject);
    if (lineItems.length === 0) throw invalid('Missing required param: line_items.', 'line_items');
    lineItems.forEach((line, i) => {
      const price = this.context.prices.get(String(line.price));
      if (!price) throw missing('price', String(line.price), 'line_items');
      // As Stripe: an archived price cannot be bought any more.
      if (price.active !== true) throw inactivePrice(`line_items[${i}][price]`);
    });
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
      url: `http://127.0.0.1:${this.context.port()}/pay/${newId('cs')}`,
      created: this.context.seconds(),
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
    const session = this.must(this.checkoutSessions, sessionId, 'checkout.session');
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
    if (!this.context.customers.has(customer)) throw missing('customer', customer, 'customer');
    return {
      id: newId('bps'),
      object: 'billing_portal.session',
      customer,
      return_url: params.return_url ?? null,
      url: `http://127.0.0.1:${this.context.port()}/portal/${newId('bps')}`,
      created: this.context.seconds(),
    };
  }

  private listInvoices(params: Json): Json {
    const data = [...this.invoices.values()].filter((i) => !params.customer || i.customer === params.customer);
    return { object: 'list', data: data.reverse(), has_more: false, url: '/v1/invoices' };
  }

  private must(map: Map<string, Json>, id: string, kind: string): Json {
    const object = map.get(id);
    if (!object) throw missing(kind, id, 'id');
    return object;
  }
}

function inactivePrice(param: string) {
  return invalid('The price specified is inactive. This field only accepts active prices.', param);
}
