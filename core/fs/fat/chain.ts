// Cluster chains of FAT12/16/32: the shared walker (../cluster-chain.ts) over this FAT.
import { walkChain as walkClusterChain, type ClusterChain } from '../cluster-chain.js';
import type { FatTable } from './table.js';

export type { ClusterChain } from '../cluster-chain.js';

/** The chain from a directory entry's first cluster (see walkClusterChain). */
export function walkChain(fat: FatTable, first: number, maxClusters: number, what: string): Promise<ClusterChain> {
  return walkClusterChain(fat, first, maxClusters, what, 'directory entry');
}

/** Device byte offset of cluster `n` (n >= 2). */
export function clusterOffset(dataOffset: number, bytesPerCluster: number, n: number): number {
  return dataOffset + (n - 2) * bytesPerCluster;
}
