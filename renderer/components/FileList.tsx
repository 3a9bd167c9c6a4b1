// The current folder's entries: sortable columns, virtualized rows (only those in view are in
// the DOM), multi-select, keyboard navigation with type-ahead, drag out and a context menu.

import { memo, useCallback, useEffect, useRef, useState, type DragEvent, type KeyboardEvent, type MouseEvent, type RefObject } from 'react';
import type { Entry } from '../../electron/shared/api.js';
import { countLabel, formatTime, humanSize } from '../lib/format.js';
import { displayName, suspicion, typeLabel } from '../lib/names.js';
import { joinPath } from '../lib/paths.js';
import { currentDir, locationPath, useApp, useAppStore, visibleEntries, type SortKey } from '../store/index.js';
import { TYPE_AHEAD_MS } from '../store/selection.js';
import { ContextMenu, type MenuItem } from './ContextMenu.js';
import { ErrorIcon, FileIcon, FolderIcon, LinkIcon, SortIcon, WarnIcon } from './Icons.js';
import { SafeName } from './SafeName.js';
import { useVirtual } from './useVirtual.js';

export const ROW_HEIGHT = 28;

const COLUMNS: Array<{ key: SortKey; label: string; className: string }> = [
  { key: 'name', label: 'Name', className: 'col-name' },
  { key: 'size', label: 'Size', className: 'col-size' },
  { key: 'mtime', label: 'Modified', className: 'col-date' },
  { key: 'type', label: 'Type', className: 'col-type' },
];

export function FileList() {
  const store = useAppStore();
  const dir = useApp(currentDir);
  const entries = useApp(visibleEntries);
  const focused = useApp((s) => s.focused);
  const selected = useApp((s) => s.selected);
  const sort = useApp((s) => s.sort);
  const filter = useApp((s) => s.filter);
  const refresh = useApp((s) => s.refresh);
  const [menu, setMenu] = useState<{ x: number; y: number } | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const typed = useRef({ text: '', at: 0 });
  const v = useVirtualList(scroller, entries.length);

  const focusedIndex = focused === null ? -1 : entries.findIndex((e) => e.name === focused);
  const { scrollToIndex } = v;
  useEffect(() => {
    if (focusedIndex >= 0) scrollToIndex(focusedIndex);
    // Only when the focus moves (scrollToIndex changes with every scroll).
  }, [focusedIndex, entries]); // eslint-disable-line react-hooks/exhaustive-deps

  const closeMenu = useCallback(() => {
    setMenu(null);
    scroller.current?.focus();
  }, []);

  if (!dir) return <div className="list-state" role="status">Choose a volume or folder.</div>;
  if (dir.status === 'error' && dir.entries.length === 0) {
    const volume = dir.node < 0;
    return (
      <InPlaceError
        title={volume ? 'This volume cannot be opened' : 'This folder could not be read'}
        message={dir.error?.message ?? ''}
        kind={volume && dir.error?.kind === 'Unsupported' ? 'NoFileSystem' : (dir.error?.kind ?? '')}
        onRetry={volume ? null : refresh}
      />
    );
  }

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const s = store.getState();
    const extend = e.shiftKey;
    const mod = e.ctrlKey || e.metaKey;
    switch (e.key) {
      case 'ArrowDown':
        s.moveFocus(1, extend);
        break;
      case 'ArrowUp':
        s.moveFocus(-1, extend);
        break;
      case 'PageDown':
        s.moveFocus(v.viewportRows - 1, extend);
        break;
      case 'PageUp':
        s.moveFocus(-(v.viewportRows - 1), extend);
        break;
      case 'Home':
        s.moveFocus('home', extend);
        break;
      case 'End':
        s.moveFocus('end', extend);
        break;
      case 'Enter':
        if (s.focused !== null) s.enter(s.focused);
        break;
      case 'Backspace':
        s.goUp();
        break;
      case 'Escape':
        s.clearSelection();
        break;
      case 'ContextMenu':
        openMenuAtFocus();
        break;
      case 'F10':
        if (!extend) return;
        openMenuAtFocus();
        break;
      case ' ':
        if (mod && s.focused !== null) s.select(s.focused, 'toggle');
        else if (typed.current.text === '') return;
        else typeAhead(' ');
        break;
      default:
        if (mod && e.key.toLowerCase() === 'a') s.selectAll();
        else if (!mod && !e.altKey && e.key.length === 1) typeAhead(e.key);
        else return;
    }
    e.preventDefault();
  };
  const typeAhead = (ch: string) => {
    const now = Date.now();
    const t = typed.current;
    t.text = now - t.at > TYPE_AHEAD_MS ? ch : t.text + ch;
    t.at = now;
    store.getState().typeAhead(t.text);
  };
  const openMenuAtFocus = () => {
    const row = scroller.current?.querySelector<HTMLElement>('[aria-selected="true"]');
    const r = (row ?? scroller.current)?.getBoundingClientRect();
    if (r) setMenu({ x: r.left + 40, y: r.top + ROW_HEIGHT });
  };

  const onRowMouseDown = (e: MouseEvent, name: string) => {
    const s = store.getState();
    if (e.button === 2) {
      if (!s.selected.has(name)) s.select(name, 'replace');
      return;
    }
    if (e.button !== 0) return;
    if (e.shiftKey) s.select(name, 'range');
    else if (e.ctrlKey || e.metaKey) s.select(name, 'toggle');
    else if (!s.selected.has(name) || s.selected.size === 1) s.select(name, 'replace');
  };
  const onRowClick = (e: MouseEvent, name: string) => {
    // A plain click on one row of a multi-selection narrows to it (after a possible drag).
    const s = store.getState();
    if (!e.shiftKey && !e.ctrlKey && !e.metaKey && s.selected.size > 1) s.select(name, 'replace');
  };

  const menuItems = (): MenuItem[] => {
    const s = store.getState();
    const names = [...s.selected];
    const one = names.length === 1 ? entries.find((x) => x.name === names[0]) : undefined;
    return [
      ...(one?.type === 'dir' ? [{ label: 'Open', shortcut: 'Enter', run: () => s.enter(one.name) }] : []),
      { label: names.length > 1 ? `Extract ${names.length} items to…` : 'Extract to…', shortcut: 'Ctrl+E', disabled: names.length === 0, run: () => void s.extract() },
      { label: names.length > 1 ? 'Copy paths' : 'Copy path', shortcut: 'Ctrl+Shift+C', disabled: names.length === 0, run: () => void s.copyPath() },
      { label: 'Compute SHA-256', disabled: one?.type !== 'file', run: () => void s.hash(one?.name) },
      { label: 'Select all', shortcut: 'Ctrl+A', run: () => s.selectAll() },
    ];
  };

  const onDragStart = (e: DragEvent, name: string) => {
    // The OS needs real files: the host stages the items and starts the drag itself.
    e.preventDefault();
    const s = store.getState();
    const l = s.location;
    if (!l) return;
    const names = s.selected.has(name) ? [...s.selected] : [name];
    void s.dragOut(names.map((n) => joinPath(locationPath(l), n)));
  };

  const rows = [];
  for (let i = v.first; i <= v.last; i++) {
    const e = entries[i]!;
    rows.push(
      <Row
        key={e.name}
        entry={e}
        index={i}
        top={v.top(i)}
        selected={selected.has(e.name)}
        focused={e.name === focused}
        onMouseDown={onRowMouseDown}
        onClick={onRowClick}
        onDoubleClick={(name) => store.getState().enter(name)}
        onDragStart={onDragStart}
      />,
    );
  }

  return (
    <div className="file-list">
      <div className="list-header" role="presentation">
        {COLUMNS.map((c) => {
          const active = sort.key === c.key;
          return (
            <button
              key={c.key}
              type="button"
              className={`${c.className} header-cell${active ? ' sorted' : ''}`}
              onClick={() => store.getState().setSort(c.key)}
              aria-label={`Sort by ${c.label.toLowerCase()}${active ? (sort.descending ? ', now descending' : ', now ascending') : ''}`}
            >
              {c.label}
              {active ? <SortIcon descending={sort.descending} size={12} /> : null}
            </button>
          );
        })}
      </div>
      {dir.status === 'error' ? (
        <div className="inline-error" role="alert">
          <ErrorIcon /> Only part of this folder could be read: {dir.error?.message}
        </div>
      ) : null}
      <div
        ref={scroller}
        id="file-list"
        className="list-body"
        role="listbox"
        aria-label="Files and folders"
        aria-multiselectable="true"
        aria-activedescendant={focusedIndex >= 0 ? `row-${focusedIndex}` : undefined}
        aria-busy={dir.status === 'loading'}
        tabIndex={0}
        onScroll={v.onScroll}
        onKeyDown={onKeyDown}
        onContextMenu={(e) => {
          e.preventDefault();
          setMenu({ x: e.clientX, y: e.clientY });
        }}
      >
        <div className="list-spacer" style={{ height: v.height }}>
          {rows}
        </div>
        {entries.length === 0 && dir.status === 'ready' ? (
          <div className="list-state">{filter ? `No names contain “${filter}”.` : 'This folder is empty.'}</div>
        ) : null}
        {entries.length === 0 && dir.status === 'loading' ? <div className="list-state">Reading folder…</div> : null}
      </div>
      <ListFooter count={entries.length} total={dir.entries.length} loading={dir.status === 'loading'} expected={dir.total} />
      {menu ? <ContextMenu x={menu.x} y={menu.y} items={menuItems()} onClose={closeMenu} /> : null}
    </div>
  );
}

function useVirtualList(ref: RefObject<HTMLDivElement | null>, count: number) {
  return useVirtual(ref, count, ROW_HEIGHT);
}

const Row = memo(function Row(p: {
  entry: Entry;
  index: number;
  top: number;
  selected: boolean;
  focused: boolean;
  onMouseDown(e: MouseEvent, name: string): void;
  onClick(e: MouseEvent, name: string): void;
  onDoubleClick(name: string): void;
  onDragStart(e: DragEvent, name: string): void;
}) {
  const e = p.entry;
  const name = displayName(e.name);
  const warning = suspicion(e.name, e.type);
  return (
    <div
      id={`row-${p.index}`}
      role="option"
      aria-selected={p.selected}
      aria-label={warning ? `${name} (warning: ${warning})` : name}
      className={`row${p.selected ? ' selected' : ''}${p.focused ? ' focused' : ''}`}
      style={{ transform: `translateY(${p.top}px)` }}
      draggable
      onMouseDown={(ev) => p.onMouseDown(ev, e.name)}
      onClick={(ev) => p.onClick(ev, e.name)}
      onDoubleClick={() => p.onDoubleClick(e.name)}
      onDragStart={(ev) => p.onDragStart(ev, e.name)}
    >
      <span className="col-name cell">
        {e.type === 'dir' ? <FolderIcon /> : e.type === 'symlink' ? <LinkIcon /> : <FileIcon />}
        <SafeName name={e.name} className="name-text" />
        {warning ? (
          <span className="badge-warn" title={warning}>
            <WarnIcon size={14} />
          </span>
        ) : null}
      </span>
      <span className="col-size cell num">{e.type === 'dir' ? '' : humanSize(e.size)}</span>
      <span className="col-date cell">{formatTime(e.mtime)}</span>
      <span className="col-type cell muted">{typeLabel(e.name, e.type)}</span>
    </div>
  );
});

function ListFooter({ count, total, loading, expected }: { count: number; total: number; loading: boolean; expected: number }) {
  const selected = useApp((s) => s.selected.size);
  return (
    <div className="list-footer" role="status" aria-live="polite">
      {loading ? `Reading… ${countLabel(total, 'entry', 'entries')}${expected > total ? ` of ${expected.toLocaleString('en-US')}` : ''}` : count === total ? countLabel(total, 'item') : `${countLabel(count, 'item')} shown of ${total.toLocaleString('en-US')}`}
      {selected > 0 ? ` · ${selected.toLocaleString('en-US')} selected` : ''}
    </div>
  );
}

export function InPlaceError({ title, message, kind, onRetry }: { title: string; message: string; kind: string; onRetry: (() => void) | null }) {
  const hint =
    kind === 'NoFileSystem'
      ? 'It does not hold a file system Glovebox knows: it may be encrypted, wiped or damaged, or in a format Glovebox does not read yet.'
      : kind === 'Corrupt'
      ? 'The file system’s structures are damaged or were crafted to mislead. Nothing was written to the image.'
      : kind === 'Unsupported'
        ? 'Glovebox does not read this format or feature yet.'
        : kind === 'Crashed' || kind === 'Timeout'
          ? 'The sandboxed reader stopped; a fresh one is started for the next request.'
          : null;
  return (
    <div className="in-place-error" role="alert">
      <ErrorIcon size={28} />
      <h2>{title}</h2>
      <p className="error-message">{message}</p>
      {hint ? <p className="muted">{hint}</p> : null}
      {onRetry ? (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
