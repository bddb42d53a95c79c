/**
 * What each managed node size means in EC2: a Graviton instance type, the chain-data volume and the Besu heap.
 * Keyed by the domain's node sizes, so adding a size in the domain fails type-checking here until it is priced
 * in hardware too.
 */
import type { NodeSize } from '../../shared/domain/node.ts';

export type NodeSizeSpec = {
  readonly instanceType: string;
  /** Chain data (gp3, encrypted). QBFT chains with 2 s blocks grow by a few GiB a month at consortium load. */
  readonly dataVolumeGiB: number;
  /** gp3 baseline is 3,000 IOPS / 125 MiB/s; larger nodes buy more for faster sync and heavy reads. */
  readonly dataVolumeIops: number;
  readonly dataVolumeThroughputMiBps: number;
  /** Java heap for Besu; the rest of memory is left to the OS page cache, which RocksDB leans on. */
  readonly besuHeapGiB: number;
};

export const NODE_SIZE_SPECS: Readonly<Record<NodeSize, NodeSizeSpec>> = {
  small: {
    instanceType: 'm7g.large', // 2 vCPU, 8 GiB
    dataVolumeGiB: 100,
    dataVolumeIops: 3000,
    dataVolumeThroughputMiBps: 125,
    besuHeapGiB: 4,
  },
  medium: {
    instanceType: 'm7g.xlarge', // 4 vCPU, 16 GiB
    dataVolumeGiB: 250,
    dataVolumeIops: 4000,
    dataVolumeThroughputMiBps: 250,
    besuHeapGiB: 8,
  },
  large: {
    instanceType: 'm7g.2xlarge', // 8 vCPU, 32 GiB
    dataVolumeGiB: 500,
    dataVolumeIops: 6000,
    dataVolumeThroughputMiBps: 500,
    besuHeapGiB: 16,
  },
};
