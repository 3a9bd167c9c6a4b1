// Shown when nothing is open: how to start, and the recent images.

import { displayName } from '../lib/names.js';
import { useApp } from '../store/index.js';
import { DiskIcon, OpenIcon, ShieldIcon } from './Icons.js';

export function Welcome() {
  const recent = useApp((s) => s.recent);
  const openDialog = useApp((s) => s.openDialog);
  const openPath = useApp((s) => s.openPath);
  const opening = useApp((s) => s.opening);
  return (
    <div className="welcome">
      <div className="welcome-card">
        <ShieldIcon size={40} className="welcome-mark" />
        <h1>Look inside a disk image or USB stick</h1>
        <p className="muted">
          Its file systems are read by a confined process that can do nothing but ask for blocks. Nothing on the image is run, rendered or mounted.
        </p>
        <button type="button" className="button primary large" onClick={() => void openDialog()} disabled={opening !== null}>
          <OpenIcon /> {opening ? `Opening ${displayName(opening)}…` : 'Open image…'}
        </button>
        <p className="muted small">or drop an image file (.img, .iso, .vhd, .qcow2, …) on this window</p>
        {recent.length > 0 ? (
          <section className="recent" aria-labelledby="recent-heading">
            <h2 id="recent-heading">Recent images</h2>
            <ul>
              {recent.map((p) => (
                <li key={p}>
                  <button type="button" className="recent-item" onClick={() => void openPath(p)} title={p}>
                    <DiskIcon /> <span className="recent-name">{displayName(p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1))}</span>
                    <span className="recent-path muted">{displayName(p)}</span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
      </div>
    </div>
  );
}
