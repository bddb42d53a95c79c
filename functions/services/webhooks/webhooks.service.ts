/**
 * Webhook endpoints of an organisation (docs/architecture.md, "Event streams"): registering one (its signing secret
 * is made here, shown once, and kept only sealed), changing, disabling and removing it, its delivery log, sending a
 * delivery again and sending a test event. Deliveries themselves are the delivery worker's.
 */
import { newSecret } from '../../../shared/auth/secrets.ts';
import { type PlatformEvent, TEST_EVENT_TYPE } from '../../../shared/domain/events.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { deliveryIdOf, type WebhookEndpoint } from '../../../shared/domain/webhooks.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/errors.ts';
import { lazyOnce } from '../../../shared/lazy-once.ts';
import type { SecretBox } from '../../../shared/ports/secret-box.ts';
import type { ChainLogFilter, CreateWebhook, UpdateWebhook } from '../../../shared/schemas/webhooks.schemas.ts';
import type { AuditRepository } from '../../../shared/store/audit.repository.ts';
import type { ChainLogCursorsRepository } from '../../../shared/store/chain-log-cursors.repository.ts';
import { type EventsRepository, formatEventKey } from '../../../shared/store/events.repository.ts';
import type { NetworksRepository } from '../../../shared/store/networks.repository.ts';
import type { NodesRepository } from '../../../shared/store/nodes.repository.ts';
import { ConditionFailedError } from '../../../shared/store/table.ts';
import type { EndpointChanges, WebhooksRepository } from '../../../shared/store/webhooks.repository.ts';
import { appendAudit, type ChangeAuthor } from '../audit/audit-trail.ts';
import { servingEndpoints, withProvider } from '../governance/chain-endpoints.ts';
import { signingSecretContext, type WebhookSender } from './webhook-sender.ts';

/** The address rules (ipaddr.js's ranges), loaded with the first receiver URL checked. */
const loadAddressRules = lazyOnce(() => import('../../../shared/domain/public-address.ts'));

/** Endpoints one organisation may register: each is sent every matching event, so they are bounded. */
export const MAX_ENDPOINTS_PER_ORG = 20;
const SECRET_PREFIX = 'whsec';
const VISIBLE_SECRET = 14;

export interface WebhookServiceDeps {
  readonly stores: {
    readonly webhooks: WebhooksRepository;
    readonly events: EventsRepository;
    readonly networks: NetworksRepository;
    readonly nodes: NodesRepository;
    readonly chainLogCursors: ChainLogCursorsRepository;
    readonly audit: AuditRepository;
  };
  readonly clock: () => Date;
  readonly secrets: SecretBox;
  readonly sender: WebhookSender;
  /** AWS: receivers must be https URLs whose hosts can be public (their addresses are checked at every delivery). */
  readonly publicUrlsOnly: boolean;
  readonly logger: { warn(message: string, fields?: Record<string, unknown>): void };
}

export class WebhookService {
  constructor(private readonly deps: WebhookServiceDeps) {}

  async create(author: ChangeAuthor, orgId: string, input: CreateWebhook) {
    const { webhooks, events } = this.deps.stores;
    await this.#checkUrl(input.url);
    if ((await webhooks.listByOrg(orgId)).length >= MAX_ENDPOINTS_PER_ORG) {
      throw new ConflictError(`An organisation can have ${MAX_ENDPOINTS_PER_ORG} webhook endpoints; remove one first`);
    }
    const network = input.chainLog ? await this.#network(orgId, input.chainLog.networkId) : undefined;
    const now = this.deps.clock().toISOString();
    const id = newId('webhook');
    const secret = newSecret(SECRET_PREFIX);
    const endpoint = await webhooks.create({
      id,
      orgId,
      url: input.url,
      description: input.description,
      eventTypes: input.eventTypes,
      chainLog: input.chainLog && normalisedFilter(input.chainLog),
      status: 'active',
      disabledReason: undefined,
      sealedSecret: await this.deps.secrets.seal(secret, signingSecretContext({ id, orgId })),
      secretPrefix: secret.slice(0, VISIBLE_SECRET),
      // Only what happens from now on: events recorded before are not this endpoint's.
      cursor: await events.lastKeyOf(orgId),
      retry: undefined,
      createdAt: now,
      updatedAt: now,
      version: 1,
    });
    if (network) await this.#followLogsOf(network);
    await this.#audit(author, endpoint, 'webhook.created', { url: endpoint.url, eventTypes: endpoint.eventTypes });
    return { endpoint, secret };
  }

  list(orgId: string): Promise<WebhookEndpoint[]> {
    return this.deps.stores.webhooks.listByOrg(orgId);
  }

  async get(orgId: string, endpointId: string): Promise<WebhookEndpoint> {
    const endpoint = await this.deps.stores.webhooks.get(orgId, endpointId);
    if (!endpoint) throw new NotFoundError('No such webhook endpoint');
    return endpoint;
  }

  /** Applies a person's change to the endpoint as it is now (the delivery worker moves its cursor at any time). */
  async update(author: ChangeAuthor, orgId: string, endpointId: string, input: UpdateWebhook) {
    if (input.url !== undefined) await this.#checkUrl(input.url);
    if (input.chainLog) await this.#followLogsOf(await this.#network(orgId, input.chainLog.networkId));
    const changes: EndpointChanges = {
      ...(input.url !== undefined && { url: input.url }),
      ...(input.description !== undefined && { description: input.description }),
      ...(input.eventTypes !== undefined && { eventTypes: input.eventTypes }),
      ...(input.chainLog !== undefined && { chainLog: input.chainLog ? normalisedFilter(input.chainLog) : undefined }),
      ...(input.status !== undefined && { status: input.status }),
      ...(input.status === 'active' && { disabledReason: undefined }),
      updatedAt: this.deps.clock().toISOString(),
    };
    for (let attempt = 1; ; attempt++) {
      const current = await this.get(orgId, endpointId);
      const next = { ...current, ...changes };
      if (next.eventTypes.includes('chain.log') !== (next.chainLog !== undefined)) {
        throw new ValidationError('chain.log and a log filter go together', [
          { path: 'body.chainLog', message: 'chain.log needs a filter, and a filter needs chain.log' },
        ]);
      }
      try {
        const updated = await this.deps.stores.webhooks.update(current, changes);
        await this.#audit(author, updated, 'webhook.updated', { fields: Object.keys(input) });
        return updated;
      } catch (error) {
        if (!(error instanceof ConditionFailedError) || attempt >= 5) throw error;
      }
    }
  }

  async remove(author: ChangeAuthor, orgId: string, endpointId: string): Promise<void> {
    const endpoint = await this.get(orgId, endpointId);
    await this.deps.stores.webhooks.delete(endpoint);
    await this.#audit(author, endpoint, 'webhook.deleted', { url: endpoint.url });
  }

  async deliveries(orgId: string, endpointId: string, page: { limit?: number; cursor?: string }) {
    const endpoint = await this.get(orgId, endpointId);
    return this.deps.stores.webhooks.listDeliveries(endpoint.id, page);
  }

  /** "Send again": one attempt now, with the same event id and body, newly signed; recorded on the delivery. */
  async redeliver(author: ChangeAuthor, orgId: string, endpointId: string, deliveryId: string) {
    const endpoint = await this.get(orgId, endpointId);
    const delivery = await this.deps.stores.webhooks.getDelivery(endpoint.id, deliveryId);
    if (!delivery) throw new NotFoundError('No such delivery');
    const outcome = await this.deps.sender.send(endpoint, delivery.body, {
      id: delivery.eventId,
      type: delivery.eventType,
    });
    let recorded = delivery;
    for (let attempt = 1; ; attempt++) {
      try {
        recorded = await this.deps.stores.webhooks.updateDelivery(recorded, {
          // A success settles it whatever it was; a failure leaves its schedule (or its dead letter) as it was.
          status: outcome.ok ? 'delivered' : recorded.status,
          attempts: recorded.attempts + 1,
          lastAttemptAt: outcome.at.toISOString(),
          nextAttemptAt: outcome.ok ? undefined : recorded.nextAttemptAt,
          responseStatus: outcome.responseStatus,
          latencyMs: outcome.latencyMs,
          error: outcome.error,
        });
        break;
      } catch (error) {
        if (!(error instanceof ConditionFailedError) || attempt >= 5) throw error;
        recorded = (await this.deps.stores.webhooks.getDelivery(endpoint.id, deliveryId)) ?? recorded;
      }
    }
    await this.#audit(author, endpoint, 'webhook.redelivered', { deliveryId, eventId: delivery.eventId });
    return recorded;
  }

  /** "Send a test event": a `webhook.test` delivery now, recorded in the log; never retried. */
  async sendTest(author: ChangeAuthor, orgId: string, endpointId: string) {
    const endpoint = await this.get(orgId, endpointId);
    const at = this.deps.clock();
    const event: PlatformEvent = {
      id: newId('event'),
      type: TEST_EVENT_TYPE,
      createdAt: at.toISOString(),
      orgId,
      data: { endpointId: endpoint.id, message: 'A test event sent on request' },
    };
    const body = JSON.stringify(event);
    const outcome = await this.deps.sender.send(endpoint, body, event);
    // A key of its own from the event sequence: the test takes its place in the delivery log by time.
    const key = formatEventKey(await this.deps.stores.events.reserveKeys(1));
    const delivery = await this.deps.stores.webhooks.createDelivery({
      id: deliveryIdOf(key),
      endpointId: endpoint.id,
      orgId,
      eventId: event.id,
      eventType: event.type,
      eventKey: undefined,
      body,
      status: outcome.ok ? 'delivered' : 'failed',
      attempts: 1,
      firstAttemptAt: outcome.at.toISOString(),
      lastAttemptAt: outcome.at.toISOString(),
      nextAttemptAt: undefined,
      responseStatus: outcome.responseStatus,
      latencyMs: outcome.latencyMs,
      error: outcome.error,
      version: 1,
    });
    await this.#audit(author, endpoint, 'webhook.tested', { delivered: outcome.ok });
    return delivery;
  }

  async #checkUrl(url: string): Promise<void> {
    if (!this.deps.publicUrlsOnly) return;
    const { nonPublicHost } = await loadAddressRules();
    const problem = url.startsWith('https://') ? nonPublicHost(url) : 'Receivers are called over https only';
    if (problem) {
      throw new ValidationError('The webhook URL cannot be called', [{ path: 'body.url', message: problem }]);
    }
  }

  /**
   * A network whose logs the organisation may follow: one it has a node on, as the gateway would let it read them.
   * Any other network is answered as one that does not exist.
   */
  async #network(orgId: string, networkId: string): Promise<Network> {
    const [network, nodes] = await Promise.all([
      this.deps.stores.networks.get(networkId),
      this.deps.stores.nodes.listByOrg(orgId),
    ]);
    if (!network || !nodes.some((node) => node.networkId === networkId && node.state !== 'terminated')) {
      throw new ValidationError("No such network among your nodes' networks", [
        { path: 'body.chainLog.networkId', message: 'Not a network the organisation has a node on' },
      ]);
    }
    return network;
  }

  /**
   * Starts following the network's logs at its head now, so logs sealed from this moment on are delivered (the
   * follower would otherwise start at the head it sees on its next pass). Without a serving node the follower
   * starts when one serves.
   */
  async #followLogsOf(network: Network): Promise<void> {
    const { nodes, chainLogCursors } = this.deps.stores;
    if (await chainLogCursors.get(network.id)) return;
    const endpoint = servingEndpoints(await nodes.listByNetwork(network.id), network.chainId)[0];
    if (!endpoint) return;
    try {
      const head = await withProvider(endpoint, (provider) => provider.getBlock('latest'));
      if (head?.hash) {
        await chainLogCursors.start(network.id, { block: head.number + 1, logIndex: 0, parentHash: head.hash });
      }
    } catch (error) {
      // The endpoint is registered all the same; the follower starts at the head it reads on its next pass.
      this.deps.logger.warn('the chain-log follower could not be started at the head now', {
        networkId: network.id,
        error,
      });
    }
  }

  async #audit(author: ChangeAuthor, endpoint: WebhookEndpoint, action: string, details: Record<string, unknown>) {
    await appendAudit(this.deps, author.requestId, {
      orgId: endpoint.orgId,
      actor: author.actor,
      action,
      target: endpoint.id,
      details,
    });
  }
}

/** Lower-case addresses and topics, as the follower compares them. */
function normalisedFilter(filter: ChainLogFilter): WebhookEndpoint['chainLog'] {
  return {
    networkId: filter.networkId,
    ...(filter.address && { address: filter.address.map((address) => address.toLowerCase()) }),
    ...(filter.topics && {
      topics: filter.topics.map((position) =>
        position === null ? null : (Array.isArray(position) ? position : [position]).map((t) => t.toLowerCase()),
      ),
    }),
  };
}
