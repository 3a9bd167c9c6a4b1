// Numbers and times as people read them. Pure.

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** 1536 → "1.5 KB" (powers of 1024, as file managers show sizes). */
export function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  if (bytes < 1024) return `${bytes} B`;
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${UNITS[u]}`;
}

export function countLabel(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/**
 * An image's ISO-8601 timestamp for the list (the details pane says whether it is UTC). Without
 * a zone (FAT) it is the wall-clock time the camera or PC wrote, shown as is.
 */
export function formatTime(iso: string | null): string {
  if (iso === null) return '–';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?/.exec(iso);
  if (!m) return iso;
  return `${m[1]} ${m[2]}`;
}

export function formatTimeLong(iso: string | null): string {
  if (iso === null) return '–';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.exec(iso);
  if (!m) return iso;
  // Without a zone (FAT) the time is the writer's wall clock, shown as written.
  const zone = m[4] === undefined ? '' : m[4] === 'Z' ? ' UTC' : ` ${m[4]}`;
  return `${m[1]} ${m[2]}${zone}`;
}

export function formatMode(mode: number | null): string {
  if (mode === null) return '–';
  const bits = 'rwxrwxrwx';
  let s = '';
  for (let i = 0; i < 9; i++) s += mode & (1 << (8 - i)) ? bits[i] : '-';
  return `${s} (${mode.toString(8).padStart(4, '0')})`;
}
