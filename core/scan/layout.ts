// Findings about the image's layout, from the probe's volume list alone (no bytes are read):
// partitions marked hidden, and volumes that share bytes (one image read as two file systems).
// Pure and free of parsers, so the host can apply it to the ImageInfo the sandbox returned.
import type { Finding } from './types.js';

export interface LayoutVolume {
  index: number;
  partition: number | null;
  offset: number;
  size: number;
  fs: string | null;
  partitionTypeName?: string;
}

/** Pairs of file systems that are made to share sectors by design (hybrid optical media). */
const HYBRIDS = new Set(['iso9660+udf', 'udf+iso9660']);

export function layoutFindings(volumes: readonly LayoutVolume[]): Finding[] {
  const out: Finding[] = [];
  for (const v of volumes) {
    if (v.partitionTypeName !== undefined && /hidden/i.test(v.partitionTypeName)) {
      out.push({
        severity: 'warning',
        kind: 'hidden-partition',
        path: '/',
        title: `Partition ${v.partition ?? v.index} is marked hidden`,
        evidence: [`volume ${v.index}: ${v.partitionTypeName}`, `file system: ${v.fs ?? 'none recognised'}`, `offset ${v.offset}, ${v.size} bytes`],
        why: 'Windows does not mount partitions with a hidden type, so their files never show in Explorer; tools and malware can still read and run them.',
      });
    }
  }
  const withFs = volumes.filter((v) => v.fs !== null && v.size > 0);
  for (let i = 0; i < withFs.length; i++) {
    for (let j = i + 1; j < withFs.length; j++) {
      const a = withFs[i]!;
      const b = withFs[j]!;
      if (a.offset >= b.offset + b.size || b.offset >= a.offset + a.size) continue;
      const hybrid = HYBRIDS.has(`${a.fs}+${b.fs}`) || HYBRIDS.has(`${a.fs?.replace(/\d.*$/, '')}+${b.fs?.replace(/\d.*$/, '')}`);
      out.push({
        severity: hybrid ? 'info' : 'warning',
        kind: 'overlapping-volumes',
        path: '/',
        title: hybrid ? `Volumes ${a.index} and ${b.index} are one hybrid disc` : `Volumes ${a.index} and ${b.index} share bytes`,
        evidence: [`volume ${a.index}: ${a.fs} at ${a.offset}, ${a.size} bytes`, `volume ${b.index}: ${b.fs} at ${b.offset}, ${b.size} bytes`],
        why: hybrid
          ? 'ISO 9660 and UDF on the same sectors is how DVDs and many installers are made; each system sees its own tree.'
          : 'The same bytes read as two file systems (a polyglot image): each operating system may show a different set of files from the same stick.',
      });
      if (out.length >= 100) return out;
    }
  }
  return out;
}
