/**
 * Node and network records for provider tests, with ids in the domain's format.
 */
import { EC2ServiceException, type InstanceStateName } from '@aws-sdk/client-ec2';
import type { Backup } from '../../../shared/domain/backup.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { Network } from '../../../shared/domain/network.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';

export function aNetwork(overrides: Partial<Network> = {}): Network {
  return {
    id: newId('network'),
    name: 'carechain-test',
    chainId: 1_337_901,
    consensus: 'qbft',
    blockPeriodSeconds: 1,
    validators: [],
    bootnodes: [],
    alloc: {},
    status: 'active',
    governanceAddress: undefined,
    createdAt: '2026-01-01T00:00:00.000Z',
    version: 1,
    ...overrides,
  };
}

export function aNode(network: Pick<Network, 'id'>, overrides: Partial<NodeRecord> = {}): NodeRecord {
  const now = new Date().toISOString();
  return {
    id: newId('node'),
    orgId: newId('org'),
    networkId: network.id,
    name: 'karolinska-1',
    role: 'member',
    hosting: 'managed',
    size: 'small',
    region: 'eu-north-1',
    runtime: 'anvil',
    state: 'provisioning',
    desiredState: 'running',
    reason: undefined,
    endpoints: { rpcUrl: undefined, p2pPort: undefined },
    enode: undefined,
    validatorAddress: undefined,
    providerRef: undefined,
    createdAt: now,
    updatedAt: now,
    stateChangedAt: now,
    version: 1,
    ...overrides,
  };
}

/** An error as the EC2 client throws it for a refused request (HTTP 400, EC2's code as its name). */
export function ec2Refusal(name: string, message: string): EC2ServiceException {
  return new EC2ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
}

/** The state codes EC2 reports beside each instance state name. */
export const EC2_STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

/** An operator's backup of `node`, asked for now and kept 14 days. */
export function aBackup(node: Pick<NodeRecord, 'id' | 'orgId' | 'networkId'>, overrides: Partial<Backup> = {}): Backup {
  return {
    id: newId('backup'),
    networkId: node.networkId,
    sourceNodeId: node.id,
    sourceOrgId: node.orgId,
    state: 'requested',
    startedAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 14 * 86_400_000).toISOString(),
    trigger: 'operator',
    ...overrides,
  };
}
