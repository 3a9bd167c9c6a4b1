// How the supervisor starts a kernel. One small interface, three implementations: a forked
// Node process (CLI, tests), Electron's utility process (the app, electron/main), and an
// in-process kernel over a port pair (tests of the protocol itself).

import type { HostToKernel } from '../protocol/messages.js';

export interface KernelExit {
  code: number | null;
  signal: string | null;
  /** Last lines the process wrote to stderr (V8 prints out-of-memory reports there). */
  stderrTail: string;
}

export interface KernelProcess {
  readonly pid: number | undefined;
  /** Isolation the launcher added from outside (e.g. 'netns'), for the isolation list. */
  readonly layers?: readonly string[];
  send(msg: HostToKernel): void;
  onMessage(listener: (msg: unknown) => void): void;
  onExit(listener: (exit: KernelExit) => void): void;
  /** Ends the process at once (SIGKILL); idempotent. */
  kill(): void;
  /** Resident memory in bytes when the platform lets the host see it, else null. */
  residentBytes(): number | null;
}

export interface KernelLauncher {
  /** Human-readable name for messages ("forked Node process", "utility process"). */
  readonly description: string;
  /** Memory cap in bytes that the supervisor enforces on resident memory, or null. */
  readonly memoryLimitBytes: number | null;
  /**
   * The confinement addon the kernel is told to load, null when it is not installed (the
   * kernel then runs with the remaining layers), undefined for in-process kernels.
   */
  readonly confineAddon?: string | null;
  /** The kernel runs in a process of its own (false for in-process test kernels). */
  readonly separateProcess?: boolean;
  launch(): KernelProcess;
}
