// An opened exFAT volume: directories, files and their data through the driver contract.
// Node ids: a file is the device byte offset of its File entry (a multiple of 32, past the boot
// regions, so never 0). A directory is its first cluster, as 2 × cluster + 1, so every entry
// naming the same directory (a loop or cross-link in a hostile image) yields the same id and a
// walker can refuse to enter it twice. The root is node 0, also when an entry names its cluster.
import { MAX_READ_BYTES, type BlockDevice } from '../../block/device.js';
import { corrupt, GloveboxError, invalid, limit, notFound } from '../../errors.js';
import type { DirEntry, Extent, NodeId, NodeStat, Volume, VolumeNote } from '../types.js';
import type { ExfatGeometry } from './boot.js';
import {
  ATTR_ARCHIVE,
  ATTR_DIRECTORY,
  ATTR_HIDDEN,
  ATTR_READ_ONLY,
  ATTR_SYSTEM,
  DirectoryParser,
  type FileEntrySet,
} from './entries.js';
import { ChainCache, firstRunAfter, readChain, requireCovers, type ClusterHeap } from '../cluster-chain.js';
import { clusterOffset, contiguousChain, FatTable, walkChain, type ClusterChain } from './fat.js';
import { readExact } from './io.js';
import { exfatTime } from './time.js';

const ROOT_NODE: NodeId = 0;
/** Section 6.1: a directory is at most 256 MiB. */
const MAX_DIR_BYTES = 256 * 1024 * 1024;
/** Directory bytes read per device read. */
const DIR_READ_BYTES = 1024 * 1024;
/** Nodes remembered from readdir (LRU); an id evicted from here answers NotFound until re-listed. */
const MAX_KNOWN_NODES = 1 << 18;
const MAX_CACHED_CHAINS = 64;
const MAX_NOTES = 100;

const ATTRIBUTE_WORDS: ReadonlyArray<readonly [number, string]> = [
  [ATTR_READ_ONLY, 'readonly'],
  [ATTR_HIDDEN, 'hidden'],
  [ATTR_SYSTEM, 'system'],
  [ATTR_DIRECTORY, 'directory'],
  [ATTR_ARCHIVE, 'archive'],
];

interface ExfatNode {
  type: 'file' | 'dir';
  /** For notes: the name this node was listed under ("/" for the root). */
  name: string;
  /** The entry set without its name; null for the root. */
  set: Omit<FileEntrySet, 'name' | 'undecodable'> | null;
}

export class ExfatVolume implements Volume {
  readonly fs = 'exfat';
  readonly caseInsensitive = true;
  private volumeLabel: string | null = null;
  private readonly fat: FatTable;
  private readonly heap: ClusterHeap;
  private readonly rootNode: ExfatNode = { type: 'dir', name: '/', set: null };
  private readonly nodes = new Map<NodeId, ExfatNode>();
  private readonly chains = new ChainCache<NodeId>(MAX_CACHED_CHAINS);
  private readonly volumeNotes: VolumeNote[] = [];
  private readonly noted = new Set<string>();

  private constructor(
    private readonly device: BlockDevice,
    private readonly geometry: ExfatGeometry,
  ) {
    this.fat = new FatTable(device, geometry);
    this.heap = { device, dataOffset: geometry.heapOffset, bytesPerCluster: geometry.bytesPerCluster };
  }

  static async open(device: BlockDevice, geometry: ExfatGeometry, notes: VolumeNote[]): Promise<ExfatVolume> {
    const volume = new ExfatVolume(device, geometry);
    for (const n of notes) volume.note(n.severity, n.message);
    if ((geometry.volumeFlags & 0x02) !== 0) volume.note('info', 'VolumeDirty is set: the volume was not cleanly unmounted');
    if ((geometry.volumeFlags & 0x04) !== 0) volume.note('warning', 'MediaFailure is set: the medium reported bad sectors');
    if (geometry.volumeBytes > device.size) {
      volume.note('warning', `device (${device.size} bytes) is shorter than the volume (${geometry.volumeBytes} bytes)`);
    }
    // The root's critical entries; a root that cannot be read still leaves a volume to look at.
    try {
      const root = await volume.parseDirectory(ROOT_NODE, volume.rootNode);
      volume.volumeLabel = root.label;
      const bitmapBytes = Math.ceil(geometry.clusterCount / 8);
      if (root.bitmap === null) volume.note('warning', 'root directory has no Allocation Bitmap entry');
      else if (!fitsHeap(root.bitmap.firstCluster, root.bitmap.dataLength, geometry) || root.bitmap.dataLength < bitmapBytes) {
        volume.note('warning', `Allocation Bitmap entry out of range (cluster ${root.bitmap.firstCluster}, ${root.bitmap.dataLength} bytes)`);
      }
      if (root.upcase === null) volume.note('warning', 'root directory has no Up-case Table entry');
    } catch (e) {
      if (!(e instanceof GloveboxError)) throw e;
      volume.note('warning', `root directory unreadable: ${e.message}`);
    }
    return volume;
  }

  get label(): string | null {
    return this.volumeLabel;
  }

  notes(): VolumeNote[] {
    return [...this.volumeNotes];
  }

  root(): NodeId {
    return ROOT_NODE;
  }

  async readdir(id: NodeId): Promise<DirEntry[]> {
    const dir = this.node(id);
    if (dir.type !== 'dir') throw invalid(`readdir: node ${id} is not a directory`);
    const parsed = await this.parseDirectory(id, dir);
    return parsed.files.map(({ name, undecodable, ...set }) => {
      const isDir = (set.attributes & ATTR_DIRECTORY) !== 0;
      const nodeId = isDir ? this.directoryId(set) : set.offset;
      if (nodeId !== ROOT_NODE) this.remember(nodeId, { type: isDir ? 'dir' : 'file', name, set });
      const out: DirEntry = {
        name,
        node: nodeId,
        type: isDir ? 'dir' : 'file',
        size: isDir ? 0 : set.dataLength,
        mtime: exfatTime(set.lastModifiedTimestamp, set.lastModified10ms, set.lastModifiedUtcOffset),
      };
      if (undecodable) out.undecodable = true;
      return out;
    });
  }

  async stat(id: NodeId): Promise<NodeStat> {
    const node = this.node(id);
    const set = node.set;
    if (set === null) return { node: id, type: 'dir', size: 0, mtime: null, attributes: ['directory'] };
    const birth = exfatTime(set.createTimestamp, set.create10ms, set.createUtcOffset);
    return {
      node: id,
      type: node.type,
      size: node.type === 'dir' ? 0 : set.dataLength,
      mtime: exfatTime(set.lastModifiedTimestamp, set.lastModified10ms, set.lastModifiedUtcOffset),
      atime: exfatTime(set.lastAccessedTimestamp, 0, set.lastAccessedUtcOffset),
      // exFAT has no change time; its creation time is the closest thing.
      ctime: birth,
      birthtime: birth,
      attributes: ATTRIBUTE_WORDS.filter(([bit]) => (set.attributes & bit) !== 0).map(([, word]) => word),
    };
  }

  async read(id: NodeId, offset: number, length: number): Promise<Uint8Array> {
    const file = this.fileNode(id, 'read');
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw invalid(`read: bad range ${offset}+${length}`);
    }
    const end = Math.min(file.dataLength, offset + length);
    if (end <= offset) return new Uint8Array(0);
    if (end - offset > MAX_READ_BYTES) throw limit(`read of ${end - offset} bytes exceeds the ${MAX_READ_BYTES}-byte limit`);
    // Bytes past ValidDataLength are zeros (section 7.6.5): only the valid part is on disk.
    const validEnd = Math.min(end, file.validDataLength);
    if (validEnd <= offset) return new Uint8Array(end - offset);
    const chain = await this.chainOf(id, file);
    requireCovers(chain, this.geometry.bytesPerCluster, validEnd, `file node ${id}`);
    const data = await readChain(this.heap, chain, offset, validEnd);
    if (validEnd === end) return data;
    const out = new Uint8Array(end - offset);
    out.set(data, 0);
    return out;
  }

  async readlink(id: NodeId): Promise<string> {
    this.node(id);
    throw invalid(`readlink: exFAT has no symbolic links (node ${id})`);
  }

  async extents(id: NodeId): Promise<Extent[] | null> {
    const file = this.fileNode(id, 'extents');
    // Zeros past ValidDataLength are not on the device: the host must relay them through read().
    if (file.validDataLength < file.dataLength) return null;
    const chain = await this.chainOf(id, file);
    requireCovers(chain, this.geometry.bytesPerCluster, file.dataLength, `file node ${id}`);
    const bpc = this.geometry.bytesPerCluster;
    const extents: Extent[] = [];
    for (let i = 0; i < chain.starts.length; i++) {
      const fileOffset = (chain.ends[i - 1] ?? 0) * bpc;
      if (fileOffset >= file.dataLength) break;
      extents.push({
        fileOffset,
        deviceOffset: clusterOffset(this.geometry, chain.starts[i]!),
        length: Math.min(chain.ends[i]! * bpc, file.dataLength) - fileOffset,
      });
    }
    return extents;
  }

  private note(severity: VolumeNote['severity'], message: string): void {
    if (this.noted.has(message)) return;
    if (this.volumeNotes.length < MAX_NOTES) {
      this.noted.add(message);
      this.volumeNotes.push({ severity, message });
    } else if (this.volumeNotes.length === MAX_NOTES) {
      this.volumeNotes.push({ severity: 'warning', message: 'more problems found; further notes omitted' });
    }
  }

  private directoryId(set: Omit<FileEntrySet, 'name' | 'undecodable'>): NodeId {
    // A directory without clusters (hostile) has nothing to share: its entry offset names it.
    if (set.firstCluster === 0) return set.offset;
    if (set.firstCluster === this.geometry.rootCluster) return ROOT_NODE;
    return set.firstCluster * 2 + 1;
  }

  private node(id: NodeId): ExfatNode {
    if (id === ROOT_NODE) return this.rootNode;
    const node = this.nodes.get(id);
    if (node === undefined) throw notFound(`node ${id}`);
    return node;
  }

  private fileNode(id: NodeId, what: string): Omit<FileEntrySet, 'name' | 'undecodable'> {
    const node = this.node(id);
    if (node.type !== 'file' || node.set === null) throw invalid(`${what}: node ${id} is a directory`);
    return node.set;
  }

  private remember(id: NodeId, node: ExfatNode): void {
    this.nodes.delete(id);
    this.nodes.set(id, node);
    if (this.nodes.size > MAX_KNOWN_NODES) {
      const oldest = this.nodes.keys().next().value;
      if (oldest !== undefined) this.nodes.delete(oldest);
    }
  }

  /** The clusters holding `dataLength` bytes: contiguous (NoFatChain) or through the FAT. */
  private chainFor(set: { noFatChain: boolean; firstCluster: number }, clusters: number, what: string): Promise<ClusterChain> {
    if (set.noFatChain) return Promise.resolve(contiguousChain(this.fat, set.firstCluster, clusters, what));
    return walkChain(this.fat, set.firstCluster, clusters, what);
  }

  private chainOf(id: NodeId, file: Omit<FileEntrySet, 'name' | 'undecodable'>): Promise<ClusterChain> {
    const needed = Math.ceil(file.dataLength / this.geometry.bytesPerCluster);
    // More clusters than the heap holds can never be right; the walk would stop there anyway.
    return this.chains.get(id, () => this.chainFor(file, Math.min(needed, this.geometry.clusterCount + 1), `file node ${id}`));
  }


  /** A directory's entry sets; its problems become (bounded) notes naming the directory. */
  private async parseDirectory(id: NodeId, dir: ExfatNode): Promise<DirectoryParser> {
    const g = this.geometry;
    const what = id === ROOT_NODE ? 'root directory' : `directory "${dir.name}" (node ${id})`;
    const parser = new DirectoryParser();
    let chain: ClusterChain;
    let bytes: number;
    if (dir.set === null) {
      // The root has no stream extension: its size is its FAT chain (one cluster more than
      // allowed, to tell "too big" from "exactly the maximum").
      const maxClusters = Math.ceil(MAX_DIR_BYTES / g.bytesPerCluster);
      chain = await walkChain(this.fat, g.rootCluster, maxClusters + 1, what);
      if (chain.error === null && chain.clusters > maxClusters) throw limit(`${what}: larger than ${MAX_DIR_BYTES} bytes`);
      bytes = chain.clusters * g.bytesPerCluster;
    } else {
      if (dir.set.dataLength > MAX_DIR_BYTES) throw limit(`${what}: DataLength ${dir.set.dataLength} exceeds ${MAX_DIR_BYTES} bytes`);
      bytes = dir.set.dataLength;
      if (dir.set.firstCluster === 0 || bytes === 0) return parser;
      chain = await this.chainFor(dir.set, Math.ceil(bytes / g.bytesPerCluster), what);
    }
    const bpc = g.bytesPerCluster;
    const covered = Math.min(bytes, chain.clusters * bpc);
    for (let pos = 0; pos < covered && !parser.ended; ) {
      const run = firstRunAfter(chain.ends, Math.floor(pos / bpc));
      const runStart = (chain.ends[run - 1] ?? 0) * bpc;
      const runEnd = Math.min(chain.ends[run]! * bpc, covered);
      const length = Math.min(runEnd - pos, DIR_READ_BYTES);
      const offset = clusterOffset(g, chain.starts[run]!) + (pos - runStart);
      parser.feed(await readExact(this.device, offset, length), offset);
      pos += length;
    }
    if (!parser.ended) {
      // A defect after the end-of-directory entry does not matter: nothing there is read.
      if (chain.error !== null) throw chain.error;
      if (covered < bytes) {
        throw corrupt(`${what}: cluster chain shorter than the directory`, { expected: `${bytes} bytes`, found: `${covered}` });
      }
      parser.finish();
    }
    for (const problem of parser.problems) this.note('warning', `${what}: ${problem}`);
    return parser;
  }
}

function fitsHeap(firstCluster: number, dataLength: number, g: ExfatGeometry): boolean {
  if (firstCluster < 2 || firstCluster > g.clusterCount + 1) return false;
  return dataLength <= (g.clusterCount + 2 - firstCluster) * g.bytesPerCluster;
}

