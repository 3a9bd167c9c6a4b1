// Marking extracted files as coming from an untrusted source, so the host OS warns before
// opening them (SmartScreen / Office Protected View on Windows, Gatekeeper on macOS).
//   win32:  NTFS alternate data stream `<file>:Zone.Identifier`, ZoneId=3 (Internet).
//   darwin: the `com.apple.quarantine` extended attribute, set with /usr/bin/xattr in batches
//           (Node has no xattr API, and one process per file is far too slow).
//   others: no standard mark exists; nothing is set.
// The OS effects go through a small injectable runtime, so each strategy is tested anywhere.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';

export interface MarkedFile {
  /** Absolute path of the written file. */
  abs: string;
  /** Path relative to the extraction folder, "/"-separated. */
  written: string;
  /** The in-image path, for reports. */
  imagePath: string;
}

export interface MarkFailure {
  file: MarkedFile;
  message: string;
}

export interface UntrustedMarker {
  /** Records a finished file: marks it now or batches it. Failures are returned, never thrown. */
  add(file: MarkedFile): Promise<MarkFailure[]>;
  /** Marks every batched file. */
  flush(): Promise<MarkFailure[]>;
}

/** The OS calls the markers make; replaced in tests. */
export interface MarkerRuntime {
  writeFile(path: string, data: string): Promise<void>;
  execFile(file: string, args: string[]): Promise<void>;
  /** Milliseconds since the epoch. */
  now(): number;
}

export const ZONE_IDENTIFIER = '[ZoneTransfer]\r\nZoneId=3\r\n';
export const XATTR_PATH = '/usr/bin/xattr';
/** Per xattr call: few enough files, and argument bytes far below macOS's ARG_MAX (1 MiB). */
export const XATTR_MAX_FILES = 200;
export const XATTR_MAX_ARG_BYTES = 128 * 1024;
const XATTR_TIMEOUT_MS = 60_000;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const nodeMarkerRuntime: MarkerRuntime = {
  writeFile: (path, data) => writeFile(path, data, { flag: 'w' }),
  execFile: (file, args) =>
    new Promise((resolve, reject) => {
      execFile(file, args, { timeout: XATTR_TIMEOUT_MS, windowsHide: true }, (err) =>
        err ? reject(err) : resolve(),
      );
    }),
  now: () => Date.now(),
};

export class NoMarker implements UntrustedMarker {
  async add(): Promise<MarkFailure[]> {
    return [];
  }
  async flush(): Promise<MarkFailure[]> {
    return [];
  }
}

/** Windows: the Mark of the Web, written right after each file (nothing to batch). */
export class ZoneIdentifierMarker implements UntrustedMarker {
  constructor(private readonly runtime: MarkerRuntime = nodeMarkerRuntime) {}

  async add(file: MarkedFile): Promise<MarkFailure[]> {
    try {
      // Fails on file systems without streams (FAT, exFAT): reported, not fatal.
      await this.runtime.writeFile(`${file.abs}:Zone.Identifier`, ZONE_IDENTIFIER);
      return [];
    } catch (e) {
      return [{ file, message: `cannot write Zone.Identifier: ${message(e)}` }];
    }
  }

  async flush(): Promise<MarkFailure[]> {
    return [];
  }
}

/** macOS: com.apple.quarantine, "flags;hex seconds;agent;" as Safari writes it (minus the UUID). */
export class QuarantineMarker implements UntrustedMarker {
  private batch: MarkedFile[] = [];
  private batchBytes = 0;

  constructor(private readonly runtime: MarkerRuntime = nodeMarkerRuntime) {}

  async add(file: MarkedFile): Promise<MarkFailure[]> {
    // Absolute paths start with "/", so no file name can be read by xattr as an option.
    if (!file.abs.startsWith('/')) return [{ file, message: 'not an absolute path' }];
    const bytes = Buffer.byteLength(file.abs) + 1;
    const failures =
      this.batch.length >= XATTR_MAX_FILES || this.batchBytes + bytes > XATTR_MAX_ARG_BYTES
        ? await this.flush()
        : [];
    this.batch.push(file);
    this.batchBytes += bytes;
    return failures;
  }

  async flush(): Promise<MarkFailure[]> {
    const files = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    if (files.length === 0) return [];
    const seconds = Math.floor(this.runtime.now() / 1000).toString(16);
    const value = `0081;${seconds};Glovebox;`;
    try {
      await this.runtime.execFile(XATTR_PATH, ['-w', 'com.apple.quarantine', value, ...files.map((f) => f.abs)]);
      return [];
    } catch (e) {
      // xattr goes on past a failing file, so we cannot tell which ones were marked.
      return files.map((file) => ({ file, message: `cannot set com.apple.quarantine: ${message(e)}` }));
    }
  }
}

export function markerFor(platform: NodeJS.Platform, runtime: MarkerRuntime = nodeMarkerRuntime): UntrustedMarker {
  if (platform === 'win32') return new ZoneIdentifierMarker(runtime);
  if (platform === 'darwin') return new QuarantineMarker(runtime);
  return new NoMarker();
}
