// The kernel's channel to its host inside a real process: Electron's utility process exposes
// `process.parentPort`; a forked Node process has `process.send`. Nothing else of `process`
// is used by the kernel.

import type { KernelToHost } from '../protocol/messages.js';
import type { KernelPort } from './server.js';

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

export function processPort(): KernelPort {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return {
      send: (msg: KernelToHost) => parentPort.postMessage(msg),
      onMessage: (listener) => parentPort.on('message', (e) => listener(e.data)),
    };
  }
  const send = process.send?.bind(process);
  if (!send) throw new Error('the sandbox kernel must be started by the Glovebox host');
  // Without the host the kernel has no purpose: leave when the channel closes.
  process.on('disconnect', () => process.exit(0));
  return {
    send: (msg: KernelToHost) => {
      send(msg);
    },
    onMessage: (listener) => process.on('message', listener),
  };
}

/** What confinement this process is under, as far as it can tell from inside. */
export function nodePermissionActive(): boolean {
  const permission = (process as unknown as { permission?: { has(scope: string, ref?: string): boolean } }).permission;
  if (!permission) return false;
  try {
    return !permission.has('fs.read', '/') && !permission.has('fs.write') && !permission.has('child');
  } catch {
    return false;
  }
}
