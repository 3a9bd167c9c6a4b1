// The decoders against malformed input: truncated, counts that lie, chains that loop, sizes
// past reason. Each must end in a decoded value, a finding or a typed error — never anything else.
import { describe, expect, it } from 'vitest';
import { MemoryDevice } from '../../core/block/device.js';
import { GloveboxError } from '../../core/errors.js';
import { checkScanPage } from '../../core/sandbox/protocol/api.js';
import { isCfb, readCfbDirectory } from '../../core/scan/cfb.js';
import { identifyExecutable } from '../../core/scan/executable.js';
import { parseIni } from '../../core/scan/ini.js';
import { decodeShellLink, linkTarget } from '../../core/scan/lnk.js';
import { bidiControls, confusableSkeleton, displayedName, doubleExtension, invisibleName, trailingDotOrSpace } from '../../core/scan/names.js';
import { fileFindings, type FileContext } from '../../core/scan/rules.js';
import { inProcessService, loadImage } from '../conformance/harness.js';
import { Rng } from '../support/rng.js';

/** A file's bytes from the traps fixture, read through the kernel service. */
async function fixtureFile(path: string): Promise<Uint8Array> {
  const image = loadImage('scan/traps.img.gz');
  const service = inProcessService(image);
  await service.probe(image.length, []);
  const st = await service.lookup(1, path);
  return service.read(1, st.node, 0, st.size);
}

function ctx(name: string, bytes: Uint8Array, atRoot = false): FileContext {
  return { path: `/${name}`, name, node: 7, size: bytes.length, atRoot, file: new MemoryDevice(bytes) };
}

/** Runs `fn`; a GloveboxError is an acceptable outcome, anything else thrown is a failure. */
async function typed<T>(fn: () => T | Promise<T>): Promise<T | GloveboxError> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof GloveboxError) return e;
    throw e;
  }
}

const setU32 = (b: Uint8Array, o: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint32(o, v, true);
const setU16 = (b: Uint8Array, o: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint16(o, v, true);

describe('LNK (MS-SHLLINK)', () => {
  it('decodes the fixture shortcut', async () => {
    const link = decodeShellLink(await fixtureFile('/Photos.lnk'));
    expect(link.problems).toEqual([]);
    expect(linkTarget(link)).toBe('C:\\Windows\\System32\\cmd.exe');
    expect(link.idList.map((i) => i.clsid ?? i.name)).toEqual(['20D04FE0-3AEA-1069-A2D8-08002B30309D', 'C:\\', 'Windows', 'System32', 'cmd.exe']);
    expect(link.environmentTarget).toBe('%windir%\\system32\\cmd.exe');
    expect(link.relativePath).toBe('..\\..\\..\\Windows\\System32\\cmd.exe');
  });

  it('truncated at every length: a typed error or a partial decode that says so', async () => {
    const bytes = await fixtureFile('/Photos.lnk');
    for (let n = 0; n < bytes.length - 4; n++) {
      const r = await typed(() => decodeShellLink(bytes.subarray(0, n)));
      if (r instanceof GloveboxError) {
        expect(r.kind).toBe('Corrupt');
        expect(n).toBeLessThan(0x4c);
      } else {
        expect(r.problems.length, `truncated at ${n}`).toBeGreaterThan(0);
      }
      // Even an empty .lnk is reported: a shortcut that does not decode is itself suspicious.
      const findings = await fileFindings(ctx('x.lnk', bytes.slice(0, n)));
      expect(findings.filter((f) => f.kind === 'shortcut'), `truncated at ${n}`).toHaveLength(1);
    }
  });

  it('counts that lie end the decoding with a problem, not a crash', async () => {
    const good = await fixtureFile('/Photos.lnk');
    const idListSize = good.slice();
    setU16(idListSize, 0x4c, 0xffff);
    expect(decodeShellLink(idListSize).problems.join()).toMatch(/LinkTargetIDList/);
    const itemSize = good.slice();
    setU16(itemSize, 0x4e, 2);
    expect(decodeShellLink(itemSize).problems.join()).toMatch(/ItemID/);
    // The StringData count of the relative path (after the IDList and LinkInfo) claims 65535 characters.
    const link = decodeShellLink(good);
    expect(link.relativePath).toBeDefined();
    const report = await fixtureFile('/Documents/report.lnk');
    const lying = report.slice();
    // report.lnk has no IDList: the LinkInfo starts at 0x4C; its size is a lie too big for the file.
    setU32(lying, 0x4c, 0x7fffffff);
    expect(decodeShellLink(lying).problems.join()).toMatch(/LinkInfo/);
    const huge = report.slice();
    const linkInfoSize = new DataView(huge.buffer).getUint32(0x4c, true);
    setU16(huge, 0x4c + linkInfoSize, 0xffff); // NAME_STRING CountCharacters
    expect(decodeShellLink(huge).problems.join()).toMatch(/StringData/);
  });

  it('an ExtraData block size below 8 or past the end is a problem; a terminal block ends it', () => {
    const header = new Uint8Array(0x4c);
    setU32(header, 0, 0x4c);
    header.set([0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46], 4);
    const withBlock = (size: number) => {
      const b = new Uint8Array(0x4c + 16);
      b.set(header);
      setU32(b, 0x4c, size);
      setU32(b, 0x50, 0xa0000001);
      return b;
    };
    expect(decodeShellLink(withBlock(0)).problems).toEqual([]);
    expect(decodeShellLink(withBlock(5)).problems.join()).toMatch(/ExtraData/);
    expect(decodeShellLink(withBlock(0xffffffff)).problems.join()).toMatch(/ExtraData/);
    // An environment block cut short: decoded as far as it goes, nothing read past it.
    expect(decodeShellLink(withBlock(16)).environmentTarget).toBe('');
  });

  it('a wrong header is a typed error and a "does not decode" finding', async () => {
    const bad = new Uint8Array(200).fill(0x41);
    expect(() => decodeShellLink(bad)).toThrow(GloveboxError);
    const findings = await fileFindings(ctx('x.lnk', bad));
    expect(findings.map((f) => [f.kind, f.severity, f.title])).toEqual([['shortcut', 'warning', 'Shortcut that does not decode']]);
  });

  it('random bytes after a valid header never throw anything but GloveboxError', async () => {
    const good = await fixtureFile('/Photos.lnk');
    const rng = new Rng(10);
    for (let i = 0; i < 500; i++) {
      const b = good.slice();
      for (let k = 0; k < 1 + rng.int(8); k++) b[0x4c + rng.int(b.length - 0x4c)] = rng.int(256);
      const r = await typed(() => decodeShellLink(b));
      expect(r instanceof GloveboxError ? r.kind : 'decoded').not.toBe('Io');
    }
  });
});

describe('OLE2 / CFB (MS-CFB)', () => {
  it('lists the fixture document and sees its VBA project', async () => {
    const doc = await fixtureFile('/Documents/letter.doc');
    expect(isCfb(doc)).toBe(true);
    const names = (await readCfbDirectory(new MemoryDevice(doc))).map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['Root Entry', 'Macros', 'VBA', '_VBA_PROJECT', 'dir', 'WordDocument']));
  });

  it('a directory chain that loops is a typed error, and the scan records it', async () => {
    const doc = await fixtureFile('/Documents/letter.doc');
    const looped = doc.slice();
    // The fixture's FAT is sector 0 (file offset 512), the directory starts at sector 1: point its
    // chain back at itself (sector 1 -> 1), and in a second copy, from its last sector to its first.
    setU32(looped, 512 + 1 * 4, 1);
    await expect(readCfbDirectory(new MemoryDevice(looped))).rejects.toThrow(/cycle/);
    const dirSectors = Math.ceil(10 / 4); // ten entries, four to a sector: sectors 1..3
    const longLoop = doc.slice();
    setU32(longLoop, 512 + dirSectors * 4, 1);
    await expect(readCfbDirectory(new MemoryDevice(longLoop))).rejects.toThrow(/cycle/);
    const findings = await fileFindings(ctx('letter.doc', looped));
    expect(findings.map((f) => [f.kind, f.severity])).toEqual([['malformed', 'info']]);
    expect(findings[0]!.evidence.join()).toMatch(/cycle/);
  });

  it('sector numbers past the file, lying FAT and DIFAT counts, huge stream sizes', async () => {
    const doc = await fixtureFile('/Documents/letter.doc');
    const far = doc.slice();
    setU32(far, 0x30, 0x7ffffff0); // first directory sector
    await expect(readCfbDirectory(new MemoryDevice(far))).rejects.toThrow(/directory sector/);
    const noFat = doc.slice();
    setU32(noFat, 0x4c, 0xffffffff); // DIFAT[0]: no FAT sector at all
    setU32(noFat, 512 + 4, 0xfffffffe); // and ... the chain needs the FAT from the first sector on
    await expect(readCfbDirectory(new MemoryDevice(noFat))).rejects.toThrow(GloveboxError);
    const difatLoop = doc.slice();
    setU32(difatLoop, 0x4c, 0xffffffff);
    setU32(difatLoop, 0x44, 2); // first DIFAT sector: a directory sector, whose last entry points...
    setU32(difatLoop, 0x48, 5);
    setU32(difatLoop, 512 * 3 + 508, 2); // ...back at itself
    await expect(readCfbDirectory(new MemoryDevice(difatLoop))).rejects.toThrow(GloveboxError);
    const huge = doc.slice();
    setU32(huge, 512 * 2 + 128 + 0x7c, 0xffffffff); // the second entry's size, high half
    const entries = await readCfbDirectory(new MemoryDevice(huge));
    expect(entries[1]!.size).toBe(Infinity);
    const badVersion = doc.slice();
    setU16(badVersion, 0x1e, 30);
    await expect(readCfbDirectory(new MemoryDevice(badVersion))).rejects.toThrow(/sector shift/);
  });

  it('random damage to the header and directory ends in entries or a typed error', async () => {
    const doc = await fixtureFile('/Documents/letter.doc');
    const rng = new Rng(11);
    for (let i = 0; i < 400; i++) {
      const b = doc.slice();
      for (let k = 0; k < 1 + rng.int(8); k++) b[rng.int(512 * 6)] = rng.int(256);
      const r = await typed(() => readCfbDirectory(new MemoryDevice(b)));
      if (!(r instanceof GloveboxError)) expect(Array.isArray(r)).toBe(true);
    }
  });
});

describe('executables', () => {
  it('PE headers that point nowhere, truncated at every length', async () => {
    const exe = await fixtureFile('/setup.exe');
    const far = exe.slice();
    setU32(far, 0x3c, 0xfffffff0);
    // The PE header would lie past the end of the file, and the DOS header does not fit it.
    expect(identifyExecutable(far)).toBeNull();
    // Past what was read but inside the file: it may be there.
    expect(identifyExecutable(far.subarray(0, 512), 0xfffffff0 + 4096)).toEqual({ format: 'mz', description: 'MS-DOS executable (MZ), PE header beyond the first 512 bytes' });
    // A real DOS program: its header's page count fits the file.
    const dos = new Uint8Array(1024);
    dos.set([0x4d, 0x5a, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x04, 0x00]);
    expect(identifyExecutable(dos)).toEqual({ format: 'mz', description: 'MS-DOS executable (MZ)' });
    // Random bytes after "MZ" are not a program.
    const random = new Uint8Array(802).map((_, i) => (i * 7919 + 13) % 251);
    random[0] = 0x4d;
    random[1] = 0x5a;
    expect(identifyExecutable(random)).toBeNull();
    for (let n = 0; n <= exe.length; n++) {
      const r = await typed(() => identifyExecutable(exe.subarray(0, n)));
      expect(r).not.toBeInstanceOf(GloveboxError);
    }
    const signed = exe.slice();
    setU32(signed, 0x80 + 24 + 128 + 4, 0x800); // data directory 4 (Certificate Table) size
    expect(identifyExecutable(signed)?.description).toMatch(/has an Authenticode signature/);
  });

  it('ELF and Mach-O by magic; a Java class is not Mach-O', () => {
    const macho = new Uint8Array(32);
    setU32(macho, 0, 0xfeedfacf);
    setU32(macho, 4, 0x0100000c);
    setU32(macho, 12, 2);
    expect(identifyExecutable(macho)?.description).toBe('Mach-O 64-bit executable, ARM64');
    const java = new Uint8Array(32);
    java.set([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52]);
    expect(identifyExecutable(java)).toBeNull();
    expect(identifyExecutable(new TextEncoder().encode('just some text in a file, nothing to run'))).toBeNull();
  });
});

describe('OOXML', () => {
  it('a truncated .docm is a malformed finding, not a crash', async () => {
    const docm = await fixtureFile('/Documents/budget.docm');
    for (const n of [4, 100, docm.length - 30, docm.length - 1]) {
      const findings = await fileFindings(ctx('budget.docm', docm.slice(0, n)));
      expect(findings.map((f) => f.kind), `truncated at ${n}`).toEqual(['malformed']);
    }
  });
});

describe('names and INI', () => {
  it('bidi, double extensions, blanks, trailing dots, look-alikes', () => {
    expect(displayedName('invoice\u202efdp.exe')).toBe('invoiceexe.pdf');
    expect(bidiControls('a\u202eb\u2066c')).toEqual(['RIGHT-TO-LEFT OVERRIDE (U+202E)', 'LEFT-TO-RIGHT ISOLATE (U+2066)']);
    expect(doubleExtension('invoice.pdf.exe')).toEqual({ shown: 'pdf', real: 'exe', padded: false });
    expect(doubleExtension('invoice.pdf                    .exe')?.padded).toBe(true);
    expect(doubleExtension('archive.tar.gz')).toBeNull();
    expect(doubleExtension('setup.exe')).toBeNull();
    expect(invisibleName('\u00a0')).toBe(true);
    expect(invisibleName('\u3164')).toBe(true);
    expect(invisibleName('a\u00a0')).toBe(false);
    expect(trailingDotOrSpace('notes.txt.')).toBe(true);
    expect(trailingDotOrSpace('notes.txt')).toBe(false);
    expect(confusableSkeleton('d\u0435sktop.ini')).toBe('desktop.ini');
    expect(confusableSkeleton('desktop.ini')).toBeNull();
  });

  it('INI: sections and keys case-insensitive, first value wins, UTF-16 with a BOM, bounded', () => {
    const utf16 = new Uint8Array([0xff, 0xfe, ...[...'[AutoRun]\r\nOPEN=a.exe\r\nopen=b.exe\r\n'].flatMap((c) => [c.charCodeAt(0), 0])]);
    expect(parseIni(utf16)).toEqual([{ section: 'autorun', key: 'open', value: 'a.exe' }]);
    const many = new TextEncoder().encode('[s]\n' + Array.from({ length: 10_000 }, (_, i) => `k${i}=v`).join('\n'));
    expect(parseIni(many).length).toBeLessThan(4096);
  });
});

describe('the host checks what the kernel returns', () => {
  const finding = { severity: 'danger', kind: 'autorun', path: '/autorun.inf', title: 't', evidence: ['e'], why: 'w', node: 1, size: 2 };
  const page = (over: Record<string, unknown> = {}) => ({ findings: [finding], notes: [], next: null, entries: 1, bytes: 0, ...over });
  it('accepts a good page and refuses malformed ones', () => {
    expect(checkScanPage(page())).not.toBeNull();
    expect(checkScanPage(page({ findings: [{ ...finding, kind: 'unheard-of' }] }))).toBeNull();
    expect(checkScanPage(page({ findings: [{ ...finding, severity: 'critical' }] }))).toBeNull();
    expect(checkScanPage(page({ findings: [{ ...finding, evidence: Array(17).fill('e') }] }))).toBeNull();
    expect(checkScanPage(page({ findings: [{ ...finding, title: 'x'.repeat(201) }] }))).toBeNull();
    expect(checkScanPage(page({ findings: [{ ...finding, path: 'relative' }] }))).toBeNull();
    expect(checkScanPage(page({ findings: Array(1001).fill(finding) }))).toBeNull();
    expect(checkScanPage(page({ next: { frames: [], visited: 0 } }))).toBeNull();
    expect(checkScanPage(page({ next: { frames: [{ node: 1, name: 'a/b', index: 0 }], visited: 0 } }))).toBeNull();
    expect(checkScanPage(page({ entries: -1 }))).toBeNull();
    expect(checkScanPage(page({ next: { frames: [{ node: 1, name: '', index: 3 }], visited: 9 } }))?.next).toEqual({ frames: [{ node: 1, name: '', index: 3 }], visited: 9 });
  });
});

describe('the HTML report', () => {
  it('escapes markup and shows invisible characters', async () => {
    const { reportHtml } = await import('../../core/scan/report.js');
    const html = reportHtml({
      tool: { name: 'glovebox', version: '0' },
      created: '2020-02-29T12:34:56Z',
      source: { name: '<img src=x>.img', size: 1, sha256: null },
      image: { container: 'raw', partitioning: 'none' },
      volumes: [{ index: 1, fs: 'fat12', label: '"><script>', size: 1 }],
      isolation: [],
      scanned: { volume: 1, entries: 1, bytes: 0 },
      findings: [{ severity: 'danger', kind: 'bidi-name', path: '/a\u202etxt.exe', title: '<b>t</b>', evidence: ["e'&"], why: 'w' }],
      notes: [{ path: '/x', message: '<m>' }],
      files: [{ path: '/a\u202etxt.exe', type: 'file', size: 1, mtime: null }],
      filesOmitted: 0,
    });
    expect(html).not.toMatch(/<img|<script|<m>|<b>t/);
    expect(html).not.toContain('\u202e');
    expect(html).toContain('/a\\u202etxt.exe');
    expect(html).toContain('&lt;img src=x&gt;.img');
    expect(html).toContain('e&#39;&amp;');
  });
});

describe('content that does not match its extension', () => {
  it('a PNG named .jpg is info; a web page named .pdf is a warning; matching content is nothing', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
    expect((await fileFindings(ctx('photo.jpg', png))).map((f) => [f.severity, f.kind, f.title])).toEqual([['info', 'type-mismatch', 'Content is PNG, name says .jpg']]);
    const html = new TextEncoder().encode('<!DOCTYPE html><script>alert(1)</script>');
    expect((await fileFindings(ctx('invoice.pdf', html))).map((f) => [f.severity, f.kind])).toEqual([['warning', 'type-mismatch']]);
    expect(await fileFindings(ctx('photo.png', png))).toEqual([]);
    expect(await fileFindings(ctx('notes.txt', html))).toEqual([]);
  });
});
