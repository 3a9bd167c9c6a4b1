// Mapping pairs (runlists, layout.h "Attribute Mapping Pairs"): a header byte whose low nibble
// is the size of the run length and high nibble the size of the signed LCN delta; a delta of
// size 0 is a sparse run (no clusters). The walk is bounded by the bytes given; every run is
// checked against the volume's clusters.
import { corrupt } from '../../errors.js';

export interface Run {
  vcn: number;
  /** Clusters. */
  length: number;
  /** null: a hole (sparse), reads as zeros. */
  lcn: number | null;
}

export function decodeRunlist(b: Uint8Array, lowestVcn: number, ctx: { clusterCount: number }, where: string): Run[] {
  const runs: Run[] = [];
  let pos = 0;
  let vcn = lowestVcn;
  let lcn = 0;
  while (pos < b.length) {
    const header = b[pos]!;
    if (header === 0) return runs;
    const lengthBytes = header & 0x0f;
    const offsetBytes = header >> 4;
    if (lengthBytes === 0 || lengthBytes > 8 || offsetBytes > 8 || pos + 1 + lengthBytes + offsetBytes > b.length) {
      throw corrupt('bad mapping pair', { where: `${where}, runlist byte ${pos}`, expected: 'a length of 1..8 bytes inside the attribute', found: `header 0x${header.toString(16)}` });
    }
    let length = 0;
    for (let i = lengthBytes - 1; i >= 0; i--) length = length * 256 + b[pos + 1 + i]!;
    let delta = 0;
    if (offsetBytes > 0) {
      const top = b[pos + lengthBytes + offsetBytes]!;
      delta = top >= 0x80 ? top - 256 : top;
      for (let i = offsetBytes - 2; i >= 0; i--) delta = delta * 256 + b[pos + 1 + lengthBytes + i]!;
    }
    if (length === 0 || !Number.isSafeInteger(length) || !Number.isSafeInteger(delta) || !Number.isSafeInteger(vcn + length)) {
      throw corrupt('bad run length', { where: `${where}, runlist byte ${pos}`, expected: 'a run of at least one cluster', found: `${length}` });
    }
    if (offsetBytes === 0) {
      runs.push({ vcn, length, lcn: null });
    } else {
      lcn += delta;
      if (lcn < 0 || lcn + length > ctx.clusterCount) {
        throw corrupt('run past the end of the volume', { where: `${where}, runlist byte ${pos}`, expected: `clusters below ${ctx.clusterCount}`, found: `${lcn}+${length}` });
      }
      runs.push({ vcn, length, lcn });
    }
    vcn += length;
    pos += 1 + lengthBytes + offsetBytes;
  }
  // No terminating zero within the attribute: what was decoded is all there is.
  return runs;
}
