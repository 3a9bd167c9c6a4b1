// An opened ISO 9660 volume. One directory tree is shown: the primary one with Rock Ridge names
// and attributes when its root carries SUSP/RRIP, else the Joliet tree when there is one, else
// the primary tree with plain ISO names.
//
// Node ids are value × 4 + kind, so the kinds never collide:
//   kind 1: a directory, value = its extent's logical block (every record naming the same
//           extent, e.g. a hostile loop, gives the same id, and walkers refuse to enter it twice)
//   kind 0: a file, symlink or device node, value = device byte offset of its directory record
//           (for a multi-extent file: the first record)
//   kind 2: El Torito: value 0 the synthetic "[BOOT]" directory, value n its n-th boot image
import { MAX_READ_BYTES, type BlockDevice } from '../../block/device.js';
import { corrupt, GloveboxError, invalid, limit, notFound, unsupported } from '../../errors.js';
import { MAX_DIR_ENTRIES, type DirEntry, type Extent, type NodeId, type NodeStat, type NodeType, type Timestamp, type Volume, type VolumeNote } from '../types.js';
import type { DescriptorSet, VolumeDescriptor } from './descriptors.js';
import { readBootCatalog, type BootImage } from './eltorito.js';
import { latin1, readExact } from './io.js';
import {
  FLAG_ASSOCIATED,
  FLAG_DIRECTORY,
  FLAG_MULTI_EXTENT,
  isSelfOrParent,
  jolietName,
  parseRecord,
  trimIsoName,
  type DirRecord,
} from './record.js';
import { parseSystemUse, type RockRidge, type SuspContext } from './susp.js';

const SECTOR = 2048;
/** A directory larger than this is refused (Limit): real ones are a few hundred KiB at most. */
export const MAX_DIR_BYTES = 64 * 1024 * 1024;
const DIR_READ_BYTES = 1024 * 1024;
/** Records of one multi-extent file (each up to 4 GiB - 1). */
export const MAX_FILE_EXTENTS = 4096;
const MAX_KNOWN_NODES = 1 << 18;
const MAX_NOTES = 100;

const KIND_FILE = 0;
const KIND_DIR = 1;
const KIND_BOOT = 2;
const BOOT_DIR: NodeId = KIND_BOOT;
export const BOOT_DIR_NAME = '[BOOT]';

type Tree = 'rockridge' | 'joliet' | 'plain';

interface Piece {
  deviceOffset: number;
  length: number;
}

interface IsoNode {
  type: NodeType;
  name: string;
  size: number;
  mtime: Timestamp | null;
  atime?: Timestamp | null;
  ctime?: Timestamp | null;
  birthtime?: Timestamp | null;
  mode?: number;
  hidden?: boolean;
  /** Directories: extent (logical block) and data length; null length: read from its "." record. */
  extent?: number;
  dirLength?: number | null;
  /** Files: the data, in order. */
  pieces?: Piece[];
  interleaved?: boolean;
  symlink?: string | null;
}

interface Listing {
  entries: Array<{ entry: DirEntry; node: IsoNode }>;
  /** Records hidden because Rock Ridge relocated them (RE). */
  relocated: number;
}

const id = (value: number, kind: number): NodeId => value * 4 + kind;

export class IsoVolume implements Volume {
  readonly fs = 'iso9660';
  readonly caseInsensitive = false;
  readonly label: string | null;
  private readonly nodes = new Map<NodeId, IsoNode>();
  private readonly volumeNotes: VolumeNote[] = [];
  private readonly noted = new Set<string>();
  private readonly rootId: NodeId;
  private rootNode: IsoNode;
  private bootImages: BootImage[] = [];

  private constructor(
    private readonly device: BlockDevice,
    private readonly descriptor: VolumeDescriptor,
    private readonly tree: Tree,
    private readonly susp: SuspContext,
  ) {
    const root = parseRecord(descriptor.root, 0, descriptor.offset + 156);
    if (!('record' in root)) throw corrupt('root directory record', { where: `volume descriptor at byte ${descriptor.offset}` });
    const r = root.record;
    this.rootId = id(r.extent, KIND_DIR);
    this.rootNode = { type: 'dir', name: '/', size: 0, mtime: r.mtime, extent: r.extent, dirLength: r.dataLength };
    this.label = descriptor.volumeId === '' ? null : descriptor.volumeId;
  }

  static async open(device: BlockDevice, set: DescriptorSet): Promise<IsoVolume> {
    const primary = set.primary!;
    let chosen: { d: VolumeDescriptor; tree: Tree; skip: number } = { d: primary, tree: 'plain', skip: 0 };
    const problems: string[] = [];
    try {
      const rr = await rootSusp(device, primary);
      if (rr !== null) chosen = { d: primary, tree: 'rockridge', skip: rr };
    } catch (e) {
      if (!(e instanceof GloveboxError)) throw e;
      problems.push(`Rock Ridge detection failed: ${e.message}`);
    }
    if (chosen.tree === 'plain' && set.joliet !== null) chosen = { d: set.joliet, tree: 'joliet', skip: 0 };
    const volume = new IsoVolume(device, chosen.d, chosen.tree, { device, blockSize: chosen.d.blockSize, skip: chosen.skip });
    for (const p of [...set.problems, ...problems]) volume.note('warning', p);
    volume.note('info', `directory tree: ${chosen.tree === 'rockridge' ? 'Rock Ridge' : chosen.tree === 'joliet' ? `Joliet level ${chosen.d.joliet}` : 'ISO 9660 names'}`);
    if (chosen.tree === 'rockridge') await volume.rootAttributes();
    if (set.bootCatalog !== null) {
      try {
        volume.bootImages = (await readBootCatalog(device, set.bootCatalog)).filter((b) => {
          if (b.offset + b.size <= device.size) return true;
          volume.note('warning', `El Torito boot image ${b.name} (byte ${b.offset}, ${b.size} bytes) lies past the end of the device`);
          return false;
        });
      } catch (e) {
        if (!(e instanceof GloveboxError)) throw e;
        volume.note('warning', `El Torito boot catalog ignored: ${e.message}`);
      }
    }
    return volume;
  }

  notes(): VolumeNote[] {
    return [...this.volumeNotes];
  }

  root(): NodeId {
    return this.rootId;
  }

  async readdir(nodeId: NodeId): Promise<DirEntry[]> {
    if (nodeId === BOOT_DIR && this.bootImages.length > 0) {
      return this.bootImages.map((b, i) => {
        const node: IsoNode = { type: 'file', name: b.name, size: b.size, mtime: null, pieces: [{ deviceOffset: b.offset, length: b.size }] };
        this.remember(id(i + 1, KIND_BOOT), node);
        return { name: b.name, node: id(i + 1, KIND_BOOT), type: 'file', size: b.size, mtime: null };
      });
    }
    const dir = this.node(nodeId);
    if (dir.type !== 'dir') throw invalid(`readdir: node ${nodeId} is not a directory`);
    const listing = await this.list(dir);
    const out: DirEntry[] = [];
    for (const { entry, node } of listing.entries) {
      if (nodeId === this.rootId && node.type === 'dir' && this.tree === 'rockridge' && /^\.?rr_moved$/i.test(entry.name)) {
        if (await this.onlyRelocated(node)) continue;
      }
      if (entry.node !== this.rootId) this.remember(entry.node, node);
      out.push(entry);
    }
    if (nodeId === this.rootId && this.bootImages.length > 0) {
      this.remember(BOOT_DIR, { type: 'dir', name: BOOT_DIR_NAME, size: 0, mtime: null });
      out.push({ name: BOOT_DIR_NAME, node: BOOT_DIR, type: 'dir', size: 0, mtime: null });
    }
    return out;
  }

  async stat(nodeId: NodeId): Promise<NodeStat> {
    const n = this.node(nodeId);
    const st: NodeStat = { node: nodeId, type: n.type, size: n.type === 'dir' ? 0 : n.size, mtime: n.mtime };
    if (n.atime !== undefined) st.atime = n.atime;
    if (n.ctime !== undefined) st.ctime = n.ctime;
    if (n.birthtime !== undefined) st.birthtime = n.birthtime;
    if (n.mode !== undefined) st.mode = n.mode & 0o7777;
    const attributes: string[] = [];
    if (n.type === 'dir') attributes.push('directory');
    if (n.hidden) attributes.push('hidden');
    if (nodeId % 4 === KIND_BOOT) attributes.push('synthetic');
    st.attributes = attributes;
    return st;
  }

  async read(nodeId: NodeId, offset: number, length: number): Promise<Uint8Array> {
    const pieces = this.filePieces(nodeId, 'read');
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw invalid(`read: bad range ${offset}+${length}`);
    }
    const size = this.node(nodeId).size;
    const end = Math.min(size, offset + length);
    if (end <= offset) return new Uint8Array(0);
    if (end - offset > MAX_READ_BYTES) throw limit(`read of ${end - offset} bytes exceeds the ${MAX_READ_BYTES}-byte limit`);
    const out = new Uint8Array(end - offset);
    let fileStart = 0;
    for (const p of pieces) {
      const fileEnd = fileStart + p.length;
      const from = Math.max(offset, fileStart);
      const to = Math.min(end, fileEnd);
      if (from < to) out.set(await readExact(this.device, p.deviceOffset + (from - fileStart), to - from), from - offset);
      fileStart = fileEnd;
      if (fileStart >= end) break;
    }
    return out;
  }

  async readlink(nodeId: NodeId): Promise<string> {
    const n = this.node(nodeId);
    if (n.type !== 'symlink' || n.symlink === undefined || n.symlink === null) throw invalid(`readlink: node ${nodeId} is not a symbolic link`);
    return n.symlink;
  }

  async extents(nodeId: NodeId): Promise<Extent[] | null> {
    const pieces = this.filePieces(nodeId, 'extents');
    const out: Extent[] = [];
    let fileOffset = 0;
    for (const p of pieces) {
      if (p.length > 0) out.push({ fileOffset, deviceOffset: p.deviceOffset, length: p.length });
      fileOffset += p.length;
    }
    return out;
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

  private node(nodeId: NodeId): IsoNode {
    if (nodeId === this.rootId) return this.rootNode;
    const n = this.nodes.get(nodeId);
    if (n === undefined) throw notFound(`node ${nodeId}`);
    return n;
  }

  private remember(nodeId: NodeId, node: IsoNode): void {
    this.nodes.delete(nodeId);
    this.nodes.set(nodeId, node);
    if (this.nodes.size > MAX_KNOWN_NODES) {
      const oldest = this.nodes.keys().next().value;
      if (oldest !== undefined) this.nodes.delete(oldest);
    }
  }

  /** A file's pieces, each checked against the device; interleaved files are refused. */
  private filePieces(nodeId: NodeId, what: string): Piece[] {
    const n = this.node(nodeId);
    if (n.type === 'dir' || n.pieces === undefined) throw invalid(`${what}: node ${nodeId} is not a file`);
    if (n.interleaved) throw unsupported(`interleaved files (file unit size / interleave gap), node ${nodeId} "${n.name}"`);
    for (const p of n.pieces) {
      if (p.deviceOffset + p.length > this.device.size) {
        throw corrupt(`file "${n.name}": extent past the end of the device`, {
          where: `node ${nodeId}`,
          expected: `<= ${this.device.size}`,
          found: `${p.deviceOffset}+${p.length}`,
        });
      }
    }
    return n.pieces;
  }

  /** The root's Rock Ridge attributes, from its "." record. */
  private async rootAttributes(): Promise<void> {
    const first = await this.firstRecord(this.rootNode.extent!);
    if (first === null) return;
    const rr = await parseSystemUse(first.systemUse, { ...this.susp, skip: 0 }, 'root directory');
    if (rr.mtime !== null) this.rootNode.mtime = rr.mtime;
    if (rr.mode !== null) this.rootNode.mode = rr.mode;
  }

  private async firstRecord(extent: number): Promise<DirRecord | null> {
    const at = extent * this.descriptor.blockSize;
    if (!Number.isSafeInteger(at) || at + SECTOR > this.device.size) return null;
    const sector = await readExact(this.device, at, SECTOR);
    const r = parseRecord(sector, 0, at);
    return 'record' in r ? r.record : null;
  }

  /** rr_moved is hidden when everything in it was relocated elsewhere (RE) and it is otherwise empty. */
  private async onlyRelocated(node: IsoNode): Promise<boolean> {
    try {
      const l = await this.list(node);
      return l.entries.length === 0 && l.relocated > 0;
    } catch (e) {
      if (!(e instanceof GloveboxError)) throw e;
      return false;
    }
  }

  private async list(dir: IsoNode): Promise<Listing> {
    const what = `directory "${dir.name}"`;
    const extent = dir.extent;
    if (extent === undefined) return { entries: [], relocated: 0 };
    let length = dir.dirLength ?? null;
    if (length === null) {
      const dot = await this.firstRecord(extent);
      if (dot === null) throw corrupt(`${what}: relocated directory has no "." record`, { where: `block ${extent}` });
      length = dot.dataLength;
    }
    if (length > MAX_DIR_BYTES) throw limit(`${what}: ${length} bytes exceeds ${MAX_DIR_BYTES}`);
    const start = extent * this.descriptor.blockSize;
    if (start + length > this.device.size) {
      throw corrupt(`${what}: extent past the end of the device`, { where: `block ${extent}`, expected: `<= ${this.device.size}`, found: `${start}+${length}` });
    }
    const listing: Listing = { entries: [], relocated: 0 };
    let pending: DirRecord[] = [];
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      const group = pending;
      pending = [];
      await this.addEntry(group, listing, what);
    };
    for (let chunkStart = 0; chunkStart < length; chunkStart += DIR_READ_BYTES) {
      const chunkLength = Math.min(DIR_READ_BYTES, length - chunkStart);
      const bytes = await readExact(this.device, start + chunkStart, chunkLength);
      for (let sectorStart = 0; sectorStart < chunkLength; sectorStart += SECTOR) {
        const sector = bytes.subarray(sectorStart, Math.min(sectorStart + SECTOR, chunkLength));
        const base = start + chunkStart + sectorStart;
        let pos = 0;
        while (pos < sector.length) {
          const r = parseRecord(sector, pos, base);
          if ('skipTo' in r) {
            if (r.problem !== undefined) this.note('warning', `${what}: ${r.problem}`);
            break;
          }
          if ('skip' in r) {
            this.note('warning', `${what}: ${r.problem}`);
            pos += r.skip;
            continue;
          }
          pos += r.record.length;
          const rec = r.record;
          if (isSelfOrParent(rec) || (rec.flags & FLAG_ASSOCIATED) !== 0) continue;
          if (pending.length > 0 && !sameId(pending[0]!, rec)) {
            this.note('warning', `${what}: multi-extent file at byte ${pending[0]!.offset} ends without a final record`);
            await flush();
          }
          pending.push(rec);
          if ((rec.flags & FLAG_MULTI_EXTENT) === 0 || pending.length >= MAX_FILE_EXTENTS) await flush();
          if (listing.entries.length > MAX_DIR_ENTRIES) throw limit(`${what}: more than ${MAX_DIR_ENTRIES} entries`);
        }
      }
    }
    await flush();
    return listing;
  }

  /** One listed name from its record(s): the first gives name and attributes, all give data. */
  private async addEntry(group: DirRecord[], listing: Listing, what: string): Promise<void> {
    const rec = group[0]!;
    let rr: RockRidge | null = null;
    if (this.tree === 'rockridge') {
      rr = await parseSystemUse(rec.systemUse, this.susp, `${what}, record at byte ${rec.offset}`);
      for (const p of rr.problems) this.note('warning', p);
      if (rr.relocated) {
        listing.relocated++;
        return;
      }
    }
    let name: string;
    let undecodable = false;
    if (rr?.name != null) {
      name = rr.name;
      undecodable = rr.nameUndecodable;
    } else if (this.tree === 'joliet') {
      const j = jolietName(rec.id);
      name = j.name;
      undecodable = j.undecodable;
    } else name = trimIsoName(latin1(rec.id, 0, rec.id.length));

    const mtime = rr?.mtime ?? rec.mtime;
    const node: IsoNode = { type: 'file', name, size: 0, mtime };
    if (rr !== null) {
      if (rr.atime !== null) node.atime = rr.atime;
      if (rr.ctime !== null) node.ctime = rr.ctime;
      if (rr.birthtime !== null) node.birthtime = rr.birthtime;
      if (rr.mode !== null) node.mode = rr.mode;
    }
    if ((rec.flags & 0x01) !== 0) node.hidden = true;
    let nodeId: NodeId;
    if (rr?.childLink != null) {
      // A deep directory moved to rr_moved: this placeholder file stands where it belongs.
      node.type = 'dir';
      node.extent = rr.childLink;
      node.dirLength = null;
      nodeId = id(rr.childLink, KIND_DIR);
    } else if ((rec.flags & FLAG_DIRECTORY) !== 0) {
      node.type = 'dir';
      node.extent = rec.extent;
      node.dirLength = rec.dataLength;
      nodeId = id(rec.extent, KIND_DIR);
    } else {
      const fmt = rr?.mode != null ? rr.mode & 0xf000 : 0x8000;
      nodeId = id(rec.offset, KIND_FILE);
      if (fmt === 0xa000 && rr?.symlink != null) {
        node.type = 'symlink';
        node.symlink = rr.symlink;
        node.size = new TextEncoder().encode(rr.symlink).length;
      } else if (fmt === 0x8000 || fmt === 0) {
        node.pieces = group.map((r) => ({ deviceOffset: r.extent * this.descriptor.blockSize, length: r.dataLength }));
        node.size = group.reduce((a, r) => a + r.dataLength, 0);
        node.interleaved = group.some((r) => r.fileUnitSize !== 0 || r.interleaveGap !== 0);
      } else node.type = 'other';
    }
    const entry: DirEntry = { name, node: nodeId, type: node.type, size: node.type === 'dir' ? 0 : node.size, mtime };
    if (undecodable) entry.undecodable = true;
    listing.entries.push({ entry, node });
  }
}

function sameId(a: DirRecord, b: DirRecord): boolean {
  if (a.id.length !== b.id.length) return false;
  for (let i = 0; i < a.id.length; i++) if (a.id[i] !== b.id[i]) return false;
  return true;
}

/** SUSP in the root's "." record: SP's byte skip, or 0 when RRIP entries appear without SP; null: none. */
async function rootSusp(device: BlockDevice, primary: VolumeDescriptor): Promise<number | null> {
  const root = parseRecord(primary.root, 0, primary.offset + 156);
  if (!('record' in root)) return null;
  const at = root.record.extent * primary.blockSize;
  if (!Number.isSafeInteger(at) || at + SECTOR > device.size) return null;
  const sector = await readExact(device, at, SECTOR);
  const dot = parseRecord(sector, 0, at);
  if (!('record' in dot)) return null;
  const rr = await parseSystemUse(dot.record.systemUse, { device, blockSize: primary.blockSize, skip: 0 }, 'root "." record');
  if (rr.spSkip !== null) return rr.spSkip;
  return rr.present ? 0 : null;
}
