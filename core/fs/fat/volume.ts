// An opened FAT volume: directories, files and their data through the driver contract.
// Node ids: a file is the device byte offset of its short directory entry (a multiple of 32,
// never 0: that is the boot sector). A directory is its first cluster, as 2 × cluster + 1, so
// that every entry naming the same directory (a loop or cross-link in a hostile image) yields
// the same id and a walker can refuse to enter it twice. The root is node 0, also when a
// FAT32 entry names the root cluster.
import { MAX_READ_BYTES, type BlockDevice } from '../../block/device.js';
import { GloveboxError, invalid, limit, notFound } from '../../errors.js';
import type { DirEntry, Extent, NodeId, NodeStat, Volume } from '../types.js';
import { decodeLabel, type FatGeometry, type FatType } from './bootsector.js';
import { ChainCache, readChain, requireCovers, type ClusterHeap } from '../cluster-chain.js';
import { clusterOffset, walkChain, type ClusterChain } from './chain.js';
import { ATTR_ARCHIVE, ATTR_DIRECTORY, ATTR_HIDDEN, ATTR_READ_ONLY, ATTR_SYSTEM, type ShortEntry } from './dirent.js';
import { DirectoryParser } from './directory.js';
import { readExact } from './io.js';
import { FatTable } from './table.js';
import { fatDate, fatDateTime } from './time.js';

const ROOT_NODE: NodeId = 0;
/** Spec section 6: a directory holds at most 65,536 32-byte entries. */
const MAX_DIR_BYTES = 65_536 * 32;
/** Nodes remembered from readdir (LRU); an id evicted from here answers NotFound until re-listed. */
const MAX_KNOWN_NODES = 1 << 18;
/** Files whose cluster chains are kept, so sequential reads do not walk the FAT again. */
const MAX_CACHED_CHAINS = 64;

const ATTRIBUTE_WORDS: ReadonlyArray<readonly [number, string]> = [
  [ATTR_READ_ONLY, 'readonly'],
  [ATTR_HIDDEN, 'hidden'],
  [ATTR_SYSTEM, 'system'],
  [ATTR_ARCHIVE, 'archive'],
];

interface FatNode {
  type: 'file' | 'dir';
  /** 0 for the FAT12/16 root, which lives in its fixed region. */
  firstCluster: number;
  /** DIR_FileSize for files; directories report 0. */
  size: number;
  /** The entry's fields without its name (kept small: up to MAX_KNOWN_NODES of these); null for the root. */
  entry: Omit<ShortEntry, 'name'> | null;
}

export class FatVolume implements Volume {
  readonly fs: FatType;
  readonly caseInsensitive = true;
  private volumeLabel: string | null;
  private readonly fat: FatTable;
  private readonly heap: ClusterHeap;
  private readonly rootNode: FatNode;
  private readonly nodes = new Map<NodeId, FatNode>();
  private readonly chains = new ChainCache<NodeId>(MAX_CACHED_CHAINS);

  private constructor(
    private readonly device: BlockDevice,
    private readonly geometry: FatGeometry,
  ) {
    this.fs = geometry.fatType;
    this.volumeLabel = geometry.bpbLabel;
    this.fat = new FatTable(device, geometry);
    this.heap = { device, dataOffset: geometry.dataOffset, bytesPerCluster: geometry.bytesPerCluster };
    this.rootNode = { type: 'dir', firstCluster: geometry.rootCluster, size: 0, entry: null };
  }

  static async open(device: BlockDevice, geometry: FatGeometry): Promise<FatVolume> {
    const volume = new FatVolume(device, geometry);
    // The root's label entry is what Windows shows; the BPB copy is the fallback. A root that
    // cannot be read (truncated image, broken chain) still leaves a volume to look at.
    try {
      const root = await volume.parseDirectory(ROOT_NODE, volume.rootNode);
      if (root.labelName !== null) volume.volumeLabel = decodeLabel(root.labelName);
    } catch (e) {
      if (!(e instanceof GloveboxError)) throw e;
    }
    return volume;
  }

  get label(): string | null {
    return this.volumeLabel;
  }

  root(): NodeId {
    return ROOT_NODE;
  }

  async readdir(id: NodeId): Promise<DirEntry[]> {
    const dir = this.node(id);
    if (dir.type !== 'dir') throw invalid(`readdir: node ${id} is not a directory`);
    const parsed = await this.parseDirectory(id, dir);
    return parsed.entries.map(({ name, undecodable, offset, entry }) => {
      const node = nodeOf(entry);
      const nodeId = node.type === 'dir' ? this.directoryId(node.firstCluster) : offset;
      if (nodeId !== ROOT_NODE) this.remember(nodeId, node);
      const out: DirEntry = { name, node: nodeId, type: node.type, size: node.size, mtime: fatDateTime(entry.wrtDate, entry.wrtTime) };
      if (undecodable) out.undecodable = true;
      return out;
    });
  }

  async stat(id: NodeId): Promise<NodeStat> {
    const node = this.node(id);
    const entry = node.entry;
    if (entry === null) return { node: id, type: 'dir', size: 0, mtime: null, attributes: [] };
    const birth = fatDateTime(entry.crtDate, entry.crtTime, entry.crtTimeTenth);
    return {
      node: id,
      type: node.type,
      size: node.size,
      mtime: fatDateTime(entry.wrtDate, entry.wrtTime),
      atime: fatDate(entry.lstAccDate),
      // FAT has no change time; its creation time is the closest thing.
      ctime: birth,
      birthtime: birth,
      attributes: ATTRIBUTE_WORDS.filter(([bit]) => (entry.attr & bit) !== 0).map(([, word]) => word),
    };
  }

  async read(id: NodeId, offset: number, length: number): Promise<Uint8Array> {
    const file = this.node(id);
    if (file.type !== 'file') throw invalid(`read: node ${id} is a directory`);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw invalid(`read: bad range ${offset}+${length}`);
    }
    const end = Math.min(file.size, offset + length);
    if (end <= offset) return new Uint8Array(0);
    if (end - offset > MAX_READ_BYTES) throw limit(`read of ${end - offset} bytes exceeds the ${MAX_READ_BYTES}-byte limit`);
    const chain = await this.chainOf(id, file);
    requireCovers(chain, this.geometry.bytesPerCluster, end, `file node ${id}`);
    return readChain(this.heap, chain, offset, end);
  }

  async readlink(id: NodeId): Promise<string> {
    this.node(id);
    throw invalid(`readlink: FAT has no symbolic links (node ${id})`);
  }

  async extents(id: NodeId): Promise<Extent[] | null> {
    const file = this.node(id);
    if (file.type !== 'file') throw invalid(`extents: node ${id} is a directory`);
    const chain = await this.chainOf(id, file);
    requireCovers(chain, this.geometry.bytesPerCluster, file.size, `file node ${id}`);
    const bpc = this.geometry.bytesPerCluster;
    const extents: Extent[] = [];
    for (let i = 0; i < chain.starts.length; i++) {
      const fileOffset = (chain.ends[i - 1] ?? 0) * bpc;
      if (fileOffset >= file.size) break;
      extents.push({
        fileOffset,
        deviceOffset: clusterOffset(this.geometry.dataOffset, bpc, chain.starts[i]!),
        length: Math.min(chain.ends[i]! * bpc, file.size) - fileOffset,
      });
    }
    return extents;
  }

  private directoryId(firstCluster: number): NodeId {
    if (this.geometry.fatType === 'fat32' && firstCluster === this.geometry.rootCluster) return ROOT_NODE;
    return firstCluster * 2 + 1;
  }

  private node(id: NodeId): FatNode {
    if (id === ROOT_NODE) return this.rootNode;
    const node = this.nodes.get(id);
    if (node === undefined) throw notFound(`node ${id}`);
    return node;
  }

  private remember(id: NodeId, node: FatNode): void {
    this.nodes.delete(id);
    this.nodes.set(id, node);
    if (this.nodes.size > MAX_KNOWN_NODES) {
      const oldest = this.nodes.keys().next().value;
      if (oldest !== undefined) this.nodes.delete(oldest);
    }
  }

  /** A file's chain, walked once for the clusters its size needs (extra clusters are ignored). */
  private chainOf(id: NodeId, file: FatNode): Promise<ClusterChain> {
    const needed = Math.ceil(file.size / this.geometry.bytesPerCluster);
    return this.chains.get(id, () => walkChain(this.fat, file.firstCluster, needed, `file node ${id}`));
  }

  /** Entries of a directory: the FAT12/16 root region, or a cluster chain read run by run. */
  private async parseDirectory(id: NodeId, dir: FatNode): Promise<DirectoryParser> {
    const g = this.geometry;
    const parser = new DirectoryParser(g.fatType === 'fat32');
    if (id === ROOT_NODE && g.fatType !== 'fat32') {
      parser.feed(await this.readDevice(g.rootDirOffset, g.rootDirBytes), g.rootDirOffset);
      return parser;
    }
    const what = id === ROOT_NODE ? 'root directory' : `directory node ${id}`;
    const maxClusters = Math.ceil(MAX_DIR_BYTES / g.bytesPerCluster);
    // One cluster more than allowed, to tell "too big" from "exactly the maximum".
    const chain = await walkChain(this.fat, dir.firstCluster, maxClusters + 1, what);
    for (let run = 0; run < chain.starts.length && !parser.ended; run++) {
      const first = chain.ends[run - 1] ?? 0;
      const count = Math.min(chain.ends[run]!, maxClusters) - first;
      if (count <= 0) break;
      const offset = clusterOffset(g.dataOffset, g.bytesPerCluster, chain.starts[run]!);
      parser.feed(await this.readDevice(offset, count * g.bytesPerCluster), offset);
    }
    // A defect after the end marker does not matter: nothing there is read.
    if (!parser.ended) {
      if (chain.error !== null) throw chain.error;
      if (chain.clusters > maxClusters) throw limit(`${what}: larger than ${MAX_DIR_BYTES} bytes (65,536 entries)`);
    }
    return parser;
  }

  private readDevice(offset: number, length: number): Promise<Uint8Array> {
    return readExact(this.device, offset, length);
  }
}

function nodeOf({ name: _name, ...entry }: ShortEntry): FatNode {
  const dir = (entry.attr & ATTR_DIRECTORY) !== 0;
  return { type: dir ? 'dir' : 'file', firstCluster: entry.firstCluster, size: dir ? 0 : entry.fileSize, entry };
}

