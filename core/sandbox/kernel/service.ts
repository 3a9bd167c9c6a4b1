// The kernel's service: the volumes of one source, and the KernelApi answered over them.
// Runs inside the sandbox (or in-process for tests); only pure core code below this line.

import { CachedDevice } from '../../block/cache.js';
import type { BlockDevice } from '../../block/device.js';
import { GloveboxError, invalid, notFound } from '../../errors.js';
import { escapeName, splitPath } from '../../fs/names.js';
import { MAX_PATH_DEPTH, type DirEntry, type FsDriver, type NodeId, type NodeStat, type Volume } from '../../fs/types.js';
import type { ProbeImage, ProbeResult } from '../../probe.js';
import { openExpandStream, type ExpandStream } from '../../containers/streams/index.js';
import { checkCursor, DEFAULT_STEP_BUDGET, scanStep, type ScanCursor } from '../../scan/index.js';
import {
  MAX_CALL_READ_BYTES,
  MAX_PAGE_ENTRIES,
  type DirPage,
  type ImageInfo,
  type KernelApi,
  type ListedEntry,
  type ScanPage,
  type SelfTestResult,
  type SourceExtent,
} from '../protocol/api.js';

/** Directory listings kept for paging, per volume and node. */
const LISTING_CACHE_SIZE = 8;

interface Listing {
  entries: ListedEntry[];
}

export interface ServiceDeps {
  drivers: readonly FsDriver[];
  probeImage: ProbeImage;
  /** Builds the source device for a given size (a RemoteDevice in the sandbox). */
  openSource(size: number): BlockDevice;
  /** The confinement self-test; absent where there is nothing to test (in-process kernels). */
  selfTest?: () => Promise<SelfTestResult>;
}

export class KernelService implements KernelApi {
  private probed: ProbeResult | null = null;
  private sourceSize = -1;
  private readonly listings = new Map<string, Listing>();
  /** The uncached source, for expanding a compressed image in order. */
  private source: BlockDevice | null = null;
  private expander: { stream: ExpandStream; position: number } | null = null;

  constructor(private readonly deps: ServiceDeps) {}

  async selftest(): Promise<SelfTestResult> {
    return this.deps.selfTest ? this.deps.selfTest() : { file: 'untested', socket: 'untested', spawn: 'untested' };
  }

  async probe(size: number, pinned: Array<[number, string | null]>): Promise<ImageInfo> {
    if (!Number.isSafeInteger(size) || size < 0) throw invalid(`bad source size ${size}`);
    if (this.probed && this.sourceSize === size) return summarise(this.probed);
    this.source = this.deps.openSource(size);
    this.expander = null;
    const device = new CachedDevice(this.source);
    const pins = new Map<number, string | null>(pinned.filter(([i]) => Number.isSafeInteger(i)));
    this.probed = await this.deps.probeImage(device, this.deps.drivers, pins);
    this.sourceSize = size;
    this.listings.clear();
    return summarise(this.probed);
  }

  async root(volume: number): Promise<NodeStat> {
    const v = this.volume(volume);
    return v.stat(v.root());
  }

  async lookup(volume: number, path: string): Promise<NodeStat> {
    const v = this.volume(volume);
    const parts = splitPath(path);
    if (parts.length > MAX_PATH_DEPTH) throw invalid(`path deeper than ${MAX_PATH_DEPTH} components`);
    let node = v.root();
    let walked = '';
    for (const part of parts) {
      const st = await v.stat(node);
      if (st.type !== 'dir') throw invalid(`not a directory: ${walked || '/'}`);
      const entries = await this.list(volume, v, node);
      let hit = entries.find((e) => e.name === part);
      if (!hit && v.caseInsensitive) {
        const folded = part.toLowerCase();
        hit = entries.find((e) => e.name.toLowerCase() === folded);
      }
      walked += `/${part}`;
      if (!hit) throw notFound(walked);
      node = hit.node;
    }
    return v.stat(node);
  }

  async readdir(volume: number, node: NodeId, start: number, max: number): Promise<DirPage> {
    const v = this.volume(volume);
    if (!Number.isSafeInteger(start) || start < 0) throw invalid(`bad start ${start}`);
    const count = Math.max(1, Math.min(MAX_PAGE_ENTRIES, Number.isSafeInteger(max) ? max : MAX_PAGE_ENTRIES));
    const entries = await this.list(volume, v, node);
    const page = entries.slice(start, start + count);
    const next = start + page.length < entries.length ? start + page.length : null;
    return { entries: page, next, total: entries.length };
  }

  async stat(volume: number, node: NodeId): Promise<NodeStat> {
    return this.volume(volume).stat(node);
  }

  async read(volume: number, node: NodeId, offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw invalid(`bad read range ${offset}+${length}`);
    }
    return this.volume(volume).read(node, offset, Math.min(length, MAX_CALL_READ_BYTES));
  }

  async readlink(volume: number, node: NodeId): Promise<string> {
    return this.volume(volume).readlink(node);
  }

  async extents(volume: number, node: NodeId): Promise<SourceExtent[] | null> {
    const pv = this.probedVolume(volume);
    const v = this.volume(volume);
    const base = pv.device.sourceOffset;
    if (base === undefined || !v.extents) return null;
    const runs = await v.extents(node);
    if (runs === null) return null;
    const size = (await v.stat(node)).size;
    // Re-check what the driver claims before the host copies bytes on its word.
    let expect = 0;
    const out: SourceExtent[] = [];
    for (const r of runs) {
      if (r.fileOffset !== expect || r.length <= 0 || r.deviceOffset < 0 || r.deviceOffset + r.length > pv.device.size) {
        throw new GloveboxError('Corrupt', `driver returned inconsistent extents for node ${node}`);
      }
      expect += r.length;
      out.push({ fileOffset: r.fileOffset, sourceOffset: base + r.deviceOffset, length: r.length });
    }
    if (expect !== size) throw new GloveboxError('Corrupt', `extents cover ${expect} of ${size} bytes for node ${node}`);
    return out;
  }

  async expand(position: number, max: number): Promise<Uint8Array> {
    const stream = this.probed?.stream;
    if (!stream || !this.source) throw invalid('the source is not a compressed image');
    if (!Number.isSafeInteger(position) || position < 0 || !Number.isSafeInteger(max) || max < 1) throw invalid(`bad expand range ${position}+${max}`);
    if (position === 0 && this.expander?.position !== 0) {
      this.expander = { stream: await openExpandStream(this.source, stream.format), position: 0 };
    }
    if (!this.expander || this.expander.position !== position) {
      throw invalid(`the expansion is at byte ${this.expander?.position ?? 0}, not ${position} (a restarted sandbox starts over)`);
    }
    const bytes = await this.expander.stream.next(Math.min(max, MAX_CALL_READ_BYTES));
    this.expander.position += bytes.length;
    return bytes;
  }

  async scan(volume: number, cursor: ScanCursor | null, maxEntries?: number | null): Promise<ScanPage> {
    const v = this.volume(volume);
    const from = cursor === null ? null : checkCursor(cursor);
    const limit = Number.isSafeInteger(maxEntries) && (maxEntries as number) >= 1 ? Math.min(maxEntries as number, DEFAULT_STEP_BUDGET.maxEntries) : DEFAULT_STEP_BUDGET.maxEntries;
    return scanStep(
      {
        label: v.label,
        root: () => v.root(),
        list: (node) => this.list(volume, v, node),
        stat: (node) => v.stat(node),
        read: (node, offset, length) => v.read(node, offset, length),
      },
      from,
      { ...DEFAULT_STEP_BUDGET, maxEntries: limit, now: () => Date.now() },
    );
  }

  private probedVolume(index: number) {
    if (!this.probed) throw invalid('the source has not been probed');
    const pv = this.probed.volumes.find((v) => v.index === index);
    if (!pv) throw notFound(`volume ${index}`);
    return pv;
  }

  private volume(index: number): Volume {
    const pv = this.probedVolume(index);
    if (pv.volume) return pv.volume;
    if (pv.error) throw new GloveboxError('Corrupt', `volume ${index} (${pv.fs}): ${pv.error}`);
    throw new GloveboxError('Unsupported', `volume ${index} has no recognised file system`);
  }

  /** A directory's entries with names made safe as path components; kept for paging. */
  private async list(volume: number, v: Volume, node: NodeId): Promise<ListedEntry[]> {
    const key = `${volume}:${node}`;
    const cached = this.listings.get(key);
    if (cached) {
      this.listings.delete(key);
      this.listings.set(key, cached);
      return cached.entries;
    }
    const raw = await v.readdir(node);
    const entries = raw.map(toListed);
    this.listings.set(key, { entries });
    while (this.listings.size > LISTING_CACHE_SIZE) {
      const oldest = this.listings.keys().next().value;
      if (oldest === undefined) break;
      this.listings.delete(oldest);
    }
    return entries;
  }
}

function toListed(e: DirEntry): ListedEntry {
  const { name, escaped } = escapeName(e.name, e.undecodable === true);
  const out: ListedEntry = { name, escaped, node: e.node, type: e.type, size: e.size, mtime: e.mtime };
  if (e.system === true) out.system = true;
  if (e.stream === true) out.stream = true;
  return out;
}

function summarise(r: ProbeResult): ImageInfo {
  return {
    size: r.size,
    container: r.container,
    ...(r.inner !== undefined ? { inner: r.inner } : {}),
    ...(r.refused !== undefined ? { refused: r.refused } : {}),
    ...(r.stream !== undefined ? { stream: { ...r.stream } } : {}),
    partitioning: r.partitioning,
    warnings: [...r.warnings],
    volumes: r.volumes.map((v) => {
      const s: ImageInfo['volumes'][number] = {
        index: v.index,
        partition: v.partition,
        offset: v.offset,
        size: v.size,
        fs: v.fs,
        driver: v.driver,
        label: v.label,
      };
      if (v.partitionType !== undefined) s.partitionType = v.partitionType;
      if (v.partitionTypeName !== undefined) s.partitionTypeName = v.partitionTypeName;
      if (v.partitionName !== undefined) s.partitionName = v.partitionName;
      if (v.error !== undefined) s.error = v.error;
      const notes = v.volume?.notes?.() ?? [];
      if (notes.length > 0) s.notes = notes.slice(0, 100).map((n) => `${n.severity}: ${n.message}`.slice(0, 1000));
      return s;
    }),
  };
}
