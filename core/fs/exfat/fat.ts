// The File Allocation Table (exFAT specification section 4.1): one 32-bit entry per cluster,
// read lazily in pages through a small LRU. Chains are walked by the shared walker
// (../cluster-chain.ts), whose visited check ends a cycle the first time a cluster comes round.
// Files and directories with NoFatChain set (section 6.3.4.2) are contiguous and never touch
// the FAT.
import type { BlockDevice } from '../../block/device.js';
import { corrupt } from '../../errors.js';
import { walkChain as walkClusterChain, type ChainLink, type ClusterChain } from '../cluster-chain.js';
import type { ExfatGeometry } from './boot.js';
import { readExact, u32 } from './io.js';

export type { ClusterChain } from '../cluster-chain.js';

const FAT_PAGE_BYTES = 64 * 1024;
const MAX_FAT_PAGES = 128;
const BAD_CLUSTER = 0xfffffff7;
const END_OF_CHAIN = 0xffffffff;

export class FatTable {
  private readonly pages = new Map<number, Uint8Array>();
  readonly maxCluster: number;

  constructor(
    private readonly device: BlockDevice,
    private readonly geometry: ExfatGeometry,
  ) {
    this.maxCluster = geometry.clusterCount + 1;
  }

  isCluster(n: number): boolean {
    return Number.isInteger(n) && n >= 2 && n <= this.maxCluster;
  }

  /** The entry of cluster `n` as the chain walker wants it. */
  async link(n: number): Promise<ChainLink> {
    const next = await this.entry(n);
    if (next === END_OF_CHAIN) return { kind: 'end' };
    if (next === 0) return { kind: 'free' };
    if (next === BAD_CLUSTER) return { kind: 'bad' };
    if (!this.isCluster(next)) return { kind: 'reserved', value: next };
    return { kind: 'next', cluster: next };
  }

  /** The raw FatEntry of cluster `n` (which must satisfy isCluster). */
  async entry(n: number): Promise<number> {
    const byte = n * 4;
    const index = Math.floor(byte / FAT_PAGE_BYTES);
    let page = this.pages.get(index);
    if (page === undefined) {
      const start = index * FAT_PAGE_BYTES;
      const length = Math.min(FAT_PAGE_BYTES, this.geometry.fatUsedBytes - start);
      page = await readExact(this.device, this.geometry.fatOffset + start, length);
      this.pages.set(index, page);
      if (this.pages.size > MAX_FAT_PAGES) {
        const oldest = this.pages.keys().next().value;
        if (oldest !== undefined) this.pages.delete(oldest);
      }
    } else {
      this.pages.delete(index);
      this.pages.set(index, page);
    }
    return u32(page, byte % FAT_PAGE_BYTES);
  }
}

/** `count` contiguous clusters from `first` (NoFatChain); out of range is a Corrupt error. */
export function contiguousChain(fat: FatTable, first: number, count: number, what: string): ClusterChain {
  if (count <= 0) return { starts: [], ends: [], clusters: 0, error: null };
  if (!fat.isCluster(first) || first + count - 1 > fat.maxCluster) {
    const error = corrupt(`${what}: contiguous data out of the cluster heap`, {
      where: 'stream extension FirstCluster/DataLength',
      expected: `clusters within 2..${fat.maxCluster}`,
      found: `${first}..${first + count - 1}`,
    });
    return { starts: [], ends: [], clusters: 0, error };
  }
  return { starts: [first], ends: [count], clusters: count, error: null };
}

/** The chain from a stream extension's FirstCluster (see walkClusterChain). */
export function walkChain(fat: FatTable, first: number, maxClusters: number, what: string): Promise<ClusterChain> {
  return walkClusterChain(fat, first, maxClusters, what, 'stream extension FirstCluster');
}

/** Device byte offset of cluster `n` (n >= 2). */
export function clusterOffset(g: ExfatGeometry, n: number): number {
  return g.heapOffset + (n - 2) * g.bytesPerCluster;
}
