import { Channel, type ItemsRequest, type TaskKind, type TaskResult } from '../../electron/shared/api.js';
import { errorMessage } from '../api.js';
import { deviceTitle } from '../lib/devices.js';
import { displayName } from '../lib/names.js';
import { baseName, joinPath } from '../lib/paths.js';
import { currentDir, entryKey, locationPath } from './keys.js';
import type { AppState, SliceCreator, Task, TasksSlice } from './types.js';

let counter = 0;
export const newTaskId = () => `t${Date.now().toString(36)}-${(++counter).toString(36)}`;

/** The in-image paths the user means: the selection, else the focused entry. */
export function chosenPaths(s: AppState): string[] {
  const l = s.location;
  if (!l) return [];
  const dir = locationPath(l);
  const names = s.selected.size > 0 ? [...s.selected] : s.focused !== null ? [s.focused] : [];
  return names.map((n) => joinPath(dir, n));
}

export const createTasksSlice: SliceCreator<TasksSlice> = (set, get, client) => {
  const update = (id: string, patch: Partial<Task>) => set((s) => ({ tasks: s.tasks.map((t) => (t.id === id ? { ...t, ...patch } : t)) }));

  /** Runs one long request as a task: shown with progress, cancellable, ending in a result or an error. */
  const run = async (kind: TaskKind, label: string, doneLabel: string, start: (taskId: string) => Promise<TaskResult | null>): Promise<TaskResult | null> => {
    const id = newTaskId();
    set((s) => ({ tasks: [...s.tasks, { id, kind, label, doneLabel, status: 'running', progress: null, result: null, error: null }] }));
    try {
      const result = await start(id);
      if (result === null) set((s) => ({ tasks: s.tasks.filter((t) => t.id !== id) }));
      else update(id, { status: 'done', result });
      return result;
    } catch (e) {
      const err = errorMessage(e);
      update(id, { status: err.kind === 'Cancelled' ? 'cancelled' : 'failed', error: err });
      get().noteError(err);
      return null;
    } finally {
      const l = get().location;
      if (l) void get().refreshStats(l.sourceId);
    }
  };

  const items = (paths: string[], taskId: string): ItemsRequest | null => {
    const l = get().location;
    return l && paths.length > 0 ? { sourceId: l.sourceId, volume: l.volume, paths, taskId } : null;
  };
  const describe = (paths: string[]) => (paths.length === 1 ? `“${displayName(baseName(paths[0]!) || '/')}”` : `${paths.length.toLocaleString('en-US')} items`);

  return {
    tasks: [],

    async extract(paths) {
      const s = get();
      const l = s.location;
      if (!l) return;
      const chosen = paths ?? chosenPaths(s);
      const targets = chosen.length > 0 ? chosen : [locationPath(l)];
      await run('extract', `Extracting ${describe(targets)}`, `Extracted ${describe(targets)}`, (taskId) => client.call(Channel.extract, items(targets, taskId)!));
    },

    async hash(name) {
      const s = get();
      const l = s.location;
      const n = name ?? s.focused;
      const e = n === null ? undefined : currentDir(s)?.entries.find((x) => x.name === n);
      if (!l || !e || e.type !== 'file') return;
      const key = entryKey(s, e.name);
      const result = await run('hash', `Computing SHA-256 of “${displayName(e.name)}”`, `SHA-256 of “${displayName(e.name)}”`, (taskId) =>
        client.call(Channel.hash, { sourceId: l.sourceId, volume: l.volume, node: e.node, size: e.size, taskId }),
      );
      if (result?.sha256) {
        const sha = result.sha256;
        // The hash appears in the details pane; the task needs no lasting notice.
        set((st) => ({ hashes: { ...st.hashes, [key]: sha }, tasks: st.tasks.filter((t) => t.id !== result.taskId) }));
      }
    },

    async dragOut(paths) {
      const result = await run('drag', `Preparing ${describe(paths)} for dragging`, `Dragged ${describe(paths)}`, (taskId) => client.call(Channel.dragOut, items(paths, taskId)!));
      // A drag that went through needs no lasting notice.
      if (result && result.problems.length === 0) set((s) => ({ tasks: s.tasks.filter((t) => t.id !== result.taskId) }));
    },

    async saveDeviceImage(deviceId) {
      const d = get().devices.find((x) => x.id === deviceId);
      if (!d) return;
      const title = deviceTitle(d);
      await run('image', `Saving “${title}” as an image`, `Saved “${title}” as an image`, (taskId) => client.call(Channel.saveDeviceImage, { deviceId, taskId }));
    },

    async copyPath(name) {
      const s = get();
      const l = s.location;
      if (!l) return;
      const paths = name !== undefined ? [joinPath(locationPath(l), name)] : chosenPaths(s);
      const text = (paths.length > 0 ? paths : [locationPath(l)]).join('\n');
      try {
        await client.call(Channel.copyText, { text });
      } catch (e) {
        get().noteError(errorMessage(e));
      }
    },

    cancelTask(id) {
      void client.call(Channel.cancelTask, { taskId: id }).catch(() => undefined);
    },

    dismissTask(id) {
      set((s) => ({ tasks: s.tasks.filter((t) => t.id !== id) }));
    },
  };
};
