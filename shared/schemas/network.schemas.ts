/**
 * Networks and nodes as the API shows and accepts them.
 */
import { z } from '@hono/zod-openapi';
import { isAddress } from 'ethers/address';
import { CONSENSUS_PROTOCOLS, NETWORK_STATUSES } from '../domain/network.ts';
import { DESIRED_STATES, NODE_HOSTINGS, NODE_ROLES, NODE_RUNTIMES, NODE_SIZES, NODE_STATES } from '../domain/node.ts';
import { Timestamp } from './common.schemas.ts';
import { WellFormedText } from './text.schemas.ts';
import { HttpUrl } from './url.schemas.ts';

const Address = z.string().refine((value) => isAddress(value), 'Not an Ethereum address');
const Enode = z
  .string()
  .regex(
    /^enode:\/\/[0-9a-fA-F]{128}@[A-Za-z0-9.-]{1,253}:\d{1,5}(\?discport=\d{1,5})?$/,
    'Not an enode URL (enode://<128 hex>@host:port)',
  );

export const CreateNetwork = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/, 'Lower-case letters, digits and dashes, 3–40 characters')
      .openapi({ example: 'carechain-test' }),
    chainId: z
      .number()
      .int()
      .min(1)
      .max(2 ** 53 - 1)
      .openapi({ example: 1_337_778 }),
    consensus: z.enum(CONSENSUS_PROTOCOLS).default('qbft'),
    blockPeriodSeconds: z.number().int().min(1).max(60).default(2),
    validators: z
      .array(Address)
      .min(1, 'A QBFT genesis needs at least one validator')
      .max(64)
      .optional()
      .openapi({
        description:
          'Node addresses of the genesis validators. Leave out to have the platform make their keys and run them ' +
          '(four by default: EC2 nodes of the platform in AWS; Besu processes, or the anvil chain, locally); ' +
          'required where the platform provides none.',
      }),
    bootnodes: z.array(Enode).max(32).default([]),
    alloc: z
      .record(Address, z.object({ balance: z.string().regex(/^(0x[0-9a-fA-F]+|\d+)$/) }))
      .default({})
      .openapi({ description: 'Pre-funded accounts; free-gas networks need none' }),
  })
  .openapi('CreateNetwork');
export type CreateNetwork = z.infer<typeof CreateNetwork>;

export const NetworkView = z
  .object({
    id: z.string(),
    name: z.string(),
    chainId: z.number().int(),
    consensus: z.enum(CONSENSUS_PROTOCOLS),
    blockPeriodSeconds: z.number().int(),
    validators: z.array(z.string()),
    bootnodes: z.array(z.string()),
    status: z.enum(NETWORK_STATUSES),
    governanceAddress: z.string().nullable(),
    didRegistryAddress: z.string().nullable().openapi({
      description: 'The ERC-1056 DID registry: did:ethr identifiers of this network resolve against it',
    }),
    consentLedgerAddress: z.string().nullable().openapi({
      description: 'The consent ledger (patients’ consents and the access log); deployed after the governance contract',
    }),
    freeGas: z.literal(true),
    createdAt: Timestamp,
  })
  .openapi('Network');
export type NetworkView = z.infer<typeof NetworkView>;
export const NetworkList = z.object({ items: z.array(NetworkView) }).openapi('NetworkList');

export const CreateNode = z
  .strictObject({
    networkId: z.string().regex(/^net_[a-z2-7]{20}$/, 'Not a network id'),
    name: WellFormedText.trim().min(1).max(60).optional().openapi({ example: 'validator-1' }),
    role: z.enum(NODE_ROLES).default('member'),
    hosting: z.enum(NODE_HOSTINGS).default('managed'),
    size: z.enum(NODE_SIZES).default('small'),
    region: z
      .string()
      .regex(/^[a-z]{2}-[a-z]+-\d$/, 'An AWS region, e.g. eu-north-1')
      .default('eu-north-1'),
    enode: Enode.optional().openapi({ description: 'Self-hosted only: your node’s enode, once it runs' }),
    rpcUrl: HttpUrl.optional().openapi({ description: 'Self-hosted only: a JSON-RPC URL the platform may monitor' }),
  })
  .openapi('CreateNode');
export type CreateNode = z.infer<typeof CreateNode>;

export const UpdateSelfHostedNode = z
  .strictObject({
    enode: Enode.nullable().optional(),
    rpcUrl: HttpUrl.nullable().optional(),
  })
  .openapi('UpdateSelfHostedNode');
export type UpdateSelfHostedNode = z.infer<typeof UpdateSelfHostedNode>;

export const NodeView = z
  .object({
    id: z.string(),
    orgId: z.string(),
    networkId: z.string(),
    name: z.string(),
    role: z.enum(NODE_ROLES),
    hosting: z.enum(NODE_HOSTINGS),
    size: z.enum(NODE_SIZES),
    region: z.string(),
    runtime: z.enum(NODE_RUNTIMES),
    state: z.enum(NODE_STATES),
    desiredState: z.enum(DESIRED_STATES),
    reason: z.string().nullable().openapi({ description: 'Why the node is in this state, when it needs saying' }),
    rpcUrl: z
      .string()
      .nullable()
      .openapi({
        description:
          'The gateway URL of a managed node (needs an API key); null for a self-hosted node, which the gateway does ' +
          'not serve, and for a managed node before it runs',
      }),
    selfHostedRpcUrl: z
      .string()
      .nullable()
      .openapi({
        description:
          'Self-hosted nodes: the JSON-RPC URL you recorded, which the platform probes for the node’s health ' +
          '(null until recorded; always null for managed nodes)',
      }),
    sharedChain: z.boolean().openapi({
      description: 'True on the anvil runtime: the node is an endpoint of its network’s one chain process',
    }),
    runtimeNote: z.string().nullable(),
    enode: z.string().nullable(),
    validatorAddress: z.string().nullable(),
    health: z
      .enum(['healthy', 'degraded', 'unhealthy'])
      .nullable()
      .openapi({ description: 'The health monitor’s last conclusion; null before the first probe' }),
    healthReason: z.string().nullable(),
    healthChangedAt: Timestamp.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    stateChangedAt: Timestamp,
  })
  .openapi('Node');
export type NodeView = z.infer<typeof NodeView>;
export const NodeList = z.object({ items: z.array(NodeView) }).openapi('NodeList');

export const JoinBundleView = z
  .object({
    networkId: z.string(),
    nodeId: z.string(),
    files: z.record(z.string(), z.string()).openapi({ description: 'File name → contents' }),
    startCommand: z.string(),
    instructions: z.string(),
    governanceAddress: z.string().nullable(),
  })
  .openapi('JoinBundle');
