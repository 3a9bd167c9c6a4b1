// Seeded mutations of the recorded inputs: discovery must always finish, with records or (for
// a command's unparseable output) an Error, never hang, and never let a record through with an
// out-of-range number.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverLinux } from '../../core/devices/linux.js';
import { discoverMacos } from '../../core/devices/macos.js';
import { parseMountInfo } from '../../core/devices/mountinfo.js';
import { parsePlist, PlistError } from '../../core/devices/plist.js';
import type { CommandRunner, DeviceRecord } from '../../core/devices/types.js';
import { discoverWindows } from '../../core/devices/windows.js';
import { fixturePath } from '../conformance/harness.js';
import { materialise } from './sysfs-tree.js';

/** xorshift32: the same mutations on every run. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function mutate(text: string, r: () => number): string {
  const b = Buffer.from(text, 'utf8');
  const kind = Math.floor(r() * 4);
  if (kind === 0 && b.length > 0) {
    for (let i = 0; i < 1 + r() * 8; i++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
    return b.toString('latin1');
  }
  if (kind === 1) return text.slice(0, Math.floor(r() * text.length));
  if (kind === 2) {
    const at = Math.floor(r() * text.length);
    return text.slice(0, at) + text.slice(at, at + Math.floor(r() * 200)).repeat(1 + Math.floor(r() * 50)) + text.slice(at);
  }
  return ['', '-1', '99999999999999999999999', 'NaN', '0x', '\u0000\u001b[31m', '1e400', ' '][Math.floor(r() * 8)]!;
}

function sane(d: DeviceRecord): void {
  expect(Number.isSafeInteger(d.size) && d.size >= 0).toBe(true);
  if (d.offset !== null) expect(Number.isSafeInteger(d.offset) && d.offset >= 0).toBe(true);
  for (const s of [d.vendor, d.model, d.serial]) if (s !== null) expect(s.length).toBeLessThanOrEqual(128);
  for (const i of d.usb?.interfaces ?? []) expect(i.class >= 0 && i.class <= 255 && i.subclass <= 255 && i.protocol <= 255).toBe(true);
  d.partitions.forEach(sane);
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isSymbolicLink()) return [];
    return e.isDirectory() ? files(p) : [p];
  });
}

describe('hostile device data', () => {
  it('mutated sysfs attributes and mountinfo: discovery finishes with sane records', async () => {
    const r = rng(7);
    for (let round = 0; round < 12; round++) {
      const tree = materialise(round % 2 === 0 ? 'linux-laptop.json' : 'linux-badusb.json');
      try {
        const all = files(tree.root).filter((f) => statSync(f).size < 4096);
        for (let i = 0; i < 6; i++) {
          const f = all[Math.floor(r() * all.length)]!;
          writeFileSync(f, mutate(readFileSync(f, 'latin1'), r), 'latin1');
        }
        const list = await discoverLinux({ sysRoot: tree.root, mountInfo: mutate(tree.mountInfo, r) });
        list.forEach(sane);
      } finally {
        tree.remove();
      }
    }
  });

  it('mutated mountinfo never throws', () => {
    const r = rng(11);
    const text = JSON.parse(readFileSync(fixturePath('devices/linux-laptop.json'), 'utf8')).mountinfo as string;
    for (let i = 0; i < 300; i++) expect(Array.isArray(parseMountInfo(mutate(text, r)))).toBe(true);
  });

  it('mutated diskutil plists: PlistError or records, never anything else', async () => {
    const r = rng(13);
    const dir = fixturePath('devices/macos');
    const recorded = new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
    for (let i = 0; i < 200; i++) {
      const victim = [...recorded.keys()][Math.floor(r() * recorded.size)]!;
      const text = mutate(recorded.get(victim)!, r);
      try {
        parsePlist(text);
      } catch (e) {
        expect(e).toBeInstanceOf(PlistError);
      }
      const run: CommandRunner = async (command, args) => {
        const name = command === 'ioreg' ? 'ioreg-usb-badusb.plist' : args[0] === 'list' ? 'diskutil-list.plist' : `diskutil-info-${args[2]}.plist`;
        const t = name === victim ? text : recorded.get(name);
        if (t === undefined) throw new Error('Could not find disk');
        return t;
      };
      try {
        (await discoverMacos(run)).forEach(sane);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
      }
    }
  });

  it('mutated PowerShell JSON: records or a JSON error', async () => {
    const r = rng(17);
    const disks = readFileSync(fixturePath('devices/windows/get-disk.json'), 'utf8');
    const parts = readFileSync(fixturePath('devices/windows/get-partition.json'), 'utf8');
    for (let i = 0; i < 200; i++) {
      const d = r() < 0.5 ? mutate(disks, r) : disks;
      const p = r() < 0.5 ? mutate(parts, r) : parts;
      const run: CommandRunner = async (_c, args) => (args[args.length - 1]!.startsWith('Get-Disk') ? d : p);
      try {
        (await discoverWindows(run)).forEach(sane);
      } catch (e) {
        expect(e).toBeInstanceOf(SyntaxError);
      }
    }
  });
});
