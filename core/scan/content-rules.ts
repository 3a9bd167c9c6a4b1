// Findings from a file's content: programs by their headers, scripts, macros in Office
// documents, nested disk images, and content that does not match its extension.
import { readZipDirectory } from '../containers/streams/zip.js';
import { isCfb, oleFacts, readCfbDirectory } from './cfb.js';
import { identifyExecutable } from './executable.js';
import { makeFinding, malformed, type FileContext } from './finding.js';
import { extensionOf } from './names.js';
import type { Finding } from './types.js';

/** How far a PE header is looked for (e_lfanew beyond the head). */
const MAX_PE_HEADER_BYTES = 64 * 1024;
/** ISO 9660's first volume descriptor: sector 16 of 2,048 bytes ("\x01CD001"). */
const ISO_DESCRIPTOR_OFFSET = 0x8000;

/** Script extensions Windows (or a Linux desktop) runs on a double click. */
const SCRIPT_EXTENSIONS: Record<string, string> = {
  bat: 'batch file', cmd: 'batch file', ps1: 'PowerShell script', psm1: 'PowerShell module', vbs: 'VBScript', vbe: 'encoded VBScript',
  js: 'JScript', jse: 'encoded JScript', wsf: 'Windows Script File', wsh: 'Windows Script Host settings', hta: 'HTML application',
  sh: 'shell script', command: 'macOS shell script', reg: 'registry file', chm: 'compiled HTML help (can run scripts)',
};
const OFFICE_ZIP = /^(doc|dot|xls|xlt|xla|ppt|pot|pps|ppa|sld)[xmb]$|^xlam$|^ppam$/;
const IMAGE_EXTENSIONS: Record<string, string> = { iso: 'ISO 9660 image', img: 'disk image', vhd: 'VHD virtual disk', vhdx: 'VHDX virtual disk', vmdk: 'VMDK virtual disk', dmg: 'Apple disk image', qcow2: 'QCOW2 image', vdi: 'VirtualBox disk' };
/** Extensions under which a program is expected (no mismatch when the content is one). */
const PROGRAM_EXTENSIONS = new Set(['exe', 'dll', 'sys', 'scr', 'com', 'cpl', 'ocx', 'drv', 'efi', 'mui', 'so', 'elf', 'bin', 'out', 'o', 'ko', 'dylib', 'bundle', 'app', 'axf', 'prx', 'run', 'appimage', 'node', 'pyd', 'ax', 'tlb', 'acm', 'msstyles', 'mun', 'winmd', 'xll', 'wll', 'pif', '']);

/** The head, extended to hold the PE header when the MZ header points past it. */
async function withPeHeader(ctx: FileContext, head: Uint8Array): Promise<Uint8Array> {
  if (head.length < 64 || head[0] !== 0x4d || head[1] !== 0x5a) return head;
  const eLfanew = (head[0x3c]! | (head[0x3d]! << 8) | (head[0x3e]! << 16) | (head[0x3f]! << 24)) >>> 0;
  const want = Math.min(ctx.size, MAX_PE_HEADER_BYTES, eLfanew + 1024);
  return want > head.length ? ctx.file.read(0, want) : head;
}

/** An ISO 9660 volume descriptor where an ISO image has it (only for sizes an ISO image can have). */
async function isIso(ctx: FileContext): Promise<boolean> {
  if (ctx.size < ISO_DESCRIPTOR_OFFSET + 2048 || ctx.size % 2048 !== 0) return false;
  const d = await ctx.file.read(ISO_DESCRIPTOR_OFFSET, 8);
  return d[1] === 0x43 && d[2] === 0x44 && d[3] === 0x30 && d[4] === 0x30 && d[5] === 0x31;
}

export async function contentFindings(ctx: FileContext, head: Uint8Array): Promise<Finding[]> {
  const out: Finding[] = [];
  const ext = extensionOf(ctx.name);
  const exe = identifyExecutable(await withPeHeader(ctx, head), ctx.size);
  if (exe) {
    const mismatch = !PROGRAM_EXTENSIONS.has(ext);
    out.push(makeFinding(mismatch ? 'danger' : 'warning', 'executable', ctx.path, mismatch ? `Program disguised as .${ext}` : `${exe.format === 'elf' ? 'Linux' : exe.format === 'mach-o' ? 'macOS' : 'Windows'} program`, mismatch ? [exe.description, `extension: .${ext}`] : [exe.description],
      mismatch
        ? 'A program with a document\'s extension is made to be opened by mistake; some viewers and handlers still run it.'
        : exe.format === 'pe' || exe.format === 'mz' ? 'A Windows program runs with the user\'s rights when opened. Run it only if you know where it came from.' : 'A program runs with the user\'s rights when started. Run it only if you know where it came from.', ctx));
  }
  if (!exe) out.push(...mismatchFindings(ctx, ext, head));
  const script = SCRIPT_EXTENSIONS[ext];
  if (script !== undefined) {
    out.push(makeFinding('warning', 'script', ctx.path, `Script (${script})`, [`extension: .${ext}`, ...shebang(head)], 'Windows runs scripts on a double click with the user\'s rights; scripts on a stick are a common way in.', ctx));
  } else if (!exe && head.length >= 2 && head[0] === 0x23 && head[1] === 0x21) {
    out.push(makeFinding('info', 'script', ctx.path, 'Script (shebang)', shebang(head), 'A file that starts with #! runs with the named interpreter when it is executable on Linux or macOS.', ctx));
  }
  if (isCfb(head)) {
    try {
      const facts = oleFacts(await readCfbDirectory(ctx.file));
      if (facts.vba) {
        out.push(makeFinding('warning', 'macro', ctx.path, 'Office document with macros', ['OLE2 compound file with a VBA project', ...facts.vbaStorages.map((s) => `storage: ${s}`), ...facts.embedded.map((e) => `embeds ${e}`)],
          'Macros are programs inside the document; they run when the user enables content. Open it with macros disabled, or not at all.', ctx));
      } else if (facts.embedded.length > 0) {
        out.push(makeFinding('info', 'macro', ctx.path, 'Office document with embedded objects', facts.embedded.map((e) => `embeds ${e}`), 'Embedded packages can hold programs that run when double-clicked inside the document.', ctx));
      }
    } catch (e) {
      out.push(malformed(ctx, 'OLE2 compound file', e));
    }
  } else if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 3 && head[3] === 4 && OFFICE_ZIP.test(ext)) {
    try {
      const entries = await readZipDirectory(ctx.file);
      const vba = entries.filter((e) => /(^|\/)vbaProject\.bin$/i.test(e.name)).map((e) => e.name);
      if (vba.length > 0) {
        out.push(makeFinding('warning', 'macro', ctx.path, 'Office document with macros', vba.map((n) => `part: ${n}`),
          'Macros are programs inside the document; they run when the user enables content. Open it with macros disabled, or not at all.', ctx));
      }
    } catch (e) {
      out.push(malformed(ctx, 'Office Open XML (zip) document', e));
    }
  }
  const image = IMAGE_EXTENSIONS[ext];
  const iso = await isIso(ctx);
  if (image !== undefined || iso) {
    out.push(makeFinding('warning', 'nested-image', ctx.path, `Disk image inside the image (${image ?? 'ISO 9660 image'})`, [iso ? 'ISO 9660 volume descriptor at 0x8001' : `extension: .${ext}`],
      'Windows mounts .iso, .img and .vhd files on a double click, and files inside them lose the "downloaded from the Internet" mark that triggers warnings. Scan it separately.', ctx));
  }
  return out;
}

/** What the first bytes say a document is (file signatures as their formats define them). */
function sniff(head: Uint8Array): string | null {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return 'pdf';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (starts(0xff, 0xd8, 0xff)) return 'jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'gif';
  if (starts(0x50, 0x4b, 0x03, 0x04)) return 'zip';
  if (isCfb(head)) return 'ole2';
  if (starts(0x7b, 0x5c, 0x72, 0x74, 0x66)) return 'rtf';
  const text = String.fromCharCode(...head.subarray(0, 512)).replace(/^\ufeff|^\xef\xbb\xbf/, '').trimStart().toLowerCase();
  if (/^<(!doctype html|html|script|hta:application)\b/.test(text)) return 'html';
  return null;
}

/** Extensions whose content has one signature, and the signature. */
const EXPECTED_CONTENT: Record<string, string> = {
  pdf: 'pdf', png: 'png', jpg: 'jpeg', jpeg: 'jpeg', gif: 'gif', zip: 'zip', docx: 'zip', xlsx: 'zip', pptx: 'zip', odt: 'zip', ods: 'zip', odp: 'zip',
};

function mismatchFindings(ctx: FileContext, ext: string, head: Uint8Array): Finding[] {
  const expected = EXPECTED_CONTENT[ext];
  const found = sniff(head);
  if (expected === undefined || found === null || found === expected) return [];
  const html = found === 'html';
  return [makeFinding(html ? 'warning' : 'info', 'type-mismatch', ctx.path, `Content is ${found.toUpperCase()}, name says .${ext}`, [`content: ${found}`, `extension: .${ext}`],
    html
      ? 'A web page named like a document opens in a browser or as an HTML application (with scripts) when the extension is changed or ignored.'
      : 'The content is not what the name says; a mislabelled file is often harmless, but it is also how files slip past filters.', ctx)];
}

function shebang(head: Uint8Array): string[] {
  if (head.length < 2 || head[0] !== 0x23 || head[1] !== 0x21) return [];
  let end = 2;
  while (end < head.length && end < 200 && head[end] !== 0x0a && head[end] !== 0x0d) end++;
  return [`interpreter: ${String.fromCharCode(...head.subarray(2, end)).trim()}`];
}
