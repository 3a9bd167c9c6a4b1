#!/usr/bin/env node
// Times the glovebox CLI beside native tools (7-Zip's `7zz`, The Sleuth Kit's `fls`) on the
// same images, in the same run. See bench/README.md.
//
//   npm run bench -- [--runs N] [--warmup N] [--image PATH]... [--only ls|extract] [--json]
//
// For every image: a sanity check (glovebox and 7zz agree on what is in it), then per operation
// a warm-up of every command (so the page cache is warm for all of them), then N rounds that
// run the commands one after the other (A B C, A B C, ...). Each command gets its median, min
// and max wall time; each glovebox/native ratio is taken within a round, then the median of
// those ratios is reported. Plain Node, no dependencies.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCH = path.join(ROOT, 'bench');
const WORK = path.join(BENCH, 'work');
let TMP = path.join(WORK, 'tmp');
const GLOVEBOX = path.join(ROOT, 'bin', 'glovebox.js');
const NODE = process.execPath;
const TIME = '/usr/bin/time';

const USAGE = `Usage: node bench/run.mjs [options]   (npm run bench -- [options])

Times glovebox beside 7zz and fls on the same image. Without --image, uses the images made by
bench/make-images.sh (bench/work/fat32.img, bench/work/fat16.img), making them if needed.

Options:
  --runs N          timed rounds per operation (default 5)
  --warmup N        untimed rounds first, to warm the page cache (default 1)
  --image PATH      an image to time (repeatable)
  --only ls|extract only the listing or only the extraction
  --tools LIST      comma-separated subset of glovebox,7zz,fls (default: all that are installed)
  --volume N        glovebox's --volume (and fls's offset, from 'glovebox info')
  --fls-offset N    fls -o N (sectors), overriding the offset from 'glovebox info'
  --tmp DIR         where extractions go (default bench/work/tmp, the images' file system)
  --no-verify       skip the sanity check of listings and extracted trees
  --no-rss          do not wrap commands in /usr/bin/time for peak RSS and CPU time
  --timeout S       give up on one command after S seconds (default 1800)
  --json            machine-readable results on stdout (progress still goes to stderr)
  -h, --help        this help`;

// ---------------------------------------------------------------------------------------------
// Options

let opts;
try {
  opts = parseArgs({
    strict: true,
    options: {
      runs: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      image: { type: 'string', multiple: true },
      only: { type: 'string' },
      tools: { type: 'string' },
      volume: { type: 'string' },
      'fls-offset': { type: 'string' },
      tmp: { type: 'string' },
      'no-verify': { type: 'boolean', default: false },
      'no-rss': { type: 'boolean', default: false },
      timeout: { type: 'string', default: '1800' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (e) {
  process.stderr.write(`bench: ${e.message}\n\n${USAGE}\n`);
  process.exit(2);
}
if (opts.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
function usageError(message) {
  process.stderr.write(`bench: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}
const count = (name, min) => {
  const v = Number(opts[name]);
  if (!/^\d+$/.test(opts[name]) || v < min) usageError(`--${name} takes a whole number >= ${min}`);
  return v;
};
const RUNS = count('runs', 1);
const WARMUP = count('warmup', 0);
const TIMEOUT_MS = count('timeout', 1) * 1000;
if (opts.only && !['ls', 'extract'].includes(opts.only)) usageError('--only takes ls or extract');
if (opts.volume !== undefined) count('volume', 1);
if (opts['fls-offset'] !== undefined) count('fls-offset', 0);
const ALL_TOOLS = ['glovebox', '7zz', 'fls'];
const wanted = opts.tools ? opts.tools.split(',').map((t) => t.trim()).filter(Boolean) : ALL_TOOLS;
for (const t of wanted) if (!ALL_TOOLS.includes(t)) usageError(`unknown tool "${t}" in --tools`);
if (opts.tmp) TMP = path.resolve(opts.tmp);
const OPS = opts.only ? [opts.only] : ['ls', 'extract'];

const log = (line = '') => process.stderr.write(`${line}\n`);
const say = (line = '') => (opts.json ? log(line) : process.stdout.write(`${line}\n`));

// ---------------------------------------------------------------------------------------------
// Running commands

const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/** GNU time at /usr/bin/time, able to write "%M %U %S" to a file? */
function probeTime() {
  if (opts['no-rss']) return { ok: false, why: 'disabled with --no-rss' };
  if (!existsSync(TIME)) return { ok: false, why: `${TIME} not installed (apt-get install time)` };
  mkdirSync(TMP, { recursive: true });
  const f = path.join(TMP, `time-probe-${process.pid}`);
  const r = spawnSync(TIME, ['-f', '%M %U %S', '-o', f, 'true'], { stdio: 'ignore' });
  let text = '';
  try {
    text = readFileSync(f, 'utf8');
  } catch {
    // not written
  }
  rmSync(f, { force: true });
  if (r.status !== 0 || !/^\d+ [\d.]+ [\d.]+\s*$/.test(text)) return { ok: false, why: `${TIME} is not GNU time` };
  return { ok: true, why: '' };
}

let devNull;
let timeFileSeq = 0;
const running = new Set();

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const c of running) killGroup(c);
    process.stderr.write(`bench: interrupted; leftovers (if any) are in ${TMP}\n`);
    process.exit(130);
  });
}

/**
 * Runs argv with stdin closed, stdout to /dev/null and stderr kept (its last 8 KiB). Wall time
 * is from spawn to the process's exit, by process.hrtime.bigint(). With `rss`, the command runs
 * under GNU time, which reports the peak RSS (KiB) and user+system CPU seconds of the command
 * and every descendant it waited for (ru_maxrss is the largest single process, not a sum).
 */
function runTimed(argv, { rss, stdout = 'null' }) {
  return new Promise((resolve) => {
    devNull ??= openSync('/dev/null', 'w');
    const timeFile = rss ? path.join(TMP, `time-${process.pid}-${timeFileSeq++}`) : null;
    const full = rss ? [TIME, '-f', '%M %U %S', '-o', timeFile, ...argv] : argv;
    let stderr = '';
    let stdoutText = '';
    const t0 = process.hrtime.bigint();
    // Its own process group, so that a timeout or ^C ends the command and all it started.
    const child = spawn(full[0], full.slice(1), {
      stdio: ['ignore', stdout === 'capture' ? 'pipe' : devNull, 'pipe'],
      cwd: ROOT,
      detached: true,
    });
    running.add(child);
    let t1 = null;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, TIMEOUT_MS);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-8192);
    });
    if (stdout === 'capture') {
      const chunks = [];
      child.stdout.on('data', (d) => chunks.push(d));
      child.stdout.on('end', () => {
        stdoutText = Buffer.concat(chunks).toString('utf8');
      });
    }
    child.on('exit', () => {
      t1 = process.hrtime.bigint();
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ ok: false, code: null, error: e.message, stderr, wallMs: NaN });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      const wallMs = Number((t1 ?? process.hrtime.bigint()) - t0) / 1e6;
      let rssKiB = null;
      let cpuS = null;
      let exit = code;
      if (timeFile) {
        let text = '';
        try {
          text = readFileSync(timeFile, 'utf8');
        } catch {
          // GNU time was killed (timeout)
        }
        rmSync(timeFile, { force: true });
        const lines = text.trim().split('\n');
        const m = /^(\d+) ([\d.]+) ([\d.]+)$/.exec(lines[lines.length - 1] ?? '');
        if (m) {
          rssKiB = Number(m[1]);
          cpuS = Math.round((Number(m[2]) + Number(m[3])) * 100) / 100;
        }
        const st = /Command exited with non-zero status (\d+)/.exec(text);
        if (st) exit = Number(st[1]);
        if (/Command terminated by signal (\d+)/.test(text)) exit = null;
      }
      const ok = exit === 0 && signal === null && !timedOut;
      const error = timedOut ? `timed out after ${TIMEOUT_MS / 1000} s` : ok ? null : signal ? `killed by ${signal}` : `exit status ${exit}`;
      resolve({ ok, code: exit, error, stderr, stdout: stdoutText, wallMs, rssKiB, cpuS });
    });
  });
}

/** Runs argv to completion and returns its stdout (throws with stderr on failure). */
async function capture(argv) {
  const r = await runTimed(argv, { rss: false, stdout: 'capture' });
  if (!r.ok) throw new Error(`${argv.map(shellQuote).join(' ')}: ${r.error}${tail(r.stderr)}`);
  return r.stdout;
}

/** The last lines of a command's stderr, on one line. */
function tail(stderr, n = 3) {
  const lines = stderr.trim().split('\n').filter(Boolean).slice(-n);
  return lines.length ? `: ${lines.join(' | ')}` : '';
}

function shellQuote(s) {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Removes a tree and flushes dirty pages, so one run's writeback does not land in the next. */
function cleanUp(dir) {
  rmSync(dir, { recursive: true, force: true });
  spawnSync('sync', { stdio: 'ignore' });
}

let freshSeq = 0;
/** A path under bench/work/tmp (same file system as the image) that does not exist yet. */
function freshDir(label) {
  mkdirSync(TMP, { recursive: true });
  const dir = path.join(TMP, `${label}-${process.pid}-${freshSeq++}`);
  rmSync(dir, { recursive: true, force: true });
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Statistics and formatting

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
const stats = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

const fmtS = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(3)} s` : '-');
const fmtMiB = (kib) => (kib === null || !Number.isFinite(kib) ? '-' : `${(kib / 1024).toFixed(0)} MiB`);
const fmtCpu = (s) => (s === null || !Number.isFinite(s) ? '-' : `${s.toFixed(2)} s`);
const fmtX = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '-');
const fmtBytes = (n) => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
};
const fmtInt = (n) => n.toLocaleString('en-US');

function table(rows, align) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows.map((r) => r.map((cell, c) => (align[c] === 'r' ? String(cell).padStart(widths[c]) : String(cell).padEnd(widths[c]))).join('  ').trimEnd());
}

// ---------------------------------------------------------------------------------------------
// Tools

function commandsFor(op, image, ctx) {
  const vol = opts.volume ? ['--volume', opts.volume] : [];
  const list = [];
  if (op === 'ls') {
    if (ctx.tools.has('glovebox')) {
      list.push({ tool: 'glovebox', display: 'glovebox ls -r --json', argv: () => [NODE, GLOVEBOX, 'ls', '-r', '--json', image, ...vol] });
    }
    if (ctx.tools.has('7zz')) list.push({ tool: '7zz', display: '7zz l', argv: () => ['7zz', 'l', image] });
    if (ctx.tools.has('fls')) {
      const o = ctx.flsOffset ? ['-o', String(ctx.flsOffset)] : [];
      list.push({ tool: 'fls', display: `fls -r -p${o.length ? ` -o ${ctx.flsOffset}` : ''}`, argv: () => ['fls', '-r', '-p', ...o, image] });
    }
  } else {
    if (ctx.tools.has('glovebox')) {
      list.push({ tool: 'glovebox', display: 'glovebox extract -o DIR', extract: true, argv: (dir) => [NODE, GLOVEBOX, 'extract', image, '-o', dir, ...vol] });
    }
    if (ctx.tools.has('7zz')) list.push({ tool: '7zz', display: '7zz x -oDIR', extract: true, argv: (dir) => ['7zz', 'x', `-o${dir}`, image] });
  }
  return list;
}

async function versions(tools) {
  const v = {};
  const first = (text, re) => (re.exec(text) ?? [])[0] ?? text.trim().split('\n')[0];
  if (tools.has('glovebox')) v.glovebox = (await capture([NODE, GLOVEBOX, '--version']).catch((e) => `error: ${e.message.split('\n')[0]}`)).trim();
  if (tools.has('7zz')) v['7zz'] = first(spawnSync('7zz', ['i'], { encoding: 'utf8' }).stdout ?? '', /7-Zip[^\n:]*/).trim();
  if (tools.has('fls')) v.fls = (spawnSync('fls', ['-V'], { encoding: 'utf8' }).stdout ?? '').trim();
  v.node = process.version;
  return v;
}

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

const loadavg = () => os.loadavg().map((x) => Number(x.toFixed(2)));

function gitRevision() {
  // Read-only queries; GIT_OPTIONAL_LOCKS=0 keeps `git status` from refreshing the index.
  const env = { ...process.env, GIT_OPTIONAL_LOCKS: '0' };
  const head = spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', env });
  if (head.status !== 0) return null;
  const st = spawnSync('git', ['-C', ROOT, 'status', '--porcelain'], { encoding: 'utf8', env });
  return `${head.stdout.trim()}${st.status === 0 && st.stdout.trim() ? ' (with uncommitted changes)' : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Sanity check: do glovebox and 7zz see the same files?

function parse7zSlt(text) {
  const r = { files: 0, dirs: 0, bytes: 0 };
  const body = text.split(/\n-{10}\n/)[1];
  if (body === undefined) throw new Error('7zz -slt: no entry list in the output');
  for (const block of body.split(/\n\s*\n/)) {
    const kv = new Map();
    for (const line of block.split('\n')) {
      const i = line.indexOf(' = ');
      if (i > 0) kv.set(line.slice(0, i), line.slice(i + 3));
    }
    if (!kv.has('Path')) continue;
    const isDir = kv.has('Folder') ? kv.get('Folder') === '+' : (kv.get('Attributes') ?? '').startsWith('D');
    if (isDir) r.dirs++;
    else {
      r.files++;
      r.bytes += Number(kv.get('Size') || 0);
    }
  }
  return r;
}

function parseGloveboxLs(text) {
  const r = { files: 0, dirs: 0, bytes: 0, symlinks: 0, other: 0 };
  for (const line of text.split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line);
    if (e.type === 'file') {
      r.files++;
      r.bytes += e.size;
    } else if (e.type === 'dir') r.dirs++;
    else if (e.type === 'symlink') r.symlinks++;
    else r.other++;
  }
  return r;
}

function parseFls(text) {
  const r = { files: 0, dirs: 0 };
  for (const line of text.split('\n')) {
    const m = /^(\S)\/(\S) (\* )?[^\t]*\t(.*)$/.exec(line);
    if (!m || m[3]) continue; // not an entry, or a deleted one
    if (m[1] === 'r' && !m[4].endsWith('(Volume Label Entry)')) r.files++;
    else if (m[1] === 'd') r.dirs++;
  }
  return r;
}

/** Files (relative path → size), directory count and bytes of an extracted tree. */
function walkTree(root) {
  const files = new Map();
  let dirs = 0;
  let symlinks = 0;
  const visit = (rel) => {
    for (const d of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        dirs++;
        visit(r);
      } else if (d.isSymbolicLink()) symlinks++;
      else if (d.isFile()) files.set(r, lstatSync(path.join(root, r)).size);
    }
  };
  visit('');
  let bytes = 0;
  for (const s of files.values()) bytes += s;
  return { files, dirs, symlinks, bytes };
}

const cmpA = Buffer.alloc(1 << 20);
const cmpB = Buffer.alloc(1 << 20);

function sameContent(a, b) {
  const fa = openSync(a, 'r');
  const fb = openSync(b, 'r');
  try {
    const [ba, bb] = [cmpA, cmpB];
    for (;;) {
      const na = readSync(fa, ba, 0, ba.length, null);
      const nb = readSync(fb, bb, 0, bb.length, null);
      if (na !== nb || !ba.subarray(0, na).equals(bb.subarray(0, nb))) return false;
      if (na === 0) return true;
    }
  } finally {
    closeSync(fa);
    closeSync(fb);
  }
}

async function verify(image, ctx) {
  const v = { warnings: [], listing: {}, extracted: {} };
  const warn = (m) => {
    v.warnings.push(m);
    log(`  WARNING: ${m}`);
  };
  const vol = opts.volume ? ['--volume', opts.volume] : [];
  const has = (t) => ctx.tools.has(t);
  const tryIt = async (what, fn) => {
    try {
      return await fn();
    } catch (e) {
      warn(`${what} failed: ${e.message}`);
      return null;
    }
  };

  // Listings.
  if (has('glovebox')) v.listing.glovebox = await tryIt('glovebox ls', async () => parseGloveboxLs(await capture([NODE, GLOVEBOX, 'ls', '-r', '--json', image, ...vol])));
  if (has('7zz')) v.listing['7zz'] = await tryIt('7zz l -slt', async () => parse7zSlt(await capture(['7zz', 'l', '-slt', image])));
  if (has('fls')) {
    const o = ctx.flsOffset ? ['-o', String(ctx.flsOffset)] : [];
    v.listing.fls = await tryIt('fls', async () => parseFls(await capture(['fls', '-r', '-p', ...o, image])));
  }
  if (ctx.manifest) v.listing.manifest = { files: ctx.manifest.files, dirs: ctx.manifest.dirs, bytes: ctx.manifest.bytes };
  const ref = v.listing['7zz'] ?? v.listing.manifest;
  const refName = v.listing['7zz'] ? '7zz' : 'manifest';
  for (const [name, l] of Object.entries(v.listing)) {
    if (!l || !ref || name === refName) continue;
    for (const k of ['files', 'dirs', 'bytes']) {
      if (l[k] !== undefined && ref[k] !== undefined && l[k] !== ref[k]) {
        warn(`listing mismatch: ${name} has ${fmtInt(l[k])} ${k}, ${refName} ${fmtInt(ref[k])}`);
      }
    }
  }

  // Extracted trees: glovebox's against 7zz's, entry by entry and byte by byte.
  if (OPS.includes('extract')) {
    const trees = {};
    const dirs = {};
    if (has('glovebox')) {
      dirs.glovebox = freshDir('verify-glovebox');
      trees.glovebox = await tryIt('glovebox extract', async () => {
        const r = await runTimed([NODE, GLOVEBOX, 'extract', image, '-o', dirs.glovebox, ...vol], { rss: false });
        const warnings = r.stderr.split('\n').filter((l) => l.startsWith('glovebox: warning')).length;
        if (warnings) warn(`glovebox extract printed ${warnings} warning(s), e.g. ${r.stderr.split('\n').find((l) => l.startsWith('glovebox: warning'))}`);
        if (!r.ok) throw new Error(`${r.error}${tail(r.stderr)}`);
        return walkTree(dirs.glovebox);
      });
    }
    if (has('7zz')) {
      dirs['7zz'] = freshDir('verify-7zz');
      trees['7zz'] = await tryIt('7zz x', async () => {
        const r = await runTimed(['7zz', 'x', `-o${dirs['7zz']}`, image], { rss: false });
        if (!r.ok) throw new Error(`${r.error}${tail(r.stderr)}`);
        return walkTree(dirs['7zz']);
      });
    }
    for (const [name, t] of Object.entries(trees)) {
      if (t) v.extracted[name] = { files: t.files.size, dirs: t.dirs, symlinks: t.symlinks, bytes: t.bytes };
    }
    const g = trees.glovebox;
    const z = trees['7zz'];
    if (g && z) {
      for (const k of ['files', 'dirs', 'bytes']) {
        if (v.extracted.glovebox[k] !== v.extracted['7zz'][k]) {
          warn(`extracted trees differ: glovebox wrote ${fmtInt(v.extracted.glovebox[k])} ${k}, 7zz ${fmtInt(v.extracted['7zz'][k])}`);
        }
      }
      const onlyG = [...g.files.keys()].filter((p) => !z.files.has(p));
      const onlyZ = [...z.files.keys()].filter((p) => !g.files.has(p));
      if (onlyG.length) warn(`${onlyG.length} file(s) only in glovebox's tree, e.g. ${JSON.stringify(onlyG.slice(0, 3))}`);
      if (onlyZ.length) warn(`${onlyZ.length} file(s) only in 7zz's tree, e.g. ${JSON.stringify(onlyZ.slice(0, 3))}`);
      const differ = [];
      for (const [p, size] of g.files) {
        if (!z.files.has(p)) continue;
        if (z.files.get(p) !== size || !sameContent(path.join(dirs.glovebox, p), path.join(dirs['7zz'], p))) differ.push(p);
      }
      if (differ.length) warn(`${differ.length} file(s) with different content, e.g. ${JSON.stringify(differ.slice(0, 3))}`);
      v.extracted.contentCompared = g.files.size - onlyG.length;
      v.extracted.contentDiffers = differ.length;
    } else if (g && ref) {
      if (g.files.size !== ref.files || g.bytes !== ref.bytes) warn(`glovebox extracted ${fmtInt(g.files.size)} files / ${fmtInt(g.bytes)} bytes, ${refName} lists ${fmtInt(ref.files)} / ${fmtInt(ref.bytes)}`);
    }
    for (const d of Object.values(dirs)) cleanUp(d);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Timing

async function timeOp(op, image, ctx) {
  const cmds = commandsFor(op, image, ctx).map((c) => ({ ...c, runs: [], failed: null }));
  if (cmds.length === 0) return null;
  const once = async (c, label) => {
    const dir = c.extract ? freshDir(`${op}-${c.tool}`) : null;
    const r = await runTimed(c.argv(dir), { rss: ctx.rss });
    if (dir) cleanUp(dir);
    if (!r.ok) {
      c.failed = `${label}: ${r.error}${tail(r.stderr)}`;
      log(`  ${c.display} FAILED (${c.failed})`);
    }
    return r;
  };
  for (let w = 0; w < WARMUP; w++) {
    for (const c of cmds) {
      if (c.failed) continue;
      log(`  ${op}: warm-up ${w + 1}/${WARMUP}: ${c.display}`);
      await once(c, 'warm-up');
    }
  }
  for (let i = 0; i < RUNS; i++) {
    const line = [];
    for (const c of cmds) {
      if (c.failed) {
        c.runs.push(null);
        continue;
      }
      const r = await once(c, `run ${i + 1}`);
      c.runs.push(r.ok ? { wallMs: r.wallMs, rssKiB: r.rssKiB, cpuS: r.cpuS } : null);
      if (r.ok) line.push(`${c.tool} ${fmtS(r.wallMs)}`);
    }
    log(`  ${op}: run ${i + 1}/${RUNS}: ${line.length ? line.join(', ') : 'nothing left to run'}`);
  }
  // A failure in any timed run drops that command's figures: a median over the runs that
  // happened to succeed would not be the same measurement.
  const commands = cmds.map((c) => {
    const ok = c.runs.filter(Boolean);
    const complete = !c.failed && ok.length === RUNS;
    const wall = complete ? stats(ok.map((r) => r.wallMs)) : null;
    const rss = ok.map((r) => r.rssKiB).filter((x) => x !== null);
    const cpu = ok.map((r) => r.cpuS).filter((x) => x !== null);
    return {
      tool: c.tool,
      command: c.display,
      argv: c.argv(c.extract ? path.join(TMP, 'DIR') : null).map((a) => (a === NODE ? 'node' : path.isAbsolute(a) ? path.relative(ROOT, a) || '.' : a)),
      runs: c.runs,
      failed: c.failed,
      wallMs: wall,
      peakRssKiB: complete && rss.length ? stats(rss) : null,
      cpuS: complete && cpu.length ? stats(cpu) : null,
    };
  });
  const ratios = [];
  const g = commands.find((c) => c.tool === 'glovebox');
  if (g && g.wallMs) {
    for (const n of commands) {
      if (n === g || !n.wallMs) continue;
      const values = g.runs.map((r, i) => r.wallMs / n.runs[i].wallMs);
      ratios.push({ of: 'glovebox', to: n.tool, values, ...stats(values) });
    }
  }
  return { op, commands, ratios };
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const started = new Date();
  const tools = new Set();
  const notes = [];
  for (const t of wanted) {
    if (t === 'glovebox') {
      const built = ['dist/cli.mjs', 'dist/sandbox-kernel.mjs'].filter((f) => !existsSync(path.join(ROOT, f)));
      if (built.length) notes.push(`glovebox skipped: ${built.join(', ')} missing; run \`npm run build\``);
      else tools.add(t);
    } else if (onPath(t)) tools.add(t);
    else notes.push(`${t} skipped: not installed (${t === '7zz' ? '7zip' : 'sleuthkit'} package)`);
  }
  if (tools.size === 0) {
    log(`bench: nothing to run\n${notes.map((n) => `  ${n}`).join('\n')}`);
    return 1;
  }
  const timeProbe = probeTime();
  if (!timeProbe.ok) notes.push(`peak RSS and CPU time not measured: ${timeProbe.why}`);

  let images = opts.image ?? [];
  if (images.length === 0) {
    log('bench: making the images if needed (bench/make-images.sh)');
    const r = spawnSync('bash', [path.join(BENCH, 'make-images.sh')], { stdio: ['ignore', 2, 2] });
    if (r.status !== 0) {
      log('bench: make-images.sh failed');
      return 1;
    }
    images = ['fat32.img', 'fat16.img'].map((f) => path.join(WORK, f));
  }
  images = images.map((p) => path.resolve(p));
  for (const p of images) {
    if (!existsSync(p) || !statSync(p).isFile()) {
      log(`bench: ${p}: no such image file`);
      return 1;
    }
  }

  const report = {
    date: started.toISOString(),
    command: `node bench/run.mjs${process.argv.slice(2).map((a) => ` ${shellQuote(a)}`).join('')}`,
    revision: gitRevision(),
    machine: machine(),
    versions: await versions(tools),
    runs: RUNS,
    warmup: WARMUP,
    rss: timeProbe.ok,
    loadavg: { start: loadavg(), end: null },
    notes,
    images: [],
  };

  say(`glovebox benchmark, ${report.date}`);
  say(`  ${report.command}`);
  say(`  ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memGiB} GiB, ${report.machine.os}`);
  say(`  ${Object.entries(report.versions).map(([k, v]) => `${k}: ${v}`).join('; ')}`);
  if (report.revision) say(`  revision ${report.revision}`);
  say(`  ${RUNS} timed round(s) after ${WARMUP} warm-up round(s); commands alternate within each round`);
  for (const n of notes) say(`  note: ${n}`);

  for (const image of images) {
    const relative = path.relative(process.cwd(), image);
    const rel = relative && !relative.startsWith('..') ? relative : image;
    const size = statSync(image).size;
    const manifestPath = image.replace(/\.img$/, '.manifest.json');
    let manifest = null;
    if (manifestPath !== image && existsSync(manifestPath)) manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const entry = { image: rel, size, manifest, info: null, flsOffset: 0, verify: null, ops: [], notes: [] };
    report.images.push(entry);
    const imageTools = new Set(tools);

    log(`\nbench: ${rel}`);
    if (tools.has('glovebox')) {
      try {
        entry.info = JSON.parse(await capture([NODE, GLOVEBOX, 'info', '--json', image]));
      } catch (e) {
        entry.notes.push(`glovebox info failed: ${e.message}`);
      }
    }
    const partitioned = entry.info ? entry.info.partitioning !== 'none' : manifest ? manifest.partitioning !== 'none' : false;
    if (opts['fls-offset'] !== undefined) entry.flsOffset = Number(opts['fls-offset']);
    else if (partitioned && entry.info) {
      const want = opts.volume ? Number(opts.volume) : null;
      const v = entry.info.volumes.find((x) => (want ? x.index === want : x.fs));
      if (v && v.offset % 512 === 0) entry.flsOffset = v.offset / 512;
      else {
        imageTools.delete('fls');
        entry.notes.push('fls skipped: no volume offset in 512-byte sectors (use --fls-offset)');
      }
    }
    if (partitioned && imageTools.has('7zz')) {
      // 7zz would list the partitions, not the files inside them: not the same work.
      imageTools.delete('7zz');
      entry.notes.push('7zz skipped: the image is partitioned and 7zz would list the partitions, not the files');
    }
    const ctx = { tools: imageTools, flsOffset: entry.flsOffset, manifest, rss: timeProbe.ok };

    if (!opts['no-verify']) {
      log('  sanity check: listings and extracted trees');
      entry.verify = await verify(image, ctx);
    }
    for (const op of OPS) {
      const r = await timeOp(op, image, ctx);
      if (r) entry.ops.push(r);
    }
    printImage(entry);
  }

  report.loadavg.end = loadavg();
  say('');
  say(`load average (1, 5, 15 min): ${report.loadavg.start.join(', ')} at the start, ${report.loadavg.end.join(', ')} at the end`);
  if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  const failed = report.images.some((i) => i.ops.some((o) => o.commands.some((c) => c.failed)));
  return failed ? 1 : 0;
}

function printImage(e) {
  say('');
  const m = e.manifest;
  const what = m ? `${m.fs.toUpperCase()}, ${fmtInt(m.files)} files in ${fmtInt(m.dirs)} directories, ${fmtBytes(m.bytes)} of data` : e.info ? `${e.info.volumes.map((v) => v.fs ?? '?').join(', ')}, partitioning ${e.info.partitioning}` : 'unknown content';
  say(`${e.image} (${fmtBytes(e.size)}; ${what})`);
  for (const n of e.notes) say(`  note: ${n}`);
  if (e.verify) {
    const l = e.verify.listing;
    const parts = Object.entries(l).filter(([, x]) => x).map(([k, x]) => `${k} ${fmtInt(x.files)} files${x.dirs !== undefined ? `/${fmtInt(x.dirs)} dirs` : ''}${x.bytes !== undefined ? `/${fmtInt(x.bytes)} B` : ''}`);
    say(`  listed:    ${parts.join('; ')}`);
    const x = e.verify.extracted;
    const xp = Object.entries(x).filter(([k]) => k === 'glovebox' || k === '7zz').map(([k, t]) => `${k} ${fmtInt(t.files)} files/${fmtInt(t.dirs)} dirs/${fmtInt(t.bytes)} B`);
    if (xp.length) say(`  extracted: ${xp.join('; ')}${x.contentCompared !== undefined ? `; ${fmtInt(x.contentCompared)} files compared byte for byte, ${x.contentDiffers} differ` : ''}`);
    say(e.verify.warnings.length ? `  sanity check: ${e.verify.warnings.length} WARNING(S):` : '  sanity check: ok');
    for (const w of e.verify.warnings) say(`    ! ${w}`);
  }
  for (const o of e.ops) {
    say('');
    say(`  ${o.op === 'ls' ? 'listing' : 'extraction'}`);
    const rows = [['command', 'median', 'min', 'max', 'peak RSS', 'CPU']];
    for (const c of o.commands) {
      if (!c.wallMs) {
        rows.push([c.command, 'FAILED', '', '', '', '']);
        continue;
      }
      rows.push([c.command, fmtS(c.wallMs.median), fmtS(c.wallMs.min), fmtS(c.wallMs.max), fmtMiB(c.peakRssKiB?.median ?? null), fmtCpu(c.cpuS?.median ?? null)]);
    }
    for (const line of table(rows, ['l', 'r', 'r', 'r', 'r', 'r'])) say(`    ${line}`);
    for (const c of o.commands) if (c.failed) say(`    ! ${c.command}: ${c.failed}`);
    for (const r of o.ratios) say(`    glovebox / ${r.to}: ${fmtX(r.median)} (median of ${r.values.length} per-round ratios; min ${fmtX(r.min)}, max ${fmtX(r.max)})`);
  }
}

main().then(
  (code) => {
    if (devNull !== undefined) closeSync(devNull);
    process.exitCode = code;
  },
  (e) => {
    log(`bench: ${e.stack ?? e}`);
    process.exitCode = 1;
  },
);
