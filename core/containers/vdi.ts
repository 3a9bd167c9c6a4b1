// VirtualBox VDI (version 1.1): normal (dynamic) and fixed images through the block map.
// Differencing and undo images (types 3, 4) are refused: their parent is never opened.
import type { BlockDevice } from '../block/device.js';
import { MAX_READ_BYTES } from '../block/device.js';
import { corrupt, unsupported } from '../errors.js';
import { MappedDevice, readExact, u32, u64, type Mapping } from './common.js';

const SIGNATURE = 0xbeda107f;
const HEADER_BYTES = 0x190;
const MAX_BLOCKS = MAX_READ_BYTES / 4;

export async function isVdi(device: BlockDevice): Promise<boolean> {
  if (device.size < HEADER_BYTES) return false;
  return u32(await readExact(device, 0x40, 4), 0) === SIGNATURE;
}

export async function openVdi(source: BlockDevice): Promise<BlockDevice> {
  const h = await readExact(source, 0, HEADER_BYTES);
  const version = u32(h, 0x44);
  if (version >>> 16 !== 1) throw unsupported(`VDI version ${version >>> 16}.${version & 0xffff}`);
  const type = u32(h, 0x4c);
  if (type === 3 || type === 4) throw unsupported(`${type === 4 ? 'differencing' : 'undo'} VDI: the parent disk is not opened`);
  if (type !== 1 && type !== 2) throw corrupt('VDI image type', { expected: '1 or 2', found: String(type) });
  const mapOffset = u32(h, 0x154);
  const dataOffset = u32(h, 0x158);
  const size = u64(h, 0x170);
  const blockSize = u32(h, 0x178);
  const extra = u32(h, 0x17c);
  const blocks = u32(h, 0x180);
  if (!Number.isSafeInteger(size)) throw corrupt('VDI disk size', { found: String(size) });
  if (blockSize < 512 || blockSize > 256 * 1024 * 1024 || (blockSize & (blockSize - 1)) !== 0) {
    throw corrupt('VDI block size', { expected: 'a power of two from 512 bytes to 256 MiB', found: String(blockSize) });
  }
  if (extra > 64 * 1024 * 1024) throw corrupt('VDI block extra data', { found: String(extra) });
  const needed = Math.ceil(size / blockSize);
  if (blocks < needed) throw corrupt('VDI block count', { expected: `at least ${needed} for ${size} bytes`, found: String(blocks) });
  if (needed > MAX_BLOCKS) throw corrupt('VDI block count', { expected: `at most ${MAX_BLOCKS}`, found: String(needed) });
  if (mapOffset + needed * 4 > source.size) throw corrupt('VDI block map offset', { expected: `within ${source.size} bytes`, found: String(mapOffset) });
  const raw = needed > 0 ? await readExact(source, mapOffset, needed * 4) : new Uint8Array(0);
  const map = new Uint32Array(needed);
  const stride = blockSize + extra;
  for (let i = 0; i < needed; i++) {
    const e = u32(raw, i * 4);
    map[i] = e;
    if (e >= 0xfffffffe) continue;
    if (dataOffset + e * stride + stride > source.size) {
      throw corrupt('VDI block map entry past the end of the file', { where: `block ${i}`, found: String(e) });
    }
  }
  return new VdiDevice(source, size, blockSize, dataOffset + extra, stride, map);
}

class VdiDevice extends MappedDevice {
  constructor(
    source: BlockDevice,
    readonly size: number,
    private readonly blockSize: number,
    private readonly base: number,
    private readonly stride: number,
    private readonly map: Uint32Array,
  ) {
    super(source, 'VDI');
  }

  protected locate(offset: number): Promise<Mapping> {
    const index = Math.floor(offset / this.blockSize);
    const within = offset - index * this.blockSize;
    const length = this.blockSize - within;
    const e = this.map[index]!;
    if (e >= 0xfffffffe) return Promise.resolve({ host: null, length });
    return Promise.resolve({ host: this.base + e * this.stride + within, length });
  }
}
