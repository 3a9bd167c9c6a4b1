// gzip (RFC 1952), one member or several in a row, through fflate's streaming inflater. fflate
// does not check the members' trailers, so this does: each member's CRC-32 and ISIZE (its size
// mod 2^32) against what came out of it.
import CRC32 from 'crc-32';
import { Gunzip } from 'fflate';
import type { BlockDevice } from '../../block/device.js';
import { corrupt } from '../../errors.js';
import { readExact, u32 } from '../common.js';
import { SequentialInput } from './input.js';
import { PushExpandStream } from './push.js';
import type { ExpandStream } from './types.js';

/** Deflate expands at most about 1032:1, so one 32 KiB push yields at most ~33 MiB. */
const PIECE_BYTES = 32 * 1024;
const TRAILER_BYTES = 8;

export const isGzip = (b: Uint8Array): boolean => b.length >= 3 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 8;

interface Member {
  crc: number;
  size: number;
}

export function openGzip(device: BlockDevice): ExpandStream {
  let current: Member = { crc: 0, size: 0 };
  /** Members that ended, with where their trailer lies, not yet checked. */
  const ended: Array<Member & { trailer: number }> = [];
  const check = async (m: Member, trailerAt: number): Promise<void> => {
    if (trailerAt < 0 || trailerAt + TRAILER_BYTES > device.size) throw corrupt('gzip member trailer', { where: `compressed byte ${trailerAt}` });
    const t = await readExact(device, trailerAt, TRAILER_BYTES);
    if (u32(t, 0) !== m.crc >>> 0) throw corrupt('gzip member CRC-32', { where: `compressed byte ${trailerAt}`, expected: u32(t, 0).toString(16), found: (m.crc >>> 0).toString(16) });
    if (u32(t, 4) !== m.size % 0x1_0000_0000) throw corrupt('gzip member size', { where: `compressed byte ${trailerAt}`, expected: String(u32(t, 4)), found: String(m.size % 0x1_0000_0000) });
  };
  return new PushExpandStream(
    new SequentialInput(device),
    (ondata) => {
      const g = new Gunzip((d, final) => ondata(d, final));
      // Called when the next member starts: all of the previous one has been delivered.
      g.onmember = (offset: number) => {
        ended.push({ ...current, trailer: offset - TRAILER_BYTES });
        current = { crc: 0, size: 0 };
      };
      return g;
    },
    {
      what: 'gzip',
      pieceBytes: PIECE_BYTES,
      onData: (chunk) => {
        current.crc = CRC32.buf(chunk, current.crc);
        current.size += chunk.length;
      },
      afterPush: async () => {
        for (const m of ended.splice(0)) await check(m, m.trailer);
      },
      onFinish: () => check(current, device.size - TRAILER_BYTES),
    },
  );
}
