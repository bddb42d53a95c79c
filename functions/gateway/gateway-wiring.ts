/**
 * Builds the gateway's dependencies from the store: API keys are looked up by the hash of their secret, nodes
 * by id, and the plan of the key's organisation decides rate limits, batch size and allowed methods. Shared by
 * the gateway's Lambda entry and the local runtime.
 */
import { sha256Hex } from '../../shared/auth/secrets.ts';
import { DEFAULT_GATEWAY_PLAN, type GatewayPlan } from '../../shared/domain/plans.ts';
import type { UsageRecorder } from '../../shared/metering/usage-meter.ts';
import type { Logger } from '../../shared/observability/logger.ts';
import type { ApiKeysRepository } from '../../shared/store/api-keys.repository.ts';
import type { NodesRepository } from '../../shared/store/nodes.repository.ts';
import { STREAM_TICKET_PREFIX, type StreamTicketsRepository } from '../../shared/store/stream-tickets.repository.ts';
import type { GatewayDeps, GatewayPrincipal } from './create-gateway.ts';
import { type GatewayDataProtection, gatewayPersonalData } from './personal-data-wiring.ts';
import type { RpcTransport } from './rpc-transport.ts';

/** What a ticket may call: follow heads, nothing else. */
const TICKET_METHODS = ['eth_subscribe', 'eth_unsubscribe', 'eth_blockNumber', 'eth_chainId'];

export interface GatewayWiring {
  readonly apiKeys: ApiKeysRepository;
  readonly nodes: NodesRepository;
  /** The console's live-head tickets; absent: only API keys are admitted. */
  readonly streamTickets?: StreamTicketsRepository;
  readonly meter: UsageRecorder;
  readonly logger: Logger;
  readonly clock: () => Date;
  /** The gateway limits of an organisation's plan. @default DEFAULT_GATEWAY_PLAN for everyone */
  readonly planOf?: (orgId: string) => Promise<GatewayPlan>;
  /** Why the organisation may not use the gateway now (billing suspended), or undefined. */
  readonly suspensionOf?: (orgId: string) => Promise<string | undefined>;
  /** Transport to the nodes: undici pools at request time, Node's own HTTP client for the scheduled follower. */
  readonly upstream: RpcTransport;
  /** The personal-data guard's parts; without them transactions are not inspected. */
  readonly dataProtection?: GatewayDataProtection;
}

export function gatewayDeps(wiring: GatewayWiring): GatewayDeps {
  const { streamTickets } = wiring;
  return {
    ...storedCredentialDeps(wiring),
    authenticate: (secret) => principalOf(wiring, storedCredential(secret)),
    // Only a client's own credential opens a connection; connections admitted again from their records never do.
    ...(streamTickets && { redeemTicket: (hash: string) => streamTickets.redeem(hash, wiring.clock()) }),
  };
}

/** A credential as a connection record keeps it: which kind it is and its SHA-256, never the credential itself. */
export interface StoredCredential {
  readonly kind: 'key' | 'ticket';
  readonly hash: string;
}

export function storedCredential(secret: string): StoredCredential {
  return { kind: secret.startsWith(`${STREAM_TICKET_PREFIX}_`) ? 'ticket' : 'key', hash: sha256Hex(secret) };
}

/**
 * The gateway's dependencies for a core that admits connections again from their records (the AWS WebSocket
 * functions, between messages): `authenticate` takes `<kind>:<hash>` as read from the table, never a client's input.
 */
export function storedCredentialDeps(wiring: GatewayWiring): GatewayDeps {
  return {
    async authenticate(stored) {
      const [kind, hash] = stored.split(':');
      if ((kind !== 'key' && kind !== 'ticket') || !hash) return undefined;
      return principalOf(wiring, { kind, hash });
    },
    async resolveNode(nodeId) {
      const node = await wiring.nodes.findById(nodeId);
      if (!node || node.state === 'terminated') return undefined;
      return {
        orgId: node.orgId,
        // Empty until the node serves; the gateway answers 503 with the node's state then.
        rpcUrl: node.endpoints.rpcUrl ?? '',
        state: node.state,
        runtime: node.runtime,
        networkId: node.networkId,
        sharedChain: node.runtime === 'anvil',
      };
    },
    ...(wiring.dataProtection && { personalData: gatewayPersonalData(wiring.dataProtection, wiring.clock) }),
    meter: wiring.meter,
    clock: wiring.clock,
    logger: wiring.logger.child({ component: 'gateway' }),
    upstream: wiring.upstream,
  };
}

async function principalOf(wiring: GatewayWiring, credential: StoredCredential): Promise<GatewayPrincipal | undefined> {
  if (credential.kind === 'ticket') return ticketPrincipal(wiring, credential.hash);
  const key = await wiring.apiKeys.findBySecretHash(credential.hash);
  if (key?.status !== 'active') return undefined;
  const [plan, suspended] = await Promise.all([
    wiring.planOf ? wiring.planOf(key.orgId) : DEFAULT_GATEWAY_PLAN,
    wiring.suspensionOf?.(key.orgId),
  ]);
  return { orgId: key.orgId, keyId: key.id, scopes: key.scopes, plan, suspended };
}

/**
 * A console's live-head ticket as a principal: its organisation's plan and suspension, one node only, and only the
 * methods that follow heads. Tickets are metered like keys.
 */
async function ticketPrincipal(wiring: GatewayWiring, hash: string): Promise<GatewayPrincipal | undefined> {
  const ticket = await wiring.streamTickets?.find(hash, wiring.clock());
  if (!ticket) return undefined;
  const [plan, suspended] = await Promise.all([
    wiring.planOf ? wiring.planOf(ticket.orgId) : DEFAULT_GATEWAY_PLAN,
    wiring.suspensionOf?.(ticket.orgId),
  ]);
  return {
    orgId: ticket.orgId,
    keyId: `ticket_${hash.slice(0, 16)}`,
    scopes: ['rpc'],
    plan: { ...plan, allowedMethods: TICKET_METHODS },
    suspended,
    nodeId: ticket.nodeId,
    ticketHash: hash,
  };
}
