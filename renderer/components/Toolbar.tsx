// Up, breadcrumbs of the current folder, and the name filter.

import { displayName } from '../lib/names.js';
import { useApp, volumeKey } from '../store/index.js';
import { volumeTitle } from './Sidebar.js';
import { ChevronIcon, CloseIcon, MountIcon, OpenIcon, SearchIcon, ShieldIcon, UpIcon } from './Icons.js';

export function Toolbar() {
  const location = useApp((s) => s.location);
  const source = useApp((s) => s.sources.find((x) => x.id === s.location?.sourceId));
  const goUp = useApp((s) => s.goUp);
  const goTo = useApp((s) => s.goTo);
  const filter = useApp((s) => s.filter);
  const setFilter = useApp((s) => s.setFilter);
  const openDialog = useApp((s) => s.openDialog);
  const scanVolume = useApp((s) => s.scanVolume);
  const volume = source?.volumes.find((v) => v.index === location?.volume);
  const scanning = useApp((s) => (s.location ? s.scans[volumeKey(s.location.sourceId, s.location.volume)]?.status === 'running' : false));
  const key = location ? volumeKey(location.sourceId, location.volume) : null;
  const mountAvailable = useApp((s) => s.mountAvailable);
  const mountPath = useApp((s) => (key === null ? undefined : s.mounts[key]));
  const mountBusy = useApp((s) => (key === null ? false : s.mountBusy[key] === true));
  const mountVolume = useApp((s) => s.mountVolume);
  const unmountVolume = useApp((s) => s.unmountVolume);
  const trail = location?.trail ?? [];
  return (
    <header className="toolbar">
      <button type="button" className="tool-button" onClick={() => void openDialog()} title="Open image… (Ctrl+O)">
        <OpenIcon /> <span>Open…</span>
      </button>
      <button
        type="button"
        className="tool-button"
        onClick={() => void scanVolume()}
        disabled={!volume || volume.rootNode === null || scanning}
        aria-label="Scan this volume for threats"
        title="Scan this volume for autorun files, dangerous shortcuts, programs, macros and name tricks (Ctrl+Shift+S)"
      >
        <ShieldIcon /> <span>{scanning ? 'Scanning…' : 'Scan'}</span>
      </button>
      {/* Only where main can mount (FUSE available); hidden otherwise. */}
      {location && volume && (mountAvailable || mountPath !== undefined) ? (
        mountPath === undefined ? (
          <button
            type="button"
            className="tool-button"
            onClick={() => void mountVolume(location.sourceId, location.volume)}
            disabled={volume.rootNode === null || mountBusy}
            aria-label="Mount this volume safely"
            title="Mount read-only for any program (the file system stays in the sandbox) and open it in the file manager"
          >
            <MountIcon /> <span>{mountBusy ? 'Mounting…' : 'Mount safely'}</span>
          </button>
        ) : (
          <button
            type="button"
            className="tool-button"
            onClick={() => void unmountVolume(location.sourceId, location.volume)}
            disabled={mountBusy}
            aria-label="Unmount this volume"
            title={`Mounted read-only at ${mountPath}`}
          >
            <MountIcon /> <span>{mountBusy ? 'Unmounting…' : 'Unmount'}</span>
          </button>
        )
      ) : null}
      <div className="toolbar-sep" />
      <button type="button" className="icon-button" onClick={goUp} disabled={trail.length <= 1} aria-label="Up to the enclosing folder" title="Up (Backspace)">
        <UpIcon />
      </button>
      <nav className="breadcrumbs" aria-label="Current folder">
        {location && volume ? (
          <ol>
            {trail.map((c, i) => {
              const label = i === 0 ? volumeTitle(volume) : displayName(c.name);
              const last = i === trail.length - 1;
              return (
                <li key={i}>
                  {i > 0 ? <ChevronIcon size={10} className="crumb-sep" /> : null}
                  {last ? (
                    <span className="crumb current" aria-current="location">
                      {label}
                    </span>
                  ) : (
                    <button type="button" className="crumb" onClick={() => goTo(i)}>
                      {label}
                    </button>
                  )}
                </li>
              );
            })}
          </ol>
        ) : (
          <span className="crumb muted">Glovebox</span>
        )}
      </nav>
      <div className="filter">
        <SearchIcon />
        <input
          id="filter"
          type="search"
          placeholder="Filter by name"
          aria-label="Filter by name"
          value={filter}
          disabled={!location}
          onChange={(e) => setFilter(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') setFilter('');
            if (e.key === 'ArrowDown' || e.key === 'Enter') {
              e.preventDefault();
              document.getElementById('file-list')?.focus();
            }
          }}
          spellCheck={false}
          autoComplete="off"
        />
        {filter ? (
          <button type="button" className="icon-button small" onClick={() => setFilter('')} aria-label="Clear filter">
            <CloseIcon size={12} />
          </button>
        ) : null}
      </div>
    </header>
  );
}
