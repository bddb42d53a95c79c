/**
 * Networks and nodes for the Besu configuration tests. Validator addresses are the four from Besu's QBFT docs,
 * listed in the docs' (unsorted) order on purpose.
 */
import type { Network } from '../../../shared/domain/network.ts';
import type { NodeRecord } from '../../../shared/domain/node.ts';

export const DOCS_VALIDATORS = [
  '0x64a702e6263b7297a96638cac6ae65e6541f4169',
  '0x3923390ad55e90c237593b3b0e401f3b08a03185',
  '0xaefdb9a738c9f433e5b6b212a6d62f6370c2f692',
  '0xc7eeb9a4e00ce683cf93039b212648e01c6c6b78',
] as const;

/** The same addresses, checksummed and in ascending order, as Besu keeps them. */
export const SORTED_DOCS_VALIDATORS = [
  '0x3923390AD55E90C237593B3B0E401f3b08a03185',
  '0x64A702E6263b7297a96638cAc6aE65e6541F4169',
  '0xAefDb9A738c9f433E5b6b212a6d62f6370C2F692',
  '0xC7EeB9a4e00Ce683cf93039b212648E01C6c6B78',
] as const;

export const BOOTNODE = `enode://${'ab'.repeat(64)}@10.0.1.10:30303`;
export const OTHER_ENODE = `enode://${'cd'.repeat(64)}@10.0.1.11:30303`;

export function network(overrides: Partial<Network> = {}): Network {
  return {
    id: 'net_aaaaaaaaaaaaaaaaaaaa',
    name: 'carechain-dev',
    chainId: 1_337_777,
    consensus: 'qbft',
    blockPeriodSeconds: 2,
    validators: [...DOCS_VALIDATORS],
    bootnodes: [BOOTNODE],
    alloc: {},
    status: 'active',
    governanceAddress: undefined,
    createdAt: '2026-11-24T20:00:00.000Z',
    version: 1,
    ...overrides,
  };
}

export function node(overrides: Partial<NodeRecord> = {}): NodeRecord {
  return {
    id: 'node_bbbbbbbbbbbbbbbbbbbb',
    orgId: 'org_cccccccccccccccccccc',
    networkId: 'net_aaaaaaaaaaaaaaaaaaaa',
    name: 'Karolinska laptop',
    role: 'member',
    hosting: 'self-hosted',
    size: 'small',
    region: 'eu-north-1',
    runtime: 'external',
    state: 'requested',
    desiredState: 'running',
    reason: undefined,
    endpoints: { rpcUrl: undefined, p2pPort: undefined },
    enode: undefined,
    validatorAddress: undefined,
    providerRef: undefined,
    createdAt: '2026-11-24T20:00:00.000Z',
    updatedAt: '2026-11-24T20:00:00.000Z',
    stateChangedAt: '2026-11-24T20:00:00.000Z',
    version: 1,
    ...overrides,
  };
}
