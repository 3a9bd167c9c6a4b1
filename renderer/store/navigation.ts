import { Channel, type DirPage, type Entry } from '../../electron/shared/api.js';
import { errorMessage } from '../api.js';
import { currentDir, dirKey, locationPath, visibleEntries } from './keys.js';
import type { AppState, Location, NavigationSlice, SliceCreator } from './types.js';

/** Directories whose listing is kept; the least recently loaded go first. */
const MAX_CACHED_DIRS = 200;

export const createNavigationSlice: SliceCreator<NavigationSlice> = (set, get, client) => {
  const generation = new Map<string, number>();
  const trailPaths = (l: Location) => l.trail.map((_, i) => locationPath({ ...l, trail: l.trail.slice(0, i + 1) }));

  return {
    location: null,
    dirs: {},
    expanded: {},
    sort: { key: 'name', descending: false },
    filter: '',

    openVolume(sourceId, volume) {
      const source = get().sources.find((s) => s.id === sourceId);
      const v = source?.volumes.find((x) => x.index === volume);
      if (!source || !v) return;
      if (v.rootNode === null) {
        // Shown in place, as the list's content: the volume is there but cannot be read.
        const key = dirKey(sourceId, volume, '/');
        const message = v.error ?? 'this volume cannot be opened';
        set((s) => ({
          location: { sourceId, volume, trail: [{ name: '', node: -1 }] },
          dirs: { ...s.dirs, [key]: { node: -1, status: 'error', entries: [], total: 0, error: { kind: v.fs === null ? 'Unsupported' : 'Corrupt', message } } },
          selected: new Set(),
          focused: null,
          anchor: null,
          filter: '',
          preview: null,
          details: null,
          hex: null,
        }));
        return;
      }
      get().navigate({ sourceId, volume, trail: [{ name: '', node: v.rootNode }] });
    },

    navigate(location) {
      const expanded = { ...get().expanded };
      for (const p of trailPaths(location)) expanded[dirKey(location.sourceId, location.volume, p)] = true;
      set({ location, expanded, selected: new Set(), focused: null, anchor: null, filter: '', preview: null, details: null, hex: null });
      const path = locationPath(location);
      const last = location.trail[location.trail.length - 1]!;
      const dir = get().dirs[dirKey(location.sourceId, location.volume, path)];
      if (!dir || dir.status === 'error') void get().loadDir(location.sourceId, location.volume, path, last.node);
      else if (dir.entries[0]) get().select(firstOf(get()), 'replace');
    },

    openFolder(sourceId, volume, path) {
      const v = get().sources.find((s) => s.id === sourceId)?.volumes.find((x) => x.index === volume);
      if (!v || v.rootNode === null) return;
      const trail = [{ name: '', node: v.rootNode }];
      let at = '/';
      for (const name of path.split('/').filter(Boolean)) {
        const e = get().dirs[dirKey(sourceId, volume, at)]?.entries.find((x) => x.name === name && x.type === 'dir');
        if (!e) return;
        trail.push({ name, node: e.node });
        at = at === '/' ? `/${name}` : `${at}/${name}`;
      }
      get().navigate({ sourceId, volume, trail });
    },

    enter(name) {
      const s = get();
      const l = s.location;
      const e = currentDir(s)?.entries.find((x) => x.name === name);
      if (!l || !e) return;
      if (e.type === 'dir') s.navigate({ ...l, trail: [...l.trail, { name: e.name, node: e.node }] });
      else s.select(name, 'replace');
    },

    goUp() {
      const l = get().location;
      if (!l || l.trail.length <= 1) return;
      const from = l.trail[l.trail.length - 1]!.name;
      get().navigate({ ...l, trail: l.trail.slice(0, -1) });
      if (currentDir(get())?.status === 'ready') get().select(from, 'replace');
    },

    goTo(depth) {
      const l = get().location;
      if (!l || depth < 0 || depth >= l.trail.length - 1) return;
      const from = l.trail[depth + 1]!.name;
      get().navigate({ ...l, trail: l.trail.slice(0, depth + 1) });
      if (currentDir(get())?.status === 'ready') get().select(from, 'replace');
    },

    async loadDir(sourceId, volume, path, node, force = false) {
      const key = dirKey(sourceId, volume, path);
      const existing = get().dirs[key];
      if (existing && !force && existing.status !== 'error') return;
      const gen = (generation.get(key) ?? 0) + 1;
      generation.set(key, gen);
      const current = () => generation.get(key) === gen;
      set((s) => ({ dirs: trim({ ...s.dirs, [key]: { node, status: 'loading', entries: [], total: 0, error: null } }, key) }));
      let entries: Entry[] = [];
      let start: number | null = 0;
      try {
        while (start !== null) {
          const page: DirPage = await client.call(Channel.readdir, { sourceId, volume, node, start });
          if (!current()) return;
          entries = entries.concat(page.entries);
          start = page.next;
          const status = start === null ? 'ready' : 'loading';
          const total = page.total;
          set((s) => ({ dirs: { ...s.dirs, [key]: { node, status, entries, total, error: null } } }));
        }
        const s = get();
        if (s.location && dirKey(s.location.sourceId, s.location.volume, locationPath(s.location)) === key && s.focused === null && entries.length > 0) {
          s.select(firstOf(s), 'replace');
        }
      } catch (e) {
        if (!current()) return;
        const err = errorMessage(e);
        set((s) => ({ dirs: { ...s.dirs, [key]: { node, status: 'error', entries, total: entries.length, error: err } } }));
        get().noteError(err);
      } finally {
        void get().refreshStats(sourceId);
      }
    },

    toggleExpanded(sourceId, volume, path, node) {
      const key = dirKey(sourceId, volume, path);
      const open = !get().expanded[key];
      set((s) => ({ expanded: { ...s.expanded, [key]: open } }));
      if (open) void get().loadDir(sourceId, volume, path, node);
    },

    setSort(key) {
      set((s) => ({ sort: { key, descending: s.sort.key === key ? !s.sort.descending : false } }));
    },

    setFilter(text) {
      set({ filter: text.slice(0, 256) });
    },

    refresh() {
      const l = get().location;
      if (!l) return;
      const last = l.trail[l.trail.length - 1]!;
      if (last.node < 0) return;
      void get().loadDir(l.sourceId, l.volume, locationPath(l), last.node, true);
    },
  };
};

/** The first entry in display order. */
function firstOf(s: AppState): string {
  return visibleEntries(s)[0]?.name ?? '';
}

function trim<T>(dirs: Record<string, T>, keep: string): Record<string, T> {
  const keys = Object.keys(dirs);
  if (keys.length <= MAX_CACHED_DIRS) return dirs;
  const out: Record<string, T> = {};
  for (const k of keys.slice(keys.length - MAX_CACHED_DIRS)) out[k] = dirs[k]!;
  out[keep] = dirs[keep]!;
  return out;
}
