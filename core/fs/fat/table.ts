// The File Allocation Table (spec sections 4 and 5): one entry per cluster, 12, 16 or 28 bits.
// The FAT is read lazily in pages through a small LRU, so a FAT32 FAT of hundreds of megabytes
// never has to be in memory, and a page is fetched once however many chains cross it.
import type { BlockDevice } from '../../block/device.js';
import type { FatGeometry } from './bootsector.js';
import { readExact } from './io.js';
import type { ChainLink } from '../cluster-chain.js';

/**
 * Page size in bytes: a multiple of 3, 2 and 4, so no FAT12 pair (3 bytes for 2 entries),
 * FAT16 or FAT32 entry straddles two pages.
 */
const FAT_PAGE_BYTES = 48 * 1024;
/** Pages kept (6 MiB of FAT: every cluster of a 48 GiB volume with 32 KiB clusters). */
const MAX_FAT_PAGES = 128;

export type FatEntry = ChainLink;

export class FatTable {
  /** Loaded pages in LRU order (Map keeps insertion order; a hit re-inserts). */
  private readonly pages = new Map<number, Uint8Array>();
  private readonly inflight = new Map<number, Promise<Uint8Array>>();
  private readonly bad: number;
  private readonly endMin: number;
  /** The highest valid cluster number. */
  readonly maxCluster: number;

  constructor(
    private readonly device: BlockDevice,
    private readonly geometry: FatGeometry,
  ) {
    const type = geometry.fatType;
    this.bad = type === 'fat12' ? 0xff7 : type === 'fat16' ? 0xfff7 : 0x0ffffff7;
    this.endMin = type === 'fat12' ? 0xff8 : type === 'fat16' ? 0xfff8 : 0x0ffffff8;
    this.maxCluster = geometry.clusterCount + 1;
  }

  isCluster(n: number): boolean {
    return Number.isInteger(n) && n >= 2 && n <= this.maxCluster;
  }

  /** The entry for cluster `n` (which must satisfy isCluster). */
  async entry(n: number): Promise<FatEntry> {
    const { page, offset } = this.locate(n);
    return this.classify(this.decode(await this.page(page), offset, n));
  }

  /** The entry when its page is already loaded, without a microtask: long chain walks stay fast. */
  /** The entry as the chain walker wants it: synchronous when its page is loaded. */
  link(n: number): FatEntry | Promise<FatEntry> {
    return this.entryIfLoaded(n) ?? this.entry(n);
  }

  entryIfLoaded(n: number): FatEntry | undefined {
    const { page, offset } = this.locate(n);
    const bytes = this.pages.get(page);
    return bytes === undefined ? undefined : this.classify(this.decode(bytes, offset, n));
  }

  private locate(n: number): { page: number; offset: number } {
    const type = this.geometry.fatType;
    const byte = type === 'fat12' ? n + (n >>> 1) : type === 'fat16' ? n * 2 : n * 4;
    return { page: Math.floor(byte / FAT_PAGE_BYTES), offset: byte % FAT_PAGE_BYTES };
  }

  private decode(bytes: Uint8Array, o: number, n: number): number {
    switch (this.geometry.fatType) {
      case 'fat12': {
        const pair = bytes[o]! | (bytes[o + 1]! << 8);
        return (n & 1) === 1 ? pair >>> 4 : pair & 0x0fff;
      }
      case 'fat16':
        return bytes[o]! | (bytes[o + 1]! << 8);
      case 'fat32':
        // The top 4 bits are reserved (spec 4.2): mask them off, never interpret them.
        return (bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | ((bytes[o + 3]! & 0x0f) << 24)) >>> 0;
    }
  }

  private classify(value: number): FatEntry {
    if (value === 0) return { kind: 'free' };
    if (value >= this.endMin) return { kind: 'end' };
    if (value === this.bad) return { kind: 'bad' };
    if (value < 2 || value > this.maxCluster) return { kind: 'reserved', value };
    return { kind: 'next', cluster: value };
  }

  private async page(index: number): Promise<Uint8Array> {
    const cached = this.pages.get(index);
    if (cached !== undefined) {
      this.pages.delete(index);
      this.pages.set(index, cached);
      return cached;
    }
    let pending = this.inflight.get(index);
    if (pending === undefined) {
      const start = index * FAT_PAGE_BYTES;
      const length = Math.min(FAT_PAGE_BYTES, this.geometry.fatUsedBytes - start);
      pending = readExact(this.device, this.geometry.fatOffset + start, length);
      this.inflight.set(index, pending);
    }
    try {
      const bytes = await pending;
      this.store(index, bytes);
      return bytes;
    } finally {
      // A failed read is not remembered: the error goes to its callers, the next one tries again.
      this.inflight.delete(index);
    }
  }

  private store(index: number, bytes: Uint8Array): void {
    this.pages.set(index, bytes);
    while (this.pages.size > MAX_FAT_PAGES) {
      const oldest = this.pages.keys().next().value;
      if (oldest === undefined) break;
      this.pages.delete(oldest);
    }
  }
}
