// Microsoft VHDX ([MS-VHDX] v1.0): fixed and dynamic disks through the block allocation table.
// Refused, never opened or written: differencing disks (their parent is another file, named in
// the message), a log that needs replay (the current metadata may be in the log, not in place),
// and regions or metadata items marked required that this reader does not know.
import type { BlockDevice } from '../block/device.js';
import { corrupt, unsupported } from '../errors.js';
import { ascii, Lru, MappedDevice, printableName, readExact, u32, type Mapping } from './common.js';
import {
  decodeFileParameters,
  decodeHeader,
  decodeMetadataTable,
  decodeRegionTable,
  decodeU32Item,
  decodeU64Item,
  FILE_SIGNATURE,
  GUID_BAT_REGION,
  GUID_FILE_PARAMETERS,
  GUID_LOGICAL_SECTOR_SIZE,
  GUID_METADATA_REGION,
  GUID_PAGE_83_DATA,
  GUID_PARENT_LOCATOR,
  GUID_PHYSICAL_SECTOR_SIZE,
  GUID_VIRTUAL_DISK_SIZE,
  HEADER_BYTES,
  HEADER_OFFSETS,
  HEADER_SECTION_BYTES,
  METADATA_TABLE_BYTES,
  MiB,
  NULL_GUID,
  parentPathFromLocator,
  REGION_TABLE_BYTES,
  REGION_TABLE_OFFSETS,
  type MetadataEntry,
  type RegionEntry,
  type VhdxHeader,
} from './vhdx-structures.js';

/** 2.6.2.2: the virtual disk size is at most 64 TiB. */
const MAX_VIRTUAL_SIZE = 64 * 1024 * MiB * 1024;
/** 2.6.2.1: block sizes are powers of two from 1 MiB to 256 MiB. */
const MIN_BLOCK_SIZE = 1 * MiB;
const MAX_BLOCK_SIZE = 256 * MiB;
/** BAT entries are read on demand, this many per page (64 KiB), and a few pages kept. */
const BAT_PAGE_ENTRIES = 8192;
const BAT_PAGES_CACHED = 64;
/** Bytes of a parent locator item looked at for the parent's name (refusal message only). */
const MAX_PARENT_LOCATOR_BYTES = 64 * 1024;

/** 2.5.1: payload block states. Sector bitmap entries share the table but are never read here. */
const PAYLOAD_BLOCK_NOT_PRESENT = 0;
const PAYLOAD_BLOCK_UNDEFINED = 1;
const PAYLOAD_BLOCK_ZERO = 2;
const PAYLOAD_BLOCK_UNMAPPED = 3;
const PAYLOAD_BLOCK_FULLY_PRESENT = 6;
const PAYLOAD_BLOCK_PARTIALLY_PRESENT = 7;

export const LOG_REPLAY_MESSAGE = 'VHDX log needs replay (open it once in Hyper-V or qemu-img check -r all to replay)';

export async function isVhdx(device: BlockDevice): Promise<boolean> {
  if (device.size < FILE_SIGNATURE.length) return false;
  return ascii(await readExact(device, 0, FILE_SIGNATURE.length), 0, FILE_SIGNATURE.length) === FILE_SIGNATURE;
}

export async function openVhdx(source: BlockDevice): Promise<BlockDevice> {
  if (source.size < HEADER_SECTION_BYTES) {
    throw corrupt('VHDX header section', { expected: `at least ${HEADER_SECTION_BYTES} bytes`, found: `a ${source.size}-byte file` });
  }
  const section = await readExact(source, 0, REGION_TABLE_OFFSETS[1] + REGION_TABLE_BYTES);
  const header = currentHeader(section);
  if (header.version !== 1) throw unsupported(`VHDX version ${header.version}`);
  // 2.3: a non-zero LogGuid means the log may hold updates that are not yet in place.
  if (header.logGuid !== NULL_GUID) throw unsupported(LOG_REPLAY_MESSAGE);
  const regions = regionTable(section, source.size);
  const metadata = await readMetadata(source, regions.metadata);
  const dataBlocks = Math.ceil(metadata.virtualSize / metadata.blockSize);
  // 2.5: chunk ratio = 2^23 × logical sector size / block size (all powers of two, ≥ 16).
  const chunkRatio = (2 ** 23 * metadata.logicalSectorSize) / metadata.blockSize;
  // 2.5: a disk without a parent has a sector bitmap entry after every chunk ratio payload entries.
  const batEntries = dataBlocks === 0 ? 0 : dataBlocks + Math.floor((dataBlocks - 1) / chunkRatio);
  if (batEntries * 8 > regions.bat.length) {
    throw corrupt('VHDX BAT region too small', {
      where: `byte ${regions.bat.fileOffset}`,
      expected: `${batEntries * 8} bytes for ${metadata.virtualSize} bytes in ${metadata.blockSize}-byte blocks`,
      found: `${regions.bat.length}`,
    });
  }
  return new VhdxDevice(source, metadata.virtualSize, metadata.blockSize, chunkRatio, regions.bat.fileOffset, batEntries);
}

/** 2.2.2.1: the valid header with the larger sequence number. */
function currentHeader(section: Uint8Array): VhdxHeader {
  const a = decodeHeader(section.subarray(HEADER_OFFSETS[0], HEADER_OFFSETS[0] + HEADER_BYTES));
  const b = decodeHeader(section.subarray(HEADER_OFFSETS[1], HEADER_OFFSETS[1] + HEADER_BYTES));
  if (typeof a === 'string') {
    if (typeof b === 'string') {
      throw corrupt('VHDX headers', { where: `bytes ${HEADER_OFFSETS[0]} and ${HEADER_OFFSETS[1]}`, expected: 'a "head" with a valid CRC-32C', found: `${a}; ${b}` });
    }
    return b;
  }
  if (typeof b === 'string') return a;
  // Equal numbers: Disk2VHD writes two identical headers; either will do, take the first.
  return b.sequenceNumber > a.sequenceNumber ? b : a;
}

interface Regions {
  bat: RegionEntry;
  metadata: RegionEntry;
}

/** The first region table copy that is valid; its BAT and metadata regions, checked. */
function regionTable(section: Uint8Array, fileSize: number): Regions {
  const copies = REGION_TABLE_OFFSETS.map((o) => decodeRegionTable(section.subarray(o, o + REGION_TABLE_BYTES)));
  const entries = copies.find((c): c is RegionEntry[] => typeof c !== 'string');
  if (entries === undefined) {
    throw corrupt('VHDX region tables', { where: `bytes ${REGION_TABLE_OFFSETS[0]} and ${REGION_TABLE_OFFSETS[1]}`, expected: 'a "regi" with a valid CRC-32C', found: copies.join('; ') });
  }
  let bat: RegionEntry | undefined;
  let metadata: RegionEntry | undefined;
  for (const [i, e] of entries.entries()) {
    const where = `region table entry ${i} (${e.guid})`;
    const known = e.guid === GUID_BAT_REGION || e.guid === GUID_METADATA_REGION;
    if (!known) {
      if (e.required) throw unsupported(`VHDX region ${e.guid} marked required`);
      continue;
    }
    // 2.2.3.2: regions are 1 MiB aligned, a multiple of 1 MiB long, past the header section.
    if (!Number.isSafeInteger(e.fileOffset) || e.fileOffset % MiB !== 0 || e.fileOffset < HEADER_SECTION_BYTES || e.length === 0 || e.length % MiB !== 0) {
      throw corrupt('VHDX region placement', { where, expected: 'a 1 MiB-aligned region, a multiple of 1 MiB long, past the first 1 MiB', found: `${e.fileOffset}+${e.length}` });
    }
    if (e.fileOffset + e.length > fileSize) {
      throw corrupt('VHDX region past the end of the file', { where, expected: `within ${fileSize} bytes`, found: `${e.fileOffset}+${e.length}` });
    }
    if (e.guid === GUID_BAT_REGION) {
      if (bat !== undefined) throw corrupt('VHDX BAT region listed twice', { where });
      bat = e;
    } else {
      if (metadata !== undefined) throw corrupt('VHDX metadata region listed twice', { where });
      metadata = e;
    }
  }
  if (bat === undefined || metadata === undefined) {
    throw corrupt('VHDX region table', { expected: 'a BAT region and a metadata region', found: `${bat === undefined ? 'no BAT' : 'no metadata'} region` });
  }
  if (bat.fileOffset < metadata.fileOffset + metadata.length && metadata.fileOffset < bat.fileOffset + bat.length) {
    throw corrupt('VHDX BAT and metadata regions overlap', { found: `${bat.fileOffset}+${bat.length} and ${metadata.fileOffset}+${metadata.length}` });
  }
  return { bat, metadata };
}

interface Metadata {
  blockSize: number;
  virtualSize: number;
  logicalSectorSize: number;
}

/** The fixed size of each known system metadata item (2.6.2). */
const ITEM_BYTES = new Map<string, number>([
  [GUID_FILE_PARAMETERS, 8],
  [GUID_VIRTUAL_DISK_SIZE, 8],
  [GUID_PAGE_83_DATA, 16],
  [GUID_LOGICAL_SECTOR_SIZE, 4],
  [GUID_PHYSICAL_SECTOR_SIZE, 4],
]);

async function readMetadata(source: BlockDevice, region: RegionEntry): Promise<Metadata> {
  const where = `metadata region at byte ${region.fileOffset}`;
  const table = await readExact(source, region.fileOffset, METADATA_TABLE_BYTES);
  const entries = decodeMetadataTable(table, region.length, where);
  const items = new Map<string, MetadataEntry>();
  for (const e of entries) {
    if (!e.isUser && (ITEM_BYTES.has(e.itemId) || e.itemId === GUID_PARENT_LOCATOR)) items.set(e.itemId, e);
    else if (e.isRequired) throw unsupported(`VHDX ${e.isUser ? 'user' : 'system'} metadata item ${e.itemId} marked required`);
  }
  const item = async (guid: string, name: string): Promise<Uint8Array | null> => {
    const e = items.get(guid);
    if (e === undefined) return null;
    const bytes = ITEM_BYTES.get(guid)!;
    if (e.length !== bytes) throw corrupt(`VHDX ${name} metadata item length`, { where, expected: `${bytes}`, found: `${e.length}` });
    return readExact(source, region.fileOffset + e.offset, bytes);
  };
  const required = async (guid: string, name: string): Promise<Uint8Array> => {
    const b = await item(guid, name);
    if (b === null) throw corrupt(`VHDX ${name} metadata item missing`, { where });
    return b;
  };

  const params = decodeFileParameters(await required(GUID_FILE_PARAMETERS, 'File Parameters'));
  if (params.hasParent) throw unsupported(`differencing VHDX: the parent disk ${await parentName(source, region, items.get(GUID_PARENT_LOCATOR))}is not opened`);
  const { blockSize } = params;
  if (blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE || (blockSize & (blockSize - 1)) !== 0) {
    throw corrupt('VHDX block size', { where, expected: 'a power of two from 1 MiB to 256 MiB', found: String(blockSize) });
  }
  const logicalSectorSize = decodeU32Item(await required(GUID_LOGICAL_SECTOR_SIZE, 'Logical Sector Size'));
  if (logicalSectorSize !== 512 && logicalSectorSize !== 4096) {
    throw corrupt('VHDX logical sector size', { where, expected: '512 or 4096', found: String(logicalSectorSize) });
  }
  // Physical sector size and page 83 data change nothing that is read; checked when present.
  const physical = await item(GUID_PHYSICAL_SECTOR_SIZE, 'Physical Sector Size');
  if (physical !== null && decodeU32Item(physical) !== 512 && decodeU32Item(physical) !== 4096) {
    throw corrupt('VHDX physical sector size', { where, expected: '512 or 4096', found: String(decodeU32Item(physical)) });
  }
  await item(GUID_PAGE_83_DATA, 'Page 83 Data');
  const virtualSize = decodeU64Item(await required(GUID_VIRTUAL_DISK_SIZE, 'Virtual Disk Size'));
  if (!Number.isSafeInteger(virtualSize) || virtualSize > MAX_VIRTUAL_SIZE || virtualSize % logicalSectorSize !== 0) {
    throw corrupt('VHDX virtual disk size', { where, expected: `a multiple of ${logicalSectorSize} bytes, at most 64 TiB`, found: String(virtualSize) });
  }
  return { blockSize, virtualSize, logicalSectorSize };
}

/** The parent's path for the refusal message ("" when the locator names none), then a space. */
async function parentName(source: BlockDevice, region: RegionEntry, e: MetadataEntry | undefined): Promise<string> {
  if (e === undefined || e.length === 0) return '';
  const bytes = await readExact(source, region.fileOffset + e.offset, Math.min(e.length, MAX_PARENT_LOCATOR_BYTES));
  const path = parentPathFromLocator(bytes);
  return path === null ? '' : `${printableName(path)} `;
}

class VhdxDevice extends MappedDevice {
  private readonly pages = new Lru<number, Uint8Array>(BAT_PAGES_CACHED);

  constructor(
    source: BlockDevice,
    readonly size: number,
    private readonly blockSize: number,
    private readonly chunkRatio: number,
    private readonly batOffset: number,
    private readonly batEntries: number,
  ) {
    super(source, 'VHDX');
  }

  /** The BAT entry at `index` (< batEntries, checked at open against the region) as lo, hi. */
  private async entry(index: number): Promise<[number, number]> {
    const page = Math.floor(index / BAT_PAGE_ENTRIES);
    let bytes = this.pages.get(page);
    if (bytes === undefined) {
      const first = page * BAT_PAGE_ENTRIES;
      const count = Math.min(BAT_PAGE_ENTRIES, this.batEntries - first);
      bytes = await readExact(this.source, this.batOffset + first * 8, count * 8);
      this.pages.set(page, bytes);
    }
    const o = (index % BAT_PAGE_ENTRIES) * 8;
    return [u32(bytes, o), u32(bytes, o + 4)];
  }

  protected async locate(offset: number): Promise<Mapping> {
    const block = Math.floor(offset / this.blockSize);
    const within = offset - block * this.blockSize;
    const length = this.blockSize - within;
    const index = block + Math.floor(block / this.chunkRatio);
    if (index >= this.batEntries) throw corrupt('VHDX block beyond the BAT', { where: `block ${block}`, found: `entry ${index} of ${this.batEntries}` });
    const [lo, hi] = await this.entry(index);
    const state = lo & 7;
    const where = `BAT entry ${index} (block ${block})`;
    switch (state) {
      case PAYLOAD_BLOCK_NOT_PRESENT:
      case PAYLOAD_BLOCK_UNDEFINED:
      case PAYLOAD_BLOCK_ZERO:
      case PAYLOAD_BLOCK_UNMAPPED:
        return { host: null, length };
      case PAYLOAD_BLOCK_FULLY_PRESENT: {
        // FileOffsetMB: bits 20..63, at most 2^44; checked against the file before it is scaled.
        const fileOffsetMB = hi * 4096 + (lo >>> 20);
        const inBlock = Math.min(this.blockSize, this.size - block * this.blockSize);
        if (fileOffsetMB < 1 || fileOffsetMB > Math.floor(this.source.size / MiB) || fileOffsetMB * MiB + inBlock > this.source.size) {
          throw corrupt('VHDX BAT entry past the end of the file', { where, expected: `a block within ${this.source.size} bytes, past the first 1 MiB`, found: `FileOffsetMB ${fileOffsetMB}` });
        }
        return { host: fileOffsetMB * MiB + within, length };
      }
      case PAYLOAD_BLOCK_PARTIALLY_PRESENT:
        throw corrupt('VHDX partially present block in a disk without a parent', { where });
      default:
        throw corrupt('VHDX payload block state', { where, expected: '0, 1, 2, 3, 6 or 7', found: String(state) });
    }
  }
}
