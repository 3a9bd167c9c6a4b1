// container -> partition table -> file systems: the list of volumes in an image.
// The container (VHD, QCOW2, VDI, or raw) is opened first; partitions are found on its
// virtual disk, and every offset and size in the result is in that disk's coordinates.
import { CachedDevice } from './block/cache.js';
import type { BlockDevice } from './block/device.js';
import { SliceDevice } from './block/slice.js';
import { detectContainer, openContainer } from './containers/index.js';
import { detectStream, openStreamSource, type StreamInfo } from './containers/streams/index.js';
import { GloveboxError, toGloveboxError } from './errors.js';
import type { FsDriver, Volume } from './fs/types.js';
import { readPartitionTable, type Partition } from './partitions/index.js';

export type Partitioning = 'mbr' | 'gpt' | 'apm' | 'none';

export interface ProbedVolume {
  /** 1-based, what `--volume` takes. */
  index: number;
  /** Partition number in its table (1-based, MBR logical partitions from 5), null for a superfloppy. */
  partition: number | null;
  /** Byte offset and size in the image. */
  offset: number;
  size: number;
  /** The volume's bytes. */
  device: BlockDevice;
  /** File system as reported by its driver (e.g. "fat32"), null when none was recognised. */
  fs: string | null;
  /** Name of the driver that recognised it (e.g. "fat"): what a later probe is pinned to. */
  driver: string | null;
  label: string | null;
  /** The opened volume when a driver recognised it. */
  volume: Volume | null;
  /** Partition type (MBR type byte as "0x0c", or GPT type GUID) and a readable description. */
  partitionType?: string;
  partitionTypeName?: string;
  /** GPT partition name. */
  partitionName?: string;
  /** Why a recognised file system could not be opened. */
  error?: string;
}

export interface ProbeResult {
  /** Size of the virtual disk (the container's, or the source's when raw or unopenable). */
  size: number;
  /** The outermost container: 'raw', 'vhd', 'vhdx', 'vmdk', 'qcow2', 'vdi', or a stored 'zip'. */
  container: string;
  /** The container inside a stored zip entry, when it is not raw. */
  inner?: string;
  /** Why the container was not opened or read. */
  refused?: string;
  /** A compressed source: nothing is probed until the host has expanded it. */
  stream?: StreamInfo;
  partitioning: Partitioning;
  volumes: ProbedVolume[];
  /** Non-fatal observations (GPT primary header damaged, backup used; overlapping partitions...). */
  warnings: string[];
}

/**
 * `pinned` maps volume index -> driver name from an earlier probe of the same source:
 * a pinned volume is opened only with that driver (null: no driver), never re-probed.
 */
export type ProbeImage = (
  device: BlockDevice,
  drivers: readonly FsDriver[],
  pinned?: ReadonlyMap<number, string | null>,
) => Promise<ProbeResult>;

/** Below one sector there is neither a partition table nor a file system: nothing is probed. */
export const MIN_PROBE_BYTES = 512;

/**
 * Remembers the errors the source device itself throws, so that they propagate (the caller
 * deals with a failing source) while whatever a driver throws about a volume's bytes, including
 * a read past the end of its slice, becomes that volume's error.
 */
class SourceDevice implements BlockDevice {
  readonly size: number;
  readonly sourceOffset: number | undefined;
  private readonly failures = new WeakSet<object>();

  constructor(private readonly inner: BlockDevice) {
    this.size = inner.size;
    this.sourceOffset = inner.sourceOffset;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    try {
      return await this.inner.read(offset, length);
    } catch (e) {
      if (typeof e === 'object' && e !== null) this.failures.add(e);
      throw e;
    }
  }

  threw(e: unknown): boolean {
    return typeof e === 'object' && e !== null && this.failures.has(e);
  }
}

type Identity = Pick<ProbedVolume, 'fs' | 'driver' | 'label' | 'volume'> & { error?: string };

const unrecognised = (error?: string): Identity => ({ fs: null, driver: null, label: null, volume: null, ...(error !== undefined ? { error } : {}) });

/** Opens `device` with `driver`; a failure is the volume's error, never an exception. */
async function openWith(driver: FsDriver, device: BlockDevice, source: SourceDevice): Promise<Identity> {
  try {
    const volume = await driver.open(device);
    return { fs: volume.fs, driver: driver.name, label: volume.label, volume };
  } catch (e) {
    if (source.threw(e)) throw e;
    return { fs: driver.name, driver: driver.name, label: null, volume: null, error: toGloveboxError(e).message };
  }
}

/**
 * File systems that share one region by design: a UDF bridge disc (genisoimage -udf, Windows
 * install ISOs) carries both a UDF and an ISO 9660 tree over the same files. Each one found
 * becomes its own volume (same offset and size), in this order.
 */
export const CO_RESIDENT_DRIVERS: readonly string[] = ['udf', 'iso9660'];

const coResidentRank = (name: string | null | undefined): number => (name == null ? -1 : CO_RESIDENT_DRIVERS.indexOf(name));

/** probe() as a yes/no; a probe that throws is noted and counts as no. */
async function probes(driver: FsDriver, device: BlockDevice, source: SourceDevice, errors: string[]): Promise<boolean> {
  try {
    return await driver.probe(device);
  } catch (e) {
    // probe() should only say no; one that throws is noted and the next driver is asked.
    if (source.threw(e)) throw e;
    errors.push(`${driver.name} probe failed: ${toGloveboxError(e).message}`);
    return false;
  }
}

/**
 * The first driver whose probe() accepts the volume, opened; or no file system. When that
 * driver is co-resident, every other co-resident driver that accepts it gives a volume too.
 */
async function identify(
  device: BlockDevice,
  drivers: readonly FsDriver[],
  pin: string | null | undefined,
  source: SourceDevice,
): Promise<Identity[]> {
  if (pin === null) return [unrecognised()];
  if (pin !== undefined) {
    const driver = drivers.find((d) => d.name === pin);
    if (driver === undefined) return [{ ...unrecognised(`driver "${pin}" is not available`), driver: pin }];
    return [await openWith(driver, device, source)];
  }
  if (device.size < MIN_PROBE_BYTES) return [unrecognised()];
  const probeErrors: string[] = [];
  for (const driver of drivers) {
    if (!(await probes(driver, device, source, probeErrors))) continue;
    if (coResidentRank(driver.name) < 0) return [await openWith(driver, device, source)];
    const found = [driver];
    for (const other of drivers) {
      if (other === driver || coResidentRank(other.name) < 0) continue;
      if (await probes(other, device, source, probeErrors)) found.push(other);
    }
    found.sort((a, b) => coResidentRank(a.name) - coResidentRank(b.name));
    const out: Identity[] = [];
    for (const d of found) out.push(await openWith(d, device, source));
    return out;
  }
  return [unrecognised(probeErrors.length > 0 ? probeErrors.join('; ') : undefined)];
}

/**
 * A pinned region: the pinned volume, and the co-resident volumes pinned right after it that
 * still recognise the region (so that a UDF volume of one partition and an ISO 9660 volume of
 * the next are not taken for one bridge disc).
 */
async function identifyPinned(
  device: BlockDevice,
  drivers: readonly FsDriver[],
  pinned: ReadonlyMap<number, string | null>,
  index: number,
  source: SourceDevice,
): Promise<Identity[]> {
  const first = pinned.get(index);
  const out = await identify(device, drivers, first, source);
  let rank = coResidentRank(first);
  for (let next = index + 1; rank >= 0; next++) {
    const name = pinned.get(next);
    const nextRank = coResidentRank(name);
    if (nextRank <= rank) break;
    const driver = drivers.find((d) => d.name === name);
    if (driver === undefined || !(await probes(driver, device, source, []))) break;
    out.push(await openWith(driver, device, source));
    rank = nextRank;
  }
  return out;
}

/** ISO 9660's first volume descriptor ("CD001" at byte 32769): an isohybrid image's whole-disk volume. */
export const ISO9660_DESCRIPTOR_OFFSET = 32768;

async function hasIso9660Descriptor(image: BlockDevice): Promise<boolean> {
  if (image.size < ISO9660_DESCRIPTOR_OFFSET + 2048) return false;
  const b = await image.read(ISO9660_DESCRIPTOR_OFFSET, 7);
  return b[1] === 0x43 && b[2] === 0x44 && b[3] === 0x30 && b[4] === 0x30 && b[5] === 0x31 && b[6] === 1;
}

function partitionFields(p: Partition): Pick<ProbedVolume, 'partitionType' | 'partitionTypeName' | 'partitionName'> {
  return {
    partitionType: p.type,
    ...(p.typeName !== null ? { partitionTypeName: p.typeName } : {}),
    ...(p.name !== undefined ? { partitionName: p.name } : {}),
  };
}

/**
 * Lists the volumes of an image: its partitions (or the whole device when it has no table),
 * each with the file system the first matching driver finds in it. A region that holds
 * co-resident file systems (a UDF bridge disc) gives one volume per file system, and an
 * isohybrid image (a partition table inside an ISO 9660 image) also lists the whole device's
 * ISO 9660/UDF volume after the partitions. Never throws for what the
 * image contains; errors of the device itself (GloveboxError 'Io') propagate.
 *
 * One read cache sits under all the volumes rather than one per partition: memory stays bounded
 * by a single cache whatever the number of partitions (up to 128 logical ones, thousands of GPT
 * entries), and the partition-table reads warm it for the drivers' first reads.
 */
export const probeImage: ProbeImage = async (device, drivers, pinned = new Map<number, string | null>()) => {
  const source = new SourceDevice(device);
  const opened = await openLayers(source);
  if ('refused' in opened) return { size: opened.size, container: opened.container, partitioning: 'none', volumes: [], warnings: [opened.warning], refused: opened.refused };
  if (opened.disk === null) return { size: device.size, container: opened.container, partitioning: 'none', volumes: [], warnings: [], stream: opened.stream };
  const { container, disk } = opened;
  const inner = opened.inner !== undefined ? { inner: opened.inner } : {};
  const image = new CachedDevice(disk);
  let table: Awaited<ReturnType<typeof readPartitionTable>>;
  try {
    table = await readPartitionTable(image); // scheme 'none' below one sector
  } catch (e) {
    // Only a container's own reads get here (a corrupt table, a compressed cluster): the
    // virtual disk is reported as unreadable, with no volume, rather than thrown.
    if (source.threw(e) || container === 'raw') throw e;
    const why = toGloveboxError(e).message;
    return { size: image.size, container, ...inner, partitioning: 'none', volumes: [], warnings: [`${container} container unreadable: ${why}`], refused: why };
  }

  const places: { partition: Partition | null; offset: number; size: number; coResidentOnly?: boolean }[] =
    table.scheme === 'none'
      ? [{ partition: null, offset: 0, size: image.size }]
      : table.partitions.map((p) => ({ partition: p, offset: p.offset, size: p.size }));
  // isohybrid: a partition table written into an ISO 9660 image's system area. The disc itself
  // is a volume too, listed after the partitions (unless a partition already starts at 0), and
  // offered only to the co-resident (optical) drivers.
  if (table.scheme !== 'none' && !places.some((p) => p.offset === 0) && (await hasIso9660Descriptor(image))) {
    places.push({ partition: null, offset: 0, size: image.size, coResidentOnly: true });
  }

  const volumes: ProbedVolume[] = [];
  for (const place of places) {
    const index = volumes.length + 1;
    const slice = new SliceDevice(image, place.offset, place.size);
    const offered = place.coResidentOnly === true ? drivers.filter((d) => coResidentRank(d.name) >= 0) : drivers;
    const identities = pinned.has(index)
      ? await identifyPinned(slice, drivers, pinned, index, source)
      : await identify(slice, offered, undefined, source);
    for (const identity of identities) {
      volumes.push({
        index: volumes.length + 1,
        partition: place.partition?.number ?? null,
        offset: place.offset,
        size: place.size,
        device: slice,
        ...identity,
        ...(place.partition !== null ? partitionFields(place.partition) : {}),
      });
    }
  }
  return { size: image.size, container, ...inner, partitioning: table.scheme, volumes, warnings: table.warnings };
};

type Layers =
  | { container: string; inner?: string; disk: BlockDevice }
  | { container: string; disk: null; stream: StreamInfo }
  | { container: string; size: number; refused: string; warning: string };

/** A container or compression format that refuses the image: reported, never thrown. */
function refusable(e: unknown, source: SourceDevice): e is GloveboxError {
  return !source.threw(e) && e instanceof GloveboxError && (e.kind === 'Corrupt' || e.kind === 'Unsupported' || e.kind === 'Limit');
}

/**
 * The virtual disk inside the source: a container (VHD, QCOW2...), a stored zip entry (and a
 * container inside it), or a compressed stream the host must expand first. A container that
 * cannot be read (corrupt, a differencing disk, a backing file...) is not an error of the
 * probe: the result names it, lists no volume and says why.
 */
async function openLayers(source: SourceDevice): Promise<Layers> {
  let container: string;
  let disk: BlockDevice;
  try {
    ({ container, device: disk } = await openContainer(source));
  } catch (e) {
    if (!refusable(e, source)) throw e;
    let name: string;
    try {
      name = await detectContainer(source);
    } catch {
      name = 'unknown';
    }
    return { container: name, size: source.size, refused: e.message, warning: `${name} container not opened: ${e.message}` };
  }
  if (container !== 'raw') return { container, disk };
  const format = await detectStream(source);
  if (format === null) return { container, disk };
  let stored: BlockDevice;
  try {
    const s = await openStreamSource(source, format);
    if (s.device === null) return { container: format, disk: null, stream: s.info };
    stored = s.device;
  } catch (e) {
    if (!refusable(e, source)) throw e;
    return { container: format, size: source.size, refused: e.message, warning: `${format} image not opened: ${e.message}` };
  }
  // A stored zip entry is read in place, and may itself be a container (a zipped VHD).
  try {
    const innerOpened = await openContainer(stored);
    return innerOpened.container === 'raw' ? { container: format, disk: stored } : { container: format, inner: innerOpened.container, disk: innerOpened.device };
  } catch (e) {
    if (!refusable(e, source)) throw e;
    return { container: format, size: stored.size, refused: e.message, warning: `container inside the ${format} not opened: ${e.message}` };
  }
}
