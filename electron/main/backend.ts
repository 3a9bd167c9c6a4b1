// What the app's main process does for the renderer, without Electron: open sources read-only,
// run each one's sandbox through an ImageSession, answer listings, stats and bounded reads,
// and run the long tasks (extract, hash, stage for a drag) with progress and cancel.
// The Electron main process wires this to IPC and dialogs; the end-to-end test host wires the
// same class to HTTP, so the browser tests exercise this code with the real sandbox.

import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { extractCommand } from '../../core/cli/commands/extract.js';
import { sortFindings } from '../../core/cli/commands/scan.js';
import { imageSource, ImagingError } from '../../core/devices/imaging.js';
import { GloveboxError } from '../../core/errors.js';
import { mountedType } from '../../core/mount/fuse.js';
import { reportHtml, type ReportFile } from '../../core/scan/report.js';
import type { Finding } from '../../core/scan/types.js';
import { digest, sourceChunks } from '../../core/sandbox/host/hash.js';
import type { KernelLauncher } from '../../core/sandbox/host/launcher.js';
import { ImageSession, type ScanReport, type SessionOptions } from '../../core/sandbox/host/session.js';
import type { ExpandProgress } from '../../core/sandbox/host/expanded-image.js';
import type { HostSource } from '../../core/sandbox/host/source.js';
import { FileSource } from '../../core/sources/file-source.js';
import {
  Channel,
  DIR_PAGE_ENTRIES,
  MAX_FINDINGS_SHOWN,
  type ApiError,
  type AppEvent,
  type ChannelName,
  type Details,
  type DeviceInfo,
  type DirPage,
  type FindingInfo,
  type HashRequest,
  type ItemsRequest,
  type MountInfo,
  type MountSupport,
  type Req,
  type Res,
  type Result,
  type ScanRequest,
  type ScanResult,
  type SourceInfo,
  type SourceStats,
  type TaskKind,
  type TaskResult,
  type VolumeInfo,
  type VolumeRef,
} from '../shared/api.js';
import { makeMountpoint, mountDirName, NO_MOUNTS, type MountHandle, type Mounter } from './mounts.js';

export interface OpenedDevice {
  source: HostSource;
  /** For display (vendor and model, or the OS's name). */
  name: string;
  path: string;
  size: number;
  /** Mounted by the OS, system disk, BadUSB: shown with the opened source. */
  warnings: string[];
}

/** Where device sources come from (electron/main/devices.ts: core/devices' watcher). */
export interface DeviceProvider {
  list(): Promise<DeviceInfo[]>;
  /** Opens a listed device read-only; `raw`: without the consistent view (imaging). */
  open(id: string, o?: { raw?: boolean }): Promise<OpenedDevice>;
}

export interface SaveFileRequest {
  title: string;
  defaultName: string;
  filters: Array<{ name: string; extensions: string[] }>;
}

export const NO_DEVICES: DeviceProvider = {
  list: async () => [],
  open: async () => {
    throw new GloveboxError('NotFound', 'device discovery is not available in this build');
  },
};

export interface BackendOptions {
  /** Starts sandboxes: the Electron utility process in the app, a forked Node in tests. */
  launcher: () => KernelLauncher;
  /** Extra session options (the app runs without Node's permission model). */
  session?: Omit<SessionOptions, 'launcher'>;
  /** Tells the renderer about progress and opened sources. */
  emit: (event: AppEvent) => void;
  /** Asks the user where to extract; null when they cancelled. */
  chooseFolder: () => Promise<string | null>;
  /** Asks the user where to save a file (a device image, a report); null when they cancelled. */
  chooseSaveFile?: (r: SaveFileRequest) => Promise<string | null>;
  /** The app's version, for reports. */
  version?: string;
  /** A private folder for drag staging (created by the caller, owned by this app). */
  stagingRoot: string;
  /** Called with each image path opened successfully (recent documents). */
  onOpened?: (path: string) => void;
  recentImages?: () => string[];
  devices?: DeviceProvider;
  /** Starts the OS drag with staged files (Electron's webContents.startDrag). */
  startDrag?: (files: string[]) => void;
  copyText?: (text: string) => void;
  /** "Mount safely" (electron/main/mounts.ts: FUSE through core/mount); absent: not available. */
  mounter?: Mounter;
  /** Where mount points are made (the user's runtime directory, or the app's temp dir). */
  mountRoot?: string;
  /** Opens one of our mount points in the OS file manager (Electron's shell.openPath). */
  openFolder?: (path: string) => void;
}

interface OpenSource {
  info: SourceInfo;
  session: ImageSession;
  source: HostSource;
  /** The last finished scan of each volume (for Export report). */
  scans: Map<number, ScanReport>;
}

/** Progress events are sent at most this often per task. */
const PROGRESS_INTERVAL_MS = 100;
/** Problems listed in a task's result (the rest are counted). */
const MAX_PROBLEMS = 200;
/** Files listed in an exported report at most (as `glovebox scan --html`). */
const MAX_REPORT_FILES = 100_000;
/** Bytes of an image file hashed for a report's header (larger ones, and devices, are not). */
const MAX_REPORT_HASH_BYTES = 16 * 1024 * 1024 * 1024;

export class Backend {
  private readonly sources = new Map<string, OpenSource>();
  private readonly tasks = new Map<string, AbortController>();
  /** By `${sourceId}:${volume}`; a mount being made holds its place as a promise. */
  private readonly mounts = new Map<string, { info: MountInfo; handle: MountHandle } | Promise<MountInfo>>();

  constructor(private readonly o: BackendOptions) {}

  /** Answers one validated request; every failure becomes an error result. */
  async handle<C extends ChannelName>(channel: C, req: Req<C>): Promise<Result<Res<C>>> {
    try {
      return { ok: true, value: (await this.dispatch(channel, req)) as Res<C> };
    } catch (e) {
      return { ok: false, error: toApiError(e) };
    }
  }

  private async dispatch(channel: ChannelName, req: unknown): Promise<unknown> {
    switch (channel) {
      case Channel.openDialog:
        throw new GloveboxError('Invalid', 'the open dialog is shown by the app shell');
      case Channel.openPath: {
        const r = req as Req<typeof Channel.openPath>;
        return this.openPath(r.path, r.taskId);
      }
      case Channel.openDevice:
        return this.openDevice((req as Req<typeof Channel.openDevice>).deviceId);
      case Channel.closeSource:
        await this.close((req as Req<typeof Channel.closeSource>).sourceId);
        return null;
      case Channel.listDevices:
        return (this.o.devices ?? NO_DEVICES).list();
      case Channel.recentImages:
        return this.o.recentImages?.() ?? [];
      case Channel.readdir:
        return this.readdir(req as Req<typeof Channel.readdir>);
      case Channel.stat:
        return this.stat(req as Req<typeof Channel.stat>);
      case Channel.read: {
        const r = req as Req<typeof Channel.read>;
        return this.get(r.sourceId).session.supervisor.read(r.volume, r.node, r.offset, r.length);
      }
      case Channel.stats:
        return this.stats((req as Req<typeof Channel.stats>).sourceId);
      case Channel.extract:
        return this.extract(req as ItemsRequest);
      case Channel.hash:
        return this.hash(req as HashRequest);
      case Channel.dragOut:
        return this.dragOut(req as ItemsRequest);
      case Channel.cancelTask:
        this.tasks.get((req as Req<typeof Channel.cancelTask>).taskId)?.abort();
        return null;
      case Channel.saveDeviceImage: {
        const r = req as Req<typeof Channel.saveDeviceImage>;
        return this.saveDeviceImage(r.deviceId, r.taskId);
      }
      case Channel.scan:
        return this.scan(req as ScanRequest);
      case Channel.exportReport:
        return this.exportReport(req as VolumeRef);
      case Channel.mountSupport:
        return this.mountSupport();
      case Channel.mount:
        return this.mount(req as VolumeRef);
      case Channel.unmount:
        await this.unmount(req as VolumeRef);
        return null;
      case Channel.copyText:
        this.o.copyText?.((req as Req<typeof Channel.copyText>).text);
        return null;
    }
  }

  // ---- sources ------------------------------------------------------------------------------

  /**
   * Opens an image file read-only. With a task id, the open reports progress (a compressed
   * image is expanded by the sandbox first, which can take a while) and can be cancelled.
   */
  async openPath(path: string, taskId?: string): Promise<SourceInfo> {
    // Registered before the first await, so that a Cancel sent at once is not lost.
    const control = taskId === undefined ? new AbortController() : this.begin(taskId);
    const { p, send } = this.reporter(taskId ?? 'open', 'open', null);
    try {
      let source: FileSource;
      try {
        source = await FileSource.open(path);
      } catch (e) {
        throw new GloveboxError('Io', `${basename(path)} cannot be opened: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (control.signal.aborted) {
        await source.close();
        throw new GloveboxError('Cancelled', 'cancelled');
      }
      const info = await this.attach(source, 'image', basename(path), path, control.signal, (e) => {
        p.bytes = e.done;
        p.bytesTotal = e.total;
        p.current = e.format;
        if (taskId !== undefined) send();
      });
      this.o.onOpened?.(path);
      return info;
    } catch (e) {
      if (control.signal.aborted) throw new GloveboxError('Cancelled', `opening ${basename(path)} was cancelled`);
      throw e;
    } finally {
      if (taskId !== undefined) this.tasks.delete(taskId);
    }
  }

  async openDevice(id: string): Promise<SourceInfo> {
    const d = await (this.o.devices ?? NO_DEVICES).open(id);
    const info = await this.attach(d.source, 'device', d.name, d.path);
    info.warnings = [...d.warnings, ...info.warnings];
    return info;
  }

  private async attach(
    source: HostSource,
    kind: 'image' | 'device',
    name: string,
    path: string,
    signal?: AbortSignal,
    onExpand?: (p: ExpandProgress) => void,
  ): Promise<SourceInfo> {
    const expand = { ...this.o.session?.expand, ...(onExpand ? { onProgress: onExpand } : {}) };
    const session = new ImageSession(source, { ...this.o.session, expand, launcher: this.o.launcher() });
    const call = signal ? { signal } : undefined;
    try {
      const image = await session.info(call);
      const volumes: VolumeInfo[] = [];
      for (const v of image.volumes) {
        let rootNode: number | null = null;
        let error = v.error ?? null;
        if (v.fs !== null && error === null) {
          try {
            rootNode = (await session.supervisor.root(v.index, call)).node;
          } catch (e) {
            error = toApiError(e).message;
          }
        } else if (v.fs === null && error === null) {
          error = 'no file system Glovebox recognises';
        }
        volumes.push({ index: v.index, partition: v.partition, offset: v.offset, size: v.size, fs: v.fs, label: v.label, error, rootNode, notes: v.notes ?? [] });
      }
      const info: SourceInfo = {
        id: randomUUID(),
        kind,
        name,
        path,
        size: image.size,
        container: image.container,
        partitioning: image.partitioning,
        volumes,
        warnings: image.warnings,
        isolation: session.isolation,
      };
      this.sources.set(info.id, { info, session, source, scans: new Map() });
      return info;
    } catch (e) {
      await session.close().catch(() => undefined);
      throw e;
    }
  }

  private get(id: string): OpenSource {
    const s = this.sources.get(id);
    if (!s) throw new GloveboxError('NotFound', 'this image is no longer open');
    return s;
  }

  async close(id: string): Promise<void> {
    const s = this.sources.get(id);
    if (!s) return;
    this.sources.delete(id);
    // A source's mounts go first: they are served by its session.
    for (const v of s.info.volumes) await this.unmount({ sourceId: id, volume: v.index }).catch(() => undefined);
    await s.session.close();
  }

  async closeAll(): Promise<void> {
    for (const c of this.tasks.values()) c.abort();
    await Promise.all([...this.sources.keys()].map((id) => this.close(id)));
  }

  // ---- mount safely ---------------------------------------------------------------------------

  private mountSupport(): Promise<MountSupport> {
    if (!this.o.mountRoot) return Promise.resolve({ available: false, reason: 'no place for mount points' });
    return (this.o.mounter ?? NO_MOUNTS).support();
  }

  /** Mounts the volume read-only (served by its sandbox) and opens the file manager there. */
  async mount(r: VolumeRef): Promise<MountInfo> {
    const key = `${r.sourceId}:${r.volume}`;
    const existing = this.mounts.get(key);
    if (existing) {
      const info = existing instanceof Promise ? await existing : existing.info;
      this.o.openFolder?.(info.path);
      return info;
    }
    const s = this.get(r.sourceId);
    const vol = s.info.volumes.find((v) => v.index === r.volume);
    if (!vol || vol.fs === null || vol.error !== null) throw new GloveboxError('Invalid', `volume ${r.volume} has no file system that can be mounted`);
    const support = await this.mountSupport();
    if (!support.available || !this.o.mountRoot) throw new GloveboxError('Unsupported', `mounting is not available here: ${support.reason ?? 'unknown'}`);
    const root = this.o.mountRoot;
    const making = (async (): Promise<MountInfo> => {
      const path = await makeMountpoint(root, mountDirName(vol.label ?? s.info.name, r.volume));
      let handle: MountHandle;
      try {
        handle = await (this.o.mounter ?? NO_MOUNTS).mount(s.session, r.volume, path, s.info.name);
      } catch (e) {
        await rmdir(path).catch(() => undefined);
        throw e;
      }
      const info: MountInfo = { sourceId: r.sourceId, volume: r.volume, path };
      this.mounts.set(key, { info, handle });
      return info;
    })();
    this.mounts.set(key, making);
    try {
      const info = await making;
      this.emitMounts();
      this.o.openFolder?.(info.path);
      return info;
    } catch (e) {
      this.mounts.delete(key);
      throw e;
    }
  }

  async unmount(r: VolumeRef): Promise<void> {
    const key = `${r.sourceId}:${r.volume}`;
    const m = this.mounts.get(key);
    if (!m) return;
    if (m instanceof Promise) {
      await m.catch(() => undefined);
      return this.unmount(r);
    }
    try {
      await m.handle.unmount();
    } catch (e) {
      // Unmounted from outside (fusermount -u, umount) meanwhile: nothing left to undo.
      if ((await mountedType(m.info.path)) !== null) throw e;
    }
    this.mounts.delete(key);
    await rmdir(m.info.path).catch(() => undefined);
    this.emitMounts();
  }

  /** Every finished mount (for the renderer, and to unmount on quit). */
  mounted(): MountInfo[] {
    return [...this.mounts.values()].flatMap((m) => (m instanceof Promise ? [] : [m.info]));
  }

  async unmountAll(): Promise<void> {
    await Promise.all(this.mounted().map((m) => this.unmount(m).catch(() => undefined)));
  }

  private emitMounts(): void {
    this.o.emit({ type: 'mounts', mounts: this.mounted() });
  }

  // ---- browsing -----------------------------------------------------------------------------

  private async readdir(r: Req<typeof Channel.readdir>): Promise<DirPage> {
    const page = await this.get(r.sourceId).session.supervisor.readdir(r.volume, r.node, r.start, DIR_PAGE_ENTRIES);
    // Metadata files and alternate streams are hidden, as in `glovebox ls` without --all.
    const entries = page.entries
      .filter((e) => e.system !== true && e.stream !== true)
      .map((e) => ({ name: e.name, escaped: e.escaped, node: e.node, type: e.type, size: e.size, mtime: e.mtime }));
    if (page.next !== null && page.next <= r.start) throw new GloveboxError('Protocol', 'directory paging did not advance');
    return { entries, next: page.next, total: page.total };
  }

  private async stat(r: Req<typeof Channel.stat>): Promise<Details> {
    const sup = this.get(r.sourceId).session.supervisor;
    const st = await sup.stat(r.volume, r.node);
    let target: string | null = null;
    if (st.type === 'symlink') target = await sup.readlink(r.volume, r.node).catch(() => null);
    return {
      node: st.node,
      type: st.type,
      size: st.size,
      mtime: st.mtime,
      atime: st.atime ?? null,
      ctime: st.ctime ?? null,
      birthtime: st.birthtime ?? null,
      mode: st.mode ?? null,
      attributes: st.attributes ?? [],
      target,
    };
  }

  private stats(id: string): SourceStats {
    const { session } = this.get(id);
    const s = session.supervisor.stats;
    return { reads: s.hypercalls, bytesRead: s.bytesServed, launches: s.launches, kills: s.kills, isolation: session.isolation };
  }

  // ---- tasks --------------------------------------------------------------------------------

  private begin(taskId: string): AbortController {
    if (this.tasks.has(taskId)) throw new GloveboxError('Invalid', 'a task with this id is running');
    const c = new AbortController();
    this.tasks.set(taskId, c);
    return c;
  }

  /** A throttled progress reporter for one task. */
  private reporter(taskId: string, kind: TaskKind, bytesTotal: number | null) {
    const p = { taskId, kind, files: 0, bytes: 0, bytesTotal, current: null as string | null };
    let last = 0;
    const send = (force = false) => {
      const now = Date.now();
      if (!force && now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      this.o.emit({ type: 'task-progress', progress: { ...p } });
    };
    return { p, send };
  }

  async extract(r: ItemsRequest): Promise<TaskResult | null> {
    this.get(r.sourceId);
    const folder = await this.o.chooseFolder();
    if (folder === null) return null;
    return this.extractInto(r, folder, 'extract');
  }

  private async extractInto(r: ItemsRequest, folder: string, kind: TaskKind): Promise<TaskResult> {
    const { session } = this.get(r.sourceId);
    const control = this.begin(r.taskId);
    const { p, send } = this.reporter(r.taskId, kind, null);
    const problems: string[] = [];
    const problem = (m: string) => {
      if (problems.length < MAX_PROBLEMS) problems.push(m);
    };
    send(true);
    try {
      const { summary } = await extractCommand(session, {
        paths: r.paths,
        volume: r.volume,
        output: folder,
        overwrite: false,
        signal: control.signal,
        warn: problem,
        onBytes: (n) => {
          p.bytes += n;
          send();
        },
        onEntry: (path, type) => {
          if (type === 'file') p.files++;
          p.current = path;
          send();
        },
      });
      send(true);
      return { taskId: r.taskId, kind, files: summary.files, dirs: summary.dirs, bytes: summary.bytes, problems, folder, sha256: null };
    } catch (e) {
      if (control.signal.aborted) throw new GloveboxError('Cancelled', `cancelled after ${p.files} files`);
      throw e;
    } finally {
      this.tasks.delete(r.taskId);
    }
  }

  async hash(r: HashRequest): Promise<TaskResult> {
    const { session } = this.get(r.sourceId);
    const control = this.begin(r.taskId);
    const { p, send } = this.reporter(r.taskId, 'hash', r.size);
    try {
      const st = await session.supervisor.stat(r.volume, r.node, { signal: control.signal });
      if (st.type !== 'file') throw new GloveboxError('Invalid', 'only files can be hashed');
      p.bytesTotal = st.size;
      const h = createHash('sha256');
      for await (const chunk of session.data(r.volume, r.node, st.size, { signal: control.signal })) {
        h.update(chunk);
        p.bytes += chunk.length;
        send();
      }
      p.files = 1;
      send(true);
      return { taskId: r.taskId, kind: 'hash', files: 1, dirs: 0, bytes: p.bytes, problems: [], folder: null, sha256: h.digest('hex') };
    } catch (e) {
      if (control.signal.aborted) throw new GloveboxError('Cancelled', 'hashing cancelled');
      throw e;
    } finally {
      this.tasks.delete(r.taskId);
    }
  }

  /**
   * Drag out: the OS needs real files, so the items are extracted (by the same safe writer)
   * into a fresh private folder under the staging root, and the drag starts with what landed.
   */
  async dragOut(r: ItemsRequest): Promise<TaskResult> {
    const folder = await mkdtemp(join(this.o.stagingRoot, 'drag-'));
    try {
      const result = await this.extractInto(r, folder, 'drag');
      const files = (await readdir(folder)).map((n) => join(folder, n));
      if (files.length > 0) this.o.startDrag?.(files);
      return result;
    } catch (e) {
      await rm(folder, { recursive: true, force: true });
      throw e;
    }
  }

  // ---- devices: save as image --------------------------------------------------------------

  /**
   * "Save as image…": asks where, then copies the whole device byte for byte (core/devices
   * imaging: SHA-256 on the way, written beside it as .sha256; unreadable ranges retried, then
   * zero-filled and listed), with progress and cancel. The device is only read.
   */
  async saveDeviceImage(deviceId: string, taskId: string): Promise<TaskResult | null> {
    const devices = this.o.devices ?? NO_DEVICES;
    const device = (await devices.list()).find((d) => d.id === deviceId);
    if (!device) throw new GloveboxError('NotFound', 'this device is no longer connected');
    if (!this.o.chooseSaveFile) throw new GloveboxError('Unsupported', 'saving files is not available here');
    const output = await this.o.chooseSaveFile({
      title: 'Save device as image',
      defaultName: `${safeFileName([device.vendor, device.model].filter(Boolean).join(' ') || device.name)}.img`,
      filters: [{ name: 'Raw disk image', extensions: ['img'] }],
    });
    if (output === null) return null;
    const control = this.begin(taskId);
    const { p, send } = this.reporter(taskId, 'image', device.size);
    let opened: OpenedDevice | null = null;
    try {
      send(true);
      opened = await devices.open(deviceId, { raw: true });
      const r = await imageSource(opened.source, {
        output,
        // The save dialog asked before replacing a file.
        overwrite: true,
        sourcePath: opened.path,
        signal: control.signal,
        onProgress: (e) => {
          p.bytes = e.done;
          p.bytesTotal = e.total;
          send();
        },
      });
      p.files = 1;
      send(true);
      const problems = r.badRanges.slice(0, MAX_PROBLEMS).map((b) => `bytes ${b.offset}–${b.offset + b.length - 1} could not be read (zeros written): ${b.error}`);
      if (r.badBlocksFile) problems.push(`unreadable ranges are listed in ${r.badBlocksFile}`);
      return { taskId, kind: 'image', files: 1, dirs: 0, bytes: r.bytes, problems, folder: output, sha256: r.sha256 };
    } catch (e) {
      if (control.signal.aborted) throw new GloveboxError('Cancelled', 'imaging cancelled; the partial image was removed');
      if (e instanceof ImagingError) throw new GloveboxError('Io', e.message);
      throw e;
    } finally {
      await opened?.source.close().catch(() => undefined);
      this.tasks.delete(taskId);
    }
  }

  // ---- scan and report ------------------------------------------------------------------------

  /** Scans a volume in the sandbox (core/scan), sending findings as they arrive. */
  async scan(r: ScanRequest): Promise<ScanResult> {
    const s = this.get(r.sourceId);
    if (!s.info.volumes.some((v) => v.index === r.volume)) throw new GloveboxError('NotFound', `there is no volume ${r.volume}`);
    const control = this.begin(r.taskId);
    const { p, send } = this.reporter(r.taskId, 'scan', null);
    let streamed = 0;
    try {
      send(true);
      const report = await s.session.scan(r.volume, {
        signal: control.signal,
        onProgress: (x) => {
          p.files = x.entries;
          p.bytes = x.bytes;
          send();
        },
        onFindings: (found) => {
          const batch = found.slice(0, Math.max(0, MAX_FINDINGS_SHOWN - streamed)).map(findingInfo);
          streamed += batch.length;
          if (batch.length > 0) this.o.emit({ type: 'scan-findings', taskId: r.taskId, findings: batch });
        },
      });
      s.scans.set(r.volume, report);
      send(true);
      const sorted = sortFindings(report.findings);
      return {
        taskId: r.taskId,
        sourceId: r.sourceId,
        volume: r.volume,
        findings: sorted.slice(0, MAX_FINDINGS_SHOWN).map(findingInfo),
        notes: report.notes.slice(0, MAX_PROBLEMS).map((n) => ({ path: n.path, message: n.message })),
        entries: report.entries,
        bytes: report.bytes,
        dropped: report.dropped + Math.max(0, sorted.length - MAX_FINDINGS_SHOWN),
      };
    } catch (e) {
      if (control.signal.aborted) throw new GloveboxError('Cancelled', 'scan cancelled');
      throw e;
    } finally {
      this.tasks.delete(r.taskId);
    }
  }

  /**
   * "Export report…": the volume's last scan as one self-contained HTML page (core/scan/report:
   * no scripts, CSS inline, every string escaped), written where the user chose. The app never
   * renders it: the renderer shows findings as text.
   */
  async exportReport(r: VolumeRef): Promise<string | null> {
    const s = this.get(r.sourceId);
    const report = s.scans.get(r.volume);
    if (!report) throw new GloveboxError('Invalid', 'scan this volume first');
    const vol = s.info.volumes.find((v) => v.index === r.volume);
    if (!this.o.chooseSaveFile) throw new GloveboxError('Unsupported', 'saving files is not available here');
    const base = s.info.name.replace(/\.(gz|xz|zst)$/i, '').replace(/\.[^.]{1,5}$/, '');
    const output = await this.o.chooseSaveFile({
      title: 'Export scan report',
      defaultName: `${safeFileName(base)}${vol && s.info.volumes.length > 1 ? `-volume${vol.index}` : ''}-report.html`,
      filters: [{ name: 'HTML report', extensions: ['html'] }],
    });
    if (output === null) return null;
    const files: ReportFile[] = [];
    let omitted = 0;
    if (vol?.rootNode != null) {
      for await (const e of s.session.walk(r.volume, { node: vol.rootNode, path: '/' }, { recursive: true })) {
        if (files.length < MAX_REPORT_FILES) files.push({ path: e.path, type: e.type, size: e.size, mtime: e.mtime });
        else omitted++;
      }
    }
    // The image's own hash heads the report; a device is not read a second time for it.
    let sha256: string | null = null;
    if (s.info.kind === 'image' && s.source.size <= MAX_REPORT_HASH_BYTES) {
      sha256 = (await digest(sourceChunks(s.source, 4 * 1024 * 1024), ['sha256'])).sha256 ?? null;
    }
    const html = reportHtml({
      tool: { name: 'glovebox', version: this.o.version ?? 'dev' },
      created: new Date().toISOString(),
      source: { name: s.info.path, size: s.info.size, sha256 },
      image: { container: s.info.container, partitioning: s.info.partitioning },
      volumes: s.info.volumes.map((v) => ({ index: v.index, fs: v.fs, label: v.label, size: v.size })),
      isolation: s.info.isolation,
      scanned: { volume: r.volume, entries: report.entries, bytes: report.bytes },
      findings: sortFindings(report.findings).map(({ node: _node, ...rest }) => rest),
      notes: report.notes,
      files,
      filesOmitted: omitted,
    });
    await writeFile(output, html, { mode: 0o644 });
    return output;
  }
}

/** A finding as the renderer gets it (plain text fields, bounded by core's own checks). */
export function findingInfo(f: Finding): FindingInfo {
  return { severity: f.severity, kind: f.kind, path: f.path, title: f.title, evidence: f.evidence, why: f.why, node: f.node ?? null };
}

/** A name usable as a default file name on every OS. */
function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9 ._-]+/g, '_').replace(/^[ .]+|[ .]+$/g, '').slice(0, 80) || 'device';
}

/** Any failure as the data that crosses to the renderer. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof GloveboxError) return { kind: e.kind, message: e.message };
  if (e instanceof Error) return { kind: 'Io', message: e.message };
  return { kind: 'Io', message: String(e) };
}

/** Staged drag folders older than this are removed (at start and on quit). */
export const STAGING_MAX_AGE_MS = 60 * 60 * 1000;
