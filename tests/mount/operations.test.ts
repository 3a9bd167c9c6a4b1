// The glue between fuse-native's callback operations and MountedVolume (core/mount/fuse.ts),
// driven directly: no FUSE, no kernel.
import { describe, expect, it } from 'vitest';
import { GloveboxError } from '../../core/errors.js';
import { fuseOperations } from '../../core/mount/fuse.js';
import { Errno } from '../../core/mount/errno.js';
import { WRITE_OPERATIONS, type MountedVolume } from '../../core/mount/volume.js';

type Op = (...args: unknown[]) => void;

/** A stand-in volume: only what the glue calls. */
function fakeVolume(over: Partial<Record<keyof MountedVolume, unknown>>): MountedVolume {
  return over as unknown as MountedVolume;
}

function call(ops: Record<string, (...args: never[]) => void>, name: string, ...args: unknown[]): Promise<unknown[]> {
  return new Promise((resolve) => (ops[name] as unknown as Op)(...args, (...r: unknown[]) => resolve(r)));
}

describe('fuseOperations', () => {
  it('answers every write-type operation EROFS, whatever its arguments', async () => {
    const ops = fuseOperations(fakeVolume({}), 1000);
    for (const op of WRITE_OPERATIONS) expect(await call(ops, op, '/x', 1, 2), op).toEqual([-Errno.EROFS]);
  });

  it('copies read data into the kernel buffer and answers the byte count', async () => {
    const ops = fuseOperations(fakeVolume({ read: async (_fh: number, pos: number, len: number) => new Uint8Array(len).fill(pos) }), 1000);
    const buf = Buffer.alloc(8);
    expect(await call(ops, 'read', '/f', 3, buf, 4, 7)).toEqual([4]);
    expect([...buf]).toEqual([7, 7, 7, 7, 0, 0, 0, 0]);
  });

  it('answers errors as negative errno values, and late answers EIO', async () => {
    const ops = fuseOperations(
      fakeVolume({
        getattr: async () => {
          throw new GloveboxError('NotFound', 'gone');
        },
        readdir: () => new Promise(() => {}),
        resolve: async () => ({ node: 1, type: 'file' }),
      }),
      50,
    );
    expect(await call(ops, 'getattr', '/x')).toEqual([-Errno.ENOENT]);
    expect(await call(ops, 'readdir', '/')).toEqual([-Errno.EIO]);
    expect(await call(ops, 'access', '/x', 2)).toEqual([-Errno.EROFS]);
    expect(await call(ops, 'access', '/x', 4)).toEqual([0]);
  });

  it('never shows a time before 1970 as a huge one (the binding passes unsigned times)', async () => {
    const attr = { mode: 0o100444, uid: 0, gid: 0, size: 1, nlink: 1, blocks: 1, blksize: 4096, atime: new Date(-1000), mtime: new Date(5000), ctime: new Date(-5) };
    const ops = fuseOperations(fakeVolume({ getattr: async () => attr }), 1000);
    const [code, st] = (await call(ops, 'getattr', '/x')) as [number, typeof attr];
    expect(code).toBe(0);
    expect([st.atime.getTime(), st.mtime.getTime(), st.ctime.getTime()]).toEqual([0, 5000, 0]);
  });
});
