import { visibleEntries } from './keys.js';
import type { SelectionSlice, SliceCreator } from './types.js';

/** Type-ahead letters typed within this long form one prefix. */
export const TYPE_AHEAD_MS = 800;

export const createSelectionSlice: SliceCreator<SelectionSlice> = (set, get) => {
  const indexOf = (name: string | null) => (name === null ? -1 : visibleEntries(get()).findIndex((e) => e.name === name));
  const focus = (name: string) => {
    set({ focused: name });
    get().showFocused();
  };

  return {
    selected: new Set<string>(),
    focused: null,
    anchor: null,

    select(name, mode) {
      const s = get();
      if (mode === 'replace') {
        set({ selected: new Set([name]), anchor: name });
      } else if (mode === 'toggle') {
        const next = new Set(s.selected);
        if (next.has(name)) next.delete(name);
        else next.add(name);
        set({ selected: next, anchor: name });
      } else {
        const list = visibleEntries(s);
        const a = indexOf(s.anchor ?? s.focused ?? name);
        const b = indexOf(name);
        if (a < 0 || b < 0) set({ selected: new Set([name]), anchor: name });
        else {
          const [lo, hi] = a < b ? [a, b] : [b, a];
          set({ selected: new Set(list.slice(lo, hi + 1).map((e) => e.name)) });
        }
      }
      focus(name);
    },

    selectAll() {
      const list = visibleEntries(get());
      set({ selected: new Set(list.map((e) => e.name)) });
      get().showFocused();
    },

    clearSelection() {
      set({ selected: new Set(), anchor: null });
      get().showFocused();
    },

    moveFocus(to, extend) {
      const list = visibleEntries(get());
      if (list.length === 0) return;
      const at = indexOf(get().focused);
      let i: number;
      if (to === 'home') i = 0;
      else if (to === 'end') i = list.length - 1;
      else i = at < 0 ? (to > 0 ? 0 : list.length - 1) : at + to;
      i = Math.max(0, Math.min(list.length - 1, i));
      get().select(list[i]!.name, extend ? 'range' : 'replace');
    },

    typeAhead(prefix) {
      const p = prefix.toLowerCase();
      const list = visibleEntries(get());
      const at = Math.max(0, indexOf(get().focused));
      // From the focused entry on (so repeating a letter cycles), wrapping around.
      for (let k = 0; k < list.length; k++) {
        const e = list[(at + k + (p.length === 1 ? 1 : 0)) % list.length]!;
        if (e.name.toLowerCase().startsWith(p)) {
          get().select(e.name, 'replace');
          return;
        }
      }
    },
  };
};
