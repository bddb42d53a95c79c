/**
 * Network backups (functions/services/fleet/backups.service.ts): CareChain operators set a network's schedule and
 * retention, take a backup now and restore one into a new node; a member organisation's admins ask for copies of
 * the backups of a network it has nodes on, in a bucket they name.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { lazyOnce } from '../../../shared/lazy-once.ts';
import { NetworkId, OrgId } from '../../../shared/schemas/common.schemas.ts';
import {
  BackupCopyInput,
  BackupCopyRequestList,
  BackupCopyRequestView,
  BackupId,
  BackupList,
  BackupPolicyInput,
  BackupPolicyView,
  BackupView,
  RestoredNode,
} from '../../../shared/schemas/fleet.schemas.ts';
import { accessGuards, operatorOnly, orgAuthor, userAuthor } from '../access.ts';
import type { RouteDeps } from '../app-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { backupPolicyView, backupView } from '../fleet-views.ts';
import { errorResponses, jsonBody, jsonResponse, noContent, security, userSecurity } from '../route-helpers.ts';

const Params = z.object({ networkId: NetworkId });

export type BackupRouteDeps = RouteDeps<
  'clock' | 'nodeChanged' | 'tenancy',
  'networks' | 'nodes' | 'backups' | 'audit' | 'organisations'
>;

export function registerBackupRoutes(app: OpenAPIHono<AppEnv>, deps: BackupRouteDeps) {
  // The service loads at the first request for it (operators' work, rare beside the API's other requests).
  const backups = lazyOnce(
    async () => new (await import('../../services/fleet/backups.service.ts')).BackupService(deps),
  );
  const { orgAccess } = accessGuards(deps);

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/networks/{networkId}/backup-policy',
      tags: ['fleet'],
      summary: 'Schedule and retention of the network’s backups (CareChain operators only)',
      security: userSecurity,
      middleware: operatorOnly,
      request: { params: Params, ...jsonBody(BackupPolicyInput) },
      responses: { 200: jsonResponse(BackupPolicyView, 'The policy'), ...errorResponses },
    }),
    async (c) => {
      const { networkId } = c.req.valid('param');
      const policy = await (await backups()).setPolicy(userAuthor(c), networkId, c.req.valid('json'));
      return c.json(backupPolicyView(networkId, policy), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{networkId}/backups',
      tags: ['fleet'],
      summary: 'The network’s backups, newest first, and its policy (CareChain operators only)',
      security: userSecurity,
      middleware: operatorOnly,
      request: { params: Params },
      responses: { 200: jsonResponse(BackupList, 'Backups'), ...errorResponses },
    }),
    async (c) => {
      const { networkId } = c.req.valid('param');
      const service = await backups();
      const [items, policy] = await Promise.all([service.list(networkId), service.policy(networkId)]);
      return c.json({ items: items.map(backupView), policy: backupPolicyView(networkId, policy) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{networkId}/backups',
      tags: ['fleet'],
      summary: 'Take a backup now (CareChain operators only)',
      description:
        'Taken on the backup runner’s next pass from a member node the platform runs: stopped, its chain data ' +
        'copied without its key, started again.',
      security: userSecurity,
      middleware: operatorOnly,
      request: { params: Params },
      responses: { 202: jsonResponse(BackupView, 'Requested'), ...errorResponses },
    }),
    async (c) => {
      return c.json(backupView(await (await backups()).request(userAuthor(c), c.req.valid('param').networkId)), 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks/{networkId}/backups/{backupId}/restore',
      tags: ['fleet'],
      summary: 'Restore a backup into a new node that syncs the rest (CareChain operators only)',
      security: userSecurity,
      middleware: operatorOnly,
      request: { params: z.object({ networkId: NetworkId, backupId: BackupId }) },
      responses: { 201: jsonResponse(RestoredNode, 'The new node, of the backup’s organisation'), ...errorResponses },
    }),
    async (c) => {
      const { networkId, backupId } = c.req.valid('param');
      const node = await (await backups()).restore(userAuthor(c), networkId, backupId);
      return c.json({ nodeId: node.id, orgId: node.orgId, state: node.state }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/orgs/{orgId}/backup-copies',
      tags: ['fleet'],
      summary: 'Where the organisation’s copies of its networks’ backups go',
      security,
      middleware: orgAccess('viewer'),
      request: { params: z.object({ orgId: OrgId }) },
      responses: { 200: jsonResponse(BackupCopyRequestList, 'One bucket per network'), ...errorResponses },
    }),
    async (c) => {
      const requests = await (await backups()).copyRequests(c.req.valid('param').orgId);
      return c.json(
        { items: requests.map(({ networkId, bucket, requestedAt }) => ({ networkId, bucket, requestedAt })) },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/orgs/{orgId}/backup-copies',
      tags: ['fleet'],
      summary: 'Have every new backup of a network the organisation has nodes on copied to a bucket it names',
      description:
        'Each new backup of the network is copied to the bucket, its chain data without the node key, as ' +
        '`carechain/<networkId>/<backupId>.tar.gz`. Locally the bucket is the folder ' +
        '`<dataDir>/member-buckets/<bucket>/`; in AWS it is an S3 bucket in the platform’s region whose policy lets ' +
        'the platform’s fleet-operations role put objects under `carechain/` (README, "Backups"). A copy that fails ' +
        'is recorded with its reason and raises backup.failed; the backup itself stands.',
      security,
      middleware: orgAccess('admin', { usersOnly: true }),
      request: { params: z.object({ orgId: OrgId }), ...jsonBody(BackupCopyInput) },
      responses: { 200: jsonResponse(BackupCopyRequestView, 'Recorded'), ...errorResponses },
    }),
    async (c) => {
      const { networkId, bucket } = c.req.valid('json');
      const request = await (await backups()).requestCopies(
        orgAuthor(c),
        c.req.valid('param').orgId,
        networkId,
        bucket,
      );
      return c.json({ networkId: request.networkId, bucket: request.bucket, requestedAt: request.requestedAt }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/orgs/{orgId}/backup-copies/{networkId}',
      tags: ['fleet'],
      summary: 'Stop copying a network’s backups to the organisation’s bucket',
      security,
      middleware: orgAccess('admin', { usersOnly: true }),
      request: { params: z.object({ orgId: OrgId, networkId: NetworkId }) },
      responses: { 204: noContent, ...errorResponses },
    }),
    async (c) => {
      const { orgId, networkId } = c.req.valid('param');
      await (await backups()).withdrawCopies(orgAuthor(c), orgId, networkId);
      return c.body(null, 204);
    },
  );
}
