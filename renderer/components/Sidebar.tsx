// Devices and open images, each with its volumes, and under the current volume its folder tree.

import { memo, useMemo, useState, type KeyboardEvent } from 'react';
import type { DeviceInfo, FindingInfo, SourceInfo, VolumeInfo } from '../../electron/shared/api.js';
import { deviceFacts, deviceTitle, extraFunctions, isStick } from '../lib/devices.js';
import { humanSize } from '../lib/format.js';
import { displayName } from '../lib/names.js';
import { joinPath } from '../lib/paths.js';
import { dirKey, locationPath, useApp, volumeKey } from '../store/index.js';
import { ContextMenu } from './ContextMenu.js';
import { ChevronIcon, CloseIcon, DiskIcon, ErrorIcon, FolderIcon, MountIcon, OpenIcon, SaveIcon, UsbIcon, VolumeIcon, WarnIcon } from './Icons.js';

export function Sidebar() {
  const sources = useApp((s) => s.sources);
  const devices = useApp((s) => s.devices);
  const sticks = useMemo(() => devices.filter(isStick), [devices]);
  const others = useMemo(() => devices.filter((d) => !isStick(d)), [devices]);
  const openDialog = useApp((s) => s.openDialog);
  const opening = useApp((s) => s.opening);
  return (
    <nav className="sidebar" aria-label="Devices and images">
      <section aria-labelledby="devices-heading">
        <h2 id="devices-heading" className="side-heading">Devices</h2>
        {sticks.length === 0 ? <p className="side-empty">No USB sticks or cards</p> : null}
        {sticks.length > 0 ? (
          <ul className="side-list devices" aria-label="USB sticks and cards">
            {sticks.map((d) => (
              <DeviceItem key={d.id} device={d} />
            ))}
          </ul>
        ) : null}
        {others.length > 0 ? (
          <details className="other-disks">
            <summary>
              Other disks <span className="muted">({others.length})</span>
            </summary>
            <ul className="side-list devices" aria-label="Other disks">
              {others.map((d) => (
                <DeviceItem key={d.id} device={d} />
              ))}
            </ul>
          </details>
        ) : null}
      </section>
      <section aria-labelledby="images-heading">
        <div className="side-heading-row">
          <h2 id="images-heading" className="side-heading">Images</h2>
          <button type="button" className="icon-button small" onClick={() => void openDialog()} aria-label="Open image…" title="Open image… (Ctrl+O)">
            <OpenIcon size={14} />
          </button>
        </div>
        {sources.length === 0 && !opening ? <p className="side-empty">No image open</p> : null}
        <ul className="side-list" role="tree" aria-label="Open images, volumes and folders" onKeyDown={treeKeys}>
          {sources.map((s) => (
            <SourceItem key={s.id} source={s} />
          ))}
        </ul>
        {opening ? (
          <p className="side-empty opening" role="status">
            <span className="spinner" aria-hidden="true" /> Opening {displayName(opening)}…
          </p>
        ) : null}
      </section>
    </nav>
  );
}

/**
 * One disk, card or loop device: what it is, whether the OS mounted it, and the BadUSB warning
 * with its interfaces. Click opens it read-only; Save as image… copies it.
 */
function DeviceItem({ device: d }: { device: DeviceInfo }) {
  const openDevice = useApp((s) => s.openDevice);
  const saveImage = useApp((s) => s.saveDeviceImage);
  const error = useApp((s) => s.deviceErrors[d.id] ?? null);
  const [menu, setMenu] = useState<{ x: number; y: number } | null>(null);
  const title = deviceTitle(d);
  const extra = extraFunctions(d);
  return (
    <li className={`device${d.system ? ' system' : ''}`} aria-label={title}>
      <div
        className="side-row device-row"
        onContextMenu={(e) => {
          e.preventDefault();
          setMenu({ x: e.clientX, y: e.clientY });
        }}
      >
        <button type="button" className="device-open" onClick={() => void openDevice(d.id)} aria-label={`Open ${title} read-only`} title={`Open ${d.path} read-only`}>
          {d.kind === 'disk' && !d.system ? <UsbIcon /> : <DiskIcon />}
          <span className="side-name strong">{title}</span>
          <span className="side-meta">{humanSize(d.size)}</span>
        </button>
        <button type="button" className="icon-button small device-save" onClick={() => void saveImage(d.id)} aria-label={`Save ${title} as image…`} title="Save as image…">
          <SaveIcon size={14} />
        </button>
      </div>
      <p className="device-facts">{deviceFacts(d)}</p>
      {d.system ? <p className="device-tag">System disk: holds the running system</p> : null}
      {d.backingFile ? <p className="device-note" title={d.backingFile}>Reads the file {displayName(d.backingFile)}</p> : null}
      {d.mountPoints.length > 0 ? (
        <p className="device-note" title={d.mountPoints.join('\n')}>
          Mounted by the OS{d.mountedReadWrite ? '' : ' (read-only)'} at {displayName(d.mountPoints.join(', '))}: its own driver has already read it
        </p>
      ) : null}
      {d.badUsb ? (
        <div className="device-warning" role="note" aria-label={`Warning: ${title} is more than storage`}>
          <p className="device-warning-title">
            <WarnIcon size={14} /> Not only storage
          </p>
          <p>
            It also presents {extra || 'other interfaces'} ({d.badUsb.usbId}).
          </p>
          <ul className="device-interfaces" aria-label="USB interfaces">
            {d.interfaces.map((i, n) => (
              <li key={n} className={i.suspicious ? 'suspicious' : undefined}>
                <code>{i.code}</code> {i.what}
                {i.driver ? <span className="muted"> · {i.driver}</span> : null}
              </li>
            ))}
          </ul>
          <p className="muted">A warning, not a prevention: the OS binds a keyboard before any app can react. If you did not expect this, unplug it.</p>
        </div>
      ) : null}
      {error ? (
        <p className="device-error" role="alert">
          <ErrorIcon size={14} /> <span>{error}</span>
        </p>
      ) : null}
      {menu ? (
        <ContextMenu
          x={menu.x}
          y={menu.y}
          onClose={() => setMenu(null)}
          items={[
            { label: 'Open read-only', run: () => void openDevice(d.id) },
            { label: 'Save as image…', run: () => void saveImage(d.id) },
          ]}
        />
      ) : null}
    </li>
  );
}

/** Arrow keys in the tree: up and down between rows, right expands, left collapses. */
function treeKeys(e: KeyboardEvent<HTMLUListElement>): void {
  const labels = [...e.currentTarget.querySelectorAll<HTMLButtonElement>('.tree-label')];
  const at = labels.indexOf(document.activeElement as HTMLButtonElement);
  if (at < 0) return;
  const row = labels[at]!.parentElement;
  const twisty = row?.querySelector<HTMLButtonElement>('.twisty');
  const open = twisty?.classList.contains('open') === true;
  if (e.key === 'ArrowDown') labels[Math.min(labels.length - 1, at + 1)]!.focus();
  else if (e.key === 'ArrowUp') labels[Math.max(0, at - 1)]!.focus();
  else if (e.key === 'ArrowRight' && twisty && !open) twisty.click();
  else if (e.key === 'ArrowLeft' && twisty && open) twisty.click();
  else return;
  e.preventDefault();
}

function SourceItem({ source }: { source: SourceInfo }) {
  const closeSource = useApp((s) => s.closeSource);
  const name = displayName(source.name);
  return (
    <li role="treeitem" aria-expanded="true" aria-label={name} aria-selected="false">
      <div className="side-row source-row" title={source.path}>
        {source.kind === 'device' ? <UsbIcon /> : <DiskIcon />}
        <span className="side-name strong">{name}</span>
        <span className="side-meta">{humanSize(source.size)}</span>
        <button type="button" className="icon-button small close" onClick={() => void closeSource(source.id)} aria-label={`Close ${name}`} title="Close">
          <CloseIcon size={12} />
        </button>
      </div>
      <ul role="group">
        {source.volumes.map((v) => (
          <VolumeItem key={v.index} source={source} volume={v} />
        ))}
      </ul>
    </li>
  );
}

export function volumeTitle(v: VolumeInfo): string {
  if (v.label) return displayName(v.label.trim()) || `Volume ${v.index}`;
  return v.partition !== null ? `Partition ${v.partition}` : `Volume ${v.index}`;
}

function VolumeItem({ source, volume }: { source: SourceInfo; volume: VolumeInfo }) {
  const openVolume = useApp((s) => s.openVolume);
  const toggle = useApp((s) => s.toggleExpanded);
  const key = dirKey(source.id, volume.index, '/');
  const expanded = useApp((s) => s.expanded[key] === true);
  const active = useApp((s) => s.location?.sourceId === source.id && s.location.volume === volume.index && s.location.trail.length === 1);
  const scanVolume = useApp((s) => s.scanVolume);
  const showFindings = useApp((s) => s.showFindings);
  const exportReport = useApp((s) => s.exportReport);
  const scanKey = volumeKey(source.id, volume.index);
  const scan = useApp((s) => s.scans[scanKey]);
  const mountAvailable = useApp((s) => s.mountAvailable);
  const mountPath = useApp((s) => s.mounts[scanKey]);
  const mountBusy = useApp((s) => s.mountBusy[scanKey] === true);
  const mountVolume = useApp((s) => s.mountVolume);
  const unmountVolume = useApp((s) => s.unmountVolume);
  const [menu, setMenu] = useState<{ x: number; y: number } | null>(null);
  const title = volumeTitle(volume);
  const meta = volume.fs?.toUpperCase() ?? 'unknown';
  const full = `${meta}, ${humanSize(volume.size)}${volume.partition !== null ? `, partition ${volume.partition}` : ''}`;
  const root = volume.rootNode;
  return (
    <li role="treeitem" aria-expanded={root === null ? undefined : expanded} aria-selected={active} aria-label={`${title}, ${full}`}>
      <div className={`side-row tree-row depth-1${active ? ' active' : ''}`}>
        {root !== null ? (
          <button type="button" className={`twisty${expanded ? ' open' : ''}`} onClick={() => toggle(source.id, volume.index, '/', root)} aria-label={`${expanded ? 'Collapse' : 'Expand'} ${title}`} tabIndex={-1}>
            <ChevronIcon size={12} />
          </button>
        ) : (
          <span className="twisty-space" />
        )}
        <button
          type="button"
          className="tree-label"
          onClick={() => openVolume(source.id, volume.index)}
          onContextMenu={(e) => {
            e.preventDefault();
            setMenu({ x: e.clientX, y: e.clientY });
          }}
          title={volume.error ?? full}
        >
          {volume.error ? <ErrorIcon /> : <VolumeIcon />}
          <span className="side-name">{title}</span>
          <span className="side-meta">{meta}</span>
        </button>
        {mountPath !== undefined ? (
          <span className="mount-badge" role="img" aria-label={`Mounted read-only at ${mountPath}`} title={`Mounted read-only at ${mountPath}`}>
            <MountIcon size={14} />
          </span>
        ) : null}
        {scan ? <ScanBadge findings={scan.findings} running={scan.status === 'running'} onClick={() => showFindings(scanKey)} /> : null}
      </div>
      {menu ? (
        <ContextMenu
          x={menu.x}
          y={menu.y}
          onClose={() => setMenu(null)}
          items={[
            { label: 'Open', run: () => openVolume(source.id, volume.index) },
            { label: 'Scan for threats', disabled: root === null || scan?.status === 'running', run: () => void scanVolume(source.id, volume.index) },
            { label: 'Show findings', disabled: !scan, run: () => showFindings(scanKey) },
            { label: 'Export report…', disabled: scan?.status !== 'done', run: () => void exportReport(source.id, volume.index) },
            // Only where main can mount (FUSE available); hidden otherwise.
            ...(mountAvailable
              ? [
                  mountPath === undefined
                    ? { label: 'Mount safely', disabled: root === null || mountBusy, run: () => void mountVolume(source.id, volume.index) }
                    : { label: 'Unmount', disabled: mountBusy, run: () => void unmountVolume(source.id, volume.index) },
                ]
              : []),
          ]}
        />
      ) : null}
      {root !== null && expanded ? <FolderChildren sourceId={source.id} volume={volume.index} path="/" depth={2} /> : null}
    </li>
  );
}

/** How many findings above info a scanned volume has, coloured by the worst; a spinner while it runs. */
function ScanBadge({ findings, running, onClick }: { findings: FindingInfo[]; running: boolean; onClick(): void }) {
  const danger = findings.filter((f) => f.severity === 'danger').length;
  const warning = findings.filter((f) => f.severity === 'warning').length;
  const level = danger > 0 ? 'danger' : warning > 0 ? 'warning' : 'clean';
  const label = running
    ? 'Scanning: show findings so far'
    : level === 'clean'
      ? 'Scanned: nothing above info. Show findings'
      : `Scanned: ${danger} danger, ${warning} warning. Show findings`;
  return (
    <button type="button" className={`scan-badge ${level}`} onClick={onClick} aria-label={label} title={label}>
      {running ? <span className="spinner" aria-hidden="true" /> : null}
      {level === 'clean' && !running ? '✓' : danger + warning}
    </button>
  );
}

const FolderChildren = memo(function FolderChildren({ sourceId, volume, path, depth }: { sourceId: string; volume: number; path: string; depth: number }) {
  const dir = useApp((s) => s.dirs[dirKey(sourceId, volume, path)]);
  const folders = useMemo(
    () => (dir?.entries ?? []).filter((e) => e.type === 'dir').sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true, sensitivity: 'base' })),
    [dir?.entries],
  );
  if (!dir) return null;
  if (dir.status === 'error' && dir.entries.length === 0) {
    return (
      <ul role="group">
        <li className={`side-row tree-row depth-${Math.min(depth, 12)} tree-error`} role="none">
          <ErrorIcon /> <span className="side-name">Cannot be read</span>
        </li>
      </ul>
    );
  }
  return (
    <ul role="group">
      {folders.slice(0, 2000).map((f) => (
        <FolderItem key={f.name} sourceId={sourceId} volume={volume} path={joinPath(path, f.name)} node={f.node} name={f.name} depth={depth} />
      ))}
      {folders.length > 2000 ? <li className={`side-row tree-row depth-${Math.min(depth, 12)} side-empty`}>{folders.length - 2000} more folders…</li> : null}
      {dir.status === 'loading' && folders.length === 0 ? <li className={`side-row tree-row depth-${Math.min(depth, 12)} side-empty`}>Loading…</li> : null}
    </ul>
  );
});

function FolderItem({ sourceId, volume, path, node, name, depth }: { sourceId: string; volume: number; path: string; node: number; name: string; depth: number }) {
  const key = dirKey(sourceId, volume, path);
  const expanded = useApp((s) => s.expanded[key] === true);
  const active = useApp((s) => s.location !== null && s.location.sourceId === sourceId && s.location.volume === volume && locationPath(s.location) === path);
  const toggle = useApp((s) => s.toggleExpanded);
  const openFolder = useApp((s) => s.openFolder);
  const label = displayName(name);
  const go = () => openFolder(sourceId, volume, path);
  return (
    <li role="treeitem" aria-expanded={expanded} aria-selected={active} aria-label={label}>
      <div className={`side-row tree-row depth-${Math.min(depth, 12)}${active ? ' active' : ''}`}>
        <button type="button" className={`twisty${expanded ? ' open' : ''}`} onClick={() => toggle(sourceId, volume, path, node)} aria-label={`${expanded ? 'Collapse' : 'Expand'} ${label}`} tabIndex={-1}>
          <ChevronIcon size={12} />
        </button>
        <button type="button" className="tree-label" onClick={go}>
          <FolderIcon />
          <span className="side-name">{label}</span>
        </button>
      </div>
      {expanded ? <FolderChildren sourceId={sourceId} volume={volume} path={path} depth={depth + 1} /> : null}
    </li>
  );
}

