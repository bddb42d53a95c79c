/**
 * Consortium governance as the API accepts and shows it: proposals (admit or remove a member, add or remove a
 * validator) with their on-chain state and tally, votes, and how the control plane carried a passed decision out.
 * The word lists come from the domain (shared/domain/governance.ts), which the contract binding uses too.
 */
import { z } from '@hono/zod-openapi';
import { isAddress } from 'ethers/address';
import { EXECUTION_STATES, OFFBOARDING_OUTCOMES, PROPOSAL_KINDS, PROPOSAL_STATES } from '../domain/governance.ts';
import { UNSAFE_CHANGE_CODES } from '../domain/validator-safety.ts';
import { NodeId, OrgId, SigningKeyId, Timestamp } from './common.schemas.ts';

const Address = z
  .string()
  .refine((value) => isAddress(value), 'Not an Ethereum address')
  .openapi({ example: '0x8ba1f109551bD432803012645Ac136ddd64DBA72' });

export const ProposalIdParam = z.coerce
  .number()
  .int()
  .min(1)
  .max(2 ** 53 - 1)
  .openapi({ example: 3, description: 'The proposal’s id on the network’s governance contract' });

/** Who signs: one of the caller organisation's signing keys, or (operators only) the platform key. */
const Signer = {
  keyId: SigningKeyId.optional().openapi({
    description: 'A signing key of your organisation that is a member of the consortium on this network',
  }),
  actAsPlatform: z.boolean().default(false).openapi({
    description: 'CareChain operators only: act for the platform (the founding member) with the platform key',
  }),
};

function requireOneSigner(value: { keyId?: string; actAsPlatform: boolean }, ctx: z.RefinementCtx) {
  if (value.actAsPlatform && value.keyId) {
    ctx.addIssue({ code: 'custom', path: ['keyId'], message: 'Either keyId or actAsPlatform, not both' });
  }
  if (!value.actAsPlatform && !value.keyId) {
    ctx.addIssue({ code: 'custom', path: ['keyId'], message: 'Name the signing key that signs (or actAsPlatform)' });
  }
}

export const CreateProposal = z
  .strictObject({
    kind: z.enum(PROPOSAL_KINDS),
    ...Signer,
    orgId: OrgId.optional().openapi({
      description: 'admit-member: the organisation to admit; remove-member: the organisation to remove',
    }),
    memberKeyId: SigningKeyId.optional().openapi({
      description:
        'admit-member: the admitted organisation’s signing key that becomes the member; validator changes on the ' +
        'anvil runtime (nodes have no validator address there): the node organisation’s key whose address is used',
    }),
    address: Address.optional().openapi({ description: 'The member or validator address, when named directly' }),
    nodeId: NodeId.optional().openapi({
      description: 'Validator changes: the node whose validator address is meant',
    }),
    votingPeriodSeconds: z
      .number()
      .int()
      .min(1)
      .max(365 * 86_400)
      .optional()
      .openapi({ description: 'How long the proposal stays open; the network’s default (7 days) when left out' }),
  })
  .superRefine(requireOneSigner)
  .openapi('CreateProposal');
export type CreateProposal = z.infer<typeof CreateProposal>;

export const CastVote = z
  .strictObject({ ...Signer, support: z.boolean().openapi({ description: 'true for yes, false for no' }) })
  .superRefine(requireOneSigner)
  .openapi('CastVote');
export type CastVote = z.infer<typeof CastVote>;

export const ExecutionView = z
  .object({
    state: z.enum(EXECUTION_STATES).openapi({
      description:
        'pending → (voting) → applied → executed; refused when the BFT safety check stopped it; partial when an ' +
        'offboarding could not vote out every validator',
    }),
    code: z
      .enum(UNSAFE_CHANGE_CODES)
      .nullable()
      .openapi({ description: 'Why the safety check refused, as a stable code' }),
    reason: z.string().nullable(),
    consensus: z.string().nullable().openapi({
      description: 'How consensus took the change (QBFT and the confirming block), or why that does not apply',
    }),
    validatorsAfter: z.array(z.string()).nullable(),
    markExecutedTransaction: z.string().nullable(),
    offboarding: z
      .object({
        orgId: z.string().nullable(),
        validators: z.array(
          z.object({
            address: z.string(),
            outcome: z.enum(OFFBOARDING_OUTCOMES),
            code: z.enum(UNSAFE_CHANGE_CODES).nullable(),
            reason: z.string().nullable(),
          }),
        ),
        signingKeysDisabled: z.array(z.string()),
        apiKeysRevoked: z.array(z.string()),
        nodesStopped: z.array(z.string()),
        nodesKept: z.array(z.object({ nodeId: z.string(), reason: z.string() })),
      })
      .nullable(),
    note: z.string().nullable(),
    attempts: z.number().int(),
    updatedAt: Timestamp,
  })
  .openapi('DecisionExecution');

export const ProposalView = z
  .object({
    id: z.number().int(),
    networkId: z.string(),
    kind: z.enum(PROPOSAL_KINDS),
    state: z.enum(PROPOSAL_STATES),
    subject: z.string().openapi({ description: 'The member or validator address the proposal is about' }),
    orgId: z.string().nullable().openapi({ description: 'The organisation the proposal is about, when known' }),
    proposer: z.string(),
    orgName: z.string().nullable().openapi({ description: 'That organisation’s name, when it is one of ours' }),
    proposerOrgId: z.string().nullable(),
    proposerOrgName: z.string().nullable(),
    createdAt: Timestamp,
    expiresAt: Timestamp,
    executedAt: Timestamp.nullable(),
    tally: z.object({
      yes: z.number().int(),
      no: z.number().int(),
      votesToPass: z.number().int().openapi({ description: 'Yes votes needed with the current members' }),
      members: z.number().int(),
    }),
    transactionHash: z.string().nullable(),
    execution: ExecutionView.nullable().openapi({
      description: 'For validator changes and member removals: how the control plane carried the decision out',
    }),
  })
  .openapi('Proposal');
export type ProposalView = z.infer<typeof ProposalView>;

export const ProposalList = z
  .object({ items: z.array(ProposalView), nextCursor: z.string().nullable() })
  .openapi('ProposalList');

export const VoteView = z
  .object({
    voter: z.string(),
    support: z.boolean(),
    transactionHash: z.string(),
    proposal: ProposalView,
  })
  .openapi('Vote');
export type VoteView = z.infer<typeof VoteView>;

export const GovernanceView = z
  .object({
    networkId: z.string(),
    address: z.string().openapi({ description: 'The ConsortiumGovernance contract' }),
    members: z.array(
      z.object({
        address: z.string(),
        orgId: z.string().nullable(),
        orgName: z.string().nullable().openapi({ description: 'The organisation’s name, when it is one of ours' }),
        admittedAt: Timestamp,
        admittedByProposal: z
          .number()
          .int()
          .nullable()
          .openapi({ description: 'The proposal that admitted it, once the control plane has read its event' }),
        founding: z.boolean().openapi({ description: 'A founding member, named when the contract was deployed' }),
      }),
    ),
    validators: z.array(z.string()).openapi({ description: 'Validators as the contract records them' }),
    validatorDetails: z
      .array(
        z.object({
          address: z.string(),
          orgId: z.string().nullable(),
          orgName: z.string().nullable(),
          nodeId: z.string().nullable().openapi({ description: 'The node behind it, when the control plane knows' }),
          addedByProposal: z.number().int().nullable(),
          genesis: z.boolean().openapi({ description: 'Named in the network’s genesis' }),
        }),
      )
      .openapi({ description: 'The same validators, with who runs them as far as the control plane knows' }),
    votesToPass: z.number().int(),
  })
  .openapi('Governance');
export type GovernanceView = z.infer<typeof GovernanceView>;

export const ProposalVoteList = z
  .object({
    items: z.array(
      z.object({
        voter: z.string(),
        orgId: z.string().nullable(),
        orgName: z.string().nullable(),
        support: z.boolean(),
        transactionHash: z.string(),
        blockNumber: z.number().int().nullable(),
        castAt: Timestamp,
      }),
    ),
  })
  .openapi('ProposalVoteList');
export type ProposalVoteList = z.infer<typeof ProposalVoteList>;

export const TransactionHashParam = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, 'Not a transaction hash (0x and 64 hex digits)')
  .openapi({ example: `0x${'ab'.repeat(32)}` });

export const GovernanceTransaction = z
  .object({
    hash: z.string(),
    networkId: z.string(),
    state: z.enum(['pending', 'succeeded', 'reverted']),
    blockNumber: z.number().int().nullable(),
    minedAt: Timestamp.nullable(),
    from: z.string(),
    to: z.string().nullable(),
    events: z
      .array(z.object({ name: z.string(), args: z.record(z.string(), z.string()) }))
      .openapi({ description: 'The governance contract’s events the transaction emitted, decoded' }),
  })
  .openapi('GovernanceTransaction');
export type GovernanceTransaction = z.infer<typeof GovernanceTransaction>;
