// The details pane: what the selected entry is (path, size, times, attributes, hash on demand),
// or a summary of a multi-selection or of the current folder.

import type { Entry } from '../../electron/shared/api.js';
import { countLabel, formatMode, formatTimeLong, humanSize } from '../lib/format.js';
import { displayName, suspicion, typeLabel } from '../lib/names.js';
import { joinPath } from '../lib/paths.js';
import { currentDir, entryKey, locationPath, useApp, volumeKey } from '../store/index.js';
import { FileIcon, FolderIcon, LinkIcon, MountIcon, VolumeIcon, WarnIcon } from './Icons.js';
import { SafeName } from './SafeName.js';
import { volumeTitle } from './Sidebar.js';
import { Preview } from './Preview.js';

export function Inspector() {
  const location = useApp((s) => s.location);
  const count = useApp((s) => s.selected.size);
  const focused = useApp((s) => s.focused);
  const entry = useApp((s) => (s.focused === null ? undefined : currentDir(s)?.entries.find((e) => e.name === s.focused)));
  if (!location) return <aside className="inspector empty" aria-label="Details" />;
  return (
    <aside className="inspector" aria-label="Details">
      {count > 1 ? <MultiSummary /> : entry && focused !== null ? <EntryDetails entry={entry} /> : <FolderSummary />}
      {count <= 1 && entry?.type === 'file' ? <Preview name={entry.name} /> : null}
    </aside>
  );
}

function FolderSummary() {
  const dir = useApp(currentDir);
  const path = useApp((s) => (s.location ? locationPath(s.location) : '/'));
  const source = useApp((s) => s.sources.find((x) => x.id === s.location?.sourceId));
  const volumeIndex = useApp((s) => s.location?.volume);
  const volume = source?.volumes.find((v) => v.index === volumeIndex);
  const files = dir?.entries.filter((e) => e.type !== 'dir') ?? [];
  const bytes = files.reduce((n, e) => n + e.size, 0);
  const unreadable = dir?.node === -1;
  return (
    <section className="details" aria-label={path === '/' ? 'Volume summary' : 'Folder summary'}>
      <h2 className="details-title">
        {path === '/' ? <VolumeIcon size={20} /> : <FolderIcon size={20} />}
        <span className="details-name">{path === '/' ? (volume ? volumeTitle(volume) : 'Volume') : displayName(path.slice(path.lastIndexOf('/') + 1))}</span>
      </h2>
      <dl>
        {path !== '/' ? (
          <>
            <dt>Path</dt>
            <dd className="mono selectable">{displayName(path)}</dd>
          </>
        ) : null}
        {!unreadable ? (
          <>
            <dt>Contents</dt>
            <dd>
              {countLabel((dir?.entries.length ?? 0) - files.length, 'folder')}, {countLabel(files.length, 'file')} ({humanSize(bytes)})
            </dd>
          </>
        ) : null}
        {path === '/' && volume && source ? (
          <>
            <dt>File system</dt>
            <dd>{volume.fs?.toUpperCase() ?? 'not recognised'}</dd>
            <dt>Size</dt>
            <dd>{humanSize(volume.size)}</dd>
            <dt>Location</dt>
            <dd>
              {volume.partition !== null ? `Partition ${volume.partition}, ` : ''}at byte {volume.offset.toLocaleString('en-US')}
            </dd>
            <dt>Image</dt>
            <dd>
              {displayName(source.name)} ({source.container}, {source.partitioning === 'none' ? 'no partition table' : `${source.partitioning.toUpperCase()} partitions`})
            </dd>
          </>
        ) : null}
      </dl>
      {path === '/' && volume && source ? <MountActions sourceId={source.id} volume={volume.index} canMount={volume.rootNode !== null} /> : null}
      {path === '/' && volume
        ? [...volume.notes, ...(source?.warnings ?? [])].map((n, i) => (
            <p key={i} className="warning-box" role="note">
              <WarnIcon /> <span>{n}</span>
            </p>
          ))
        : null}
    </section>
  );
}

/** "Mount safely" / "Unmount" and where it is mounted; nothing where main cannot mount. */
function MountActions({ sourceId, volume, canMount }: { sourceId: string; volume: number; canMount: boolean }) {
  const key = volumeKey(sourceId, volume);
  const available = useApp((s) => s.mountAvailable);
  const path = useApp((s) => s.mounts[key]);
  const busy = useApp((s) => s.mountBusy[key] === true);
  const mountVolume = useApp((s) => s.mountVolume);
  const unmountVolume = useApp((s) => s.unmountVolume);
  if (!available && path === undefined) return null;
  return (
    <div className="mount-box" aria-label="Safe mount">
      {path !== undefined ? (
        <p className="mount-state">
          <MountIcon /> <span>
            Mounted read-only at <span className="mono selectable">{path}</span>
          </span>
        </p>
      ) : (
        <p className="mount-hint">Read it with any program: the file system stays in the sandbox.</p>
      )}
      <div className="details-actions">
        {path === undefined ? (
          <button type="button" className="button" disabled={!canMount || busy} onClick={() => void mountVolume(sourceId, volume)}>
            {busy ? 'Mounting…' : 'Mount safely'}
          </button>
        ) : (
          <button type="button" className="button" disabled={busy} onClick={() => void unmountVolume(sourceId, volume)}>
            {busy ? 'Unmounting…' : 'Unmount'}
          </button>
        )}
      </div>
    </div>
  );
}

function MultiSummary() {
  const picked = useApp((s) => {
    const entries = currentDir(s)?.entries ?? [];
    let files = 0;
    let dirs = 0;
    let bytes = 0;
    for (const e of entries) {
      if (!s.selected.has(e.name)) continue;
      if (e.type === 'dir') dirs++;
      else {
        files++;
        bytes += e.size;
      }
    }
    return `${files}|${dirs}|${bytes}`;
  });
  const [files, dirs, bytes] = picked.split('|').map(Number) as [number, number, number];
  const extract = useApp((s) => s.extract);
  const copyPath = useApp((s) => s.copyPath);
  return (
    <section className="details" aria-label="Selection summary">
      <h2 className="details-title">{countLabel(files + dirs, 'item')} selected</h2>
      <dl>
        <dt>Folders</dt>
        <dd>{dirs.toLocaleString('en-US')}</dd>
        <dt>Files</dt>
        <dd>
          {files.toLocaleString('en-US')} ({humanSize(bytes)}{dirs > 0 ? ', not counting what the folders hold' : ''})
        </dd>
      </dl>
      <div className="details-actions">
        <button type="button" className="button primary" onClick={() => void extract()}>
          Extract to…
        </button>
        <button type="button" className="button" onClick={() => void copyPath()}>
          Copy paths
        </button>
      </div>
    </section>
  );
}

function EntryDetails({ entry }: { entry: Entry }) {
  const path = useApp((s) => (s.location ? joinPath(locationPath(s.location), entry.name) : ''));
  const details = useApp((s) => s.details);
  const hash = useApp((s) => s.hashes[entryKey(s, entry.name)]);
  const hashing = useApp((s) => s.tasks.some((t) => t.kind === 'hash' && t.status === 'running' && t.label.includes(displayName(entry.name))));
  const runHash = useApp((s) => s.hash);
  const extract = useApp((s) => s.extract);
  const copyPath = useApp((s) => s.copyPath);
  const d = details?.status === 'ready' ? details.value : null;
  const warning = suspicion(entry.name, entry.type);
  const name = displayName(entry.name);
  return (
    <section className="details" aria-label="Details of the selected item">
      <h2 className="details-title" title={name}>
        {entry.type === 'dir' ? <FolderIcon size={20} /> : entry.type === 'symlink' ? <LinkIcon size={20} /> : <FileIcon size={20} />}
        <SafeName name={entry.name} className="details-name" />
      </h2>
      {warning ? (
        <p className="warning-box" role="note">
          <WarnIcon /> <span>{warning}</span>
        </p>
      ) : null}
      {entry.escaped ? <p className="note-box">This name could not be used as stored; it is shown with escapes (%2F…).</p> : null}
      <dl>
        <dt>Path</dt>
        <dd className="mono selectable">{displayName(path)}</dd>
        <dt>Type</dt>
        <dd>{typeLabel(entry.name, entry.type)}</dd>
        {entry.type !== 'dir' ? (
          <>
            <dt>Size</dt>
            <dd>
              {humanSize(entry.size)}
              {entry.size >= 1024 ? <span className="muted"> ({entry.size.toLocaleString('en-US')} bytes)</span> : null}
            </dd>
          </>
        ) : null}
        <dt>Modified</dt>
        <dd>{formatTimeLong(d?.mtime ?? entry.mtime)}</dd>
        {d?.birthtime ? (
          <>
            <dt>Created</dt>
            <dd>{formatTimeLong(d.birthtime)}</dd>
          </>
        ) : null}
        {d?.atime ? (
          <>
            <dt>Accessed</dt>
            <dd>{formatTimeLong(d.atime)}</dd>
          </>
        ) : null}
        {d?.ctime ? (
          <>
            <dt>Changed</dt>
            <dd>{formatTimeLong(d.ctime)}</dd>
          </>
        ) : null}
        {d && d.attributes.length > 0 ? (
          <>
            <dt>Attributes</dt>
            <dd>{d.attributes.join(', ')}</dd>
          </>
        ) : null}
        {d && d.mode !== null ? (
          <>
            <dt>Permissions</dt>
            <dd className="mono">{formatMode(d.mode)}</dd>
          </>
        ) : null}
        {d?.target ? (
          <>
            <dt>Link to</dt>
            <dd className="mono">{displayName(d.target)}</dd>
          </>
        ) : null}
        {entry.type === 'file' ? (
          <>
            <dt>SHA-256</dt>
            <dd className="mono hash">
              {hash ? (
                <span className="selectable" aria-label="SHA-256">
                  {hash}
                </span>
              ) : (
                <button type="button" className="link-button" disabled={hashing} onClick={() => void runHash(entry.name)}>
                  {hashing ? 'Computing…' : 'Compute'}
                </button>
              )}
            </dd>
          </>
        ) : null}
      </dl>
      {details?.status === 'error' ? <p className="inline-error">Details could not be read: {details.error?.message}</p> : null}
      <div className="details-actions">
        <button type="button" className="button primary" onClick={() => void extract()}>
          Extract to…
        </button>
        <button type="button" className="button" onClick={() => void copyPath(entry.name)}>
          Copy path
        </button>
      </div>
    </section>
  );
}
