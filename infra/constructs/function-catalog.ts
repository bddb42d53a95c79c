/**
 * Every Lambda function of the control plane, declared once: entry file, size, what it may touch and what
 * triggers it. The stack builds one function per row and derives permissions, environment, routes,
 * schedules and alarms from it; the bundle-size test and the bundle benchmark read the same rows.
 *
 * Plain data on purpose (no CDK types), so scripts can import it without loading aws-cdk-lib.
 */

/**
 * What a function may do beyond writing its own logs. Each capability maps to one narrowly scoped grant in
 * the control-plane stack, and to the environment variables the function needs to find the resource.
 */
export type Capability =
  /** GetItem/Query/Put/Update/Delete on the table and its indexes. No Scan: every access pattern is a key look-up. */
  | 'table-read-write'
  /**
   * Assume the tenant role tagged with one member organisation, to act for it: its KMS keys and its table
   * partition only (the function's own role has no access to tenants' keys).
   */
  | 'tenant-sessions'
  /** Read the platform key's public key (to show members the address that signs SLA reports). */
  | 'platform-key-read'
  /** Sign digests with the platform key (SLA and data-protection reports). */
  | 'platform-key-sign'
  /**
   * HMAC (KMS GenerateMac) with the evidence key: the salted hash kept of personal data the guard refuses or
   * flags, in place of the value.
   */
  | 'evidence-mac'
  /** Send node work (provision, recover, deprovision) to the provisioning queue. */
  | 'provisioning-send'
  /**
   * Launch fleet instances from the launch templates, control tagged node instances, publish network config,
   * and keep nodes' keys in Secrets Manager (create, hand to an instance, delete; never read back).
   */
  | 'fleet-control'
  /**
   * Make the node keys of a new network's genesis validators in Secrets Manager, and delete them when the network
   * is not recorded (no tagging, never read back): POST /v1/networks without validators.
   */
  | 'node-key-create'
  /** Read instance state and status checks (no changes). */
  | 'fleet-describe'
  /**
   * Read nodes' backup archives and copy them under `carechain/` of members' buckets in other accounts, with
   * `bucket-owner-full-control`.
   */
  | 'member-backup-copies'
  /** Read the Stripe keys from Secrets Manager. */
  | 'stripe-secret'
  /** Publish the `CareChain/UnhealthyNodes` metric. */
  | 'unhealthy-metric'
  /** Push messages to and close the gateway's WebSocket connections (execute-api:ManageConnections, this API's). */
  | 'socket-push'
  /** Seal and open webhook signing secrets with the webhook-secrets KMS key (Encrypt, Decrypt). */
  | 'webhook-secrets';

export type HttpRoute = { readonly method: 'ANY' | 'GET' | 'POST'; readonly path: string };

/** Routes of the gateway's WebSocket API. */
export type WebSocketRouteKey = '$connect' | '$disconnect' | '$default';

/** EventBridge Scheduler expression, in UTC unless a time zone is given. */
export type ScheduleSpec = {
  readonly expression: `rate(${string})` | `cron(${string})`;
  readonly timeZone?: string;
  readonly description: string;
  /** Attempts EventBridge Scheduler makes when the invocation itself fails (throttling, service errors). */
  readonly retryAttempts: number;
};

export type FunctionSpec = {
  readonly name: string;
  /** Entry file, relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /**
   * Most a cold start may read of the minified bundle: its entry module and the chunks that imports, without source
   * maps or the chunks loaded later with `import()` (infra/constructs/lambda-bundling.ts).
   */
  readonly bundleBudgetBytes: number;
  /**
   * The function talks to Besu nodes' JSON-RPC (port 8545), which only accepts the control plane's security
   * group, so it runs in the fleet VPC's private subnets.
   */
  readonly reachesNodes: boolean;
  readonly capabilities: readonly Capability[];
  readonly routes?: readonly HttpRoute[];
  /** Routes of the WebSocket API this function serves. */
  readonly webSocketRoutes?: readonly WebSocketRouteKey[];
  readonly schedule?: ScheduleSpec;
  /** Consumes the provisioning queue. */
  readonly consumesProvisioningQueue?: boolean;
  /** Lambda's own retries of a failed asynchronous (scheduled) invocation. */
  readonly asyncRetryAttempts?: number;
};

const KIB = 1024;
const MIB = 1024 * KIB;
/** The most any function may read at a cold start: one megabyte, 1,000,000 bytes. */
export const ONE_MB = 1_000_000;

export const FUNCTIONS = [
  {
    name: 'api',
    entry: 'functions/handlers/api.ts',
    description: 'Tenant and operator REST API (/v1, /docs, /health)',
    memoryMb: 1024,
    // API Gateway HTTP APIs end an integration at 30 s.
    timeoutSeconds: 29,
    // Reads 963 KiB at a cold start: zod (~190 KiB, with only its English locale: ENGLISH_ZOD_LOCALE), the AWS clients
    // it uses on most requests, the route definitions and schemas, and the parts of ethers the schemas and key reads
    // need. Loaded when first used: the work of the chain route groups (governance, consents and patients, DIDs) and
    // of operators' fleet routes, signing's hashing, transaction sending, reports, checkout, webhooks' transport, the
    // SQS client, prom-client (for /metrics), Stripe, RE2, siwe, the did:ethr resolver, ethers' provider and contract
    // classes, the numbering plans, the contracts' code, the secp256k1 arithmetic of KMS signatures and the SDK's
    // credential sources (docs/architecture.md, "Lambda bundles").
    bundleBudgetBytes: ONE_MB,
    // Signed transactions and governance votes are submitted through a node's JSON-RPC.
    reachesNodes: true,
    // The platform key signs SLA reports of the month so far, on request.
    capabilities: [
      'table-read-write',
      'tenant-sessions',
      'platform-key-read',
      'platform-key-sign',
      'provisioning-send',
      'stripe-secret',
      'node-key-create',
      'evidence-mac',
      // Webhook endpoints' signing secrets are sealed at creation and opened for "send again" and test events.
      'webhook-secrets',
    ],
    routes: [{ method: 'ANY', path: '/{proxy+}' }],
  },
  {
    name: 'gateway',
    entry: 'functions/handlers/gateway.ts',
    description: 'JSON-RPC gateway: API-key auth, method policy, rate limits, metering',
    memoryMb: 1024,
    timeoutSeconds: 29,
    // Reads 760 KiB at a cold start: undici's pool (277 KiB; Node's built-in fetch does not expose one) and the AWS
    // clients; the telephone numbering plans, RE2 and the SDK's credential sources are loaded when first used.
    bundleBudgetBytes: 0.8125 * MIB,
    reachesNodes: true,
    // Evidence of personal data refused or flagged in eth_sendRawTransaction keeps a salted hash of each value.
    capabilities: ['table-read-write', 'evidence-mac'],
    routes: [{ method: 'POST', path: '/rpc/{proxy+}' }],
  },
  {
    name: 'gateway-sockets',
    entry: 'functions/handlers/gateway-sockets.ts',
    description: 'WebSocket JSON-RPC gateway: $connect admission and limits, messages, eth_subscribe, $disconnect',
    memoryMb: 1024,
    // API Gateway ends a WebSocket integration at 29 s.
    timeoutSeconds: 29,
    // Reads 757 KiB at a cold start: the HTTP gateway's parts (undici's pool, the personal-data inspector without its
    // numbering plans) and the management API.
    bundleBudgetBytes: 0.8125 * MIB,
    reachesNodes: true,
    // Messages are answered through the gateway core (personal-data evidence included); a connection whose key no
    // longer admits it is closed.
    capabilities: ['table-read-write', 'evidence-mac', 'socket-push'],
    webSocketRoutes: ['$connect', '$disconnect', '$default'],
  },
  {
    name: 'socket-follower',
    entry: 'functions/handlers/socket-follower.ts',
    description: 'Follows the heads of nodes with WebSocket subscribers and pushes notifications to connections',
    memoryMb: 512,
    // Follows for 50 s, then finishes pushes under way before the next run a minute later.
    timeoutSeconds: 60,
    // Reads 427 KiB at a cold start: the gateway-sockets parts without undici (Node's own HTTP client reaches the nodes,
    // http-upstream.ts) and without the personal-data inspector (it sends no transactions).
    bundleBudgetBytes: 0.75 * MIB,
    reachesNodes: true,
    capabilities: ['table-read-write', 'socket-push'],
    schedule: { expression: 'rate(1 minute)', description: 'Push chain notifications', retryAttempts: 0 },
    // A missed run is carried by the next one from the per-node cursor.
    asyncRetryAttempts: 0,
  },
  {
    name: 'events',
    entry: 'functions/handlers/events.ts',
    description: 'Records outbox events, follows chain logs from their checkpoints and delivers webhooks',
    memoryMb: 512,
    // Passes for 50 s, then finishes the one under way before the next run a minute later.
    timeoutSeconds: 60,
    // Reads 576 KiB at a cold start: the DynamoDB and KMS clients, ethers' pieces for log filters, undici for
    // deliveries. ethers' provider classes, which every pass uses, load at the first.
    bundleBudgetBytes: 0.6875 * MIB,
    // Chain logs are read through nodes the platform runs.
    reachesNodes: true,
    capabilities: ['table-read-write', 'webhook-secrets'],
    schedule: { expression: 'rate(1 minute)', description: 'Deliver events and webhooks', retryAttempts: 0 },
    // Every step is a conditional write the next run continues from.
    asyncRetryAttempts: 0,
  },
  {
    name: 'stripe-webhook',
    entry: 'functions/handlers/stripe-webhook.ts',
    description: 'Stripe webhooks: verify the signature, deduplicate, update subscription state',
    memoryMb: 512,
    timeoutSeconds: 15,
    // Reads 466 KiB at a cold start, and Stripe (~240 KiB) at its first call: the DynamoDB, SQS and Secrets Manager
    // clients. Its wiring (aws-billing.ts) leaves out what the API adds: the personal-data inspector, KMS, EC2, the
    // webhook sender.
    bundleBudgetBytes: 0.875 * MIB,
    reachesNodes: false,
    capabilities: ['table-read-write', 'stripe-secret'],
    routes: [{ method: 'POST', path: '/webhooks/stripe' }],
  },
  {
    name: 'billing-sync',
    entry: 'functions/handlers/billing-sync.ts',
    description:
      'Creates or updates the Stripe catalogue (products, prices, meters) from the plans; invoked by operators',
    memoryMb: 256,
    // A first sync makes a few dozen Stripe requests one after another.
    timeoutSeconds: 120,
    // Reads 303 KiB at a cold start, and Stripe at its first call: the Secrets Manager client; no DynamoDB.
    bundleBudgetBytes: 0.75 * MIB,
    reachesNodes: false,
    // Talks to Stripe only: no table, no schedule, no route.
    capabilities: ['stripe-secret'],
  },
  {
    name: 'monitor',
    entry: 'functions/handlers/monitor.ts',
    description: 'Probes every node, records health samples, asks for recovery after repeated failures',
    memoryMb: 512,
    // Finishes before the next run starts, so two passes never overlap. Nothing in a pass waits for a node: a backup
    // advances one short step per pass (stop requested; one DescribeInstances, then snapshot and start; one HeadObject
    // for the archive) and keeps its phase on its record, and a rolling upgrade waits for health across passes the
    // same way. EC2 stops take up to minutes and archives up to ten: no waiter could fit in 55 s.
    timeoutSeconds: 55,
    // Reads 543 KiB at a cold start: the EC2 and S3 clients for reboot and replacement, with only the shapes their commands use
    // (1.25 MiB before SHAKEABLE_SDK_SCHEMAS: EC2's whole shape registry was 536 KiB of it).
    bundleBudgetBytes: 0.75 * MIB,
    reachesNodes: true,
    // Recovery reboots a node's instance and, when reboots do not help, replaces it (terminate and launch).
    capabilities: ['table-read-write', 'fleet-control', 'provisioning-send', 'unhealthy-metric'],
    schedule: { expression: 'rate(1 minute)', description: 'Probe every node', retryAttempts: 0 },
    // A missed probe is superseded by the next one a minute later.
    asyncRetryAttempts: 0,
  },
  {
    name: 'fleet-operations',
    entry: 'functions/handlers/fleet-operations.ts',
    description: 'Judges every network, restarts a stalled network together, runs rolling upgrades and backups',
    memoryMb: 512,
    // Finishes before the next run starts, so two passes never overlap. Nothing in a pass waits for a node: a backup
    // advances one short step per pass (stop requested; one DescribeInstances, then snapshot and start; one HeadObject
    // for the archive) and keeps its phase on its record, and a rolling upgrade waits for health across passes the
    // same way. EC2 stops take up to minutes and archives up to ten: no waiter could fit in 55 s.
    timeoutSeconds: 55,
    // Reads 600 KiB at a cold start: the EC2 client (reboots, snapshots) with only the shapes it uses, S3 for member copies, the
    // table's client (1.30 MiB with EC2's whole shape registry).
    bundleBudgetBytes: 0.8125 * MIB,
    // Reads heads, validators and versions from the nodes the platform runs.
    reachesNodes: true,
    capabilities: ['table-read-write', 'fleet-control', 'member-backup-copies'],
    schedule: { expression: 'rate(1 minute)', description: 'Look at every network', retryAttempts: 0 },
    // A missed pass is superseded by the next one a minute later.
    asyncRetryAttempts: 0,
  },
  {
    name: 'reconciler',
    entry: 'functions/handlers/reconciler.ts',
    description: 'Drives nodes to their desired state and reconciles EC2 inventory with the table',
    memoryMb: 1024,
    timeoutSeconds: 90,
    // Reads 605 KiB at a cold start, with only the EC2 and S3 shapes its commands use (1.25 MiB with EC2's whole shape registry).
    bundleBudgetBytes: 0.75 * MIB,
    // Reads enode and validator addresses with admin_nodeInfo; casts QBFT validator votes.
    reachesNodes: true,
    capabilities: ['table-read-write', 'fleet-control'],
    schedule: { expression: 'rate(1 minute)', description: 'Reconcile the fleet', retryAttempts: 0 },
    consumesProvisioningQueue: true,
    asyncRetryAttempts: 0,
  },
  {
    name: 'metering',
    entry: 'functions/handlers/metering.ts',
    description: 'Hourly usage rollup and Stripe meter events',
    memoryMb: 512,
    timeoutSeconds: 300,
    // Reads 444 KiB at a cold start (Stripe at its first call): the same wiring as stripe-webhook (aws-billing.ts), without the webhook app.
    bundleBudgetBytes: 0.875 * MIB,
    reachesNodes: false,
    capabilities: ['table-read-write', 'stripe-secret'],
    // Ten minutes past the hour: the previous hour's last flushes (every few seconds) have landed.
    schedule: { expression: 'cron(10 * * * ? *)', description: 'Roll up the previous hour', retryAttempts: 2 },
    asyncRetryAttempts: 2,
  },
  {
    name: 'sla',
    entry: 'functions/handlers/sla.ts',
    description: 'SLA reports: month to date every day, the final report for the previous month on the 1st',
    memoryMb: 1024,
    timeoutSeconds: 300,
    // Reads 459 KiB at a cold start: the AWS clients (DynamoDB, KMS), ethers' signing and zod's core. The report's format name
    // lives in the domain, so the API's schemas (zod with its locales, ~440 KiB) stay out.
    bundleBudgetBytes: 0.75 * MIB,
    reachesNodes: false,
    capabilities: ['table-read-write', 'platform-key-sign', 'platform-key-read'],
    schedule: {
      expression: 'cron(30 2 * * ? *)',
      timeZone: 'Europe/Stockholm',
      description: 'Write SLA reports',
      retryAttempts: 2,
    },
    asyncRetryAttempts: 2,
  },
  {
    name: 'governance',
    entry: 'functions/handlers/governance-watcher.ts',
    description: 'Deploys the consortium contract, watches its events and carries out passed decisions',
    memoryMb: 512,
    timeoutSeconds: 55,
    // Reads 615 KiB at a cold start: ethers' parts by subpath, the contracts' ABIs, the DynamoDB, KMS and STS
    // clients. ethers' provider and contract classes, which every pass uses, load at the first; the contracts' code at
    // a deployment, the secp256k1 arithmetic at the first KMS signature. Wired from what governance needs alone,
    // without the API's dependencies (Stripe, the personal-data inspector).
    bundleBudgetBytes: 0.6875 * MIB,
    // Reads contract events and sends validator votes and markExecuted through the nodes' JSON-RPC.
    reachesNodes: true,
    // The platform key deploys the contract; offboarding disables a removed member's keys (in its tenant session).
    capabilities: ['table-read-write', 'tenant-sessions', 'platform-key-sign', 'platform-key-read'],
    schedule: { expression: 'rate(1 minute)', description: 'Watch consortium governance', retryAttempts: 0 },
    asyncRetryAttempts: 0,
  },
] as const satisfies readonly FunctionSpec[];

export type FunctionName = (typeof FUNCTIONS)[number]['name'];
