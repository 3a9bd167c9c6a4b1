// The File Allocation Table (exFAT specification section 4.1): one 32-bit entry per cluster,
// read lazily in pages through a small LRU. Chains are walked into runs of contiguous clusters
// with a visited check, so a cycle ends the walk the first time a cluster comes round again.
// Files and directories with NoFatChain set (section 6.3.4.2) are contiguous and never touch
// the FAT.
import type { BlockDevice } from '../../block/device.js';
import { corrupt, type GloveboxError } from '../../errors.js';
import type { ExfatGeometry } from './boot.js';
import { readExact, u32 } from './io.js';

const FAT_PAGE_BYTES = 64 * 1024;
const MAX_FAT_PAGES = 128;
const BAD_CLUSTER = 0xfffffff7;
const END_OF_CHAIN = 0xffffffff;

/** Runs of contiguous clusters, in chain order. */
export interface ClusterChain {
  /** First cluster of each run. */
  starts: number[];
  /** Chain index just past each run (cumulative cluster counts), for binary search. */
  ends: number[];
  /** Clusters found: as many as asked for, or fewer when the chain ended or broke first. */
  clusters: number;
  /** Why the chain broke early (cycle, free or bad cluster, number out of range); null otherwise. */
  error: GloveboxError | null;
}

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

/** Visited clusters: a Set for short chains, a bitmap over the whole volume past that. */
class VisitedClusters {
  private static readonly SET_LIMIT = 4096;
  private set: Set<number> | null = new Set();
  private bits: Uint8Array | null = null;

  constructor(private readonly maxCluster: number) {}

  add(n: number): boolean {
    if (this.set !== null) {
      if (this.set.has(n)) return false;
      this.set.add(n);
      if (this.set.size > VisitedClusters.SET_LIMIT) {
        const bits = new Uint8Array(Math.floor(this.maxCluster / 8) + 1);
        for (const m of this.set) bits[m >>> 3] = bits[m >>> 3]! | (1 << (m & 7));
        this.bits = bits;
        this.set = null;
      }
      return true;
    }
    const bits = this.bits!;
    const mask = 1 << (n & 7);
    if ((bits[n >>> 3]! & mask) !== 0) return false;
    bits[n >>> 3] = bits[n >>> 3]! | mask;
    return true;
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

/**
 * Walks the FAT chain from `first` until `maxClusters` clusters are found, the chain ends, or a
 * defect shows. A defect is returned, not thrown: the clusters before it are still good data.
 */
export async function walkChain(fat: FatTable, first: number, maxClusters: number, what: string): Promise<ClusterChain> {
  const chain: ClusterChain = { starts: [], ends: [], clusters: 0, error: null };
  if (maxClusters <= 0) return chain;
  const fail = (message: string, where: string, expected: string, found: string): ClusterChain => {
    chain.error = corrupt(`${what}: ${message}`, { where, expected, found });
    return chain;
  };
  if (!fat.isCluster(first)) return fail('first cluster out of range', 'stream extension FirstCluster', `2..${fat.maxCluster}`, `${first}`);
  const visited = new VisitedClusters(fat.maxCluster);
  let cluster = first;
  let previous = -1;
  // Terminates: each pass marks a new cluster, and there are only maxCluster of them.
  for (;;) {
    if (!visited.add(cluster)) {
      return fail('cluster chain loops', `FAT chain after ${chain.clusters} clusters`, 'no cluster twice', `cluster ${cluster} again`);
    }
    chain.clusters++;
    if (cluster === previous + 1) chain.ends[chain.ends.length - 1] = chain.clusters;
    else {
      chain.starts.push(cluster);
      chain.ends.push(chain.clusters);
    }
    previous = cluster;
    if (chain.clusters >= maxClusters) return chain;
    const next = await fat.entry(cluster);
    const where = `FAT entry ${cluster}`;
    if (next === END_OF_CHAIN) return chain;
    if (next === 0) return fail('chain runs into a free cluster', where, 'next cluster or end of chain', 'free (0)');
    if (next === BAD_CLUSTER) return fail('chain runs into a bad cluster', where, 'next cluster or end of chain', 'bad cluster mark');
    if (!fat.isCluster(next)) return fail('next cluster out of range', where, `2..${fat.maxCluster}`, `0x${next.toString(16)}`);
    cluster = next;
  }
}

/** Device byte offset of cluster `n` (n >= 2). */
export function clusterOffset(g: ExfatGeometry, n: number): number {
  return g.heapOffset + (n - 2) * g.bytesPerCluster;
}
