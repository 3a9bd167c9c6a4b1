// Executables by content: the headers that make a file runnable, decoded from the first bytes.
// PE/COFF (Microsoft "PE Format": MS-DOS stub e_lfanew at 0x3C, "PE\0\0", COFF file header,
// optional header magic 0x10B/0x20B, data directory 4 = Certificate Table, 14 = CLR header),
// ELF (System V gABI: e_ident, e_type, e_machine), Mach-O (<mach-o/loader.h>: MH_MAGIC(_64)
// in either byte order; <mach-o/fat.h>: FAT_MAGIC with a small nfat_arch, which tells a
// universal binary from a Java class file sharing the magic 0xCAFEBABE).
import { Fields } from './bytes.js';

export interface ExecutableInfo {
  format: 'pe' | 'mz' | 'elf' | 'mach-o';
  /** A few words: "PE32+ (64-bit) DLL, x86-64, Windows GUI, signed". */
  description: string;
  /** PE only: an Authenticode certificate table is present (not verified). */
  signed?: boolean;
}

const PE_MACHINES: Record<number, string> = { 0x14c: 'x86', 0x8664: 'x86-64', 0xaa64: 'ARM64', 0x1c0: 'ARM', 0x1c4: 'ARMv7', 0x200: 'IA-64' };
const PE_SUBSYSTEMS: Record<number, string> = { 1: 'native (driver)', 2: 'Windows GUI', 3: 'Windows console', 9: 'Windows CE', 10: 'EFI application', 11: 'EFI boot driver', 12: 'EFI runtime driver' };
const ELF_MACHINES: Record<number, string> = { 3: 'x86', 62: 'x86-64', 40: 'ARM', 183: 'AArch64', 243: 'RISC-V', 8: 'MIPS', 20: 'PowerPC', 21: 'PowerPC64' };
const ELF_TYPES: Record<number, string> = { 1: 'relocatable object', 2: 'executable', 3: 'shared object or PIE executable', 4: 'core dump' };
const MACHO_TYPES: Record<number, string> = { 1: 'object', 2: 'executable', 6: 'dynamic library', 7: 'dynamic linker', 8: 'bundle', 11: 'kernel extension' };
const MACHO_CPUS: Record<number, string> = { 7: 'x86', 0x01000007: 'x86-64', 12: 'ARM', 0x0100000c: 'ARM64' };

/**
 * What the first bytes of a file say about it being a program, or null. `size` is the whole
 * file's (default: `head` is the whole file).
 */
export function identifyExecutable(head: Uint8Array, size = head.length): ExecutableInfo | null {
  if (head.length >= 64 && head[0] === 0x4d && head[1] === 0x5a) return pe(head, size);
  if (head.length >= 20 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46) return elf(head);
  if (head.length >= 28) return machO(head);
  return null;
}

/**
 * A DOS program's header (e_cblp, e_cp, e_cparhdr) that fits the file: what a file starting
 * with "MZ" must have to run when it has no PE header. Two letters alone are not a program (one
 * file in 65,536 of random data starts with them).
 */
function dosProgram(f: Fields, size: number): boolean {
  const lastPage = f.u16(0x02);
  const pages = f.u16(0x04);
  const headerParagraphs = f.u16(0x08);
  if (pages < 1 || lastPage >= 512 || headerParagraphs < 2) return false;
  const imageSize = lastPage === 0 ? pages * 512 : (pages - 1) * 512 + lastPage;
  return imageSize <= size && imageSize > headerParagraphs * 16;
}

function pe(head: Uint8Array, size: number): ExecutableInfo | null {
  const f = new Fields(head, 'PE');
  const eLfanew = f.u32(0x3c);
  const mz: ExecutableInfo = { format: 'mz', description: 'MS-DOS executable (MZ)' };
  if (eLfanew < 0x40 || eLfanew + 24 > head.length || f.u32(eLfanew) !== 0x00004550) {
    // Beyond what was read but inside the file: the PE header may be there.
    if (eLfanew >= 0x40 && eLfanew + 24 > head.length && eLfanew + 24 <= size) {
      mz.description += `, PE header beyond the first ${head.length} bytes`;
      return mz;
    }
    return dosProgram(f, size) ? mz : null;
  }
  const machine = f.u16(eLfanew + 4);
  const characteristics = f.u16(eLfanew + 22);
  const optionalSize = f.u16(eLfanew + 20);
  const opt = eLfanew + 24;
  const parts: string[] = [];
  let signed: boolean | undefined;
  const dll = (characteristics & 0x2000) !== 0;
  if (optionalSize >= 2 && opt + 2 <= head.length) {
    const magic = f.u16(opt);
    const plus = magic === 0x20b;
    parts.push(plus ? 'PE32+ (64-bit)' : magic === 0x10b ? 'PE32 (32-bit)' : `PE (optional header magic 0x${magic.toString(16)})`);
    parts[0] += dll ? ' DLL' : ' executable';
    parts.push(PE_MACHINES[machine] ?? `machine 0x${machine.toString(16)}`);
    const subsystemAt = opt + 68;
    if (optionalSize >= 70 && subsystemAt + 2 <= head.length) {
      const subsystem = f.u16(subsystemAt);
      parts.push(PE_SUBSYSTEMS[subsystem] ?? `subsystem ${subsystem}`);
    }
    // Data directories follow NumberOfRvaAndSizes (at 92 in PE32, 108 in PE32+).
    const countAt = opt + (plus ? 108 : 92);
    const dirs = countAt + 4;
    if (countAt + 4 <= head.length && countAt + 4 <= opt + optionalSize) {
      const count = f.u32(countAt);
      const dirSize = (i: number) => (i < count && dirs + i * 8 + 8 <= head.length && dirs + i * 8 + 8 <= opt + optionalSize ? f.u32(dirs + i * 8 + 4) : 0);
      if (dirSize(14) > 0) parts.push('.NET');
      signed = dirSize(4) > 0;
      parts.push(signed ? 'has an Authenticode signature (not verified)' : 'not signed');
    }
  } else {
    parts.push(`PE ${dll ? 'DLL' : 'image'}`, PE_MACHINES[machine] ?? `machine 0x${machine.toString(16)}`);
  }
  return { format: 'pe', description: parts.join(', '), ...(signed !== undefined ? { signed } : {}) };
}

function elf(head: Uint8Array): ExecutableInfo {
  const f = new Fields(head, 'ELF');
  const cls = f.u8(4);
  const data = f.u8(5);
  const read16 = (o: number) => (data === 2 ? f.be16(o) : f.u16(o));
  const type = read16(16);
  const machine = read16(18);
  const bits = cls === 2 ? '64-bit' : cls === 1 ? '32-bit' : `class ${cls}`;
  return { format: 'elf', description: `ELF ${bits} ${ELF_TYPES[type] ?? `type ${type}`}, ${ELF_MACHINES[machine] ?? `machine ${machine}`}` };
}

function machO(head: Uint8Array): ExecutableInfo | null {
  const f = new Fields(head, 'Mach-O');
  const le = f.u32(0);
  const be = f.be32(0);
  if (be === 0xcafebabe) {
    // Universal binary, or a Java class (whose "nfat_arch" is its version, 45 and above).
    const n = f.be32(4);
    if (n >= 1 && n <= 20) return { format: 'mach-o', description: `Mach-O universal binary (${n} architecture${n === 1 ? '' : 's'})` };
    return null;
  }
  let read32: ((o: number) => number) | null = null;
  let bits = '';
  if (le === 0xfeedface || le === 0xfeedfacf) {
    read32 = (o) => f.u32(o);
    bits = le === 0xfeedfacf ? '64-bit' : '32-bit';
  } else if (be === 0xfeedface || be === 0xfeedfacf) {
    read32 = (o) => f.be32(o);
    bits = be === 0xfeedfacf ? '64-bit' : '32-bit';
  }
  if (!read32) return null;
  const cpu = read32(4);
  const type = read32(12);
  return { format: 'mach-o', description: `Mach-O ${bits} ${MACHO_TYPES[type] ?? `file type ${type}`}, ${MACHO_CPUS[cpu] ?? `cpu ${cpu}`}` };
}
