// The privileged reader helper: started elevated (pkexec on Linux) with one device path and
// the device number the user picked; opens that node read-only, checks it is that block
// device, then answers bounded reads on stdin/stdout until stdin closes. It never parses the
// data, never opens anything else, and has no sockets. See README.md (Privileged reader).

import { constants } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { decodeRequest, encodeAnswer, encodeHello, FrameReader, MAX_READ_BYTES, REQUEST_BYTES, Status } from './protocol.js';

export interface ReaderArgs {
  path: string;
  /** The st_rdev of the device the user picked (before any prompt). */
  expectedRdev: number;
}

/** Linux: a block device's size from sysfs, in bytes (fstat says 0). */
async function linuxBlockSize(rdev: number): Promise<number | null> {
  const major = Math.floor(rdev / 256) & 0xfff;
  const minor = (rdev & 0xff) | (Math.floor(rdev / 4096) & 0xfff00);
  try {
    const sectors = Number((await readFile(`/sys/dev/block/${major}:${minor}/size`, 'utf8')).trim());
    return Number.isSafeInteger(sectors * 512) ? sectors * 512 : null;
  } catch {
    return null;
  }
}

async function write(out: Writable, b: Uint8Array): Promise<void> {
  if (!out.write(b)) await new Promise<void>((resolve) => out.once('drain', resolve));
}

/** Runs the helper's protocol over the given streams; resolves when the host closes stdin. */
export async function serveReader(args: ReaderArgs, input: Readable, output: Writable, sizeOf: (rdev: number) => Promise<number | null> = linuxBlockSize): Promise<void> {
  let fh: FileHandle;
  try {
    // O_NOFOLLOW: a symlink put in place of the node after the prompt is refused.
    fh = await open(args.path, constants.O_RDONLY | constants.O_NOCTTY | constants.O_NOFOLLOW);
  } catch (e) {
    await write(output, encodeHello(Status.openFailed, 0, (e as NodeJS.ErrnoException).code ?? 'open failed'));
    return;
  }
  try {
    const st = await fh.stat();
    if (!st.isBlockDevice()) {
      await write(output, encodeHello(Status.notBlockDevice, 0, 'not a block device'));
      return;
    }
    if (st.rdev !== args.expectedRdev) {
      await write(output, encodeHello(Status.wrongDevice, 0, 'not the device that was chosen'));
      return;
    }
    const size = await sizeOf(st.rdev);
    if (size === null) {
      await write(output, encodeHello(Status.openFailed, 0, 'cannot tell the size of the device'));
      return;
    }
    await write(output, encodeHello(Status.ok, size, ''));
    const frames = new FrameReader();
    input.on('data', (c: Buffer) => frames.push(c));
    input.on('end', () => frames.end());
    input.on('error', () => frames.end());
    for (;;) {
      const raw = await frames.take(REQUEST_BYTES);
      if (!raw) return;
      const { id, length, offset } = decodeRequest(raw);
      if (length === 0 || length > MAX_READ_BYTES) {
        await write(output, encodeAnswer(id, Status.badRequest, Buffer.from(`length must be 1..${MAX_READ_BYTES}`)));
        continue;
      }
      if (offset + BigInt(length) > BigInt(size)) {
        await write(output, encodeAnswer(id, Status.outOfRange, Buffer.from('range past the end of the device')));
        continue;
      }
      const buf = Buffer.alloc(length);
      try {
        let done = 0;
        while (done < length) {
          const { bytesRead } = await fh.read(buf, done, length - done, Number(offset) + done);
          if (bytesRead === 0) throw Object.assign(new Error('short read'), { code: 'EIO' });
          done += bytesRead;
        }
        await write(output, encodeAnswer(id, Status.ok, buf));
      } catch (e) {
        await write(output, encodeAnswer(id, Status.ioError, Buffer.from((e as NodeJS.ErrnoException).code ?? 'EIO')));
      }
    }
  } finally {
    await fh.close();
  }
}

/** The command line the helper is started with (after elevation): `<device> <st_rdev>`. */
export async function readerMain(argv: readonly string[], input: Readable, output: Writable): Promise<number> {
  const [path, rdevText] = argv;
  if (argv.length !== 2 || path === undefined || rdevText === undefined || !path.startsWith('/') || !/^\d{1,15}$/.test(rdevText)) {
    process.stderr.write('usage: glovebox-reader <device> <st_rdev>\n');
    return 2;
  }
  await serveReader({ path, expectedRdev: Number(rdevText) }, input, output);
  return 0;
}
