// Writes the deterministic file tree that bench/make-images.sh copies into a FAT image, and
// prints its manifest (file and directory counts, total bytes) as JSON on stdout.
//
//   node bench/gen-tree.mjs --out DIR --seed N --small N --large N --large-mib N
//
// Everything is a function of the seed: names, sizes, contents (AES-128-CTR keystreams keyed
// from the seed and the path) and timestamps (even seconds, so FAT's 2-second resolution keeps
// them exact). Layout:
//   /dNN/sNN/...      the small files, ~100 per leaf directory, some in the middle levels
//   /big/             the large files (random data, one with a non-ASCII name)
//   /names/           long, non-ASCII and otherwise awkward (but FAT-legal) names
//   /deep/l01/.../l12 a deep directory chain with a file at the bottom
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, utimesSync, writeSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    out: { type: 'string' },
    seed: { type: 'string', default: '1' },
    small: { type: 'string', default: '20000' },
    large: { type: 'string', default: '4' },
    'large-mib': { type: 'string', default: '100' },
  },
});
if (!opts.out) {
  process.stderr.write('usage: gen-tree.mjs --out DIR [--seed N] [--small N] [--large N] [--large-mib N]\n');
  process.exit(2);
}
const out = path.resolve(opts.out);
if (existsSync(out)) {
  process.stderr.write(`gen-tree: ${out} already exists; remove it first\n`);
  process.exit(1);
}
const seed = Number(opts.seed);
const nSmall = Number(opts.small);
const nLarge = Number(opts.large);
const largeBytes = Number(opts['large-mib']) * 1024 * 1024;

// mulberry32: small, fast, good enough to pick names and sizes.
function rng(s) {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(seed);
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive

/** A deterministic keystream for `label`: the file's content when it is "random". */
function keystream(label) {
  const k = createHash('sha256').update(`glovebox-bench:${seed}:${label}`).digest();
  return createCipheriv('aes-128-ctr', k.subarray(0, 16), k.subarray(16, 32));
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india',
  'juliett', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra',
  'tango', 'uniform', 'victor', 'whiskey', 'xray', 'yankee', 'zulu'];
// Non-ASCII name parts (Basic Multilingual Plane only: mtools drops characters beyond it).
const INTL = ['café', 'Straße', 'файл', '文件', 'αρχείο', 'ファイル', 'dosya-ğüşıöç', 'naïve résumé',
  'Ελληνικά', 'مستند', 'קובץ', '파일', 'tệp tin', 'Ünïcödé'];
const EXTS = ['.txt', '.dat', '.bin', '.log', '.csv', '.json', '.jpg', '.pdf', '', '.tar.gz'];

function textContent(n) {
  const lines = [];
  let len = 0;
  while (len < n) {
    const words = [];
    for (let i = int(4, 12); i > 0; i--) words.push(WORDS[int(0, WORDS.length - 1)]);
    const line = `${words.join(' ')}\n`;
    lines.push(line);
    len += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, n);
}

// Even seconds from 2020-01-01T00:00:00Z onwards, so FAT stores them exactly.
const BASE = Date.UTC(2020, 0, 1) / 1000;
let clock = 0;
const nextTime = () => BASE + 2 * (clock += int(1, 5000));

const manifest = { seed, files: 0, dirs: 0, bytes: 0, largest: 0 };
const dirs = [];

function dir(rel) {
  mkdirSync(path.join(out, rel), { recursive: false });
  dirs.push(rel);
  manifest.dirs++;
}

function file(rel, data) {
  const abs = path.join(out, rel);
  const fd = openSync(abs, 'wx');
  try {
    if (typeof data === 'number') {
      // `data` bytes of keystream, in 1 MiB chunks.
      const ks = keystream(rel);
      const zero = Buffer.alloc(1024 * 1024);
      for (let left = data; left > 0; left -= zero.length) {
        writeSync(fd, ks.update(zero.subarray(0, Math.min(left, zero.length))));
      }
      manifest.bytes += data;
      manifest.largest = Math.max(manifest.largest, data);
    } else {
      writeSync(fd, data);
      manifest.bytes += data.length;
      manifest.largest = Math.max(manifest.largest, data.length);
    }
  } finally {
    closeSync(fd);
  }
  const t = nextTime();
  utimesSync(abs, t, t);
  manifest.files++;
}

/** Size of a small file: mostly tiny, a long tail up to 128 KiB, a few empty. */
function smallSize() {
  const r = rand();
  if (r < 0.02) return 0;
  if (r < 0.5) return int(1, 2048);
  if (r < 0.8) return int(2049, 16384);
  if (r < 0.95) return int(16385, 49152);
  return int(49153, 131072);
}

/** A name for small file number i: unique (its number is in it), in one of several styles. */
function smallName(i) {
  const n = String(i).padStart(5, '0');
  const ext = EXTS[int(0, EXTS.length - 1)];
  switch (int(0, 5)) {
    case 0: return `F${n}.TXT`; // plain 8.3, upper case: no long name entry
    case 1: return `${WORDS[int(0, 25)]}-${n}${ext}`; // lower case: a long name
    case 2: return `${WORDS[int(0, 25)]} ${WORDS[int(0, 25)]} report ${n}${ext}`; // spaces
    case 3: return `${INTL[int(0, INTL.length - 1)]} ${n}${ext}`; // non-ASCII
    case 4: return `Document_${n}_${WORDS[int(0, 25)].toUpperCase()}_final_version${ext}`; // long
    default: return `${n}.${WORDS[int(0, 25)]}`;
  }
}

mkdirSync(out);

// Small files: top directories × subdirectories, ~100 files in each leaf, ~5% one level up.
const perLeaf = 100;
const leaves = Math.max(1, Math.ceil(nSmall / perLeaf));
const subs = Math.min(10, leaves);
const tops = Math.ceil(leaves / subs);
let made = 0;
for (let t = 0; t < tops && made < nSmall; t++) {
  const top = `d${String(t).padStart(2, '0')}`;
  dir(top);
  for (let s = 0; s < subs && made < nSmall; s++) {
    const leaf = `${top}/s${String(s).padStart(2, '0')}`;
    dir(leaf);
    for (let k = 0; k < perLeaf && made < nSmall; k++, made++) {
      const where = rand() < 0.05 ? top : leaf;
      const size = smallSize();
      file(`${where}/${smallName(made)}`, rand() < 0.5 ? textContent(size) : size);
    }
  }
}

// Large files.
if (nLarge > 0) {
  dir('big');
  for (let i = 1; i <= nLarge; i++) {
    file(i === 2 ? 'big/größe Datei 2.bin' : `big/random-${i}.bin`, largeBytes);
  }
}

// Awkward but legal names (unique case-insensitively: FAT compares names that way).
dir('names');
const awkward = [
  `${'Long name '.repeat(24)}end.txt`, // 244 characters, near the 255 limit
  'Ünïcödé файл 文件 αρχείο.txt',
  'العربية والعبرية עברית.txt',
  '한국어 파일 이름.txt',
  'Tiếng Việt có dấu.txt',
  '.hidden-dotfile',
  'name  with  double  spaces.txt',
  'UPPER.TXT',
  'lower.txt',
  'MixedCase.Txt',
  'no_extension',
  'many.dots.in.the.name.tar.gz',
  'plus+comma,semi;equals=brackets[1].txt',
  'a',
  'ÅÄÖ åäö ÆØ æø.txt',
  'tab-free but ~tilde~ and #hash# and $dollar$.txt',
  '12345678.123',
  'ends with spaces inside .txt',
];
for (const name of awkward) {
  const size = int(0, 4096);
  file(`names/${name}`, rand() < 0.5 ? textContent(size) : size);
}

// A deep chain.
let deep = 'deep';
dir(deep);
for (let i = 1; i <= 12; i++) {
  deep += `/level ${String(i).padStart(2, '0')} ${INTL[i % INTL.length]}`;
  dir(deep);
}
file(`${deep}/bottom.txt`, textContent(1000));

// Directory times last (writing into a directory changes its mtime), deepest first.
for (const rel of dirs.sort((a, b) => b.split('/').length - a.split('/').length)) {
  const t = nextTime();
  utimesSync(path.join(out, rel), t, t);
}

process.stdout.write(`${JSON.stringify(manifest)}\n`);
