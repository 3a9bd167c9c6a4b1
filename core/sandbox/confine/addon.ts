// Loads the confinement addon by absolute path with `process.dlopen` (a global: the kernel side
// imports no node:* module). Node's permission model allows it only with --allow-addons and
// read access to exactly this file; once the filter is in force no further library can be
// opened, because opening files is refused.

export interface ConfineAddon {
  apply(options: { memoryBytes?: number }): { layers: string[]; problems: string[] };
  /** Closes inherited descriptors (no FD_CLOEXEC, above stderr) except `keepFd`; returns how many. */
  closeInherited(keepFd: number): number;
}

export function loadAddon(path: string): ConfineAddon {
  const module = { exports: {} as Record<string, unknown> };
  (process as unknown as { dlopen(m: object, p: string): void }).dlopen(module, path);
  if (typeof module.exports.apply !== 'function' || typeof module.exports.closeInherited !== 'function') throw new Error('the confinement addon has no apply()');
  return module.exports as unknown as ConfineAddon;
}
