/**
 * Nodes of an organisation: request a managed node (or register a self-hosted one), watch it through its
 * lifecycle, stop, start and delete it, download a self-hosted node's join bundle; and the operators' fleet view.
 * What each request changes is the node request service's (functions/services/nodes/); the reconciler makes it so.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { isPlatformRun, type NodeRecord } from '../../../shared/domain/node.ts';
import { NodeId, OrgId } from '../../../shared/schemas/common.schemas.ts';
import {
  CreateNode,
  JoinBundleView,
  NodeList,
  NodeView,
  UpdateSelfHostedNode,
} from '../../../shared/schemas/network.schemas.ts';
import { type NodeDesire, NodeRequests } from '../../services/nodes/node-requests.service.ts';
import { accessGuards, inTenant, type OrgContext, operatorOnly, orgAuthor } from '../access.ts';
import type { GuardDeps, RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, jsonBody, jsonResponse, security, userSecurity } from '../route-helpers.ts';

const NodeParams = z.object({ orgId: OrgId, nodeId: NodeId });
const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[A-Za-z0-9._:-]{8,128}$/, '8–128 letters, digits or ._:-')
    .optional()
    .openapi({ description: 'Retrying with the same key returns the node the first request created' }),
});

const ANVIL_NOTE =
  'Local development runtime: this node is an endpoint of its network’s single anvil chain process, shared by ' +
  'every node of the network. It sees the same chain as everyone, but it is not a separate consensus ' +
  'participant, and anvil has no enode. Real QBFT needs the Besu runtime.';

export function toNodeView(node: NodeRecord, gatewayBase: string) {
  return {
    id: node.id,
    orgId: node.orgId,
    networkId: node.networkId,
    name: node.name,
    role: node.role,
    hosting: node.hosting,
    size: node.size,
    region: node.region,
    runtime: node.runtime,
    state: node.state,
    desiredState: node.desiredState,
    reason: node.reason ?? null,
    // The gateway serves only nodes the platform runs; a self-hosted node is reached at its owner's own URL.
    rpcUrl: isPlatformRun(node) && node.endpoints.rpcUrl ? `${gatewayBase}/rpc/${node.id}` : null,
    selfHostedRpcUrl: node.hosting === 'self-hosted' ? (node.endpoints.rpcUrl ?? null) : null,
    sharedChain: node.runtime === 'anvil',
    runtimeNote: node.runtime === 'anvil' ? ANVIL_NOTE : null,
    enode: node.enode ?? null,
    validatorAddress: node.validatorAddress ?? null,
    health: node.health ?? null,
    healthReason: node.healthReason ?? null,
    healthChangedAt: node.healthChangedAt ?? null,
    createdAt: node.createdAt,
    updatedAt: node.updatedAt,
    stateChangedAt: node.stateChangedAt,
  };
}

export type NodeRouteDeps = RouteDeps<
  'config' | 'clock' | 'managedRuntime' | 'managedRuntimeOf' | 'admission' | 'nodeChanged' | GuardDeps,
  'organisations' | 'audit' | 'nodes' | 'networks'
>;

export function registerNodeRoutes(app: OpenAPIHono<AppEnv>, deps: NodeRouteDeps) {
  const { orgAccess } = accessGuards(deps);
  const nodes = new NodeRequests(deps);
  // An organisation's own nodes through its tenant scope; the operators' fleet view reads with the function's role.
  const nodesFor = (c: OrgContext) => new NodeRequests(inTenant(c, deps));
  const gatewayBase = (url: string) => deps.config.publicUrl ?? new URL(url).origin;

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/orgs/{orgId}/nodes',
      tags: ['nodes'],
      summary: 'Request a managed node, or register a self-hosted one',
      description:
        'A managed node goes requested → provisioning → starting → running; follow it with GET. Send an ' +
        '`Idempotency-Key` header to make retries safe.',
      security,
      middleware: orgAccess('developer'),
      request: { params: z.object({ orgId: OrgId }), headers: IdempotencyHeaders, ...jsonBody(CreateNode) },
      responses: { 201: jsonResponse(NodeView, 'Accepted; the node is on its way'), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const idempotencyKey = c.req.valid('header')['idempotency-key'];
      const node = await nodesFor(c).request(orgAuthor(c), orgId, c.req.valid('json'), idempotencyKey);
      return c.json(toNodeView(node, gatewayBase(c.req.url)), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/nodes',
      tags: ['nodes'],
      summary: 'Nodes of the organisation (deleted ones are left out)',
      security,
      middleware: orgAccess('viewer'),
      request: { params: z.object({ orgId: OrgId }) },
      responses: { 200: jsonResponse(NodeList, 'Nodes'), ...errorResponses },
    }),
    async (c) => {
      const base = gatewayBase(c.req.url);
      const items = await nodesFor(c).list(c.req.valid('param').orgId);
      return c.json({ items: items.map((n) => toNodeView(n, base)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/nodes/{nodeId}',
      tags: ['nodes'],
      summary: 'One node: state, reason, endpoints',
      security,
      middleware: orgAccess('viewer'),
      request: { params: NodeParams },
      responses: { 200: jsonResponse(NodeView, 'The node'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, nodeId } = c.req.valid('param');
      return c.json(toNodeView(await nodesFor(c).find(orgId, nodeId), gatewayBase(c.req.url)), 200);
    },
  );

  const desire = ({ desired, action }: NodeDesire, summary: string) =>
    app.openapi(
      createRoute({
        method: action === 'delete' ? 'delete' : 'post',
        path: action === 'delete' ? '/v1/orgs/{orgId}/nodes/{nodeId}' : `/v1/orgs/{orgId}/nodes/{nodeId}/${action}`,
        tags: ['nodes'],
        summary,
        security,
        middleware: orgAccess(action === 'delete' ? 'admin' : 'developer'),
        request: { params: NodeParams },
        responses: { 202: jsonResponse(NodeView, 'Accepted; the node is on its way'), ...errorResponses },
      }),
      async (c) => {
        const { orgId, nodeId } = c.req.valid('param');
        const node = await nodesFor(c).desire(orgAuthor(c), orgId, nodeId, { desired, action });
        return c.json(toNodeView(node, gatewayBase(c.req.url)), 202);
      },
    );
  desire({ desired: 'running', action: 'start' }, 'Start a stopped (or failed) node');
  desire({ desired: 'stopped', action: 'stop' }, 'Stop a node, keeping its data');
  desire({ desired: 'terminated', action: 'delete' }, 'Delete a node (deprovision it; it ends terminated)');

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/orgs/{orgId}/nodes/{nodeId}',
      tags: ['nodes'],
      summary: 'Record a self-hosted node’s enode and the RPC URL to monitor',
      security,
      middleware: orgAccess('developer'),
      request: { params: NodeParams, ...jsonBody(UpdateSelfHostedNode) },
      responses: { 200: jsonResponse(NodeView, 'Updated'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, nodeId } = c.req.valid('param');
      const updated = await nodesFor(c).updateSelfHosted(orgAuthor(c), orgId, nodeId, c.req.valid('json'));
      return c.json(toNodeView(updated, gatewayBase(c.req.url)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/nodes/{nodeId}/join-bundle',
      tags: ['nodes'],
      summary: 'Genesis, static nodes, Besu config and the command to start a self-hosted node',
      security,
      middleware: orgAccess('viewer'),
      request: { params: NodeParams },
      responses: { 200: jsonResponse(JoinBundleView, 'The join bundle'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, nodeId } = c.req.valid('param');
      const { network, node, bundle } = await nodesFor(c).joinBundle(orgId, nodeId);
      return c.json(
        {
          networkId: network.id,
          nodeId: node.id,
          files: { ...bundle.files },
          startCommand: bundle.startCommand,
          instructions: bundle.readme,
          governanceAddress: network.governanceAddress ?? null,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/ops/nodes',
      tags: ['operations'],
      summary: 'Every node of the fleet (CareChain operators only); failed nodes first',
      security: userSecurity,
      middleware: operatorOnly,
      responses: { 200: jsonResponse(NodeList, 'The fleet'), ...errorResponses },
    }),
    async (c) => {
      const base = gatewayBase(c.req.url);
      return c.json({ items: (await nodes.fleet()).map((n) => toNodeView(n, base)) }, 200);
    },
  );
}
