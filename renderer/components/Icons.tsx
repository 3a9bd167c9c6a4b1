// The app's own icons, drawn inline (nothing is loaded from anywhere).

import type { ReactElement } from 'react';

type P = { size?: number; className?: string };
const svg = (path: ReactElement, { size = 16, className }: P) => (
  <svg width={size} height={size} viewBox="0 0 16 16" aria-hidden="true" focusable="false" className={className}>
    {path}
  </svg>
);

export const FolderIcon = (p: P) =>
  svg(<path d="M1.5 3.5a1 1 0 0 1 1-1h3.6l1.5 1.5h5.9a1 1 0 0 1 1 1v7.5a1 1 0 0 1-1 1H2.5a1 1 0 0 1-1-1z" fill="var(--folder)" stroke="var(--folder-edge)" strokeWidth="1" />, p);
export const FileIcon = (p: P) =>
  svg(<path d="M3.5 1.5h6l3 3v10h-9z M9.5 1.5v3h3" fill="var(--file)" stroke="var(--file-edge)" strokeWidth="1" strokeLinejoin="round" />, p);
export const LinkIcon = (p: P) =>
  svg(<g fill="none" stroke="var(--file-edge)" strokeWidth="1.3" strokeLinecap="round"><path d="M6.5 9.5l3-3" /><path d="M7 4.5l1.2-1.2a2.5 2.5 0 0 1 3.5 3.5L10.5 8" /><path d="M9 11.5l-1.2 1.2a2.5 2.5 0 0 1-3.5-3.5L5.5 8" /></g>, p);
export const DiskIcon = (p: P) =>
  svg(<g fill="none" stroke="currentColor" strokeWidth="1.2"><rect x="1.5" y="4" width="13" height="8" rx="1.5" /><circle cx="11.5" cy="8" r="0.9" fill="currentColor" /></g>, p);
export const UsbIcon = (p: P) =>
  svg(<g fill="none" stroke="currentColor" strokeWidth="1.2"><rect x="4.5" y="6" width="7" height="8.5" rx="1" /><path d="M6 6V2.5h4V6" /><path d="M7 3.8h.01M9 3.8h.01" strokeLinecap="round" strokeWidth="1.6" /></g>, p);
export const VolumeIcon = (p: P) =>
  svg(<g fill="none" stroke="currentColor" strokeWidth="1.2"><ellipse cx="8" cy="4" rx="5.5" ry="2" /><path d="M2.5 4v8c0 1.1 2.5 2 5.5 2s5.5-.9 5.5-2V4" /></g>, p);
export const ChevronIcon = (p: P) => svg(<path d="M6 4l4 4-4 4" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" />, p);
export const UpIcon = (p: P) => svg(<path d="M8 13V3.5M4 7l4-4 4 4" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" />, p);
export const OpenIcon = (p: P) =>
  svg(<g fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinejoin="round"><path d="M1.5 12.5V3.5a1 1 0 0 1 1-1h3.5l1.5 1.5h5a1 1 0 0 1 1 1V6" /><path d="M1.5 12.5l2-6h11l-2 6z" /></g>, p);
export const ShieldIcon = (p: P) =>
  svg(<path d="M8 1.5l5.5 2v4c0 3.5-2.4 6-5.5 7-3.1-1-5.5-3.5-5.5-7v-4z M5.5 8l1.8 1.8L10.8 6.3" fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinejoin="round" strokeLinecap="round" />, p);
export const WarnIcon = (p: P) =>
  svg(<g><path d="M8 1.8l6.6 11.7H1.4z" fill="var(--warn-bg)" stroke="var(--warn)" strokeWidth="1.2" strokeLinejoin="round" /><path d="M8 6v3.5M8 11.5v.01" stroke="var(--warn)" strokeWidth="1.5" strokeLinecap="round" /></g>, p);
export const ErrorIcon = (p: P) =>
  svg(<g><circle cx="8" cy="8" r="6.5" fill="var(--error-bg)" stroke="var(--error)" strokeWidth="1.2" /><path d="M8 4.5v4M8 11v.01" stroke="var(--error)" strokeWidth="1.6" strokeLinecap="round" /></g>, p);
export const CloseIcon = (p: P) => svg(<path d="M4.5 4.5l7 7M11.5 4.5l-7 7" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" />, p);
export const SearchIcon = (p: P) =>
  svg(<g fill="none" stroke="currentColor" strokeWidth="1.4"><circle cx="7" cy="7" r="4.2" /><path d="M10.2 10.2l3.6 3.6" strokeLinecap="round" /></g>, p);
export const SortIcon = ({ descending, ...p }: P & { descending: boolean }) =>
  svg(<path d={descending ? 'M4.5 6.5L8 10l3.5-3.5' : 'M4.5 9.5L8 6l3.5 3.5'} fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" strokeLinejoin="round" />, p);
export const SaveIcon = (p: P) =>
  svg(<g fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinecap="round" strokeLinejoin="round"><path d="M8 2v8M4.8 7L8 10.2 11.2 7" /><path d="M2.5 11v2.5h11V11" /></g>, p);
export const DangerIcon = (p: P) =>
  svg(<g><path d="M5.3 1.5h5.4l3.8 3.8v5.4l-3.8 3.8H5.3l-3.8-3.8V5.3z" fill="var(--error-bg)" stroke="var(--error)" strokeWidth="1.2" strokeLinejoin="round" /><path d="M8 4.5v4M8 11v.01" stroke="var(--error)" strokeWidth="1.6" strokeLinecap="round" /></g>, p);
export const InfoIcon = (p: P) =>
  svg(<g><circle cx="8" cy="8" r="6.5" fill="var(--accent-soft)" stroke="var(--accent)" strokeWidth="1.2" /><path d="M8 7.2V11.5M8 4.6v.01" stroke="var(--accent)" strokeWidth="1.6" strokeLinecap="round" /></g>, p);
/** A mounted volume: a small plug into a drive (shown beside the volume while it is mounted). */
export const MountIcon = (p: P) =>
  svg(<g fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinecap="round" strokeLinejoin="round"><path d="M5.5 1.5v3M10.5 1.5v3" /><path d="M3.5 4.5h9v2.5a4.5 4.5 0 0 1-9 0z" /><path d="M8 11.5v3" /></g>, p);
