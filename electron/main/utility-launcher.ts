// The app's sandbox launcher: the same kernel bundle as the CLI's, started as an Electron
// utility process with an empty environment. Electron runs utility processes without
// Chromium's sandbox and drops Node's permission flags for them, so the kernel confines itself
// (the confinement layer) and the supervisor's policy checks what it reports.

import type { UtilityProcess, utilityProcess as UtilityProcessModule } from 'electron';
import type { KernelExit, KernelLauncher, KernelProcess } from '../../core/sandbox/host/launcher.js';
import { ADDON_ARG, MEMORY_ARG } from '../../core/sandbox/confine/index.js';
import type { HostToKernel } from '../../core/sandbox/protocol/messages.js';

export interface UtilityLauncherOptions {
  /** Electron's `utilityProcess` module (injected so this file has no runtime Electron import). */
  utilityProcess: typeof UtilityProcessModule;
  kernelPath: string;
  /**
   * The confinement addon (app.asar.unpacked/dist/glovebox_confine.node), or null when it is
   * missing: the kernel then reports no OS confinement and the supervisor's policy decides.
   */
  confineAddon: string | null;
  /** V8 heap cap (MiB). */
  heapMb?: number;
  /** Resident memory of a process by pid, in bytes (from `app.getAppMetrics()`), or null. */
  residentBytes?: (pid: number) => number | null;
}

const STDERR_TAIL_BYTES = 4096;

export class UtilityLauncher implements KernelLauncher {
  readonly description = 'Electron utility process';
  readonly memoryLimitBytes: number;
  readonly confineAddon: string | null;
  readonly separateProcess = true;
  private readonly heapMb: number;

  constructor(private readonly options: UtilityLauncherOptions) {
    this.heapMb = options.heapMb ?? 384;
    this.memoryLimitBytes = (this.heapMb * 2 + 128) * 1024 * 1024;
    this.confineAddon = options.confineAddon;
  }

  launch(): KernelProcess {
    // Electron drops Node's permission flags for utility processes: the OS layer is all the
    // confinement there is, and the kernel applies it to itself (Windows: the job object's
    // memory cap comes from here).
    const args = this.confineAddon === null ? [] : [`${ADDON_ARG}${this.confineAddon}`, `${MEMORY_ARG}${this.memoryLimitBytes}`];
    const child = this.options.utilityProcess.fork(this.options.kernelPath, args, {
      env: {},
      serviceName: 'Glovebox driver sandbox',
      stdio: ['ignore', 'ignore', 'pipe'],
      execArgv: [`--max-old-space-size=${this.heapMb}`, '--disallow-code-generation-from-strings', '--disable-proto=throw'],
    });
    return new UtilityKernel(child, this.options.residentBytes);
  }
}

class UtilityKernel implements KernelProcess {
  private stderrTail = '';
  private exited = false;

  constructor(
    private readonly child: UtilityProcess,
    private readonly rss?: (pid: number) => number | null,
  ) {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(msg: HostToKernel): void {
    if (!this.exited) this.child.postMessage(msg);
  }

  onMessage(listener: (msg: unknown) => void): void {
    this.child.on('message', listener);
  }

  onExit(listener: (e: KernelExit) => void): void {
    this.child.on('exit', (code: number) => {
      this.exited = true;
      listener({ code, signal: null, stderrTail: this.stderrTail });
    });
  }

  kill(): void {
    if (!this.exited) this.child.kill();
  }

  residentBytes(): number | null {
    const pid = this.child.pid;
    return pid === undefined || !this.rss ? null : this.rss(pid);
  }
}
