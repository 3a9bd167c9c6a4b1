// The kernel's confinement, applied by the kernel to itself after its channel to the host is
// up and before it reads a byte of the image (the kernel reads nothing before the first Call,
// and the Hello that reports the result goes out only after this returns):
//   1. hygiene: the launcher gives an empty environment and an empty working directory; the
//      addon closes descriptors inherited without FD_CLOEXEC (all but the channel);
//   2. the native addon's OS layer (seccomp on Linux, sandbox_init on macOS, job object and
//      integrity level on Windows), when the host passed its path;
//   3. what Node's permission model adds is reported as it is found (the launcher set it up).
// The self-test (selftest.ts) then checks from inside that the result holds.

import type { Confinement } from '../protocol/messages.js';
import { loadAddon } from './addon.js';
import { platformConfinement } from './platform.js';

export const PROCESS_TITLE = 'glovebox-sandbox';
/** Arguments the host passes to the kernel: nothing secret, only where its addon is. */
export const ADDON_ARG = '--confine-addon=';
export const MEMORY_ARG = '--memory-cap=';

export interface KernelArgs {
  addonPath: string | null;
  memoryBytes: number | null;
}

export function parseKernelArgs(argv: readonly string[]): KernelArgs {
  let addonPath: string | null = null;
  let memoryBytes: number | null = null;
  for (const a of argv) {
    if (a.startsWith(ADDON_ARG) && a.length > ADDON_ARG.length) addonPath = a.slice(ADDON_ARG.length);
    if (a.startsWith(MEMORY_ARG)) {
      const n = Number(a.slice(MEMORY_ARG.length));
      if (Number.isSafeInteger(n) && n > 0) memoryBytes = n;
    }
  }
  return { addonPath, memoryBytes };
}

/** The descriptor of a forked Node process's IPC channel (kept open), or -1. */
function channelFd(): number {
  const fd = (process as unknown as { channel?: { fd?: unknown } }).channel?.fd;
  return typeof fd === 'number' && Number.isSafeInteger(fd) ? fd : -1;
}

/** Applies the OS layer and reports what is in force. Never throws: a failure is reported. */
export function confineSelf(args: KernelArgs, nodePermission: boolean, platform: string = process.platform): Confinement {
  const plat = platformConfinement(platform);
  const confinement: Confinement = { nodePermission, os: null, layers: [], problems: [] };
  if (!plat) {
    confinement.problems.push(`no OS confinement is implemented for ${platform}`);
    return confinement;
  }
  if (args.addonPath === null) {
    confinement.problems.push('the confinement addon (glovebox_confine.node) is not installed');
    return confinement;
  }
  try {
    const addon = loadAddon(args.addonPath);
    // Electron's utility process has no `process.channel` (its channel is Mojo, whose launcher
    // already closes every descriptor it did not map): only a forked Node cleans up here.
    const keep = channelFd();
    if (keep >= 0) addon.closeInherited(keep);
    const r = addon.apply(args.memoryBytes !== null ? { memoryBytes: args.memoryBytes } : {});
    confinement.layers = r.layers.map(String).slice(0, 16);
    confinement.problems.push(...r.problems.map(String).slice(0, 16));
    if (confinement.layers.includes(plat.main)) confinement.os = plat.main;
  } catch (e) {
    confinement.problems.push(`the confinement addon could not be loaded: ${(e instanceof Error ? e.message : String(e)).slice(0, 150)}`);
  }
  return confinement;
}
