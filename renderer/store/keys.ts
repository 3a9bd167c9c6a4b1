// Keys and derived views of the store's data. Pure.

import type { Entry } from '../../electron/shared/api.js';
import { joinPath } from '../lib/paths.js';
import type { AppState, DirState, Location, SortKey } from './types.js';

export const dirKey = (sourceId: string, volume: number, path: string) => `${sourceId}|${volume}|${path}`;

/** The key of one volume of one source (scans, findings). */
export const volumeKey = (sourceId: string, volume: number) => `${sourceId}|${volume}`;

export const locationPath = (l: Location) => (l.trail.length <= 1 ? '/' : `/${l.trail.slice(1).map((c) => c.name).join('/')}`);

export const currentDirKey = (s: Pick<AppState, 'location'>) => (s.location ? dirKey(s.location.sourceId, s.location.volume, locationPath(s.location)) : null);

export const currentDir = (s: Pick<AppState, 'location' | 'dirs'>): DirState | null => {
  const k = currentDirKey(s);
  return k === null ? null : (s.dirs[k] ?? null);
};

/** The key of a file or folder of the current list (previews, hashes). */
export const entryKey = (s: Pick<AppState, 'location'>, name: string) => {
  const l = s.location;
  return l ? dirKey(l.sourceId, l.volume, joinPath(locationPath(l), name)) : name;
};

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export function compareEntries(a: Entry, b: Entry, key: SortKey): number {
  // Folders first, whatever the order, as in every file manager.
  const da = a.type === 'dir' ? 0 : 1;
  const db = b.type === 'dir' ? 0 : 1;
  if (da !== db) return da - db;
  let c = 0;
  if (key === 'size') c = a.size - b.size;
  else if (key === 'mtime') c = (a.mtime ?? '').localeCompare(b.mtime ?? '');
  else if (key === 'type') c = extension(a.name).localeCompare(extension(b.name));
  return c !== 0 ? c : collator.compare(a.name, b.name);
}

const extension = (n: string) => {
  const i = n.lastIndexOf('.');
  return i <= 0 ? '' : n.slice(i + 1).toLowerCase();
};

let memo: { entries: Entry[]; key: SortKey; descending: boolean; filter: string; out: Entry[] } | null = null;

/** The current folder's entries, filtered and sorted (memoised on its inputs). */
export function visibleEntries(s: Pick<AppState, 'location' | 'dirs' | 'sort' | 'filter'>): Entry[] {
  const entries = currentDir(s)?.entries ?? [];
  const { key, descending } = s.sort;
  const filter = s.filter.trim().toLowerCase();
  if (memo && memo.entries === entries && memo.key === key && memo.descending === descending && memo.filter === filter) return memo.out;
  const kept = filter === '' ? entries.slice() : entries.filter((e) => e.name.toLowerCase().includes(filter));
  kept.sort((a, b) => {
    const c = compareEntries(a, b, key);
    const dirsFirst = (a.type === 'dir' ? 0 : 1) - (b.type === 'dir' ? 0 : 1);
    return descending && dirsFirst === 0 ? -c : c;
  });
  memo = { entries, key, descending, filter, out: kept };
  return kept;
}
