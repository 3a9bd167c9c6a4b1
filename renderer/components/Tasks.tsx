// Long work (extracting, hashing, staging a drag, saving a device as an image, scanning) with
// progress and Cancel; results and failures stay until dismissed.

import { countLabel, humanSize } from '../lib/format.js';
import { useApp, type Task } from '../store/index.js';
import { CloseIcon, ErrorIcon } from './Icons.js';

export function Tasks() {
  const tasks = useApp((s) => s.tasks);
  if (tasks.length === 0) return null;
  return (
    <div className="tasks" role="region" aria-label="Tasks">
      {tasks.map((t) => (
        <TaskCard key={t.id} task={t} />
      ))}
    </div>
  );
}

function TaskCard({ task }: { task: Task }) {
  const cancel = useApp((s) => s.cancelTask);
  const dismiss = useApp((s) => s.dismissTask);
  const p = task.progress;
  const fraction = p && p.bytesTotal ? Math.min(1, p.bytes / Math.max(1, p.bytesTotal)) : null;
  const r = task.result;
  const label = task.status === 'done' ? task.doneLabel : task.label;
  return (
    <div className={`task ${task.status}`} role="status" aria-live="polite" aria-label={label}>
      <div className="task-head">
        <span className="task-label">{label}</span>
        {task.status === 'running' ? (
          <button type="button" className="button small" onClick={() => cancel(task.id)}>
            Cancel
          </button>
        ) : (
          <button type="button" className="icon-button small" onClick={() => dismiss(task.id)} aria-label={`Dismiss: ${label}`}>
            <CloseIcon size={12} />
          </button>
        )}
      </div>
      {task.status === 'running' ? (
        <>
          <div className={`progress${fraction === null ? ' indeterminate' : ''}`} role="progressbar" aria-label={task.label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={fraction === null ? undefined : Math.round(fraction * 100)}>
            <div style={fraction === null ? undefined : { width: `${fraction * 100}%` }} />
          </div>
          <p className="task-detail muted">
            {p === null
              ? 'Starting…'
              : task.kind === 'open'
                ? `${humanSize(p.bytes)}${p.bytesTotal ? ` of ${humanSize(p.bytesTotal)}` : ''} decompressed${p.current ? ` (${p.current})` : ''}`
                : task.kind === 'scan'
                  ? `${countLabel(p.files, 'entry', 'entries')} checked · ${humanSize(p.bytes)} read`
                  : task.kind === 'image'
                    ? `${humanSize(p.bytes)}${p.bytesTotal ? ` of ${humanSize(p.bytesTotal)}` : ''} copied`
                    : `${task.kind === 'hash' ? '' : `${countLabel(p.files, 'file')} · `}${humanSize(p.bytes)}${p.bytesTotal ? ` of ${humanSize(p.bytesTotal)}` : ''}`}
          </p>
        </>
      ) : null}
      {task.status === 'done' && r ? (
        <p className="task-detail">
          {r.kind === 'hash'
            ? 'Done — shown in the details pane.'
            : r.kind === 'image'
              ? `${humanSize(r.bytes)} → ${r.folder ?? ''}; SHA-256 ${r.sha256 ?? ''} (also written beside it as .sha256)`
              : `${countLabel(r.files, 'file')}${r.dirs ? `, ${countLabel(r.dirs, 'folder')}` : ''} (${humanSize(r.bytes)})${r.folder ? ` → ${r.folder}` : ''}`}
        </p>
      ) : null}
      {task.status === 'done' && r && r.problems.length > 0 ? (
        <details className="task-problems">
          <summary>{countLabel(r.problems.length, 'note')}: {r.kind === 'image' ? 'unreadable ranges' : 'names changed or entries skipped'}</summary>
          <ul>
            {r.problems.map((m, i) => (
              <li key={i}>{m}</li>
            ))}
          </ul>
        </details>
      ) : null}
      {task.status === 'failed' ? (
        <p className="task-detail error-text">
          <ErrorIcon size={14} /> {task.error?.message}
        </p>
      ) : null}
      {task.status === 'cancelled' ? <p className="task-detail muted">{task.kind === 'image' ? 'Cancelled. The partial image was removed.' : 'Cancelled. Files already written were kept.'}</p> : null}
    </div>
  );
}
