// Previews of the selected file, from bytes read through the sandbox with a size cap: text
// (encoding detected, controls and direction overrides made visible, long lines wrapped), a
// virtualized hex view for any size, and raster images decoded from a blob: URL. Nothing is
// ever rendered as HTML or SVG, executed, or handed to the OS.

import { useEffect, useMemo, useRef, useState } from 'react';
import { decode, detectEncoding, encodingName, hexRow, type PreviewKind } from '../lib/content.js';
import { humanSize } from '../lib/format.js';
import { displayName } from '../lib/names.js';
import { useApp } from '../store/index.js';
import { HEX_PAGE_BYTES, PREVIEW_BYTES } from '../store/previews.js';
import { ErrorIcon } from './Icons.js';
import { useVirtual } from './useVirtual.js';

const TABS: Array<{ kind: PreviewKind; label: string }> = [
  { kind: 'text', label: 'Text' },
  { kind: 'hex', label: 'Hex' },
  { kind: 'image', label: 'Image' },
];

export function Preview({ name }: { name: string }) {
  const preview = useApp((s) => s.preview);
  const setMode = useApp((s) => s.setPreviewMode);
  if (!preview) return null;
  const sniffed = preview.sniffed;
  const mode: PreviewKind = preview.mode ?? sniffed?.kind ?? 'hex';
  const available = (k: PreviewKind) => (k === 'image' ? sniffed?.kind === 'image' : k === 'text' ? preview.size > 0 : true);
  return (
    <section className="preview" aria-label={`Preview of ${displayName(name)}`}>
      <div className="preview-bar">
        <div role="tablist" aria-label="Preview as" className="tabs">
          {TABS.filter((t) => available(t.kind)).map((t) => (
            <button
              key={t.kind}
              type="button"
              role="tab"
              aria-selected={mode === t.kind}
              className={`tab${mode === t.kind ? ' active' : ''}`}
              onClick={() => setMode(t.kind)}
              disabled={preview.status !== 'ready'}
            >
              {t.label}
            </button>
          ))}
        </div>
        <span className="preview-kind muted">{sniffed?.description ?? ''}</span>
      </div>
      {sniffed?.note ? <p className="note-box">{sniffed.note}</p> : null}
      <div className="preview-body" role="tabpanel" aria-label={`${mode} preview`}>
        {preview.status === 'loading' ? <p className="list-state">Reading…</p> : null}
        {preview.status === 'error' ? (
          <div className="inline-error" role="alert">
            <ErrorIcon /> This file could not be read: {preview.error?.message}
          </div>
        ) : null}
        {preview.status === 'ready' && preview.bytes ? (
          mode === 'text' ? (
            <TextView bytes={preview.bytes} size={preview.size} />
          ) : mode === 'image' && sniffed?.mime ? (
            <ImageView bytes={preview.bytes} mime={sniffed.mime} size={preview.size} name={name} />
          ) : (
            <HexView size={preview.size} />
          )
        ) : null}
      </div>
    </section>
  );
}

function TextView({ bytes, size }: { bytes: Uint8Array; size: number }) {
  const shown = bytes.subarray(0, PREVIEW_BYTES);
  const decoded = useMemo(() => decode(shown, detectEncoding(shown) ?? 'windows-1252'), [shown]);
  const truncated = size > shown.length;
  return (
    <div className="text-view">
      <p className="preview-meta muted">
        {encodingName(decoded.encoding)} · {decoded.lines.toLocaleString('en-US')} lines
        {truncated ? ` · first ${humanSize(shown.length)} of ${humanSize(size)}` : ''}
        {decoded.longLines > 0 ? ` · ${decoded.longLines} long lines wrapped` : ''}
      </p>
      <pre className="text-content" tabIndex={0} aria-label="File text">
        {decoded.text}
      </pre>
    </div>
  );
}

const HEX_ROW = 20;

function HexView({ size }: { size: number }) {
  const hex = useApp((s) => s.hex);
  const loadPage = useApp((s) => s.loadHexPage);
  const ref = useRef<HTMLDivElement>(null);
  const rows = Math.ceil(size / 16);
  const v = useVirtual(ref, rows, HEX_ROW, 4);
  const firstPage = Math.floor((v.first * 16) / HEX_PAGE_BYTES);
  const lastPage = Math.floor((Math.max(v.last, 0) * 16) / HEX_PAGE_BYTES);
  useEffect(() => {
    for (let p = firstPage; p <= lastPage; p++) loadPage(p);
  }, [firstPage, lastPage, loadPage, hex?.key]);
  if (size === 0) return <p className="list-state">This file is empty.</p>;
  const out = [];
  for (let i = v.first; i <= v.last; i++) {
    const offset = i * 16;
    const page = hex?.pages[Math.floor(offset / HEX_PAGE_BYTES)];
    const at = offset % HEX_PAGE_BYTES;
    const bytes = page ? page.subarray(at, Math.min(at + 16, page.length)) : null;
    const r = bytes ? hexRow(offset, bytes) : { offset: offset.toString(16).padStart(8, '0'), hex: '', ascii: '' };
    out.push(
      <div key={i} className="hex-row" style={{ transform: `translateY(${v.top(i)}px)` }}>
        <span className="hex-offset">{r.offset}</span>
        <span className="hex-bytes">{bytes ? r.hex : '…'}</span>
        <span className="hex-ascii">{r.ascii}</span>
      </div>,
    );
  }
  return (
    <div className="hex-view">
      <p className="preview-meta muted">
        {size.toLocaleString('en-US')} bytes{hex?.error ? ` · ${hex.error.message}` : ''}
      </p>
      <div ref={ref} className="hex-scroll" tabIndex={0} aria-label="Hex dump" onScroll={v.onScroll}>
        <div className="hex-spacer" style={{ height: v.height }}>
          {out}
        </div>
      </div>
    </div>
  );
}

function ImageView({ bytes, mime, size, name }: { bytes: Uint8Array; mime: string; size: number; name: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [dims, setDims] = useState<string | null>(null);
  const [broken, setBroken] = useState(false);
  useEffect(() => {
    // The MIME type comes from the bytes' signature, never from the name, and is never SVG.
    const u = URL.createObjectURL(new Blob([bytes.slice()], { type: mime }));
    setUrl(u);
    setBroken(false);
    setDims(null);
    return () => URL.revokeObjectURL(u);
  }, [bytes, mime]);
  if (size > bytes.length) return <p className="list-state">This picture is larger than {humanSize(bytes.length)}; see it in the hex view or extract it.</p>;
  return (
    <div className="image-view">
      <p className="preview-meta muted">{broken ? 'The picture could not be decoded.' : (dims ?? 'Decoding…')}</p>
      {url && !broken ? (
        <img
          src={url}
          alt={`Picture ${displayName(name)}`}
          onLoad={(e) => setDims(`${e.currentTarget.naturalWidth} × ${e.currentTarget.naturalHeight} pixels`)}
          onError={() => setBroken(true)}
          draggable={false}
        />
      ) : null}
    </div>
  );
}
