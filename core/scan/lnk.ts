// Shell link (.lnk) decoding, following [MS-SHLLINK] (Shell Link Binary File Format):
// 2.1 ShellLinkHeader, 2.2 LinkTargetIDList, 2.3 LinkInfo, 2.4 StringData, 2.5 ExtraData.
// Decoding only: what the fields say. What they mean for a user is in rules.ts.
// Every offset is checked against the section that holds it; a section that does not decode
// ends the decoding there, and what came before is kept (a broken trap is still a trap).

import { corrupt, GloveboxError } from '../errors.js';
import { Fields, guid, latin1, utf16le } from './bytes.js';

/** Larger .lnk files are not decoded (real ones are a few KiB). */
export const MAX_LNK_BYTES = 1024 * 1024;
/** Items in a LinkTargetIDList and blocks in ExtraData that are decoded. */
const MAX_ID_ITEMS = 64;
const MAX_EXTRA_BLOCKS = 64;

const HEADER_SIZE = 0x4c;
const LINK_CLSID = '00021401-0000-0000-C000-000000000046';

/** 2.1.1 LinkFlags. */
export const LinkFlags = {
  HasLinkTargetIDList: 1 << 0,
  HasLinkInfo: 1 << 1,
  HasName: 1 << 2,
  HasRelativePath: 1 << 3,
  HasWorkingDir: 1 << 4,
  HasArguments: 1 << 5,
  HasIconLocation: 1 << 6,
  IsUnicode: 1 << 7,
  ForceNoLinkInfo: 1 << 8,
  HasExpString: 1 << 9,
  RunAsUser: 1 << 13,
  HasExpIcon: 1 << 14,
} as const;

/** 2.5 ExtraData block signatures. */
const ENVIRONMENT_PROPS = 0xa0000001;
const DARWIN_PROPS = 0xa0000006;
const ICON_ENVIRONMENT_PROPS = 0xa0000007;
const SPECIAL_FOLDER_PROPS = 0xa0000005;
const KNOWN_FOLDER_PROPS = 0xa000000b;

export interface IdItem {
  /** The item's type byte (its first data byte): 0x1F root, 0x2x volume, 0x3x file entry. */
  type: number;
  /** A root item's class id (My Computer, Control Panel...). */
  clsid?: string;
  /** A volume's or file entry's name. */
  name?: string;
  /** Printable runs found in items of other types (control panel applets name their .cpl). */
  strings?: string[];
}

export interface ShellLink {
  flags: number;
  fileAttributes: number;
  iconIndex: number;
  showCommand: number;
  idList: IdItem[];
  localBasePath?: string;
  networkPath?: string;
  commonPathSuffix?: string;
  name?: string;
  relativePath?: string;
  workingDir?: string;
  arguments?: string;
  iconLocation?: string;
  /** EnvironmentVariableDataBlock: the target with %variables%. */
  environmentTarget?: string;
  /** IconEnvironmentDataBlock: the icon path with %variables%. */
  iconEnvironment?: string;
  /** SpecialFolderDataBlock: a CSIDL. */
  specialFolder?: number;
  /** KnownFolderDataBlock: a KNOWNFOLDERID. */
  knownFolder?: string;
  darwin?: boolean;
  /** Sections that did not decode; what precedes them is kept. */
  problems: string[];
}

/** Decodes a shell link; throws Corrupt when even the header is not one. */
export function decodeShellLink(bytes: Uint8Array): ShellLink {
  const f = new Fields(bytes, 'LNK ShellLinkHeader');
  if (f.length < HEADER_SIZE) throw corrupt('LNK ShellLinkHeader', { expected: `${HEADER_SIZE} bytes`, found: `${f.length}` });
  const headerSize = f.u32(0);
  if (headerSize !== HEADER_SIZE) throw corrupt('LNK HeaderSize', { expected: '0x4C', found: `0x${headerSize.toString(16)}` });
  const clsid = guid(bytes, 4);
  if (clsid !== LINK_CLSID) throw corrupt('LNK LinkCLSID', { expected: LINK_CLSID, found: clsid });
  const link: ShellLink = {
    flags: f.u32(0x14),
    fileAttributes: f.u32(0x18),
    iconIndex: f.u32(0x38) | 0,
    showCommand: f.u32(0x3c),
    idList: [],
    problems: [],
  };
  let at = HEADER_SIZE;
  try {
    if (link.flags & LinkFlags.HasLinkTargetIDList) at = decodeIdList(bytes, at, link);
    if (link.flags & LinkFlags.HasLinkInfo && !(link.flags & LinkFlags.ForceNoLinkInfo)) at = decodeLinkInfo(bytes, at, link);
    else if (link.flags & LinkFlags.HasLinkInfo) at = skipLinkInfo(bytes, at);
    const unicode = (link.flags & LinkFlags.IsUnicode) !== 0;
    const strings: Array<[number, 'name' | 'relativePath' | 'workingDir' | 'arguments' | 'iconLocation']> = [
      [LinkFlags.HasName, 'name'],
      [LinkFlags.HasRelativePath, 'relativePath'],
      [LinkFlags.HasWorkingDir, 'workingDir'],
      [LinkFlags.HasArguments, 'arguments'],
      [LinkFlags.HasIconLocation, 'iconLocation'],
    ];
    for (const [flag, key] of strings) {
      if (!(link.flags & flag)) continue;
      const s = decodeStringData(bytes, at, unicode, key);
      link[key] = s.value;
      at = s.next;
    }
    decodeExtraData(bytes, at, link);
  } catch (e) {
    if (!(e instanceof GloveboxError)) throw e;
    link.problems.push(e.message);
  }
  return link;
}

/** 2.2 LinkTargetIDList: IDListSize, then ItemIDs (ItemIDSize includes itself), then a 0 TerminalID. */
function decodeIdList(bytes: Uint8Array, at: number, link: ShellLink): number {
  const f = new Fields(bytes, 'LNK LinkTargetIDList');
  const idListSize = f.u16(at, 'IDListSize');
  const end = at + 2 + idListSize;
  f.need(at + 2, idListSize, 'IDList');
  let p = at + 2;
  for (let i = 0; p + 2 <= end; i++) {
    const itemSize = f.u16(p, 'ItemIDSize');
    if (itemSize === 0) break; // TerminalID
    if (itemSize < 3 || p + itemSize > end) throw corrupt('LNK ItemID', { where: `item ${i}`, expected: `3..${end - p} bytes`, found: String(itemSize) });
    if (i < MAX_ID_ITEMS) link.idList.push(decodeIdItem(bytes.subarray(p + 2, p + itemSize)));
    p += itemSize; // progress: itemSize >= 3
  }
  return end;
}

/** The item data of the shell's own item types (not specified by MS-SHLLINK, which treats them as opaque). */
function decodeIdItem(data: Uint8Array): IdItem {
  const type = data[0]!;
  const item: IdItem = { type };
  if (type === 0x1f && data.length >= 18) {
    item.clsid = guid(data, 2);
  } else if ((type & 0x70) === 0x20 && data.length > 1) {
    item.name = new Fields(data, 'LNK volume item').cstring(1, data.length);
  } else if ((type & 0x70) === 0x30 && data.length > 12) {
    // File entry: type, unknown, FileSize (4), modified (4), attributes (2), then the primary name.
    const f = new Fields(data, 'LNK file entry item');
    item.name = type & 0x04 ? f.wstring(12, data.length) : f.cstring(12, data.length);
  } else {
    item.strings = printableRuns(data);
  }
  return item;
}

/** ASCII and UTF-16LE runs of at least 4 printable characters (at most 8 of them). */
function printableRuns(data: Uint8Array): string[] {
  const out: string[] = [];
  let run = '';
  const flush = () => {
    if (run.length >= 4 && out.length < 8) out.push(run.slice(0, 260));
    run = '';
  };
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    if (c >= 0x20 && c < 0x7f) run += String.fromCharCode(c);
    else flush();
  }
  flush();
  for (let i = 0; i + 1 < data.length; i += 2) {
    const c = data[i]! | (data[i + 1]! << 8);
    if (c >= 0x20 && c < 0x7f) run += String.fromCharCode(c);
    else flush();
  }
  flush();
  return out;
}

function skipLinkInfo(bytes: Uint8Array, at: number): number {
  const f = new Fields(bytes, 'LNK LinkInfo');
  const size = f.u32(at, 'LinkInfoSize');
  f.need(at, size, 'LinkInfo');
  return at + size;
}

/** 2.3 LinkInfo, with 2.3.2 CommonNetworkRelativeLink. Offsets are from the LinkInfo's start. */
function decodeLinkInfo(bytes: Uint8Array, at: number, link: ShellLink): number {
  const outer = new Fields(bytes, 'LNK LinkInfo');
  const linkInfoSize = outer.u32(at, 'LinkInfoSize');
  if (linkInfoSize < 0x1c) throw corrupt('LNK LinkInfoSize', { expected: 'at least 0x1C', found: String(linkInfoSize) });
  const f = new Fields(outer.sub(at, linkInfoSize, 'LinkInfo'), 'LNK LinkInfo');
  const headerSize = f.u32(4, 'LinkInfoHeaderSize');
  const flags = f.u32(8, 'LinkInfoFlags');
  const localBasePathOffset = f.u32(16, 'LocalBasePathOffset');
  const networkOffset = f.u32(20, 'CommonNetworkRelativeLinkOffset');
  const suffixOffset = f.u32(24, 'CommonPathSuffixOffset');
  const wide = headerSize >= 0x24;
  if (flags & 1) {
    link.localBasePath = wide && f.u32(28) !== 0 ? f.wstring(f.u32(28), linkInfoSize) : f.cstring(localBasePathOffset, linkInfoSize);
  }
  if (flags & 2) {
    const n = new Fields(f.sub(networkOffset, f.u32(networkOffset, 'CommonNetworkRelativeLinkSize'), 'CommonNetworkRelativeLink'), 'LNK CommonNetworkRelativeLink');
    const netNameOffset = n.u32(8, 'NetNameOffset');
    link.networkPath = netNameOffset > 0x14 && n.length >= 0x1c ? n.wstring(n.u32(0x14), n.length) : n.cstring(netNameOffset, n.length);
  }
  if (suffixOffset !== 0) {
    link.commonPathSuffix = wide && f.u32(32) !== 0 ? f.wstring(f.u32(32), linkInfoSize) : f.cstring(suffixOffset, linkInfoSize);
  }
  return at + linkInfoSize;
}

/** 2.4 StringData: CountCharacters, then that many characters (UTF-16LE when IsUnicode). */
function decodeStringData(bytes: Uint8Array, at: number, unicode: boolean, what: string): { value: string; next: number } {
  const f = new Fields(bytes, `LNK StringData (${what})`);
  const count = f.u16(at, 'CountCharacters');
  const length = unicode ? count * 2 : count;
  const raw = f.sub(at + 2, length, 'String');
  return { value: unicode ? utf16le(raw) : latin1(raw), next: at + 2 + length };
}

/** 2.5 ExtraData: blocks of BlockSize (>= 8) and BlockSignature, until a TerminalBlock (< 4). */
function decodeExtraData(bytes: Uint8Array, at: number, link: ShellLink): void {
  const f = new Fields(bytes, 'LNK ExtraData');
  let p = at;
  for (let i = 0; i < MAX_EXTRA_BLOCKS && p + 4 <= f.length; i++) {
    const blockSize = f.u32(p, 'BlockSize');
    if (blockSize < 4) return; // TerminalBlock
    if (blockSize < 8) throw corrupt('LNK ExtraData block', { where: `byte ${p}`, expected: 'at least 8 bytes', found: String(blockSize) });
    const block = new Fields(f.sub(p, blockSize, 'ExtraData block'), 'LNK ExtraData block');
    const signature = block.u32(4);
    if (signature === ENVIRONMENT_PROPS || signature === ICON_ENVIRONMENT_PROPS || signature === DARWIN_PROPS) {
      // TargetAnsi (260 bytes), then TargetUnicode (520 bytes).
      const ansi = block.cstring(8, 8 + 260);
      const unicode = blockSize >= 8 + 260 + 520 ? block.wstring(8 + 260, 8 + 260 + 520) : '';
      const value = unicode || ansi;
      if (signature === ENVIRONMENT_PROPS) link.environmentTarget = value;
      else if (signature === ICON_ENVIRONMENT_PROPS) link.iconEnvironment = value;
      else link.darwin = true;
    } else if (signature === SPECIAL_FOLDER_PROPS) {
      link.specialFolder = block.u32(8, 'SpecialFolderID');
    } else if (signature === KNOWN_FOLDER_PROPS) {
      block.need(8, 16, 'KnownFolderID');
      link.knownFolder = guid(block.bytes, 8);
    }
    p += blockSize; // progress: blockSize >= 8
  }
  // Every shell link ends with a TerminalBlock; a file that stops short was cut or crafted.
  throw corrupt('LNK ExtraData', { where: `byte ${p}`, expected: 'a TerminalBlock', found: p + 4 > f.length ? 'the end of the file' : `more than ${MAX_EXTRA_BLOCKS} blocks` });
}

/** The target as the shell would resolve it, best first. */
export function linkTarget(link: ShellLink): string | null {
  if (link.localBasePath) return link.localBasePath + (link.commonPathSuffix ?? '');
  if (link.networkPath) return `${link.networkPath}${link.commonPathSuffix ? `\\${link.commonPathSuffix}` : ''}`;
  if (link.environmentTarget) return link.environmentTarget;
  const names = link.idList.filter((i) => i.name !== undefined).map((i) => i.name!.replace(/\\$/, ''));
  if (names.length > 0) return names.join('\\');
  return link.relativePath ?? null;
}
