// The isolation in force (from the sandbox's own self-test), reads done, restarts and errors.

import { countLabel, humanSize } from '../lib/format.js';
import { useApp, volumeKey } from '../store/index.js';
import { ErrorIcon, MountIcon, ShieldIcon, WarnIcon } from './Icons.js';

/** What the self-test must have proven for the status bar to say "isolated". */
const PROVEN = ['no-files', 'no-network', 'no-processes'];
const OS_LAYERS = ['seccomp', 'sandbox-pure-computation', 'job-object', 'low-integrity'];

export function isolationSummary(layers: string[]): { level: 'full' | 'partial' | 'none'; text: string } {
  if (layers.length === 0) return { level: 'none', text: 'Not yet known' };
  const proven = PROVEN.every((p) => layers.includes(p));
  const os = layers.some((l) => OS_LAYERS.includes(l));
  if (proven && os) return { level: 'full', text: 'Sandboxed' };
  if (layers.includes('no-files') && layers.includes('no-processes')) return { level: 'partial', text: 'Partly sandboxed' };
  return { level: 'none', text: 'Not isolated' };
}

export function StatusBar() {
  const sourceId = useApp((s) => s.location?.sourceId ?? s.sources[s.sources.length - 1]?.id ?? null);
  const stats = useApp((s) => (sourceId ? s.stats[sourceId] : undefined));
  const errors = useApp((s) => s.errorCount);
  const lastError = useApp((s) => s.lastError);
  const summary = stats ? isolationSummary(stats.isolation) : null;
  const restarts = stats ? Math.max(0, stats.launches - 1) : 0;
  const mountPath = useApp((s) => (s.location ? s.mounts[volumeKey(s.location.sourceId, s.location.volume)] : undefined));
  return (
    <footer className="statusbar" aria-label="Status">
      {stats && summary ? (
        <span className={`status-item isolation ${summary.level}`} title={`Isolation layers in force: ${stats.isolation.join(', ') || 'none'}`}>
          {summary.level === 'full' ? <ShieldIcon size={14} /> : <WarnIcon size={14} />}
          <strong>{summary.text}</strong>
          <span className="layers">{stats.isolation.join(' · ')}</span>
        </span>
      ) : (
        <span className="status-item muted">No image open</span>
      )}
      <span className="status-spacer" />
      {mountPath !== undefined ? (
        <span className="status-item mounted" aria-label="Mount point" title="This volume is mounted read-only: any program can read it there, served by the sandbox">
          <MountIcon size={14} /> Mounted at <span className="mono selectable">{mountPath}</span>
        </span>
      ) : null}
      {stats ? (
        <span className="status-item" title="Block reads the sandbox asked for, each checked by the host">
          {countLabel(stats.reads, 'read')} · {humanSize(stats.bytesRead)}
        </span>
      ) : null}
      {restarts > 0 ? (
        <span className="status-item warn" title="The sandboxed reader was stopped and started again (crash, hang or memory cap)">
          <WarnIcon size={14} /> sandbox restarted {restarts}×
        </span>
      ) : null}
      <span className={`status-item${errors > 0 ? ' error' : ' muted'}`} title={lastError ?? 'No errors'}>
        {errors > 0 ? <ErrorIcon size={14} /> : null}
        {errors === 0 ? 'No errors' : countLabel(errors, 'error')}
      </span>
    </footer>
  );
}
