// Disk image containers: a source device in, the virtual disk out. Detected by signature only
// (never by file name); a source that carries none of them is "raw" and passes through.
import type { BlockDevice } from '../block/device.js';
import { isQcow2, openQcow2 } from './qcow2.js';
import { isVdi, openVdi } from './vdi.js';
import { isVhd, openVhd } from './vhd.js';
import { isVhdx, openVhdx } from './vhdx.js';
import { isVmdk, openVmdk } from './vmdk.js';

export type ContainerName = 'raw' | 'vhd' | 'qcow2' | 'vdi' | 'vhdx' | 'vmdk';

const CONTAINERS: ReadonlyArray<{ name: ContainerName; is(d: BlockDevice): Promise<boolean>; open(d: BlockDevice): Promise<BlockDevice> }> = [
  { name: 'qcow2', is: isQcow2, open: openQcow2 },
  { name: 'vdi', is: isVdi, open: openVdi },
  { name: 'vhd', is: isVhd, open: openVhd },
  { name: 'vhdx', is: isVhdx, open: openVhdx },
  { name: 'vmdk', is: isVmdk, open: openVmdk },
];

/** The container whose signature the device carries, or 'raw'. Reads a few bytes only. */
export async function detectContainer(device: BlockDevice): Promise<ContainerName> {
  for (const c of CONTAINERS) if (await c.is(device)) return c.name;
  return 'raw';
}

/**
 * Opens the container the device carries. Throws GloveboxError Corrupt/Unsupported when a
 * signature matches but the container cannot be read (differencing disks, backing files...).
 */
export async function openContainer(device: BlockDevice): Promise<{ container: ContainerName; device: BlockDevice }> {
  for (const c of CONTAINERS) {
    if (await c.is(device)) return { container: c.name, device: await c.open(device) };
  }
  return { container: 'raw', device };
}
