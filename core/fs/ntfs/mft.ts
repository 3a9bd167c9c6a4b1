// The Master File Table: record 0 ($MFT) is read where the boot sector says, and its own $DATA
// runlist (all extents, also those in extension records named by its $ATTRIBUTE_LIST) maps
// every other record, so a fragmented $MFT is followed. Raw MFT bytes are read in chunks and
// parsed records kept in bounded LRU caches.
import type { BlockDevice } from '../../block/device.js';
import { corrupt, GloveboxError, limit, notFound } from '../../errors.js';
import { MAX_ATTRIBUTE_LIST_BYTES, parseAttributeList, type AttributeListEntry } from './attributes.js';
import type { NtfsGeometry } from './boot.js';
import { readExact } from './io.js';
import { AT_ATTRIBUTE_LIST, AT_DATA, parseMftRecord, type Attribute, type MftRecord, type RecordContext } from './record.js';
import { mapClusters, readStream, streamOf, type Stream } from './stream.js';

/** MFT bytes read per device read. */
const MFT_CHUNK_BYTES = 64 * 1024;
const MAX_CACHED_CHUNKS = 64;
const MAX_CACHED_INODES = 4096;
/** Extension records one file may have (through its $ATTRIBUTE_LIST). */
const MAX_EXTENSION_RECORDS = 4096;
/** Record numbers must fit below 2^32 so stream node ids stay distinct (see volume.ts). */
export const MAX_MFT_RECORDS = 0x1_0000_0000 - 1;

/** A file: its base record and the attributes of the base and every extension record. */
export interface Inode {
  number: number;
  base: MftRecord;
  attributes: Attribute[];
}

class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
  }
  delete(key: K): void {
    this.map.delete(key);
  }
}

export class Mft {
  readonly recordBytes: number;
  readonly ctx: RecordContext;
  private stream: Stream | null = null;
  recordCount = 0;
  private readonly chunks = new Lru<number, Promise<Uint8Array>>(MAX_CACHED_CHUNKS);
  private readonly inodes = new Lru<number, Inode>(MAX_CACHED_INODES);

  constructor(
    private readonly device: BlockDevice,
    readonly geometry: NtfsGeometry,
  ) {
    this.recordBytes = geometry.mftRecordBytes;
    const deviceClusters = Math.floor(device.size / geometry.bytesPerCluster);
    this.ctx = { bytesPerCluster: geometry.bytesPerCluster, clusterCount: Math.min(geometry.clusterCount, deviceClusters) };
  }

  /** Reads record 0 from the boot sector's position and builds the runlist of the whole $MFT. */
  async load(): Promise<void> {
    const g = this.geometry;
    const raw = await readExact(this.device, g.mftLcn * g.bytesPerCluster, this.recordBytes);
    const rec0 = parseMftRecord(raw, 0, this.ctx);
    if (!rec0.inUse) throw corrupt('$MFT record not in use', { where: 'MFT record 0' });
    const own = rec0.attributes.filter((a) => a.type === AT_DATA && a.name === '');
    if (own.length === 0 || own[0]!.resident !== null) throw corrupt('$MFT has no non-resident $DATA', { where: 'MFT record 0' });
    const where = '$MFT $DATA';
    // The extents in record 0 map at least the records that hold the further extents.
    this.stream = streamOf(own, where);
    this.setCount();
    const listAttr = rec0.attributes.find((a) => a.type === AT_ATTRIBUTE_LIST);
    if (listAttr !== undefined) {
      const entries = parseAttributeList(await this.attributeListBytes(listAttr, 'MFT record 0'), 'MFT record 0 $ATTRIBUTE_LIST');
      const extents = [...own];
      const others = entries.filter((e) => e.type === AT_DATA && e.name === '' && e.ref.record !== 0).sort((a, b) => a.lowestVcn - b.lowestVcn);
      if (others.length > MAX_EXTENSION_RECORDS) throw limit(`$MFT: more than ${MAX_EXTENSION_RECORDS} extension records`);
      const done = new Set<number>();
      for (const entry of others) {
        if (done.has(entry.ref.record)) continue;
        done.add(entry.ref.record);
        const ext = await this.record(entry.ref.record);
        if (ext.base.record !== 0) throw corrupt('$MFT extension record belongs to another file', { where: `MFT record ${ext.number}`, expected: 'base record 0', found: `${ext.base.record}` });
        extents.push(...ext.attributes.filter((a) => a.type === AT_DATA && a.name === ''));
        this.stream = streamOf(extents, where);
      }
      this.setCount();
    }
  }

  private setCount(): void {
    const s = this.stream!;
    const count = Math.floor(s.dataSize / this.recordBytes);
    if (count < 16) throw corrupt('$MFT too small', { where: 'MFT record 0 $DATA', expected: '>= 16 records', found: `${count}` });
    this.recordCount = Math.min(count, MAX_MFT_RECORDS);
  }

  /** The value of a $ATTRIBUTE_LIST (resident, or non-resident through the device). */
  async attributeListBytes(attr: Attribute, where: string): Promise<Uint8Array> {
    if (attr.resident !== null) return attr.resident;
    if (attr.dataSize > MAX_ATTRIBUTE_LIST_BYTES) throw limit(`${where}: $ATTRIBUTE_LIST of ${attr.dataSize} bytes`);
    return readStream(this.device, this.geometry.bytesPerCluster, streamOf([attr], `${where} $ATTRIBUTE_LIST`), 0, attr.dataSize);
  }

  /** A copy of record `n`'s raw bytes (before fixups). */
  async rawRecord(n: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(n) || n < 0 || n >= this.recordCount) throw notFound(`MFT record ${n} (the MFT has ${this.recordCount})`);
    const offset = n * this.recordBytes;
    const chunk = Math.floor(offset / MFT_CHUNK_BYTES);
    const bytes = await this.chunk(chunk);
    const at = offset - chunk * MFT_CHUNK_BYTES;
    return bytes.slice(at, at + this.recordBytes);
  }

  private chunk(index: number): Promise<Uint8Array> {
    const cached = this.chunks.get(index);
    if (cached !== undefined) return cached;
    const s = this.stream!;
    const bpc = this.geometry.bytesPerCluster;
    const start = index * MFT_CHUNK_BYTES;
    const end = Math.min(start + MFT_CHUNK_BYTES, this.recordCount * this.recordBytes);
    const pending = (async () => {
      const out = new Uint8Array(end - start);
      const firstVcn = Math.floor(start / bpc);
      for (const seg of mapClusters(s, firstVcn, Math.ceil(end / bpc) - firstVcn)) {
        const a = Math.max(start, seg.vcn * bpc);
        const b = Math.min(end, (seg.vcn + seg.length) * bpc);
        if (seg.lcn === null) throw corrupt('sparse run in the $MFT', { where: '$MFT $DATA', expected: 'allocated clusters', found: `a hole at VCN ${seg.vcn}` });
        out.set(await readExact(this.device, seg.lcn * bpc + (a - seg.vcn * bpc), b - a), a - start);
      }
      return out;
    })();
    this.chunks.set(index, pending);
    pending.catch(() => this.chunks.delete(index));
    return pending;
  }

  async record(n: number): Promise<MftRecord> {
    return parseMftRecord(await this.rawRecord(n), n, this.ctx);
  }

  /** A file with all its attributes; a record that is free or an extension record is NotFound. */
  async inode(n: number): Promise<Inode> {
    const cached = this.inodes.get(n);
    if (cached !== undefined) return cached;
    const base = await this.record(n);
    if (!base.inUse) throw notFound(`MFT record ${n} is not in use`);
    if (base.base.record !== 0) throw notFound(`MFT record ${n} is an extension of record ${base.base.record}`);
    const attributes = [...base.attributes];
    const listAttr = base.attributes.find((a) => a.type === AT_ATTRIBUTE_LIST);
    if (listAttr !== undefined) {
      const where = `MFT record ${n} $ATTRIBUTE_LIST`;
      const entries: AttributeListEntry[] = parseAttributeList(await this.attributeListBytes(listAttr, `MFT record ${n}`), where);
      const seen = new Set<number>([n]);
      for (const entry of entries) {
        const r = entry.ref.record;
        if (seen.has(r)) continue;
        if (seen.size > MAX_EXTENSION_RECORDS) throw limit(`${where}: more than ${MAX_EXTENSION_RECORDS} extension records`);
        seen.add(r);
        let ext: MftRecord;
        try {
          ext = await this.record(r);
        } catch (e) {
          if (e instanceof GloveboxError && e.kind === 'NotFound') throw corrupt('attribute list names a record past the MFT', { where, found: `record ${r}` });
          throw e;
        }
        if (!ext.inUse || ext.base.record !== n) {
          throw corrupt('attribute list names a record of another file', { where: `MFT record ${r}`, expected: `base record ${n}`, found: ext.inUse ? `base record ${ext.base.record}` : 'a free record' });
        }
        attributes.push(...ext.attributes);
      }
    }
    const inode: Inode = { number: n, base, attributes };
    this.inodes.set(n, inode);
    return inode;
  }
}
