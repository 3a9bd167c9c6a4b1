import { Channel, type AppEvent } from '../../electron/shared/api.js';
import { errorMessage } from '../api.js';
import { deviceTitle } from '../lib/devices.js';
import { displayName } from '../lib/names.js';
import { newTaskId } from './tasks.js';
import type { SliceCreator, SourcesSlice } from './types.js';

/** Opens that take longer than this get a task card (progress, Cancel). */
const SLOW_OPEN_MS = 400;

const baseName = (p: string) => p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);

export const createSourcesSlice: SliceCreator<SourcesSlice> = (set, get, client) => {
  const failOpen = (title: string, e: unknown) => {
    const { message } = errorMessage(e);
    set({ opening: null, openError: { title, message } });
    get().noteError({ kind: 'Open', message });
  };
  const onEvent = (e: AppEvent) => {
    switch (e.type) {
      case 'source-opened':
        get().addSource(e.source);
        return;
      case 'open-failed':
        failOpen(`${baseName(e.path)} could not be opened`, new Error(e.error.message));
        return;
      case 'task-progress':
        set((s) => ({ tasks: s.tasks.map((t) => (t.id === e.progress.taskId && t.status === 'running' ? { ...t, progress: e.progress } : t)) }));
        return;
      case 'devices':
        set({ devices: e.devices });
        return;
      case 'scan-findings':
        get().addScanFindings(e.taskId, e.findings);
        return;
      case 'menu':
        runMenu(e.command);
        return;
      case 'mounts':
        get().setMounts(e.mounts);
        return;
    }
  };
  const runMenu = (command: string) => {
    const s = get();
    switch (command) {
      case 'open':
        void s.openDialog();
        break;
      case 'close-source':
        if (s.location) void s.closeSource(s.location.sourceId);
        break;
      case 'extract':
        void s.extract();
        break;
      case 'copy-path':
        void s.copyPath();
        break;
      case 'hash':
        void s.hash();
        break;
      case 'select-all':
        s.selectAll();
        break;
      case 'go-up':
        s.goUp();
        break;
      case 'refresh':
        s.refresh();
        break;
      case 'scan':
        void s.scanVolume();
        break;
      case 'export-report':
        if (s.location) void s.exportReport(s.location.sourceId, s.location.volume);
        break;
      case 'find':
        document.getElementById('filter')?.focus();
        break;
    }
  };

  return {
    sources: [],
    devices: [],
    deviceErrors: {},
    recent: [],
    stats: {},
    opening: null,
    openError: null,
    errorCount: 0,
    lastError: null,

    init() {
      const off = client.onEvent(onEvent);
      client.call(Channel.recentImages, null).then((recent) => set({ recent }), () => undefined);
      client.call(Channel.listDevices, null).then((devices) => set({ devices }), () => undefined);
      void get().loadMountSupport();
      return off;
    },

    async openDialog() {
      let path: string | null;
      try {
        path = await client.call(Channel.openDialog, null);
      } catch (e) {
        failOpen('The image could not be opened', e);
        return;
      }
      if (path !== null) await get().openPath(path);
    },

    async openPath(path) {
      const name = baseName(path);
      set({ opening: name, openError: null });
      const taskId = newTaskId();
      // Most images open at once; a compressed one is expanded first, with progress and Cancel.
      const slow = setTimeout(() => {
        set((s) => ({ tasks: [...s.tasks, { id: taskId, kind: 'open', label: `Opening “${displayName(name)}”`, doneLabel: `Opened “${displayName(name)}”`, status: 'running', progress: null, result: null, error: null }] }));
      }, SLOW_OPEN_MS);
      const drop = () => set((s) => ({ tasks: s.tasks.filter((t) => t.id !== taskId) }));
      try {
        get().addSource(await client.call(Channel.openPath, { path, taskId }));
      } catch (e) {
        if (errorMessage(e).kind === 'Cancelled') set({ opening: null });
        else failOpen(`${name} could not be opened`, e);
      } finally {
        clearTimeout(slow);
        drop();
      }
    },

    openFile(file) {
      const path = client.pathForFile(file);
      if (path === null || path === '') {
        set({ openError: { title: `${file.name} could not be opened`, message: 'Only image files from a disk can be dropped here.' } });
        return;
      }
      void get().openPath(path);
    },

    async openDevice(id) {
      const d = get().devices.find((x) => x.id === id);
      const { [id]: _was, ...others } = get().deviceErrors;
      set({ opening: d ? deviceTitle(d) : 'device', openError: null, deviceErrors: others });
      try {
        get().addSource(await client.call(Channel.openDevice, { deviceId: id }));
      } catch (e) {
        // Shown in the device's row (e.g. permission denied, with how to get read access).
        const err = errorMessage(e);
        set((s) => ({ opening: null, deviceErrors: { ...s.deviceErrors, [id]: err.message } }));
        get().noteError(err);
      }
    },

    async closeSource(id) {
      const s = get();
      const rest = s.sources.filter((x) => x.id !== id);
      const scans = Object.fromEntries(Object.entries(s.scans).filter(([, v]) => v.sourceId !== id));
      const shown = s.findingsShown !== null && scans[s.findingsShown] ? s.findingsShown : null;
      const mounts = Object.fromEntries(Object.entries(s.mounts).filter(([k]) => !k.startsWith(`${id}|`)));
      set({ sources: rest, scans, mounts, findingsShown: shown, findingSelected: shown === null ? null : s.findingSelected });
      if (s.location?.sourceId === id) {
        const next = rest[rest.length - 1];
        const vol = next?.volumes.find((v) => v.rootNode !== null) ?? next?.volumes[0];
        if (next && vol) get().openVolume(next.id, vol.index);
        else set({ location: null, selected: new Set(), focused: null, anchor: null, preview: null, details: null, hex: null });
      }
      await client.call(Channel.closeSource, { sourceId: id }).catch(() => undefined);
    },

    addSource(source) {
      set((s) => ({
        sources: [...s.sources.filter((x) => x.id !== source.id), source],
        opening: null,
        openError: null,
        recent: source.kind === 'image' ? [source.path, ...s.recent.filter((p) => p !== source.path)].slice(0, 10) : s.recent,
        stats: { ...s.stats, [source.id]: { reads: 0, bytesRead: 0, launches: 1, kills: 0, isolation: source.isolation } },
      }));
      const usable = source.volumes.find((v) => v.rootNode !== null) ?? source.volumes[0];
      if (usable) get().openVolume(source.id, usable.index);
      void get().refreshStats(source.id);
    },

    async refreshStats(sourceId) {
      try {
        const stats = await client.call(Channel.stats, { sourceId });
        set((s) => ({ stats: { ...s.stats, [sourceId]: stats } }));
      } catch {
        // The source was closed meanwhile.
      }
    },

    noteError(e) {
      if (e.kind === 'Cancelled') return;
      set((s) => ({ errorCount: s.errorCount + 1, lastError: e.message }));
    },

    dismissOpenError() {
      set({ openError: null });
    },
  };
};
