// The scan report as one self-contained HTML page: no scripts, no external resources (a CSP
// that forbids them), CSS inline, every string from the image escaped and its invisible or
// direction-changing characters shown as \uXXXX so the report cannot mislead its reader.
// Pure and free of parsers: the CLI and the app's main process both render it.
import type { Finding, ScanNote, Severity } from './types.js';

export interface ReportVolume {
  index: number;
  fs: string | null;
  label: string | null;
  size: number;
}

export interface ReportFile {
  path: string;
  type: string;
  size: number;
  mtime: string | null;
}

export interface ScanReportDocument {
  tool: { name: 'glovebox'; version: string };
  /** When the report was made (ISO-8601). */
  created: string;
  source: { name: string; size: number; sha256: string | null };
  image: { container: string; partitioning: string };
  volumes: ReportVolume[];
  /** The isolation the sandbox that parsed the image was under (Supervisor.isolation). */
  isolation: string[];
  scanned: { volume: number; entries: number; bytes: number };
  findings: Finding[];
  notes: ScanNote[];
  files: ReportFile[];
  /** Files beyond those listed (the listing is capped). */
  filesOmitted: number;
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1d1d1f;max-width:70em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
code,.path{font-family:ui-monospace,monospace;word-break:break-all}.sev{font-weight:600;text-transform:uppercase;font-size:.85em}
.danger .sev{color:#b00020}.warning .sev{color:#a15c00}.info .sev{color:#555}ul{margin:.2em 0;padding-left:1.2em}
.why{color:#444}.summary span{margin-right:1.5em}`;

/** Characters that would hide or reorder text, shown as escapes (the same set the CLI escapes). */
export function visible(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const esc = (text: string): string =>
  visible(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const RANK: Record<Severity, number> = { danger: 0, warning: 1, info: 2 };

export function reportHtml(r: ScanReportDocument): string {
  const findings = [...r.findings].sort((a, b) => RANK[a.severity] - RANK[b.severity] || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  const out: string[] = [];
  out.push('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">');
  out.push(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
  out.push(`<title>Glovebox scan: ${esc(r.source.name)}</title><style>${CSS}</style></head><body>`);
  out.push(`<h1>Glovebox scan of <span class="path">${esc(r.source.name)}</span></h1>`);
  out.push(`<p class="summary"><span><b>${count('danger')}</b> danger</span><span><b>${count('warning')}</b> warning</span><span><b>${count('info')}</b> info</span><span>${r.scanned.entries} entries scanned on volume ${r.scanned.volume}</span></p>`);
  out.push('<h2>Source</h2><table>');
  const row = (k: string, v: string) => out.push(`<tr><th>${k}</th><td>${v}</td></tr>`);
  row('file', `<span class="path">${esc(r.source.name)}</span>`);
  row('size', `${r.source.size} bytes`);
  row('SHA-256', r.source.sha256 ? `<code>${r.source.sha256}</code>` : 'not computed');
  row('image', `${esc(r.image.container)}, partitioning: ${esc(r.image.partitioning)}`);
  row('isolation', esc(r.isolation.join(', ') || 'none'));
  row('report made', `${esc(r.created)} by ${esc(r.tool.name)} ${esc(r.tool.version)}`);
  out.push('</table><h2>Volumes</h2><table><tr><th>volume</th><th>file system</th><th>label</th><th>size</th></tr>');
  for (const v of r.volumes) out.push(`<tr><td>${v.index}${v.index === r.scanned.volume ? ' (scanned)' : ''}</td><td>${esc(v.fs ?? '-')}</td><td>${esc(v.label ?? '')}</td><td>${v.size}</td></tr>`);
  out.push('</table><h2>Findings</h2>');
  if (findings.length === 0) out.push('<p>None.</p>');
  else {
    out.push('<table><tr><th>severity</th><th>path</th><th>finding</th></tr>');
    for (const f of findings) {
      out.push(`<tr class="${f.severity}"><td class="sev">${f.severity}</td><td class="path">${esc(f.path)}</td><td><b>${esc(f.title)}</b>`);
      if (f.evidence.length > 0) out.push(`<ul>${f.evidence.map((e) => `<li><code>${esc(e)}</code></li>`).join('')}</ul>`);
      out.push(`<div class="why">${esc(f.why)}</div></td></tr>`);
    }
    out.push('</table>');
  }
  if (r.notes.length > 0) {
    out.push('<h2>Not checked</h2><ul>');
    for (const n of r.notes) out.push(`<li><span class="path">${esc(n.path)}</span>: ${esc(n.message)}</li>`);
    out.push('</ul>');
  }
  out.push(`<h2>Files (${r.files.length + r.filesOmitted})</h2><table><tr><th>path</th><th>type</th><th>size</th><th>modified</th></tr>`);
  for (const f of r.files) out.push(`<tr><td class="path">${esc(f.path)}</td><td>${esc(f.type)}</td><td>${f.size}</td><td>${esc(f.mtime ?? '')}</td></tr>`);
  out.push('</table>');
  if (r.filesOmitted > 0) out.push(`<p>… and ${r.filesOmitted} more not listed.</p>`);
  out.push('</body></html>');
  return `${out.join('\n')}\n`;
}
