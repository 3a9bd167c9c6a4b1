// The findings of a volume's scan, beside the file list: a list (severity, title, path) and the
// selected finding's evidence and why. Everything from the image is shown as text (names with
// their hidden characters marked); the HTML report is only ever written to a file by main.

import { memo } from 'react';
import type { FindingInfo, Severity } from '../../electron/shared/api.js';
import { countLabel, humanSize } from '../lib/format.js';
import { displayName } from '../lib/names.js';
import { useApp } from '../store/index.js';
import { CloseIcon, DangerIcon, ErrorIcon, InfoIcon, ShieldIcon, WarnIcon } from './Icons.js';
import { SafeName } from './SafeName.js';
import { volumeTitle } from './Sidebar.js';

const SEVERITY_WORD: Record<Severity, string> = { danger: 'Danger', warning: 'Warning', info: 'Info' };

export function SeverityIcon({ severity, size = 16 }: { severity: Severity; size?: number }) {
  if (severity === 'danger') return <DangerIcon size={size} />;
  if (severity === 'warning') return <WarnIcon size={size} />;
  return <InfoIcon size={size} />;
}

export function Findings() {
  const key = useApp((s) => s.findingsShown);
  const scan = useApp((s) => (s.findingsShown === null ? undefined : s.scans[s.findingsShown]));
  const source = useApp((s) => s.sources.find((x) => x.id === scan?.sourceId));
  const selected = useApp((s) => s.findingSelected);
  const show = useApp((s) => s.showFindings);
  const reveal = useApp((s) => s.revealFinding);
  const exportReport = useApp((s) => s.exportReport);
  const cancel = useApp((s) => s.cancelTask);
  const progress = useApp((s) => s.tasks.find((t) => t.id === scan?.taskId)?.progress ?? null);
  if (key === null || !scan || !source) return null;
  const volume = source.volumes.find((v) => v.index === scan.volume);
  const name = volume ? volumeTitle(volume) : `Volume ${scan.volume}`;
  const count = (sev: Severity) => scan.findings.filter((f) => f.severity === sev).length;
  const current = selected === null ? null : (scan.findings[selected] ?? null);
  const running = scan.status === 'running';
  return (
    <section className="findings" aria-label="Findings">
      <header className="findings-head">
        <ShieldIcon />
        <h2 className="findings-title" title={`${name} on ${displayName(source.name)}`}>
          Findings · {name}
        </h2>
        <span className="findings-summary" role="status">
          {running ? (
            <>
              <span className="spinner" aria-hidden="true" /> Scanning… {countLabel(progress?.files ?? 0, 'entry', 'entries')} checked, {humanSize(progress?.bytes ?? 0)} read
            </>
          ) : scan.status === 'done' ? (
            <>
              <span className="sev-count danger">{count('danger')} danger</span>
              <span className="sev-count warning">{count('warning')} warning</span>
              <span className="sev-count info" title={`${countLabel(scan.entries, 'entry', 'entries')} checked`}>
                {count('info')} info
              </span>
            </>
          ) : scan.status === 'cancelled' ? (
            <span className="muted">Scan cancelled; the findings so far are shown.</span>
          ) : (
            <span className="error-text">
              <ErrorIcon size={14} /> The scan failed: {scan.error?.message}
            </span>
          )}
        </span>
        {running ? (
          <button type="button" className="button small" onClick={() => cancel(scan.taskId)}>
            Cancel scan
          </button>
        ) : (
          <button type="button" className="button small" disabled={scan.status !== 'done' || scan.exporting} onClick={() => void exportReport(scan.sourceId, scan.volume)}>
            {scan.exporting ? 'Exporting…' : 'Export report…'}
          </button>
        )}
        <button type="button" className="icon-button small" onClick={() => show(null)} aria-label="Close findings" title="Close findings">
          <CloseIcon size={12} />
        </button>
      </header>
      {scan.exported ? <p className="findings-note">Report saved to {scan.exported}</p> : null}
      {scan.exportError ? (
        <p className="findings-note error-text" role="alert">
          <ErrorIcon size={14} /> The report could not be saved: {scan.exportError}
        </p>
      ) : null}
      {scan.status === 'done' && scan.findings.length === 0 ? (
        <div className="findings-empty">
          <ShieldIcon size={22} />
          <p>Nothing suspicious found on this volume.</p>
          <p className="muted small">The scan looks for autorun files, shortcuts that run commands, programs, scripts, macros and name tricks. It cannot prove that files are safe.</p>
        </div>
      ) : (
        <div className="findings-body">
          <ul className="findings-list" aria-label="Findings list">
            {scan.findings.map((f, i) => (
              <FindingRow key={i} finding={f} index={i} selected={i === selected} onSelect={(n) => void reveal(n)} />
            ))}
          </ul>
          <div className="finding-detail" aria-label="Finding details" role="region">
            {current ? (
              <FindingDetail finding={current} />
            ) : (
              <p className="muted finding-hint">{running && scan.findings.length === 0 ? 'Nothing found so far.' : 'Select a finding to see its evidence and why it matters; its file is selected in the list.'}</p>
            )}
          </div>
        </div>
      )}
      {scan.notes.length > 0 || scan.dropped > 0 ? (
        <details className="findings-notes">
          <summary>{countLabel(scan.notes.length + (scan.dropped > 0 ? 1 : 0), 'note')}: parts not checked</summary>
          <ul>
            {scan.notes.map((n, i) => (
              <li key={i}>
                <SafeName name={n.path} />: {displayName(n.message)}
              </li>
            ))}
            {scan.dropped > 0 ? <li>{countLabel(scan.dropped, 'more finding')} not shown here (the exported report lists them).</li> : null}
          </ul>
        </details>
      ) : null}
    </section>
  );
}

const FindingRow = memo(function FindingRow({ finding: f, index, selected, onSelect }: { finding: FindingInfo; index: number; selected: boolean; onSelect(i: number): void }) {
  return (
    <li>
      <button
        type="button"
        className={`finding-row ${f.severity}${selected ? ' selected' : ''}`}
        aria-pressed={selected}
        aria-label={`${SEVERITY_WORD[f.severity]}: ${displayName(f.title)}, ${displayName(f.path)}`}
        onClick={() => onSelect(index)}
      >
        <SeverityIcon severity={f.severity} />
        <span className="finding-text">
          <span className="finding-title">{displayName(f.title)}</span>
          <SafeName className="finding-path" name={f.path} />
        </span>
      </button>
    </li>
  );
});

function FindingDetail({ finding: f }: { finding: FindingInfo }) {
  return (
    <>
      <p className={`finding-detail-title ${f.severity}`}>
        <SeverityIcon severity={f.severity} /> <span>{displayName(f.title)}</span>
      </p>
      <p className="finding-detail-path">
        <span className="muted">{SEVERITY_WORD[f.severity]} · </span>
        <SafeName name={f.path} />
      </p>
      {f.evidence.length > 0 ? (
        <ul className="finding-evidence" aria-label="Evidence">
          {f.evidence.map((e, i) => (
            <li key={i}>{displayName(e)}</li>
          ))}
        </ul>
      ) : null}
      <p className="finding-why">{displayName(f.why)}</p>
    </>
  );
}
