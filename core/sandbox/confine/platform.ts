// The per-platform face of OS confinement: which layer counts as "the" OS confinement on each
// platform, and what each does. The work itself is in the native addon (core/native/confine.c),
// which exports one `apply` with the same shape everywhere.

export interface PlatformConfinement {
  /** The layer that must be in force for the OS confinement to count ("seccomp", ...). */
  main: string;
  /** What it stops, in a sentence (for messages and documentation). */
  summary: string;
}

const PLATFORMS: Partial<Record<string, PlatformConfinement>> = {
  linux: { main: 'seccomp', summary: 'no_new_privs and a seccomp filter: no file opening, sockets, processes, ptrace, mounts or namespaces' },
  darwin: { main: 'sandbox-pure-computation', summary: "sandbox_init's pure-computation profile: no file system, network or processes" },
  win32: { main: 'job-object', summary: 'a job object (no child processes, memory cap), low integrity level, child-process and image-load mitigations' },
};

/** The OS confinement Glovebox implements for `platform`, or null where it has none. */
export function platformConfinement(platform: string): PlatformConfinement | null {
  return PLATFORMS[platform] ?? null;
}
