// Image files and block devices as sources, opened read-only. Nothing in Glovebox ever opens
// a source for writing: the file descriptor is O_RDONLY and only `read` is ever called on it.

import { constants, type promises as fsp } from 'node:fs';
import { open } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { HostSource } from '../sandbox/host/source.js';

export class FileSource implements HostSource {
  private constructor(
    private readonly handle: fsp.FileHandle,
    readonly size: number,
    readonly path: string,
  ) {}

  /** A file Glovebox made itself (an expanded image), already open read-only, of known size. */
  static adopt(handle: fsp.FileHandle, size: number, path: string): FileSource {
    return new FileSource(handle, size, path);
  }

  /**
   * `deviceSize`: where the OS gives a block device's size only through another channel
   * (macOS: `diskutil info`), how to ask for it; Linux reads sysfs itself.
   */
  static async open(path: string, o: { deviceSize?: () => Promise<number | null> } = {}): Promise<FileSource> {
    // O_NOCTTY: a device path must never become our controlling terminal.
    const handle = await open(path, constants.O_RDONLY | constants.O_NOCTTY);
    try {
      const st = await handle.stat();
      let size: number;
      if (st.isFile()) size = st.size;
      else if (st.isBlockDevice()) size = await blockDeviceSize(path, st.rdev, o.deviceSize);
      else throw new Error('not a regular file or block device');
      return new FileSource(handle, size, path);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const buf = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(buf, done, length - done, offset + done);
      if (bytesRead === 0) throw new Error(`unexpected end of ${basename(this.path)} at ${offset + done}`);
      done += bytesRead;
    }
    return buf;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** A block device's size: fstat says 0, so ask sysfs (Linux) for its 512-byte sector count. */
async function blockDeviceSize(path: string, rdev: number, deviceSize?: () => Promise<number | null>): Promise<number> {
  if (process.platform !== 'linux') {
    const size = deviceSize ? await deviceSize() : null;
    if (size === null || !Number.isSafeInteger(size) || size <= 0) throw new Error(`cannot size block device ${path} on ${process.platform} yet`);
    return size;
  }
  const major = Math.floor(rdev / 256) & 0xfff;
  const minor = (rdev & 0xff) | ((Math.floor(rdev / 4096) & 0xfff00));
  const text = await readFile(`/sys/dev/block/${major}:${minor}/size`, 'utf8');
  const sectors = Number(text.trim());
  if (!Number.isSafeInteger(sectors)) throw new Error(`cannot read the size of ${path}`);
  return sectors * 512;
}

/** An in-memory source (tests, decompressed images). */
export class BufferSource implements HostSource {
  readonly size: number;
  constructor(private readonly bytes: Uint8Array) {
    this.size = bytes.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    return Uint8Array.prototype.slice.call(this.bytes, offset, offset + length);
  }
  async close(): Promise<void> {}
}
