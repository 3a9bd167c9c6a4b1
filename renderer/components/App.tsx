// The window: toolbar, sidebar (devices, images, volumes, folders), the file list, the details
// and preview pane, tasks, and the status bar. Files dropped on the window are opened.

import { useEffect, useState, type DragEvent } from 'react';
import { displayName } from '../lib/names.js';
import { useApp, useAppStore } from '../store/index.js';
import { Inspector } from './Details.js';
import { ErrorBoundary } from './ErrorBoundary.js';
import { FileList } from './FileList.js';
import { Findings } from './Findings.js';
import { CloseIcon, ErrorIcon } from './Icons.js';
import { Sidebar } from './Sidebar.js';
import { StatusBar } from './StatusBar.js';
import { Tasks } from './Tasks.js';
import { Toolbar } from './Toolbar.js';
import { Welcome } from './Welcome.js';

export function App() {
  const store = useAppStore();
  const location = useApp((s) => s.location);
  const opening = useApp((s) => s.opening);
  const [dropping, setDropping] = useState(false);

  useEffect(() => store.getState().init(), [store]);

  const title = useApp((s) => s.sources.find((x) => x.id === s.location?.sourceId)?.name ?? null);
  useEffect(() => {
    document.title = title ? `${title} — Glovebox` : 'Glovebox';
  }, [title]);

  useEffect(() => {
    // Shortcuts the menu also offers (in the browser tests there is no menu). Handled here, the
    // key is consumed, so the menu's accelerator does not fire a second time.
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const s = store.getState();
      const key = e.key.toLowerCase();
      if (mod && !e.shiftKey && key === 'o') void s.openDialog();
      else if (mod && !e.shiftKey && key === 'e') void s.extract();
      else if (mod && e.shiftKey && key === 'c') void s.copyPath();
      else if (mod && e.shiftKey && key === 's') void s.scanVolume();
      else if (mod && !e.shiftKey && key === 'f') document.getElementById('filter')?.focus();
      else if (e.key === 'F5') s.refresh();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDropping(false);
    const s = store.getState();
    for (const f of Array.from(e.dataTransfer.files)) s.openFile(f);
  };
  const onDragOver = (e: DragEvent) => {
    // Only files from outside; our own rows start an OS drag through the host instead.
    if (!e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    setDropping(true);
  };

  return (
    <div className={`app${dropping ? ' dropping' : ''}`} onDragOver={onDragOver} onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDropping(false);
      }} onDrop={onDrop}>
      <Toolbar />
      <div className={`body${location ? '' : ' no-inspector'}`}>
        <Sidebar />
        <main className="content" aria-label="Folder contents">
          <OpenError />
          <ErrorBoundary label="folder list">
            {location ? <FileList /> : opening ? <div className="list-state" role="status">Opening {displayName(opening)}…</div> : <Welcome />}
          </ErrorBoundary>
          <ErrorBoundary label="findings">
            <Findings />
          </ErrorBoundary>
        </main>
        {location ? (
          <ErrorBoundary label="details pane">
            <Inspector />
          </ErrorBoundary>
        ) : null}
      </div>
      <Tasks />
      <StatusBar />
      {dropping ? <div className="drop-overlay" aria-hidden="true">Drop to open the image (read-only)</div> : null}
    </div>
  );
}

function OpenError() {
  const error = useApp((s) => s.openError);
  const dismiss = useApp((s) => s.dismissOpenError);
  if (!error) return null;
  return (
    <div className="banner error" role="alert">
      <ErrorIcon size={18} />
      <div>
        <strong>{error.title}</strong>
        <p className="error-message">{error.message}</p>
      </div>
      <button type="button" className="icon-button small" onClick={dismiss} aria-label="Dismiss error">
        <CloseIcon size={12} />
      </button>
    </div>
  );
}
