// What a scan reports. Plain data only: findings cross the sandbox boundary and are checked
// again by the host (core/sandbox/protocol/api.ts), so every field here is bounded and every
// enumeration closed.

export type Severity = 'info' | 'warning' | 'danger';
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'danger'];

/** What was found, as a stable word (a closed set: the host and the app switch on it). */
export type FindingKind =
  | 'autorun' // autorun.inf with something to run or show
  | 'autostart' // Linux .autorun / autorun.sh, .desktop launchers
  | 'desktop-ini' // desktop.ini that changes how a folder is shown or handled
  | 'shortcut' // a .lnk shell link
  | 'internet-shortcut' // a .url file
  | 'shell-command' // a .scf file
  | 'executable' // PE, ELF or Mach-O by content
  | 'script' // by extension or shebang
  | 'macro' // an Office document with a VBA project
  | 'nested-image' // a disk image inside the image
  | 'double-extension' // invoice.pdf.exe
  | 'bidi-name' // RLO/LRO and other bidi controls in a name
  | 'homoglyph-name' // a name that looks like its ASCII neighbour
  | 'trailing-dot-space' // names Windows cannot show faithfully
  | 'invisible-name' // a name made only of blanks or invisible characters
  | 'hidden-twin' // a hidden folder beside a visible look-alike (or a shortcut named like it)
  | 'type-mismatch' // content that does not match its extension
  | 'volume-label' // a label that mimics a system volume
  | 'malformed' // a structure that could not be decoded (kept: a broken trap is still a trap)
  | 'known-hash' // the file's hash is on a list the user gave (made by the host, never the sandbox)
  | 'hidden-partition' // a partition type Windows does not mount (from the volume list)
  | 'overlapping-volumes'; // two file systems on the same bytes (from the volume list)

export const FINDING_KINDS: readonly FindingKind[] = [
  'autorun', 'autostart', 'desktop-ini', 'shortcut', 'internet-shortcut', 'shell-command', 'executable', 'script', 'macro',
  'nested-image', 'double-extension', 'bidi-name', 'homoglyph-name', 'trailing-dot-space', 'invisible-name', 'hidden-twin',
  'type-mismatch', 'volume-label', 'malformed', 'known-hash', 'hidden-partition', 'overlapping-volumes',
];

export interface Finding {
  severity: Severity;
  kind: FindingKind;
  /** Path inside the volume, of listed (escaped where needed) names; "/" for the volume. */
  path: string;
  /** A short title ("Shortcut runs PowerShell"). */
  title: string;
  /** What was seen, one fact per line ("target: C:\\Windows\\System32\\cmd.exe"). */
  evidence: string[];
  /** Why it matters to someone about to open the stick. */
  why: string;
  /** The file's node (for hashing or preview), when the finding is about one file. */
  node?: number;
  size?: number;
}

/** Something the scan could not do (a directory it could not list, a limit it reached). */
export interface ScanNote {
  path: string;
  message: string;
}

/** Hard limits, with units in their names. */
export const MAX_TITLE_CHARS = 200;
export const MAX_EVIDENCE_LINES = 16;
export const MAX_EVIDENCE_CHARS = 1000;
export const MAX_WHY_CHARS = 1000;
export const MAX_PATH_CHARS = 65536;
export const MAX_NAME_CHARS = 4096;
