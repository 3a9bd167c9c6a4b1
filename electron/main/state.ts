// What the app remembers between runs: the window's size and place, and the recent images
// (paths only — nothing about any image's contents is ever stored).

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_GEOMETRY, MIN_HEIGHT, MIN_WIDTH, type WindowGeometry } from './security.js';

export const MAX_RECENT = 10;

export interface SavedState {
  window: WindowGeometry & { maximized: boolean };
  recent: string[];
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);

/** The saved state, or defaults for anything missing or malformed. */
export function loadState(folder: string): SavedState {
  const fallback: SavedState = { window: { ...DEFAULT_GEOMETRY, maximized: false }, recent: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(folder, 'glovebox-state.json'), 'utf8'));
  } catch {
    return fallback;
  }
  if (typeof raw !== 'object' || raw === null) return fallback;
  const r = raw as { window?: Record<string, unknown>; recent?: unknown };
  const w = r.window ?? {};
  const window: SavedState['window'] = {
    width: isInt(w.width) && w.width >= MIN_WIDTH && w.width <= 10_000 ? w.width : DEFAULT_GEOMETRY.width,
    height: isInt(w.height) && w.height >= MIN_HEIGHT && w.height <= 10_000 ? w.height : DEFAULT_GEOMETRY.height,
    maximized: w.maximized === true,
  };
  if (isInt(w.x) && isInt(w.y) && Math.abs(w.x) < 100_000 && Math.abs(w.y) < 100_000) {
    window.x = w.x;
    window.y = w.y;
  }
  const recent = Array.isArray(r.recent) ? r.recent.filter((p): p is string => typeof p === 'string' && p.length > 0 && p.length <= 4096).slice(0, MAX_RECENT) : [];
  return { window, recent };
}

export function saveState(folder: string, state: SavedState): void {
  try {
    mkdirSync(dirname(join(folder, 'x')), { recursive: true });
    writeFileSync(join(folder, 'glovebox-state.json'), JSON.stringify(state, null, 2), { mode: 0o600 });
  } catch {
    // Remembering is a convenience; failing to is not an error worth showing.
  }
}

export function addRecent(recent: readonly string[], path: string): string[] {
  return [path, ...recent.filter((p) => p !== path)].slice(0, MAX_RECENT);
}
