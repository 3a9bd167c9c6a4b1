// `glovebox scan`: what on a volume could hurt the user, as a sorted report, JSON lines, or one
// self-contained HTML page. The scan itself runs in the sandbox (ImageSession.scan); hashes and
// the hash list are the host's (it streams the files' bytes, it never parses them).
import { GloveboxError } from '../../errors.js';
import { reportHtml, type ReportFile, type ScanReportDocument } from '../../scan/report.js';
import type { Finding } from '../../scan/types.js';
import { digest, sourceChunks, type HashAlgorithm } from '../../sandbox/host/hash.js';
import type { ImageSession, ScanReport, WalkEntry } from '../../sandbox/host/session.js';
import { FileSource } from '../../sources/file-source.js';
import { humanSize, terminalSafe } from '../format.js';
import { algorithmsFor, type HashList } from '../hash-list.js';
import type { Output } from '../output.js';

export interface ScanCommandOptions {
  image: string;
  version: string;
  volume: number | undefined;
  json: boolean;
  html: boolean;
  /** Add the SHA-256 of every flagged file. */
  hash: boolean;
  /** Hash every file and report those on the list. */
  hashList?: HashList;
  warn: (message: string) => void;
  /** Progress on a terminal (stderr), or nothing. */
  progress?: (entries: number, findings: number, finished: boolean) => void;
}

/** Files listed in an HTML report at most. */
const MAX_REPORT_FILES = 100_000;
const RANK: Record<Finding['severity'], number> = { danger: 0, warning: 1, info: 2 };
const FATAL: readonly string[] = ['Cancelled', 'Crashed', 'Timeout', 'Protocol'];

/** Most severe first, then by path, then by kind: the same image gives the same report. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => RANK[a.severity] - RANK[b.severity] || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
}

export async function scanCommand(session: ImageSession, o: ScanCommandOptions, out: Output): Promise<void> {
  const vol = await session.volume(o.volume);
  let report: ScanReport;
  try {
    report = await session.scan(vol.index, o.progress ? { onProgress: (p) => o.progress!(p.entries, p.findings, false) } : {});
  } finally {
    o.progress?.(0, 0, true);
  }
  const findings = [...report.findings];
  const sha256 = new Map<number, string>();
  const hashOf = async (path: string, node: number, size: number, algorithms: HashAlgorithm[]) => {
    try {
      const d = await session.hash(vol.index, node, size, algorithms);
      if (d.sha256) sha256.set(node, d.sha256);
      return d;
    } catch (e) {
      if (!(e instanceof GloveboxError) || FATAL.includes(e.kind)) throw e;
      o.warn(`${terminalSafe(path)}: cannot hash: ${e.message}`);
      return null;
    }
  };
  let files: WalkEntry[] | null = null;
  const listFiles = async (): Promise<WalkEntry[]> => {
    if (files) return files;
    const root = await session.lookup(vol.index, '/');
    files = [];
    for await (const e of session.walk(vol.index, { node: root.node, path: '/' }, { recursive: true, onProblem: (p) => o.warn(`${terminalSafe(p.path)}: ${p.message}`) })) files.push(e);
    return files;
  };
  if (o.hashList) findings.push(...(await hashListFindings(o.hashList, await listFiles(), hashOf)));
  if (o.hash) {
    for (const f of findings) {
      if (f.node !== undefined && f.size !== undefined && !sha256.has(f.node)) await hashOf(f.path, f.node, f.size, ['sha256']);
    }
  }
  const sorted = sortFindings(findings);
  for (const n of report.notes) o.warn(`${terminalSafe(n.path)}: ${terminalSafe(n.message)}`);
  if (report.dropped > 0) o.warn(`${report.dropped} more findings were not kept`);
  if (o.json) {
    for (const f of sorted) {
      const obj: Record<string, unknown> = { severity: f.severity, kind: f.kind, path: f.path, title: f.title, evidence: f.evidence, why: f.why };
      if (f.size !== undefined) obj.size = f.size;
      const h = f.node !== undefined ? sha256.get(f.node) : undefined;
      if (h !== undefined) obj.sha256 = h;
      await out.line(JSON.stringify(obj));
    }
  } else if (o.html) {
    const listed = (await listFiles()).slice(0, MAX_REPORT_FILES).map((e): ReportFile => ({ path: e.path, type: e.type, size: e.size, mtime: e.mtime }));
    const doc = await reportDocument(session, o, vol.index, report, sorted, listed, Math.max(0, (await listFiles()).length - MAX_REPORT_FILES), sha256);
    await out.write(reportHtml(doc));
  } else {
    for (const f of sorted) {
      await out.line(`${f.severity.toUpperCase().padEnd(8)}${terminalSafe(f.path)}`);
      await out.line(`        ${terminalSafe(f.title)}`);
      for (const e of f.evidence) await out.line(`          ${terminalSafe(e)}`);
      const h = f.node !== undefined ? sha256.get(f.node) : undefined;
      if (h !== undefined && !f.evidence.some((e) => e.includes(h))) await out.line(`          sha256: ${h}`);
      await out.line(`        why: ${terminalSafe(f.why)}`);
      await out.line('');
    }
    const count = (s: Finding['severity']) => sorted.filter((f) => f.severity === s).length;
    const label = vol.label ? ` "${terminalSafe(vol.label)}"` : '';
    await out.line(
      `${count('danger')} danger, ${count('warning')} warning, ${count('info')} info in ${report.entries} entries (${humanSize(report.bytes)} read) on volume ${vol.index} (${vol.fs ?? '?'}${label})`,
    );
  }
  // A directory that could not be scanned leaves the report incomplete: the status says so.
  const unscanned = report.notes.filter((n) => n.message.startsWith('directory not scanned')).length;
  if (unscanned > 0) throw new GloveboxError('Corrupt', `${unscanned} ${unscanned === 1 ? 'directory' : 'directories'} could not be scanned (see above)`);
}

async function hashListFindings(
  list: HashList,
  entries: readonly WalkEntry[],
  hashOf: (path: string, node: number, size: number, a: HashAlgorithm[]) => Promise<Partial<Record<HashAlgorithm, string>> | null>,
): Promise<Finding[]> {
  const algorithms = algorithmsFor(list);
  const out: Finding[] = [];
  for (const e of entries) {
    if (e.type !== 'file') continue;
    const d = await hashOf(e.path, e.node, e.size, algorithms);
    if (!d) continue;
    const hit = algorithms.find((a) => d[a] !== undefined && list.digests[a].has(d[a]!));
    if (!hit) continue;
    const evidence = [`${hit}: ${d[hit]}`, `list: ${list.name}`];
    out.push(
      list.kind === 'nsrl'
        ? { severity: 'info', kind: 'known-hash', path: e.path, title: 'Known software file (NSRL)', evidence, why: 'The file is in the NSRL reference data set of known software: it is what it claims to be, not that it is safe to run.', node: e.node, size: e.size }
        : { severity: 'danger', kind: 'known-hash', path: e.path, title: 'File is on your hash list', evidence, why: 'The file\'s digest matches an entry of the hash list given with --hash-list.', node: e.node, size: e.size },
    );
  }
  return out;
}

async function reportDocument(
  session: ImageSession,
  o: ScanCommandOptions,
  volume: number,
  report: ScanReport,
  findings: Finding[],
  files: ReportFile[],
  filesOmitted: number,
  sha256: Map<number, string>,
): Promise<ScanReportDocument> {
  const info = await session.info();
  const source = await FileSource.open(o.image);
  let sourceSha256: string | null = null;
  try {
    sourceSha256 = (await digest(sourceChunks(source, 4 * 1024 * 1024), ['sha256'])).sha256 ?? null;
  } finally {
    await source.close();
  }
  return {
    tool: { name: 'glovebox', version: o.version },
    created: new Date().toISOString(),
    source: { name: o.image, size: source.size, sha256: sourceSha256 },
    image: { container: info.inner ? `${info.container} (${info.inner})` : info.container, partitioning: info.partitioning },
    volumes: info.volumes.map((v) => ({ index: v.index, fs: v.fs, label: v.label, size: v.size })),
    isolation: session.isolation,
    scanned: { volume, entries: report.entries, bytes: report.bytes },
    findings: findings.map((f) => {
      const h = f.node !== undefined ? sha256.get(f.node) : undefined;
      const { node: _node, ...rest } = f;
      return h !== undefined ? { ...rest, evidence: [...rest.evidence, `sha256: ${h}`].slice(0, 16) } : rest;
    }),
    notes: report.notes,
    files,
    filesOmitted,
  };
}
