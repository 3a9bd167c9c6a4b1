// The one contract between the renderer, the preload and the main process: channel names,
// payload types, result envelopes and size limits, declared once. Pure TypeScript with no
// imports, so that all three (and the end-to-end test host) can use it.
//
// Everything that crosses is plain data. Errors cross as data too ({ ok: false, error }), never
// as thrown exceptions, so that their kind and message survive Electron's IPC unchanged.

/** Bumped when a channel or a payload changes shape. */
export const API_VERSION = 3;

// ---- limits (main checks every request against these) -------------------------------------

/** Longest path (host path or in-image path) a request may carry, in UTF-16 units. */
export const MAX_PATH_CHARS = 4096;
/** Most in-image paths one extract or drag request may name. */
export const MAX_ITEMS_PER_REQUEST = 100_000;
/** Largest single read the renderer may ask for (previews read in pages). */
export const MAX_READ_BYTES = 1024 * 1024;
/** Largest text handed to the clipboard. */
export const MAX_CLIPBOARD_CHARS = 64 * 1024;
/** Entries per directory page returned to the renderer. */
export const DIR_PAGE_ENTRIES = 4096;
/** Task ids are made by the renderer: short, and only these characters. */
export const TASK_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Source ids are made by main. */
export const SOURCE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Device ids are made by main (opaque: the renderer names a device only by one main listed). */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Devices sent to the renderer at most (a machine with more is unusual; the rest are dropped). */
export const MAX_DEVICES = 64;
/** Findings of one scan sent to the renderer at most (core keeps up to 100,000; the report has them all). */
export const MAX_FINDINGS_SHOWN = 10_000;

// ---- payloads -------------------------------------------------------------------------------

export type NodeType = 'file' | 'dir' | 'symlink' | 'other';

export interface VolumeInfo {
  /** 1-based, as `glovebox info` shows it. */
  index: number;
  partition: number | null;
  offset: number;
  size: number;
  /** e.g. "fat32", "ntfs"; null when no file system was recognised. */
  fs: string | null;
  label: string | null;
  /** Why the volume could not be opened (corrupt, unsupported), or null. */
  error: string | null;
  /** The root directory's node, when the volume opened. */
  rootNode: number | null;
  notes: string[];
}

export type SourceKind = 'image' | 'device';

export interface SourceInfo {
  id: string;
  kind: SourceKind;
  /** File name (image) or device name, for display. */
  name: string;
  /** Where it was opened from (host path). */
  path: string;
  size: number;
  container: string;
  partitioning: string;
  volumes: VolumeInfo[];
  warnings: string[];
  /** Isolation layers of the sandbox that parsed it (as `glovebox info` prints them). */
  isolation: string[];
}

/** One USB interface of a device's active configuration, as shown to the user. */
export interface DeviceInterface {
  /** Class, subclass and protocol as USBGuard writes them ("03:01:01"). */
  code: string;
  /** What it is ("mass storage", "a keyboard (HID boot keyboard)"). */
  what: string;
  /** The OS driver bound to it, where known ("usbhid"). */
  driver: string | null;
  /** Not storage: the reason for the BadUSB warning. */
  suspicious: boolean;
}

/** A disk, card or loop device main discovered (never opened for this): what the sidebar shows. */
export interface DeviceInfo {
  /** Opaque, made by main; the renderer opens a device by this id only. */
  id: string;
  /** The OS's name and node ("sdb", "/dev/sdb"), for display. */
  name: string;
  path: string;
  /** Vendor and model (device-supplied, cleaned), or null when the device gives none. */
  vendor: string | null;
  model: string | null;
  size: number;
  /** e.g. "USB", "SD card", "NVMe", "Loop". */
  bus: string;
  kind: 'disk' | 'loop';
  removable: boolean;
  /** Holds the running system: marked, never shown as a stick. */
  system: boolean;
  /** Where the OS mounted it or its partitions (its kernel driver has parsed them). */
  mountPoints: string[];
  mountedReadWrite: boolean;
  /** The file a loop device reads, else null. */
  backingFile: string | null;
  /** The BadUSB warning (storage plus HID, CDC, wireless or vendor interfaces), or null. */
  badUsb: { usbId: string; message: string; usbGuard: string } | null;
  /** The USB device's interfaces (empty when not on USB or not known on this OS). */
  interfaces: DeviceInterface[];
}

export type Severity = 'info' | 'warning' | 'danger';

/** One scan finding (core/scan): plain text, shown as text, never as markup. */
export interface FindingInfo {
  severity: Severity;
  /** A stable word from core's closed set ("shortcut", "autorun", …). */
  kind: string;
  /** In-volume path of listed (escaped) names; "/" for the volume itself. */
  path: string;
  title: string;
  evidence: string[];
  why: string;
  /** The file's node, when the finding is about one file. */
  node: number | null;
}

export interface ScanResult {
  taskId: string;
  sourceId: string;
  volume: number;
  findings: FindingInfo[];
  /** What could not be checked (a directory that could not be listed…). */
  notes: Array<{ path: string; message: string }>;
  entries: number;
  bytes: number;
  /** Findings not sent (past MAX_FINDINGS_SHOWN or core's own cap); the exported report has core's. */
  dropped: number;
}

/** One directory entry; `name` is a safe path component (escaped when needed). */
export interface Entry {
  name: string;
  escaped: boolean;
  node: number;
  type: NodeType;
  size: number;
  mtime: string | null;
}

export interface DirPage {
  entries: Entry[];
  /** `start` for the next page, or null when this was the last. */
  next: number | null;
  total: number;
}

export interface Details {
  node: number;
  type: NodeType;
  size: number;
  mtime: string | null;
  atime: string | null;
  ctime: string | null;
  birthtime: string | null;
  mode: number | null;
  attributes: string[];
  /** A symbolic link's target (as stored), or null. */
  target: string | null;
}

export interface SourceStats {
  /** Block reads the sandbox asked for and the host served. */
  reads: number;
  bytesRead: number;
  /** Sandbox processes started (1 + restarts). */
  launches: number;
  /** Sandboxes stopped by the host (crash, hang, memory, misbehaviour). */
  kills: number;
  isolation: string[];
}

export type TaskKind = 'open' | 'extract' | 'hash' | 'drag' | 'image' | 'scan';

export interface TaskProgress {
  taskId: string;
  kind: TaskKind;
  /** Files done (a scan: entries visited). */
  files: number;
  bytes: number;
  /** Total bytes when known in advance (hash, an expanding image's size), else null. */
  bytesTotal: number | null;
  /** The in-image path being worked on. */
  current: string | null;
}

export interface TaskResult {
  taskId: string;
  kind: TaskKind;
  files: number;
  dirs: number;
  bytes: number;
  /** Names changed, entries skipped, files that failed: one line each. */
  problems: string[];
  /** Where files were written (extract: the folder; image: the image file), or null. */
  folder: string | null;
  /** Hex SHA-256 (hash), or null. */
  sha256: string | null;
}

/** Whether "Mount safely" can work here (FUSE binding loaded and /dev/fuse present). */
export interface MountSupport {
  available: boolean;
  /** Why not, for a tooltip or log; null when available. */
  reason: string | null;
}

/** A volume main has mounted read-only through FUSE (core/mount), served by its sandbox. */
export interface MountInfo {
  sourceId: string;
  volume: number;
  /** The mount point: a directory main made under the user's runtime directory. */
  path: string;
}

export interface ApiError {
  /** One of core's error kinds ("Corrupt", "Unsupported", "Crashed"…) or "Invalid" for a bad request. */
  kind: string;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

// ---- requests -----------------------------------------------------------------------------

export interface VolumeRef {
  sourceId: string;
  volume: number;
}
export interface ReaddirRequest extends VolumeRef {
  node: number;
  start: number;
}
export interface NodeRequest extends VolumeRef {
  node: number;
}
export interface ReadRequest extends VolumeRef {
  node: number;
  offset: number;
  length: number;
}
export interface ItemsRequest extends VolumeRef {
  /** Absolute in-image paths of listed (escaped) names. */
  paths: string[];
  taskId: string;
}
export interface ScanRequest extends VolumeRef {
  taskId: string;
}
export interface HashRequest extends VolumeRef {
  node: number;
  size: number;
  taskId: string;
}

/** Commands from the application menu, forwarded to the renderer. */
export type MenuCommand =
  | 'open'
  | 'close-source'
  | 'extract'
  | 'copy-path'
  | 'hash'
  | 'find'
  | 'select-all'
  | 'go-up'
  | 'refresh'
  | 'scan'
  | 'export-report';
export const MENU_COMMANDS: readonly MenuCommand[] = ['open', 'close-source', 'extract', 'copy-path', 'hash', 'find', 'select-all', 'go-up', 'refresh', 'scan', 'export-report'];

/** Everything main tells the renderer without being asked. */
export type AppEvent =
  | { type: 'source-opened'; source: SourceInfo }
  | { type: 'open-failed'; path: string; error: ApiError }
  | { type: 'task-progress'; progress: TaskProgress }
  | { type: 'devices'; devices: DeviceInfo[] }
  /** Findings of a running scan as they arrive (the scan's answer has them all). */
  | { type: 'scan-findings'; taskId: string; findings: FindingInfo[] }
  | { type: 'menu'; command: MenuCommand }
  /** Every current mount, after each change (mounted, unmounted, source closed). */
  | { type: 'mounts'; mounts: MountInfo[] };

// ---- channels -----------------------------------------------------------------------------

/** Invoke channels (renderer → main, one answer each). */
export const Channel = {
  openDialog: 'glovebox:open-dialog',
  openPath: 'glovebox:open-path',
  openDevice: 'glovebox:open-device',
  closeSource: 'glovebox:close-source',
  listDevices: 'glovebox:list-devices',
  recentImages: 'glovebox:recent-images',
  readdir: 'glovebox:readdir',
  stat: 'glovebox:stat',
  read: 'glovebox:read',
  stats: 'glovebox:stats',
  extract: 'glovebox:extract',
  hash: 'glovebox:hash',
  dragOut: 'glovebox:drag-out',
  cancelTask: 'glovebox:cancel-task',
  saveDeviceImage: 'glovebox:save-device-image',
  scan: 'glovebox:scan',
  exportReport: 'glovebox:export-report',
  copyText: 'glovebox:copy-text',
  mountSupport: 'glovebox:mount-support',
  mount: 'glovebox:mount',
  unmount: 'glovebox:unmount',
} as const;
export type ChannelName = (typeof Channel)[keyof typeof Channel];

/** The one main → renderer channel; payloads are `AppEvent`s. */
export const EVENT_CHANNEL = 'glovebox:event';

/** Request and answer of every invoke channel. */
export interface ChannelMap {
  /** Asks the user for an image (the open dialog): its path, or null when they cancelled. */
  [Channel.openDialog]: { req: null; res: string | null };
  /** `taskId` names the open for progress and cancel (a compressed image is expanded first). */
  [Channel.openPath]: { req: { path: string; taskId: string }; res: SourceInfo };
  [Channel.openDevice]: { req: { deviceId: string }; res: SourceInfo };
  [Channel.closeSource]: { req: { sourceId: string }; res: null };
  [Channel.listDevices]: { req: null; res: DeviceInfo[] };
  [Channel.recentImages]: { req: null; res: string[] };
  [Channel.readdir]: { req: ReaddirRequest; res: DirPage };
  [Channel.stat]: { req: NodeRequest; res: Details };
  [Channel.read]: { req: ReadRequest; res: Uint8Array };
  [Channel.stats]: { req: { sourceId: string }; res: SourceStats };
  /** Asks for a folder (a dialog in the app), then extracts; null when the user cancelled. */
  [Channel.extract]: { req: ItemsRequest; res: TaskResult | null };
  [Channel.hash]: { req: HashRequest; res: TaskResult };
  /** Stages the items in a private folder and starts the OS drag with them. */
  [Channel.dragOut]: { req: ItemsRequest; res: TaskResult };
  [Channel.cancelTask]: { req: { taskId: string }; res: null };
  /** Asks where to save (a dialog in the app), then copies the whole device with SHA-256 (and its .sha256 beside it); null when cancelled. */
  [Channel.saveDeviceImage]: { req: { deviceId: string; taskId: string }; res: TaskResult | null };
  /** Scans a volume for traps in the sandbox, with progress, `scan-findings` events and cancel. */
  [Channel.scan]: { req: ScanRequest; res: ScanResult };
  /** Asks where to save, then writes the last scan of that volume as a self-contained HTML report: its path, or null when cancelled. */
  [Channel.exportReport]: { req: VolumeRef; res: string | null };
  [Channel.copyText]: { req: { text: string }; res: null };
  [Channel.mountSupport]: { req: null; res: MountSupport };
  /** "Mount safely": mounts the volume read-only under the runtime directory and opens the file manager there. */
  [Channel.mount]: { req: VolumeRef; res: MountInfo };
  [Channel.unmount]: { req: VolumeRef; res: null };
}

export type Req<C extends ChannelName> = ChannelMap[C]['req'];
export type Res<C extends ChannelName> = ChannelMap[C]['res'];

/** `window.glovebox`: what the preload exposes, and what a test host imitates. */
export interface GloveboxApi {
  readonly version: number;
  invoke<C extends ChannelName>(channel: C, request: Req<C>): Promise<Result<Res<C>>>;
  /** Subscribes to main's events; returns the unsubscribe function. */
  onEvent(listener: (event: AppEvent) => void): () => void;
  /** The host path of a file dropped on the window (Electron's webUtils), or null. */
  pathForFile(file: File): string | null;
}

declare global {
  interface Window {
    glovebox?: GloveboxApi;
  }
}
