// The store's shapes. One zustand store, six slices (sources, navigation, selection,
// previews, tasks, findings); components read it through selectors and call its actions.

import type { Details, DeviceInfo, Entry, FindingInfo, MountInfo, SourceInfo, SourceStats, TaskKind, TaskProgress, TaskResult } from '../../electron/shared/api.js';
import type { Client } from '../api.js';
import type { Sniffed, PreviewKind } from '../lib/content.js';

export interface ShownError {
  kind: string;
  message: string;
}

/** One step of the current path; trail[0] is the volume's root (name ""). */
export interface Crumb {
  name: string;
  node: number;
}

export interface Location {
  sourceId: string;
  volume: number;
  trail: Crumb[];
}

export interface DirState {
  node: number;
  status: 'loading' | 'ready' | 'error';
  entries: Entry[];
  /** Entries the sandbox says the directory has (known after the first page). */
  total: number;
  error: ShownError | null;
}

export type SortKey = 'name' | 'size' | 'mtime' | 'type';

export interface SourcesSlice {
  sources: SourceInfo[];
  devices: DeviceInfo[];
  /** Why a device could not be opened (shown in its row), by device id. */
  deviceErrors: Record<string, string>;
  recent: string[];
  stats: Record<string, SourceStats>;
  /** The name of what is being opened, while it is. */
  opening: string | null;
  openError: { title: string; message: string } | null;
  errorCount: number;
  lastError: string | null;
  init(): () => void;
  openDialog(): Promise<void>;
  openPath(path: string): Promise<void>;
  /** A file dropped on the window (its host path comes from the preload). */
  openFile(file: File): void;
  openDevice(id: string): Promise<void>;
  closeSource(id: string): Promise<void>;
  addSource(source: SourceInfo): void;
  refreshStats(sourceId: string): Promise<void>;
  noteError(e: ShownError): void;
  dismissOpenError(): void;
}

export interface NavigationSlice {
  location: Location | null;
  dirs: Record<string, DirState>;
  expanded: Record<string, boolean>;
  sort: { key: SortKey; descending: boolean };
  filter: string;
  openVolume(sourceId: string, volume: number): void;
  navigate(location: Location): void;
  /** Goes to a folder shown in the tree (its ancestors are listed, so their nodes are known). */
  openFolder(sourceId: string, volume: number, path: string): void;
  /** Opens a folder of the current list, or previews a file. */
  enter(name: string): void;
  goUp(): void;
  /** Goes to the breadcrumb at this depth (0: the root). */
  goTo(depth: number): void;
  loadDir(sourceId: string, volume: number, path: string, node: number, force?: boolean): Promise<void>;
  toggleExpanded(sourceId: string, volume: number, path: string, node: number): void;
  setSort(key: SortKey): void;
  setFilter(text: string): void;
  refresh(): void;
}

export interface SelectionSlice {
  selected: ReadonlySet<string>;
  focused: string | null;
  anchor: string | null;
  select(name: string, mode: 'replace' | 'toggle' | 'range'): void;
  selectAll(): void;
  clearSelection(): void;
  moveFocus(to: number | 'home' | 'end', extend: boolean): void;
  typeAhead(prefix: string): void;
}

export interface PreviewState {
  key: string;
  status: 'loading' | 'ready' | 'error';
  size: number;
  /** The first bytes (up to PREVIEW_BYTES, or the whole image for pictures). */
  bytes: Uint8Array | null;
  sniffed: Sniffed | null;
  error: ShownError | null;
  /** The view the user chose; null: the sniffed one. */
  mode: PreviewKind | null;
}

export interface HexState {
  key: string;
  pages: Record<number, Uint8Array>;
  loading: Record<number, boolean>;
  error: ShownError | null;
}

export interface PreviewsSlice {
  details: { key: string; status: 'loading' | 'ready' | 'error'; value: Details | null; error: ShownError | null } | null;
  preview: PreviewState | null;
  hex: HexState | null;
  hashes: Record<string, string>;
  showFocused(): void;
  setPreviewMode(mode: PreviewKind): void;
  loadHexPage(page: number): void;
}

export interface Task {
  id: string;
  kind: TaskKind;
  label: string;
  /** The label once finished ("Extracted …"). */
  doneLabel: string;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  progress: TaskProgress | null;
  result: TaskResult | null;
  error: ShownError | null;
}

export interface TasksSlice {
  tasks: Task[];
  /** Extracts the named paths (default: the selection, or the current folder). */
  extract(paths?: string[]): Promise<void>;
  hash(name?: string): Promise<void>;
  dragOut(paths: string[]): Promise<void>;
  /** "Save as image…" for a device: a save dialog in main, then the copy with progress. */
  saveDeviceImage(deviceId: string): Promise<void>;
  copyPath(name?: string): Promise<void>;
  cancelTask(id: string): void;
  dismissTask(id: string): void;
}

/** One volume's scan: filled in while it runs, complete when done. */
export interface ScanState {
  sourceId: string;
  volume: number;
  taskId: string;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  findings: FindingInfo[];
  notes: Array<{ path: string; message: string }>;
  entries: number;
  dropped: number;
  error: ShownError | null;
  /** Where the last report was written, or an export error, shown in the panel. */
  exported: string | null;
  exportError: string | null;
  exporting: boolean;
}

export interface FindingsSlice {
  /** By volumeKey(sourceId, volume). */
  scans: Record<string, ScanState>;
  /** The volume whose findings the panel shows, or null (panel closed). */
  findingsShown: string | null;
  /** The finding selected in the panel (its index in the list). */
  findingSelected: number | null;
  scanVolume(sourceId?: string, volume?: number): Promise<void>;
  /** Findings of a running scan as main sends them. */
  addScanFindings(taskId: string, findings: FindingInfo[]): void;
  showFindings(key: string | null): void;
  /** Selects the finding and its file in the list (opening its folder). */
  revealFinding(index: number): Promise<void>;
  exportReport(sourceId: string, volume: number): Promise<void>;
}

export interface MountsSlice {
  /** Main can mount here (FUSE binding loaded, /dev/fuse present); else the action is hidden. */
  mountAvailable: boolean;
  /** Mount path by volumeKey(sourceId, volume), as main reports it. */
  mounts: Record<string, string>;
  /** Volumes being mounted or unmounted. */
  mountBusy: Record<string, boolean>;
  loadMountSupport(): Promise<void>;
  setMounts(list: MountInfo[]): void;
  /** "Mount safely": main mounts it and opens the file manager there. */
  mountVolume(sourceId: string, volume: number): Promise<void>;
  unmountVolume(sourceId: string, volume: number): Promise<void>;
}

export type AppState = SourcesSlice & NavigationSlice & SelectionSlice & PreviewsSlice & TasksSlice & FindingsSlice & MountsSlice;

export type Set = (partial: Partial<AppState> | ((s: AppState) => Partial<AppState>)) => void;
export type Get = () => AppState;
export type SliceCreator<T> = (set: Set, get: Get, client: Client) => T;

export const EMPTY_SELECTION: ReadonlySet<string> = new Set<string>();
