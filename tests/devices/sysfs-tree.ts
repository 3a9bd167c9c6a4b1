// Materialises a JSON sysfs fixture (tests/fixtures/devices/*.json) into a temporary
// directory: `dirs` are directories with their attribute files, `links` are symlinks exactly
// as sysfs has them (relative targets).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fixturePath } from '../conformance/harness.js';

interface SysfsFixture {
  links: Record<string, string>;
  dirs: Record<string, Record<string, string>>;
  mountinfo: string;
}

export interface SysfsTree {
  root: string;
  mountInfo: string;
  remove(): void;
}

export function materialise(name: string): SysfsTree {
  const fx = JSON.parse(readFileSync(fixturePath(`devices/${name}`), 'utf8')) as SysfsFixture;
  const root = mkdtempSync(join(tmpdir(), 'glovebox-sysfs-'));
  for (const [dir, files] of Object.entries(fx.dirs)) {
    mkdirSync(join(root, dir), { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(join(root, dir, f), text);
  }
  for (const [link, target] of Object.entries(fx.links)) {
    mkdirSync(dirname(join(root, link)), { recursive: true });
    symlinkSync(target, join(root, link));
  }
  return { root, mountInfo: fx.mountinfo, remove: () => rmSync(root, { recursive: true, force: true }) };
}
