import { Channel, MAX_READ_BYTES } from '../../electron/shared/api.js';
import { errorMessage } from '../api.js';
import { sniff } from '../lib/content.js';
import { currentDir, entryKey } from './keys.js';
import type { PreviewsSlice, SliceCreator } from './types.js';

/** Bytes read for a preview (text, sniffing, the first hex pages). */
export const PREVIEW_BYTES = 256 * 1024;
/** Largest picture decoded for a preview. */
export const MAX_IMAGE_BYTES = 16 * 1024 * 1024;
/** Bytes per page of the hex view. */
export const HEX_PAGE_BYTES = 64 * 1024;
/** Pages of the hex view kept (the view needs only the few around what is visible). */
const MAX_HEX_PAGES = 64;
/** Focus that settles this long is previewed (arrow keys held down do not flood the sandbox). */
const SETTLE_MS = 60;

export const createPreviewsSlice: SliceCreator<PreviewsSlice> = (set, get, client) => {
  let timer: ReturnType<typeof setTimeout> | null = null;

  const load = async () => {
    const s = get();
    const l = s.location;
    const name = s.focused;
    const entry = name === null ? undefined : currentDir(s)?.entries.find((e) => e.name === name);
    if (!l || !entry || s.selected.size > 1) {
      set({ details: null, preview: null, hex: null });
      return;
    }
    const key = entryKey(s, entry.name);
    if (s.details?.key === key) return;
    const ref = { sourceId: l.sourceId, volume: l.volume, node: entry.node };
    const still = () => get().details?.key === key;
    const isFile = entry.type === 'file';
    set({
      details: { key, status: 'loading', value: null, error: null },
      preview: isFile ? { key, status: 'loading', size: entry.size, bytes: null, sniffed: null, error: null, mode: null } : null,
      hex: isFile ? { key, pages: {}, loading: {}, error: null } : null,
    });
    client.call(Channel.stat, ref).then(
      (value) => still() && set({ details: { key, status: 'ready', value, error: null } }),
      (e) => still() && set({ details: { key, status: 'error', value: null, error: errorMessage(e) } }),
    );
    if (!isFile) return;
    try {
      let bytes = await readRange(ref, 0, Math.min(entry.size, PREVIEW_BYTES));
      if (!still()) return;
      const sniffed = sniff(bytes);
      if (sniffed.kind === 'image' && entry.size > bytes.length && entry.size <= MAX_IMAGE_BYTES) {
        bytes = concat(bytes, await readRange(ref, bytes.length, entry.size - bytes.length));
        if (!still()) return;
      }
      const pages: Record<number, Uint8Array> = {};
      for (let p = 0; p * HEX_PAGE_BYTES < Math.min(bytes.length, PREVIEW_BYTES); p++) pages[p] = bytes.subarray(p * HEX_PAGE_BYTES, (p + 1) * HEX_PAGE_BYTES);
      set({
        preview: { key, status: 'ready', size: entry.size, bytes, sniffed, error: null, mode: null },
        hex: { key, pages, loading: {}, error: null },
      });
    } catch (e) {
      if (!still()) return;
      const err = errorMessage(e);
      set({ preview: { key, status: 'error', size: entry.size, bytes: null, sniffed: null, error: err, mode: null } });
      get().noteError(err);
    } finally {
      void get().refreshStats(l.sourceId);
    }
  };

  const readRange = async (ref: { sourceId: string; volume: number; node: number }, offset: number, length: number): Promise<Uint8Array> => {
    const parts: Uint8Array[] = [];
    let done = 0;
    while (done < length) {
      const chunk = await client.call(Channel.read, { ...ref, offset: offset + done, length: Math.min(MAX_READ_BYTES, length - done) });
      if (chunk.length === 0) break;
      parts.push(chunk);
      done += chunk.length;
    }
    return parts.length === 1 ? parts[0]! : concat(...parts);
  };

  return {
    details: null,
    preview: null,
    hex: null,
    hashes: {},

    showFocused() {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        void load();
      }, SETTLE_MS);
    },

    setPreviewMode(mode) {
      set((s) => (s.preview ? { preview: { ...s.preview, mode } } : {}));
    },

    loadHexPage(page) {
      const s = get();
      const hex = s.hex;
      const l = s.location;
      const name = s.focused;
      const entry = name === null ? undefined : currentDir(s)?.entries.find((e) => e.name === name);
      if (!hex || !l || !entry || hex.pages[page] || hex.loading[page] || page * HEX_PAGE_BYTES >= entry.size) return;
      const key = hex.key;
      set({ hex: { ...hex, loading: { ...hex.loading, [page]: true } } });
      const offset = page * HEX_PAGE_BYTES;
      readRange({ sourceId: l.sourceId, volume: l.volume, node: entry.node }, offset, Math.min(HEX_PAGE_BYTES, entry.size - offset)).then(
        (bytes) => {
          const h = get().hex;
          if (!h || h.key !== key) return;
          const pages = { ...h.pages, [page]: bytes };
          const kept = Object.keys(pages).map(Number);
          // Keep the pages nearest to this one.
          if (kept.length > MAX_HEX_PAGES) {
            kept.sort((a, b) => Math.abs(b - page) - Math.abs(a - page));
            for (const k of kept.slice(0, kept.length - MAX_HEX_PAGES)) delete pages[k];
          }
          const loading = { ...h.loading };
          delete loading[page];
          set({ hex: { ...h, pages, loading } });
        },
        (e) => {
          const h = get().hex;
          if (h && h.key === key) set({ hex: { ...h, error: errorMessage(e) } });
        },
      );
    },
  };
};

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
