// Scans and their findings: a scan per volume (run in main's sandbox, with progress, findings
// as they arrive, and Cancel), the panel that lists them, revealing a finding's file in the
// list, and "Export report…" (main writes the HTML; the app shows findings only as text).

import { Channel, MAX_FINDINGS_SHOWN, type FindingInfo } from '../../electron/shared/api.js';
import { errorMessage } from '../api.js';
import { displayName } from '../lib/names.js';
import { joinPath } from '../lib/paths.js';
import { currentDir, dirKey, volumeKey } from './keys.js';
import { newTaskId } from './tasks.js';
import type { Crumb, FindingsSlice, ScanState, SliceCreator } from './types.js';

/** How long revealing a finding waits for a folder that is still being listed. */
const REVEAL_WAIT_MS = 10_000;

export const createFindingsSlice: SliceCreator<FindingsSlice> = (set, get, client) => {
  const patch = (key: string, p: Partial<ScanState>) =>
    set((s) => (s.scans[key] ? { scans: { ...s.scans, [key]: { ...s.scans[key]!, ...p } } } : {}));
  const dropTask = (id: string) => set((s) => ({ tasks: s.tasks.filter((t) => t.id !== id) }));

  /** Waits until a listed folder is no longer loading. */
  const settled = async (key: string) => {
    const t0 = Date.now();
    while (get().dirs[key]?.status === 'loading' && Date.now() - t0 < REVEAL_WAIT_MS) await new Promise((r) => setTimeout(r, 20));
  };

  return {
    scans: {},
    findingsShown: null,
    findingSelected: null,

    async scanVolume(sourceId, volume) {
      const s = get();
      const sid = sourceId ?? s.location?.sourceId;
      const vol = volume ?? s.location?.volume;
      if (sid === undefined || vol === undefined) return;
      const v = s.sources.find((x) => x.id === sid)?.volumes.find((x) => x.index === vol);
      if (!v || v.rootNode === null) return;
      const key = volumeKey(sid, vol);
      if (s.scans[key]?.status === 'running') {
        set({ findingsShown: key });
        return;
      }
      const taskId = newTaskId();
      const title = displayName(v.label?.trim() || `volume ${vol}`);
      set((st) => ({
        scans: { ...st.scans, [key]: { sourceId: sid, volume: vol, taskId, status: 'running', findings: [], notes: [], entries: 0, dropped: 0, error: null, exported: null, exportError: null, exporting: false } },
        findingsShown: key,
        findingSelected: null,
        tasks: [...st.tasks, { id: taskId, kind: 'scan', label: `Scanning “${title}”`, doneLabel: `Scanned “${title}”`, status: 'running', progress: null, result: null, error: null }],
      }));
      try {
        const r = await client.call(Channel.scan, { sourceId: sid, volume: vol, taskId });
        patch(key, { status: 'done', findings: r.findings, notes: r.notes, entries: r.entries, dropped: r.dropped });
      } catch (e) {
        const err = errorMessage(e);
        patch(key, { status: err.kind === 'Cancelled' ? 'cancelled' : 'failed', error: err });
        get().noteError(err);
      } finally {
        // The results live in the findings panel; the task card was for progress and Cancel.
        dropTask(taskId);
        void get().refreshStats(sid);
      }
    },

    addScanFindings(taskId, findings) {
      const key = Object.keys(get().scans).find((k) => get().scans[k]!.taskId === taskId);
      const scan = key === undefined ? undefined : get().scans[key];
      if (!key || !scan || scan.status !== 'running') return;
      const room = Math.max(0, MAX_FINDINGS_SHOWN - scan.findings.length);
      patch(key, { findings: [...scan.findings, ...findings.slice(0, room)] });
    },

    showFindings(key) {
      set({ findingsShown: key, findingSelected: null });
    },

    async revealFinding(index) {
      const key = get().findingsShown;
      const scan = key === null ? undefined : get().scans[key];
      const f: FindingInfo | undefined = scan?.findings[index];
      if (!scan || !f) return;
      set({ findingSelected: index });
      const { sourceId, volume } = scan;
      const v = get().sources.find((x) => x.id === sourceId)?.volumes.find((x) => x.index === volume);
      if (!v || v.rootNode === null) return;
      const names = f.path.split('/').filter(Boolean);
      const name = names.pop();
      // Each folder on the way is listed (the tree opens along the path), then the file selected.
      const trail: Crumb[] = [{ name: '', node: v.rootNode }];
      let at = '/';
      await get().loadDir(sourceId, volume, at, v.rootNode);
      await settled(dirKey(sourceId, volume, at));
      for (const n of names) {
        const e = get().dirs[dirKey(sourceId, volume, at)]?.entries.find((x) => x.name === n && x.type === 'dir');
        if (!e) break;
        at = joinPath(at, n);
        trail.push({ name: n, node: e.node });
        await get().loadDir(sourceId, volume, at, e.node);
        await settled(dirKey(sourceId, volume, at));
      }
      if (get().findingSelected !== index || get().findingsShown !== key) return;
      get().navigate({ sourceId, volume, trail });
      await settled(dirKey(sourceId, volume, at));
      if (name !== undefined && trail.length === names.length + 1 && currentDir(get())?.entries.some((e) => e.name === name)) get().select(name, 'replace');
    },

    async exportReport(sourceId, volume) {
      const key = volumeKey(sourceId, volume);
      const scan = get().scans[key];
      if (scan?.status !== 'done' || scan.exporting) return;
      patch(key, { exportError: null, exporting: true });
      try {
        const path = await client.call(Channel.exportReport, { sourceId, volume });
        if (path !== null) patch(key, { exported: path });
      } catch (e) {
        const err = errorMessage(e);
        patch(key, { exportError: err.message });
        get().noteError(err);
      } finally {
        patch(key, { exporting: false });
      }
    },
  };
};
