// The scan over the fixture images: every planted trap is found (and nothing else above info),
// the clean tree raises nothing above info, and the paging gives the same answer in any step size.
import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../core/block/device.js';
import { GloveboxError } from '../../core/errors.js';
import { escapeName } from '../../core/fs/names.js';
import { drivers } from '../../core/fs/registry.js';
import { scanStep, type ScanCursor, type ScanTarget } from '../../core/scan/index.js';
import type { Finding } from '../../core/scan/types.js';
import { inProcessService, loadImage } from '../conformance/harness.js';
import { EXPECTED_TRAPS, pairs, scanFixture } from './helpers.js';


const one = (findings: Finding[], kind: string, path: string): Finding => {
  const f = findings.find((x) => x.kind === kind && x.path === path);
  if (!f) throw new Error(`no ${kind} finding for ${path}`);
  return f;
};

describe('scan: the traps fixture', () => {
  it.each(['scan/traps.img.gz', 'scan/traps-ntfs.img.gz'])('finds every planted trap, and nothing else (%s)', async (image) => {
    const r = await scanFixture(image);
    expect(r.notes).toEqual([]);
    expect(pairs(r.findings)).toEqual(EXPECTED_TRAPS);
  });

  it('NTFS: the hidden attribute comes from the file record, the names as written', async () => {
    const { findings } = await scanFixture('scan/traps-ntfs.img.gz');
    expect(findings.find((f) => f.kind === 'hidden-twin')!.evidence[0]).toMatch(/^hidden folder: "Photos" \(.*hidden.*system.*\)$/);
    expect(findings.find((f) => f.kind === 'shortcut' && f.path === '/Documents/report.lnk')!.title).toBe('Shortcut runs powershell');
  });

  it('shows the evidence: real targets, arguments, commands, headers', async () => {
    const { findings } = await scanFixture('scan/traps.img.gz');
    const report = one(findings, 'shortcut', '/Documents/report.lnk');
    expect(report.title).toBe('Shortcut runs powershell');
    expect(report.evidence).toContain('target: C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    expect(report.evidence).toContain('arguments: -NoProfile -WindowStyle Hidden -EncodedCommand SQBFAFgA');
    expect(report.evidence).toContain('arguments padded with blanks (hides them from the Properties dialog)');
    const mimic = one(findings, 'shortcut', '/Photos.lnk');
    expect(mimic.evidence).toEqual(expect.arrayContaining(['target: C:\\Windows\\System32\\cmd.exe', 'arguments: /c start explorer Photos & start setup.exe', 'icon: %SystemRoot%\\System32\\shell32.dll,3']));
    expect(one(findings, 'shortcut', '/Documents/settings.lnk').evidence).toEqual(expect.arrayContaining(['control panel applet: E:\\~WTR4141.tmp.cpl', 'the target is in the Control Panel namespace']));
    expect(one(findings, 'shortcut', '/Documents/notes.lnk').evidence).toContain('target: C:\\Users\\Public\\Documents\\notes.txt');
    expect(one(findings, 'autorun', '/autorun.inf').evidence).toEqual(expect.arrayContaining(['open=setup.exe', 'shellexecute=tools\\run.bat', 'icon=setup.exe,0', 'action=Open folder to view files']));
    expect(one(findings, 'executable', '/setup.exe').evidence).toEqual(['PE32 (32-bit) executable, x86, Windows GUI, not signed']);
    expect(one(findings, 'executable', '/tools/helper.dll').evidence).toEqual(['PE32+ (64-bit) DLL, x86-64, Windows GUI, not signed']);
    expect(one(findings, 'executable', '/tools/linux-helper').evidence).toEqual(['ELF 64-bit executable, x86-64']);
    expect(one(findings, 'bidi-name', '/photo\u202egpj.scr').evidence).toContain('shown as: photorcs.jpg');
    expect(one(findings, 'hidden-twin', '/Photos').evidence).toEqual(['hidden folder: "Photos" (hidden, system)', 'visible: "Photos.lnk"']);
    expect(one(findings, 'macro', '/Documents/budget.docm').evidence).toEqual(['part: word/vbaProject.bin']);
    expect(one(findings, 'macro', '/Documents/letter.doc').evidence).toContain('storage: Macros');
    expect(one(findings, 'internet-shortcut', '/Documents/portal.url').evidence).toContain('IconFile=\\\\attacker.example\\icons\\pdf.ico');
    expect(one(findings, 'script', '/tools/install.sh').evidence).toContain('interpreter: /bin/bash');
    for (const f of findings) {
      expect(f.why.length, f.path).toBeGreaterThan(20);
      expect(f.title.length, f.path).toBeGreaterThan(3);
      if (f.kind !== 'hidden-twin' && f.kind !== 'invisible-name' && f.kind !== 'homoglyph-name') expect(f.node, `${f.kind} ${f.path}`).toBeTypeOf('number');
    }
  });
});

describe('scan: the clean fixture', () => {
  it('raises nothing above info on ordinary documents', async () => {
    const r = await scanFixture('scan/clean.img.gz');
    expect(r.notes).toEqual([]);
    expect(r.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    // The two shortcuts are listed for what they are, and System Volume Information is not a trap.
    expect(pairs(r.findings)).toEqual(['info internet-shortcut /web/homepage.url', 'info shortcut /notes.lnk']);
  });
});

describe('scan: stepping', () => {
  const target = async () => {
    const image = loadImage('scan/traps.img.gz');
    const service = inProcessService(image);
    await service.probe(image.length, []);
    return service;
  };

  it('gives the same findings one entry per step as in one go', async () => {
    const whole = await scanFixture('scan/traps.img.gz');
    const stepwise: Finding[] = [];
    let cursor: ScanCursor | null = null;
    let steps = 0;
    // The driver directly, with names made path components as the service makes them.
    const volume = await drivers.find((d) => d.name === 'fat')!.open(new MemoryDevice(loadImage('scan/traps.img.gz')));
    const scanTarget: ScanTarget = {
      label: volume.label,
      root: () => volume.root(),
      list: async (node) => (await volume.readdir(node)).map((e) => ({ ...e, name: escapeName(e.name, e.undecodable === true).name })),
      stat: (node) => volume.stat(node),
      read: (node, offset, length) => volume.read(node, offset, length),
    };
    do {
      const page = await scanStep(scanTarget, cursor, { maxEntries: 1, maxBytes: 1 << 30, maxMillis: 60_000, now: () => 0 });
      stepwise.push(...page.findings);
      expect(page.entries).toBeLessThanOrEqual(1);
      // The cursor crosses the boundary as plain data.
      cursor = page.next === null ? null : structuredClone(page.next);
      steps++;
    } while (cursor !== null && steps < 1000);
    expect(cursor).toBeNull();
    expect(steps).toBeGreaterThan(30);
    expect(pairs(stepwise)).toEqual(pairs(whole.findings));
  });

  it('refuses a cursor that is not one', async () => {
    const service = await target();
    await expect(service.scan(1, { frames: [], visited: 0 })).rejects.toThrow(GloveboxError);
    await expect(service.scan(1, { frames: Array.from({ length: 300 }, () => ({ node: 1, name: 'a', index: 0 })), visited: 0 })).rejects.toThrow(/bad scan cursor/);
    await expect(service.scan(1, { frames: [{ node: -1, name: '', index: 0 }], visited: 0 })).rejects.toThrow(/bad scan cursor/);
    await expect(service.scan(1, 'x' as unknown as ScanCursor)).rejects.toThrow(/bad scan cursor/);
  });

  it('continues past an index beyond the directory (a stale cursor) without looping', async () => {
    const service = await target();
    const root = await service.root(1);
    const page = await service.scan(1, { frames: [{ node: root.node, name: '', index: 10_000 }], visited: 0 });
    expect(page.next).toBeNull();
    expect(page.findings).toEqual([]);
  });
});
