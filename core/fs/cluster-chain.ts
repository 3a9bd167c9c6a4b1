// Following a cluster chain through a file allocation table (FAT12/16/32 and exFAT) into runs
// of contiguous clusters. Every walk is bounded twice: by the number of clusters the caller
// needs, and by a visited check that stops a cycle the first time a cluster comes round again
// (go-diskfs's FAT walk had no such guard).
import type { BlockDevice } from '../block/device.js';
import { corrupt, type GloveboxError } from '../errors.js';
import { readExact } from './io.js';

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

/** What a table entry says about the cluster after this one. */
export type ChainLink =
  | { kind: 'next'; cluster: number }
  | { kind: 'end' }
  | { kind: 'free' }
  | { kind: 'bad' }
  | { kind: 'reserved'; value: number };

export interface ChainTable {
  /** Highest valid cluster number (clusters are 2..maxCluster). */
  readonly maxCluster: number;
  isCluster(n: number): boolean;
  /** The entry of cluster `n`; synchronous when the table page is already loaded. */
  link(n: number): ChainLink | Promise<ChainLink>;
}

/** Visited clusters: a Set for short chains, a bitmap over the whole volume past that. */
class VisitedClusters {
  private static readonly SET_LIMIT = 4096;
  private set: Set<number> | null = new Set();
  private bits: Uint8Array | null = null;

  constructor(private readonly maxCluster: number) {}

  /** Marks `n`; false when it was already marked. */
  add(n: number): boolean {
    if (this.set !== null) {
      if (this.set.has(n)) return false;
      this.set.add(n);
      if (this.set.size > VisitedClusters.SET_LIMIT) this.toBitmap();
      return true;
    }
    const bits = this.bits!;
    const mask = 1 << (n & 7);
    if ((bits[n >>> 3]! & mask) !== 0) return false;
    bits[n >>> 3] = bits[n >>> 3]! | mask;
    return true;
  }

  private toBitmap(): void {
    const bits = new Uint8Array((this.maxCluster >>> 3) + 1);
    for (const n of this.set!) bits[n >>> 3] = bits[n >>> 3]! | (1 << (n & 7));
    this.bits = bits;
    this.set = null;
  }
}

/**
 * Walks the chain from `first` until `maxClusters` clusters are found, the chain ends, or a
 * defect shows. A defect is returned, not thrown: the clusters before it are still good data.
 * `firstWhere` names where the first cluster number came from, for the error.
 */
export async function walkChain(table: ChainTable, first: number, maxClusters: number, what: string, firstWhere: string): Promise<ClusterChain> {
  const chain: ClusterChain = { starts: [], ends: [], clusters: 0, error: null };
  if (maxClusters <= 0) return chain;
  const fail = (message: string, where: string, expected: string, found: string): ClusterChain => {
    chain.error = corrupt(`${what}: ${message}`, { where, expected, found });
    return chain;
  };
  if (!table.isCluster(first)) return fail('first cluster out of range', firstWhere, `2..${table.maxCluster}`, `${first}`);
  const visited = new VisitedClusters(table.maxCluster);
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

    const pending = table.link(cluster);
    const link = pending instanceof Promise ? await pending : pending;
    const where = `FAT entry ${cluster}`;
    switch (link.kind) {
      case 'next':
        if (!table.isCluster(link.cluster)) return fail('next cluster out of range', where, `2..${table.maxCluster}`, `0x${link.cluster.toString(16)}`);
        cluster = link.cluster;
        break;
      case 'end':
        return chain;
      case 'free':
        return fail('chain runs into a free cluster', where, 'next cluster or end of chain', 'free (0)');
      case 'bad':
        return fail('chain runs into a bad cluster', where, 'next cluster or end of chain', 'bad cluster mark');
      case 'reserved':
        return fail('next cluster out of range', where, `2..${table.maxCluster}`, `0x${link.value.toString(16)}`);
    }
  }
}

/** Where a chain's clusters lie: the device, the byte offset of cluster 2, the cluster size. */
export interface ClusterHeap {
  device: BlockDevice;
  dataOffset: number;
  bytesPerCluster: number;
}

/** Device byte offset of cluster `n` (n >= 2). */
export function clusterOffset(heap: Pick<ClusterHeap, 'dataOffset' | 'bytesPerCluster'>, n: number): number {
  return heap.dataOffset + (n - 2) * heap.bytesPerCluster;
}

/** Index of the first run whose end lies past chain index `cluster` (binary search). */
export function firstRunAfter(ends: readonly number[], cluster: number): number {
  let lo = 0;
  let hi = ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ends[mid]! > cluster) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Throws the chain's defect, or a short-chain error, when it holds fewer than `end` bytes. */
export function requireCovers(chain: ClusterChain, bytesPerCluster: number, end: number, what: string): void {
  const needed = Math.ceil(end / bytesPerCluster);
  if (chain.clusters >= needed) return;
  throw (
    chain.error ??
    corrupt(`${what}: cluster chain shorter than the file`, {
      where: `cluster chain after ${chain.clusters} clusters`,
      expected: `${needed} clusters`,
      found: 'end of chain',
    })
  );
}

/** Bytes [start, end) of a chain's data: one device read per run of contiguous clusters. */
export async function readChain(heap: ClusterHeap, chain: ClusterChain, start: number, end: number): Promise<Uint8Array> {
  const bpc = heap.bytesPerCluster;
  let run = firstRunAfter(chain.ends, Math.floor(start / bpc));
  let pos = start;
  const pieces: Uint8Array[] = [];
  while (pos < end && run < chain.starts.length) {
    const runStart = (chain.ends[run - 1] ?? 0) * bpc;
    const runEnd = chain.ends[run]! * bpc;
    const deviceOffset = clusterOffset(heap, chain.starts[run]!) + (pos - runStart);
    const length = Math.min(end, runEnd) - pos;
    pieces.push(await readExact(heap.device, deviceOffset, length));
    pos += length;
    run++;
  }
  if (pieces.length === 1) return pieces[0]!;
  const out = new Uint8Array(end - start);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/**
 * The chains of recently read files, so sequential reads do not walk the FAT again: a bounded
 * LRU of walks (in flight or done); a walk that fails outright is forgotten.
 */
export class ChainCache<K> {
  private readonly chains = new Map<K, Promise<ClusterChain>>();

  constructor(private readonly capacity: number) {}

  get(key: K, walk: () => Promise<ClusterChain>): Promise<ClusterChain> {
    const cached = this.chains.get(key);
    if (cached !== undefined) {
      this.chains.delete(key);
      this.chains.set(key, cached);
      return cached;
    }
    const pending = walk();
    this.chains.set(key, pending);
    pending.catch(() => {
      if (this.chains.get(key) === pending) this.chains.delete(key);
    });
    if (this.chains.size > this.capacity) {
      const oldest = this.chains.keys().next().value;
      if (oldest !== undefined) this.chains.delete(oldest);
    }
    return pending;
  }
}
