/**
 * Nodes of an organisation: request a managed node (or register a self-hosted one), watch it through its
 * lifecycle, stop, start and delete it, download a self-hosted node's join bundle; and the operators' fleet view.
 * The API only records what is wanted; the reconciler makes it so.
 */
import { createHash } from 'node:crypto';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { joinBundle } from '../../../shared/chain/besu/join-bundle.ts';
import { newId } from '../../../shared/domain/ids.ts';
import { isPlatformRun, type NodeRecord, requestedNode } from '../../../shared/domain/node.ts';
import { BadRequestError, InvalidStateError, NotFoundError, ValidationError } from '../../../shared/errors.ts';
import { idParam, OrgId } from '../../../shared/schemas/common.schemas.ts';
import {
  CreateNode,
  JoinBundleView,
  NodeList,
  NodeView,
  UpdateSelfHostedNode,
} from '../../../shared/schemas/network.schemas.ts';
import { audit, requireOperator, requireOrgAccess } from '../access.ts';
import type { AppDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, jsonBody, jsonResponse, security, userSecurity } from '../route-helpers.ts';

export const NodeId = idParam('node', 'node_a2b3c4d5e6f7g2h3i4j5');
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

export function registerNodeRoutes(app: OpenAPIHono<AppEnv>, deps: AppDeps) {
  const gatewayBase = (url: string) => deps.config.publicUrl ?? new URL(url).origin;
  const existing = (node: NodeRecord | undefined): NodeRecord => {
    if (!node || node.state === 'terminated') throw new NotFoundError('No such node');
    return node;
  };
  const findNode = async (orgId: string, nodeId: string) => existing(await deps.stores.nodes.get(orgId, nodeId));

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
      request: { params: z.object({ orgId: OrgId }), headers: IdempotencyHeaders, ...jsonBody(CreateNode) },
      responses: { 201: jsonResponse(NodeView, 'Accepted; the node is on its way'), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      const body = c.req.valid('json');
      const idempotencyKey = c.req.valid('header')['idempotency-key'];
      const access = await requireOrgAccess(c, deps, orgId, { role: 'developer' });
      const network = await deps.stores.networks.get(body.networkId);
      if (!network) throw new ValidationError('No such network', [{ path: 'body.networkId', message: 'unknown' }]);
      if (network.status !== 'active') throw new InvalidStateError(`Network ${network.name} accepts no new nodes`);
      if (body.hosting === 'managed' && (body.enode || body.rpcUrl)) {
        throw new ValidationError('enode and rpcUrl are for self-hosted nodes', [
          { path: 'body.hosting', message: 'managed nodes report their own endpoints' },
        ]);
      }
      await deps.admission?.(access.org.id, body.hosting, body.role);

      let nodeId = newId('node');
      if (idempotencyKey) {
        const requestHash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
        nodeId = await deps.stores.nodes.claimIdempotencyKey(orgId, idempotencyKey, requestHash, nodeId);
        const existing = await deps.stores.nodes.get(orgId, nodeId);
        if (existing) return c.json(toNodeView(existing, gatewayBase(c.req.url)), 201);
      }
      const now = deps.clock().toISOString();
      const node = requestedNode(
        {
          id: nodeId,
          orgId,
          networkId: network.id,
          name: body.name ?? `${body.role}-${nodeId.slice(-6)}`,
          role: body.role,
          hosting: body.hosting,
          size: body.size,
          region: body.region,
          runtime:
            body.hosting === 'self-hosted' ? 'external' : (deps.managedRuntimeOf?.(network) ?? deps.managedRuntime),
          endpoints: { rpcUrl: body.rpcUrl, p2pPort: undefined },
          enode: body.enode,
        },
        now,
      );
      await deps.stores.nodes.create(node).catch(async (error: unknown) => {
        // A concurrent retry with the same Idempotency-Key created it first: answer with that node.
        if (idempotencyKey && (await deps.stores.nodes.get(orgId, nodeId))) return;
        throw error;
      });
      await audit(c, deps, {
        orgId,
        actor: access.actor,
        action: 'node.requested',
        target: node.id,
        details: { networkId: node.networkId, role: node.role, hosting: node.hosting, size: node.size },
      });
      deps.nodeChanged?.(node);
      const stored = (await deps.stores.nodes.get(orgId, nodeId)) ?? node;
      return c.json(toNodeView(stored, gatewayBase(c.req.url)), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/nodes',
      tags: ['nodes'],
      summary: 'Nodes of the organisation (deleted ones are left out)',
      security,
      request: { params: z.object({ orgId: OrgId }) },
      responses: { 200: jsonResponse(NodeList, 'Nodes'), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid('param');
      await requireOrgAccess(c, deps, orgId, { role: 'viewer' });
      const nodes = await deps.stores.nodes.listByOrg(orgId);
      const base = gatewayBase(c.req.url);
      return c.json({ items: nodes.filter((n) => n.state !== 'terminated').map((n) => toNodeView(n, base)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/nodes/{nodeId}',
      tags: ['nodes'],
      summary: 'One node: state, reason, endpoints',
      security,
      request: { params: NodeParams },
      responses: { 200: jsonResponse(NodeView, 'The node'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, nodeId } = c.req.valid('param');
      await requireOrgAccess(c, deps, orgId, { role: 'viewer' });
      return c.json(toNodeView(await findNode(orgId, nodeId), gatewayBase(c.req.url)), 200);
    },
  );

  const desire = (desired: 'running' | 'stopped' | 'terminated', action: string, summary: string) => ({
    route: createRoute({
      method: desired === 'terminated' ? 'delete' : 'post',
      path: desired === 'terminated' ? '/v1/orgs/{orgId}/nodes/{nodeId}' : `/v1/orgs/{orgId}/nodes/{nodeId}/${action}`,
      tags: ['nodes'],
      summary,
      security,
      request: { params: NodeParams },
      responses: { 202: jsonResponse(NodeView, 'Accepted; the node is on its way'), ...errorResponses },
    }),
    desired,
    action,
  });

  for (const { route, desired, action } of [
    desire('running', 'start', 'Start a stopped (or failed) node'),
    desire('stopped', 'stop', 'Stop a node, keeping its data'),
    desire('terminated', 'delete', 'Delete a node (deprovision it; it ends terminated)'),
  ]) {
    app.openapi(route, async (c) => {
      const { orgId, nodeId } = c.req.valid('param');
      const access = await requireOrgAccess(c, deps, orgId, { role: desired === 'terminated' ? 'admin' : 'developer' });
      const node = await deps.stores.nodes.changeFresh(orgId, nodeId, async (current) => {
        let node = existing(current);
        if (node.desiredState === 'terminated') throw new InvalidStateError('The node is being deleted');
        if (desired === 'running' && node.state === 'failed') {
          node = await deps.stores.nodes.transition(node, 'starting', { reason: 'Restart requested' });
        }
        return node.desiredState === desired ? node : deps.stores.nodes.setDesiredState(node, desired);
      });
      await audit(c, deps, { orgId, actor: access.actor, action: `node.${action}-requested`, target: nodeId });
      deps.nodeChanged?.(node);
      return c.json(toNodeView(node, gatewayBase(c.req.url)), 202);
    });
  }

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/orgs/{orgId}/nodes/{nodeId}',
      tags: ['nodes'],
      summary: 'Record a self-hosted node’s enode and the RPC URL to monitor',
      security,
      request: { params: NodeParams, ...jsonBody(UpdateSelfHostedNode) },
      responses: { 200: jsonResponse(NodeView, 'Updated'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, nodeId } = c.req.valid('param');
      const body = c.req.valid('json');
      const access = await requireOrgAccess(c, deps, orgId, { role: 'developer' });
      const updated = await deps.stores.nodes.changeFresh(orgId, nodeId, async (current) => {
        const node = existing(current);
        if (node.hosting !== 'self-hosted') {
          throw new BadRequestError('Managed nodes report their own enode and endpoints');
        }
        const enode = body.enode === undefined ? node.enode : (body.enode ?? undefined);
        return deps.stores.nodes.annotate(
          node,
          {
            enode,
            endpoints: {
              rpcUrl: body.rpcUrl === undefined ? node.endpoints.rpcUrl : (body.rpcUrl ?? undefined),
              p2pPort: node.endpoints.p2pPort,
            },
          },
          // Without an enode the node has no address either: governance must not name it by the old one.
          { clear: enode === undefined ? ['enode', 'validatorAddress'] : [] },
        );
      });
      await audit(c, deps, {
        orgId,
        actor: access.actor,
        action: 'node.updated',
        target: nodeId,
        details: { enode: updated.enode, rpcUrl: updated.endpoints.rpcUrl },
      });
      deps.nodeChanged?.(updated);
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
      request: { params: NodeParams },
      responses: { 200: jsonResponse(JoinBundleView, 'The join bundle'), ...errorResponses },
    }),
    async (c) => {
      const { orgId, nodeId } = c.req.valid('param');
      await requireOrgAccess(c, deps, orgId, { role: 'viewer' });
      const node = await findNode(orgId, nodeId);
      const network = await deps.stores.networks.get(node.networkId);
      if (!network) throw new NotFoundError('The node’s network no longer exists');
      const bundle = joinBundle(network, node);
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
      responses: { 200: jsonResponse(NodeList, 'The fleet'), ...errorResponses },
    }),
    async (c) => {
      requireOperator(c);
      const fleet = await deps.stores.nodes.listFleet();
      const base = gatewayBase(c.req.url);
      const order = (n: NodeRecord) => (n.state === 'failed' ? 0 : n.state === 'degraded' ? 1 : 2);
      const items = fleet
        .filter((n) => n.state !== 'terminated')
        .sort((a, b) => order(a) - order(b) || a.createdAt.localeCompare(b.createdAt))
        .map((n) => toNodeView(n, base));
      return c.json({ items }, 200);
    },
  );
}
