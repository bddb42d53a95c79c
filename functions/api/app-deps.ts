/**
 * What the API needs from the outside world. Handlers and the local runtime build it from real adapters;
 * tests build it from real local adapters too. The app never constructs an adapter itself.
 */
import type { Context } from 'hono';
import type { Config } from '../../shared/config/config.ts';
import type { Network } from '../../shared/domain/network.ts';
import type { NodeHosting, NodeRecord, NodeRole, NodeRuntime } from '../../shared/domain/node.ts';
import type { Interval } from '../../shared/domain/sla.ts';
import type { UsageRepository } from '../../shared/metering/usage.repository.ts';
import type { UsageRecorder } from '../../shared/metering/usage-meter.ts';
import type { Logger } from '../../shared/observability/logger.ts';
import type { AppMetrics } from '../../shared/observability/metrics.ts';
import type { KeyVault } from '../../shared/ports/key-vault.ts';
import type { MatchFingerprinter } from '../../shared/ports/match-fingerprinter.ts';
import type { PersonalDataInspector } from '../../shared/ports/personal-data-inspector.ts';
import type { SecretBox } from '../../shared/ports/secret-box.ts';
import type { SignedSlaReport } from '../../shared/schemas/health.schemas.ts';
import type { ApiKeysRepository } from '../../shared/store/api-keys.repository.ts';
import type { AuditRepository } from '../../shared/store/audit.repository.ts';
import type { BackupsRepository } from '../../shared/store/backups.repository.ts';
import type { BillingRepository } from '../../shared/store/billing.repository.ts';
import type { ChainLogCursorsRepository } from '../../shared/store/chain-log-cursors.repository.ts';
import type { DataProtectionRepository } from '../../shared/store/data-protection.repository.ts';
import type { EventsRepository } from '../../shared/store/events.repository.ts';
import type { GovernanceRepository } from '../../shared/store/governance.repository.ts';
import type { GovernanceVotesRepository } from '../../shared/store/governance-votes.repository.ts';
import type { HealthRepository, UptimeRollup } from '../../shared/store/health.repository.ts';
import type { InvitationsRepository } from '../../shared/store/invitations.repository.ts';
import type { NetworkHealthRepository } from '../../shared/store/network-health.repository.ts';
import type { NetworksRepository } from '../../shared/store/networks.repository.ts';
import type { NodesRepository } from '../../shared/store/nodes.repository.ts';
import type { OrganisationsRepository } from '../../shared/store/organisations.repository.ts';
import type { PlatformRepository } from '../../shared/store/platform.repository.ts';
import type { SigningKeysRepository } from '../../shared/store/signing-keys.repository.ts';
import type { SiweNoncesRepository } from '../../shared/store/siwe-nonces.repository.ts';
import type { StreamTicketsRepository } from '../../shared/store/stream-tickets.repository.ts';
import type { UpgradesRepository } from '../../shared/store/upgrades.repository.ts';
import type { UsersRepository } from '../../shared/store/users.repository.ts';
import type { WebhooksRepository } from '../../shared/store/webhooks.repository.ts';
import type { OrgAccessResolver } from '../services/access/org-access.ts';
import type { Tenancy } from '../services/access/tenancy.ts';
import type { BillingDeps } from '../services/billing/billing-deps.ts';
import type { BillingReadinessReport } from '../services/billing/billing-readiness.ts';
import type { NetworkFleet } from '../services/fleet/network-fleet.ts';
import type { GenesisValidatorSupply } from '../services/networks/network-creation.ts';
import type { MessageSigner } from '../services/platform/report-signing.ts';
import type { WebhookSender } from '../services/webhooks/webhook-sender.ts';

export interface Stores {
  readonly users: UsersRepository;
  readonly organisations: OrganisationsRepository;
  readonly apiKeys: ApiKeysRepository;
  readonly invitations: InvitationsRepository;
  readonly audit: AuditRepository;
  readonly networks: NetworksRepository;
  readonly nodes: NodesRepository;
  readonly platform: PlatformRepository;
  readonly signingKeys: SigningKeysRepository;
  readonly billing: BillingRepository;
  readonly governance: GovernanceRepository;
  readonly governanceVotes: GovernanceVotesRepository;
  readonly siweNonces: SiweNoncesRepository;
  readonly networkHealth: NetworkHealthRepository;
  readonly upgrades: UpgradesRepository;
  readonly backups: BackupsRepository;
  readonly dataProtection: DataProtectionRepository;
  readonly webhooks: WebhooksRepository;
  readonly events: EventsRepository;
  readonly chainLogCursors: ChainLogCursorsRepository;
  readonly consentCursors: ChainLogCursorsRepository;
  readonly streamTickets: StreamTicketsRepository;
}

/** Node health, uptime and signed SLA reports, as the health and maintenance routes read them. */
export interface NodeHealthServices {
  readonly health: HealthRepository;
  /** Reports and uptime (the SLA report service). */
  readonly slaReports: {
    reportFor(orgId: string, month: string): Promise<SignedSlaReport>;
    uptime(node: { id: string; orgId: string }, range: Interval): Promise<UptimeRollup[]>;
  };
  /** The address of the platform key that signs SLA reports. */
  readonly platformAddress: () => Promise<string>;
  /** @default 'CareChain' */
  readonly platformName?: string;
}

/** The personal-data guard's parts: the inspector, the evidence fingerprint and the key that signs its reports. */
export interface DataProtectionServices {
  readonly inspector: PersonalDataInspector;
  readonly fingerprinter: MatchFingerprinter;
  /** The platform key, which signs data-protection reports; absent where the deployment has none (503). */
  readonly reportSigner: MessageSigner | undefined;
}

/**
 * The dependencies one route module reads: the fields of `AppDeps` named by `K` and the repositories named by `S`,
 * so a module's signature says what it touches.
 */
export type RouteDeps<K extends keyof AppDeps, S extends keyof Stores = never> = Pick<AppDeps, K> & {
  readonly stores: Pick<Stores, S>;
};

/** The fields the `orgAccess` guard reads, for the route modules it guards. */
export type GuardDeps = 'tenancy' | 'resolveAccess';

export interface AppDeps {
  readonly config: Pick<Config, 'mode' | 'bodyLimitBytes' | 'sessionTtlHours' | 'publicUrl'>;
  readonly stores: Stores;
  readonly logger: Logger;
  readonly clock: () => Date;
  /** Folder with swagger-ui-dist's files, served at /docs/assets; without it /docs links the OpenAPI JSON only. */
  readonly docsAssetsDir?: string;
  readonly version?: string;
  /** The runtime managed nodes get in this deployment: anvil (local), besu (local, when installed) or ec2. */
  readonly managedRuntime: Exclude<NodeRuntime, 'external'>;
  /**
   * The runtime a managed node of this network gets, where it depends on the network (local mode with Besu: only
   * networks whose chain runs here get Besu nodes; the others keep their anvil chain). Absent: `managedRuntime`.
   */
  readonly managedRuntimeOf?: (network: Network) => Exclude<NodeRuntime, 'external'>;
  /**
   * Genesis validators the platform provides for a network created without a validator list. Absent where the
   * operator must name them (AWS without the fleet's node-key store: the addresses of the validators' node keys).
   */
  readonly genesisValidators?: GenesisValidatorSupply;
  /**
   * The function's own vault: KMS on the function's role in AWS (the platform key; tenants' keys are out of its
   * reach), the whole encrypted local vault on a laptop. Organisations' keys are used through `tenancy`.
   */
  readonly vault: KeyVault;
  /** Each member organisation's keys and partition on credentials scoped to it (functions/services/access/tenancy.ts). */
  readonly tenancy: Pick<Tenancy, 'forCaller' | 'forOrganisation'>;
  /** How the guards decide a caller's access (membership and role). @default resolveOrgAccess */
  readonly resolveAccess?: OrgAccessResolver;
  /** Counts metered usage (signatures, API requests); flushed to the table by its owner. */
  readonly usage?: UsageRecorder;
  /** Plans, Checkout, portal and invoices: Stripe, or off (plans activate at once). */
  readonly billing: BillingDeps;
  /**
   * Whether billing can take payment (with billing on: every Stripe price and meter it needs exists), for
   * `GET /health`. Absent: health reports only whether billing is on.
   */
  readonly billingReadiness?: { current(): Promise<BillingReadinessReport> };
  /** Node health, uptime and signed SLA reports; the routes are mounted only when present. */
  readonly health?: NodeHealthServices;
  /** Reads metered usage back (records and hourly rollups). */
  readonly usageRecords: UsageRepository;
  /** Told after a node's record changed, so the reconciler can act at once (local: in-process; AWS: a queue). */
  readonly nodeChanged?: (node: NodeRecord) => void;
  /** Refuses a new node the organisation may not have (billing state, plan limits); throws a named error. */
  readonly admission?: (orgId: string, hosting: NodeHosting, role: NodeRole) => Promise<void>;
  /**
   * The network address the request came from, as the server saw it (the socket locally, API Gateway's source IP
   * in AWS; never a header the client could write). Failed logins are throttled per address too.
   */
  readonly clientAddress?: (c: Context) => string | undefined;
  /**
   * Prometheus metrics: `/metrics` serves them (operators only in AWS); with `http`, requests are counted and timed
   * in this process (locally; in Lambda they are CloudWatch's: functions/handlers/api.ts).
   */
  readonly metrics?: AppMetrics;
  /** Refuses a new signing key the organisation's plan does not allow; throws a named error. */
  readonly signingKeyAdmission?: (orgId: string) => Promise<void>;
  /** The Besu processes the platform runs per network, for recovery and upgrades (built by the wiring). */
  readonly fleet?: NetworkFleet;
  /** The personal-data guard of what the API signs, and its evidence and reports. */
  readonly dataProtection: DataProtectionServices;
  /**
   * Webhook signing secrets (sealed in the table) and the sender of deliveries; the webhook routes are mounted
   * only when present.
   */
  readonly webhookDelivery?: { readonly secrets: SecretBox; readonly sender: WebhookSender };
  /**
   * The gateway's WebSocket URL of a node, for the console's live head (AWS: the WebSocket API's URL). Absent: the
   * request's own origin, `ws(s)://<host>/rpc/<nodeId>`, where the local server serves the gateway.
   */
  readonly gatewaySocketUrl?: (nodeId: string) => string;
}
