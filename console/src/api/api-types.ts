/**
 * The API's request and response types, inferred from the same zod schemas the server validates with, so the
 * console and the server cannot drift: a renamed field breaks `npm run typecheck`. Type-only imports: no server
 * code reaches the bundle.
 */
import type { z } from 'zod';
import type { Problem as ProblemSchema } from '../../../shared/schemas/common.schemas.ts';
import type { SignedDataProtectionReport as SignedDataProtectionReportSchema } from '../../../shared/schemas/data-protection.schemas.ts';
import type {
  BackupList,
  NetworkHealthHistory as NetworkHealthHistorySchema,
  NetworkHealthView,
  UpgradePlanList,
  UpgradePlanView,
} from '../../../shared/schemas/fleet.schemas.ts';
import type {
  CastVote as CastVoteSchema,
  CreateProposal as CreateProposalSchema,
  GovernanceTransaction as GovernanceTransactionSchema,
  GovernanceView,
  ProposalList,
  ProposalView,
  ProposalVoteList,
  VoteView,
} from '../../../shared/schemas/governance.schemas.ts';
import type {
  MaintenanceWindowList,
  NodeHealthView,
  PlatformView,
  SignedSlaReport as SignedSlaReportSchema,
} from '../../../shared/schemas/health.schemas.ts';
import type {
  LoginRequest,
  MeView as MeSchema,
  Session as SessionSchema,
  SignupRequest,
  UserView as UserSchema,
} from '../../../shared/schemas/identity.schemas.ts';
import type {
  CreateNetwork as CreateNetworkSchema,
  CreateNode as CreateNodeSchema,
  JoinBundleView,
  NetworkList,
  NetworkView,
  NodeList,
  NodeView,
  UpdateSelfHostedNode,
} from '../../../shared/schemas/network.schemas.ts';
import type {
  ApiKeyList,
  ApiKeyView,
  AuditPage as AuditPageSchema,
  CreateApiKey as CreateApiKeySchema,
  CreatedApiKey as CreatedApiKeySchema,
  CreatedInvitation as CreatedInvitationSchema,
  CreateInvitation as CreateInvitationSchema,
  CreateOrganisation as CreateOrganisationSchema,
  InvitationList,
  InvitationView,
  MemberList,
  MemberView,
  OrganisationList,
  OrganisationView,
} from '../../../shared/schemas/organisation.schemas.ts';
import type {
  CreateSigningKey as CreateSigningKeySchema,
  SignatureView,
  SigningKeyList,
  SigningKeyView,
  SignMessage as SignMessageSchema,
} from '../../../shared/schemas/signing-key.schemas.ts';
import type { UsageView } from '../../../shared/schemas/usage.schemas.ts';
import type {
  CreatedWebhook as CreatedWebhookSchema,
  CreateWebhook as CreateWebhookSchema,
  DeliveryPage,
  DeliveryView,
  LiveTicket as LiveTicketSchema,
  UpdateWebhook as UpdateWebhookSchema,
  WebhookList,
  WebhookView,
} from '../../../shared/schemas/webhooks.schemas.ts';

export type Problem = z.infer<typeof ProblemSchema>;

export type User = z.infer<typeof UserSchema>;
export type Me = z.infer<typeof MeSchema>;
export type Membership = Me['memberships'][number];
export type Session = z.infer<typeof SessionSchema>;

export type Organisation = z.infer<typeof OrganisationView>;
export type OrganisationType = Organisation['type'];
export type Role = Organisation extends { role?: infer R } ? Exclude<R, undefined> : never;
export type CreateOrganisation = z.input<typeof CreateOrganisationSchema>;
export type Organisations = z.infer<typeof OrganisationList>;

export type Member = z.infer<typeof MemberView>;
export type Members = z.infer<typeof MemberList>;
export type Invitation = z.infer<typeof InvitationView>;
export type Invitations = z.infer<typeof InvitationList>;
export type CreateInvitation = z.input<typeof CreateInvitationSchema>;
export type CreatedInvitation = z.infer<typeof CreatedInvitationSchema>;

export type ApiKey = z.infer<typeof ApiKeyView>;
export type ApiKeys = z.infer<typeof ApiKeyList>;
export type ApiKeyScope = ApiKey['scopes'][number];
export type CreateApiKey = z.input<typeof CreateApiKeySchema>;
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;

export type AuditPage = z.infer<typeof AuditPageSchema>;
export type AuditEntry = AuditPage['items'][number];

export type Network = z.infer<typeof NetworkView>;
export type Networks = z.infer<typeof NetworkList>;
export type CreateNetwork = z.input<typeof CreateNetworkSchema>;
export type Consensus = Network['consensus'];
export type Node = z.infer<typeof NodeView>;
export type Nodes = z.infer<typeof NodeList>;
export type NodeState = Node['state'];
export type NodeRole = Node['role'];
export type NodeSize = Node['size'];
export type CreateNode = z.input<typeof CreateNodeSchema>;
export type UpdateNode = z.input<typeof UpdateSelfHostedNode>;
export type JoinBundle = z.infer<typeof JoinBundleView>;

export type SigningKey = z.infer<typeof SigningKeyView>;
export type SigningKeys = z.infer<typeof SigningKeyList>;
export type CreateSigningKey = z.input<typeof CreateSigningKeySchema>;
export type SignMessage = z.input<typeof SignMessageSchema>;
export type Signature = z.infer<typeof SignatureView>;

export type SignupRequestBody = z.input<typeof SignupRequest>;
export type LoginRequestBody = z.input<typeof LoginRequest>;

export type NodeHealth = z.infer<typeof NodeHealthView>;
export type HealthSample = NodeHealth['samples'][number];
export type HealthVerdict = Exclude<NodeHealth['health'], null>;
export type SignedSlaReport = z.infer<typeof SignedSlaReportSchema>;
export type SlaReport = SignedSlaReport['report'];
export type SignedDataProtectionReport = z.infer<typeof SignedDataProtectionReportSchema>;
export type Platform = z.infer<typeof PlatformView>;
export type MaintenanceWindows = z.infer<typeof MaintenanceWindowList>;
export type MaintenanceWindow = MaintenanceWindows['items'][number];

export type Usage = z.infer<typeof UsageView>;
export type Governance = z.infer<typeof GovernanceView>;
export type ConsortiumMember = Governance['members'][number];
export type ValidatorDetail = Governance['validatorDetails'][number];
export type Proposal = z.infer<typeof ProposalView>;
export type Proposals = z.infer<typeof ProposalList>;
export type ProposalKind = Proposal['kind'];
export type ProposalState = Proposal['state'];
export type DecisionExecution = NonNullable<Proposal['execution']>;
export type ExecutionState = DecisionExecution['state'];
export type ProposalVotes = z.infer<typeof ProposalVoteList>;
export type ProposalVote = ProposalVotes['items'][number];
export type CastVoteAnswer = z.infer<typeof VoteView>;
export type CreateProposal = z.input<typeof CreateProposalSchema>;
export type CastVote = z.input<typeof CastVoteSchema>;
export type GovernanceTransaction = z.infer<typeof GovernanceTransactionSchema>;

export type NetworkHealth = z.infer<typeof NetworkHealthView>;
export type NetworkState = NetworkHealth['state'];
export type NetworkIncident = Exclude<NetworkHealth['openIncident'], null>;
export type NetworkHealthHistory = z.infer<typeof NetworkHealthHistorySchema>;
export type UpgradePlan = z.infer<typeof UpgradePlanView>;
export type UpgradePlans = z.infer<typeof UpgradePlanList>;
export type Backups = z.infer<typeof BackupList>;

export type Webhook = z.infer<typeof WebhookView>;
export type Webhooks = z.infer<typeof WebhookList>;
export type CreateWebhook = z.input<typeof CreateWebhookSchema>;
export type CreatedWebhook = z.infer<typeof CreatedWebhookSchema>;
export type UpdateWebhook = z.input<typeof UpdateWebhookSchema>;
export type ChainLogFilter = NonNullable<Webhook['chainLog']>;
export type WebhookDelivery = z.infer<typeof DeliveryView>;
export type WebhookDeliveries = z.infer<typeof DeliveryPage>;
export type DeliveryStatus = WebhookDelivery['status'];
export type LiveTicket = z.infer<typeof LiveTicketSchema>;
