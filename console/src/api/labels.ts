/**
 * Words for the API's enumerations. Each table is keyed by the API's own type, so a value added on the server
 * fails the type check here until it has a label.
 */
import type { Meter } from '../../../shared/domain/metering.ts';
import type {
  ApiKeyScope,
  Consensus,
  DeliveryStatus,
  ExecutionState,
  NetworkState,
  NodeRole,
  NodeSize,
  NodeState,
  OrganisationType,
  ProposalKind,
  ProposalState,
  Role,
  SigningKey,
  UpgradePlan,
  Webhook,
} from './api-types.ts';

export const ORGANISATION_TYPE_LABELS: Record<OrganisationType, string> = {
  hospital: 'Hospital',
  care_provider: 'Care provider',
  pharmacy: 'Pharmacy',
  academia: 'Academia',
  pharmaceutical: 'Pharmaceutical company',
  health_insurer: 'Health insurer',
  startup: 'Startup',
  network_operator: 'Network operator',
  government: 'Government agency',
  fintech: 'Fintech',
  medtech: 'Medtech',
  other: 'Other',
};

export const ROLE_LABELS: Record<Role, string> = {
  owner: 'Owner',
  admin: 'Admin',
  developer: 'Developer',
  viewer: 'Viewer',
};

export const SCOPE_LABELS: Record<ApiKeyScope, string> = {
  rpc: 'rpc — call nodes through the JSON-RPC gateway',
  read: 'read — read the organisation’s resources',
  write: 'write — change resources (as a developer)',
};

export const NODE_ROLE_LABELS: Record<NodeRole, string> = {
  member: 'Member node (reads and sends transactions)',
  validator: 'Validator (takes part in QBFT consensus)',
};

export const NODE_SIZE_LABELS: Record<NodeSize, string> = {
  small: 'Small — 2 vCPU, 8 GiB',
  medium: 'Medium — 4 vCPU, 16 GiB',
  large: 'Large — 8 vCPU, 32 GiB',
};

export type Tone = 'ok' | 'busy' | 'warn' | 'bad' | 'idle';

export const NODE_STATE_LABELS: Record<NodeState, { readonly label: string; readonly tone: Tone }> = {
  requested: { label: 'Requested', tone: 'busy' },
  provisioning: { label: 'Provisioning', tone: 'busy' },
  starting: { label: 'Starting', tone: 'busy' },
  syncing: { label: 'Syncing', tone: 'busy' },
  running: { label: 'Running', tone: 'ok' },
  degraded: { label: 'Degraded', tone: 'warn' },
  stopping: { label: 'Stopping', tone: 'busy' },
  stopped: { label: 'Stopped', tone: 'idle' },
  deprovisioning: { label: 'Deleting', tone: 'busy' },
  terminated: { label: 'Deleted', tone: 'idle' },
  failed: { label: 'Failed', tone: 'bad' },
};

/** The path a new managed node walks, shown as progress while it is created. */
export const PROVISIONING_STEPS: readonly NodeState[] = ['requested', 'provisioning', 'starting', 'syncing', 'running'];

/** States the reconciler is still working on: pages poll while a node is in one of them. */
export const TRANSITIONAL_STATES: ReadonlySet<NodeState> = new Set<NodeState>([
  'requested',
  'provisioning',
  'starting',
  'syncing',
  'stopping',
  'deprovisioning',
]);

export const SIGNING_KEY_STATE_LABELS: Record<SigningKey['state'], { readonly label: string; readonly tone: Tone }> = {
  enabled: { label: 'Enabled', tone: 'ok' },
  disabled: { label: 'Disabled', tone: 'idle' },
  'pending-deletion': { label: 'Deletion scheduled', tone: 'warn' },
};

interface MeterLabel {
  readonly label: string;
  readonly unit: string;
  readonly units: string;
  /** Recorded units per unit shown. */
  readonly divisor: number;
}

export const METER_LABELS: Record<Meter, MeterLabel> = {
  rpc_compute_units: { label: 'RPC compute units', unit: 'compute unit', units: 'compute units', divisor: 1 },
  rpc_requests: { label: 'RPC calls', unit: 'call', units: 'calls', divisor: 1 },
  api_requests: { label: 'API requests', unit: 'request', units: 'requests', divisor: 1 },
  signatures: { label: 'Signatures', unit: 'signature', units: 'signatures', divisor: 1 },
  // Recorded in node-seconds so partial hours add up exactly; shown in node-hours.
  node_hours: { label: 'Node hours', unit: 'node-hour', units: 'node-hours', divisor: 3600 },
  node_hours_small: { label: 'Node hours (small)', unit: 'node-hour', units: 'node-hours', divisor: 3600 },
  node_hours_medium: { label: 'Node hours (medium)', unit: 'node-hour', units: 'node-hours', divisor: 3600 },
  node_hours_large: { label: 'Node hours (large)', unit: 'node-hour', units: 'node-hours', divisor: 3600 },
};

export const CONSENSUS_LABELS: Record<Consensus, string> = {
  qbft: 'QBFT (recommended: Byzantine fault tolerant, immediate finality)',
  ibft2: 'IBFT 2.0 (older Byzantine fault tolerant protocol)',
  clique: 'Clique (proof of authority, no immediate finality)',
};

/** What a proposal asks, as a member would say it. */
export const PROPOSAL_KIND_LABELS: Record<ProposalKind, string> = {
  'admit-member': 'Admit a member',
  'remove-member': 'Remove a member',
  'add-validator': 'Add a validator',
  'remove-validator': 'Remove a validator',
};

export const PROPOSAL_STATE_LABELS: Record<ProposalState, { readonly label: string; readonly tone: Tone }> = {
  active: { label: 'Voting open', tone: 'busy' },
  passed: { label: 'Passed', tone: 'ok' },
  rejected: { label: 'Rejected', tone: 'bad' },
  expired: { label: 'Expired', tone: 'idle' },
  executed: { label: 'Carried out', tone: 'ok' },
};

/** How the control plane carried out a passed decision. */
export const EXECUTION_STATE_LABELS: Record<ExecutionState, { readonly label: string; readonly tone: Tone }> = {
  pending: { label: 'Waiting to be carried out', tone: 'busy' },
  voting: { label: 'Validators are voting', tone: 'busy' },
  applied: { label: 'Applied, being confirmed', tone: 'busy' },
  executed: { label: 'Carried out', tone: 'ok' },
  refused: { label: 'Refused by the safety check', tone: 'bad' },
  partial: { label: 'Partly carried out', tone: 'warn' },
};

export const NETWORK_STATE_LABELS: Record<NetworkState, { readonly label: string; readonly tone: Tone }> = {
  producing: { label: 'Producing', tone: 'ok' },
  slow: { label: 'Slow', tone: 'warn' },
  stalled: { label: 'Stalled', tone: 'bad' },
  'below-quorum': { label: 'Below quorum', tone: 'bad' },
  unknown: { label: 'Unknown', tone: 'idle' },
};

export const UPGRADE_STATE_LABELS: Record<UpgradePlan['state'], { readonly label: string; readonly tone: Tone }> = {
  running: { label: 'Running', tone: 'busy' },
  paused: { label: 'Paused', tone: 'warn' },
  completed: { label: 'Completed', tone: 'ok' },
  'rolling-back': { label: 'Rolling back', tone: 'busy' },
  'rolled-back': { label: 'Rolled back', tone: 'idle' },
  cancelled: { label: 'Cancelled', tone: 'idle' },
};

export const UPGRADE_STEP_LABELS: Record<
  UpgradePlan['steps'][number]['state'],
  { readonly label: string; readonly tone: Tone }
> = {
  pending: { label: 'Waiting', tone: 'idle' },
  upgrading: { label: 'Restarting', tone: 'busy' },
  verifying: { label: 'Checking', tone: 'busy' },
  done: { label: 'Done', tone: 'ok' },
  failed: { label: 'Failed', tone: 'bad' },
  'rolled-back': { label: 'Rolled back', tone: 'idle' },
};

export const WEBHOOK_STATUS_LABELS: Record<Webhook['status'], { readonly label: string; readonly tone: Tone }> = {
  active: { label: 'Active', tone: 'ok' },
  disabled: { label: 'Disabled', tone: 'idle' },
};

export const DELIVERY_STATUS_LABELS: Record<DeliveryStatus, { readonly label: string; readonly tone: Tone }> = {
  delivered: { label: 'Delivered', tone: 'ok' },
  retrying: { label: 'Retrying', tone: 'warn' },
  dead: { label: 'Dead-lettered', tone: 'bad' },
  failed: { label: 'Failed (not retried)', tone: 'bad' },
};
