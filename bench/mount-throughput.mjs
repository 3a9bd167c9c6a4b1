#!/usr/bin/env node
// Throughput of reading one big file three ways, on the same ext4 image (issue #11):
//   mount  `cat big.bin > /dev/null` through `glovebox mount` (FUSE, sandboxed driver)
//   cat    `glovebox cat image /big.bin > /dev/null` (includes starting the sandbox)
//   loop   `cat big.bin > /dev/null` on the kernel's own ext4 driver (loop mount, read-only)
// Each run mounts afresh, so no file page is cached by either file system; the image file itself
// is in the host's page cache for all three (it is read once before timing).
//
//   node bench/mount-throughput.mjs [--size-mb N] [--runs N] [--json]
//
// Needs root (loop mount), mkfs.ext4, /dev/fuse and the FUSE binding (fuse-native, or
// GLOVEBOX_FUSE_MODULE naming a copy). Plain Node, no dependencies.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORK = path.join(ROOT, 'bench', 'work', 'mount');
const GLOVEBOX = path.join(ROOT, 'bin', 'glovebox.js');

const { values } = parseArgs({ options: { 'size-mb': { type: 'string', default: '256' }, runs: { type: 'string', default: '3' }, json: { type: 'boolean' } } });
const sizeMb = Number(values['size-mb']);
const runs = Number(values.runs);

function makeImage() {
  const image = path.join(WORK, `ext4-${sizeMb}m.img`);
  if (existsSync(image)) return image;
  const src = path.join(WORK, 'tree');
  rmSync(src, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  const fd = openSync(path.join(src, 'big.bin'), 'w');
  const chunk = Buffer.alloc(1 << 20);
  for (let i = 0; i < sizeMb; i++) writeSync(fd, randomFillSync(chunk));
  closeSync(fd);
  execFileSync('mkfs.ext4', ['-q', '-F', '-d', src, image, `${Math.ceil(sizeMb * 1.1) + 32}M`]);
  rmSync(src, { recursive: true, force: true });
  return image;
}

/** Seconds taken by `sh -c script` (its output goes to /dev/null by the script itself). */
function timed(script) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${script}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

mkdirSync(WORK, { recursive: true });
const image = makeImage();
readFileSync(image); // warm the host's page cache for every contender alike
const mnt = path.join(WORK, 'mnt');
mkdirSync(mnt, { recursive: true });
const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

const results = { mount: [], cat: [], loop: [] };
for (let i = 0; i < runs; i++) {
  execFileSync(process.execPath, [GLOVEBOX, 'mount', image, mnt], { stdio: 'ignore' });
  try {
    results.mount.push(timed(`cat ${q(path.join(mnt, 'big.bin'))} > /dev/null`));
  } finally {
    execFileSync(process.execPath, [GLOVEBOX, 'unmount', mnt], { stdio: 'ignore' });
  }
  results.cat.push(timed(`${q(process.execPath)} ${q(GLOVEBOX)} cat ${q(image)} /big.bin > /dev/null`));
  execFileSync('mount', ['-o', 'loop,ro', image, mnt]);
  try {
    results.loop.push(timed(`cat ${q(path.join(mnt, 'big.bin'))} > /dev/null`));
  } finally {
    execFileSync('umount', [mnt]);
  }
}

const report = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, { seconds: median(v), mbPerS: sizeMb / median(v) }]));
if (values.json) process.stdout.write(`${JSON.stringify({ sizeMb, runs, ...report })}\n`);
else {
  process.stdout.write(`${sizeMb} MiB file, median of ${runs} runs\n`);
  for (const [k, r] of Object.entries(report)) process.stdout.write(`  ${k.padEnd(6)} ${r.seconds.toFixed(3)} s  ${r.mbPerS.toFixed(0)} MiB/s\n`);
}
