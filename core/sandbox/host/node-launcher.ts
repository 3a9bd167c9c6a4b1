import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostToKernel } from '../protocol/messages.js';
import type { KernelExit, KernelLauncher, KernelProcess } from './launcher.js';

export interface NodeLauncherOptions {
  /** The bundled kernel (default: dist/sandbox-kernel.mjs). */
  kernelPath?: string;
  /** V8 heap cap (MiB); resident memory is capped at twice this plus 128 MiB. */
  heapMb?: number;
  /** Node's permission model: on where the runtime has it (default), or off (only for diagnosing). */
  permission?: boolean;
}

const STDERR_TAIL_BYTES = 4096;
const DEFAULT_HEAP_MB = 384;

/** Finds the bundled kernel next to the CLI bundle, or in dist/ when running from source. */
export function defaultKernelPath(): string {
  const candidates = [new URL('./sandbox-kernel.mjs', import.meta.url), new URL('../../../dist/sandbox-kernel.mjs', import.meta.url)];
  for (const c of candidates) {
    const p = fileURLToPath(c);
    if (existsSync(p)) return p;
  }
  throw new Error('the sandbox kernel bundle is missing: run `npm run build`');
}

/** The permission-model flags this Node understands (20: experimental; 22+: stable). */
export function permissionFlags(kernelPath: string, version = process.versions.node): string[] {
  const major = Number(version.split('.')[0]);
  if (major < 20) return [];
  const flag = major >= 22 ? '--permission' : '--experimental-permission';
  return [flag, `--allow-fs-read=${kernelPath}`];
}

export class NodeLauncher implements KernelLauncher {
  readonly description = 'forked Node process';
  readonly memoryLimitBytes: number;
  private readonly kernelPath: string;
  private readonly heapMb: number;
  private readonly permission: boolean;

  constructor(options: NodeLauncherOptions = {}) {
    this.kernelPath = options.kernelPath ?? defaultKernelPath();
    this.heapMb = options.heapMb ?? DEFAULT_HEAP_MB;
    this.permission = options.permission ?? true;
    // Typed arrays live outside the V8 heap, so resident memory gets its own, looser cap.
    this.memoryLimitBytes = (this.heapMb * 2 + 128) * 1024 * 1024;
  }

  launch(): KernelProcess {
    const execArgv = [
      ...(this.permission ? permissionFlags(this.kernelPath) : []),
      `--max-old-space-size=${this.heapMb}`,
      '--max-semi-space-size=16',
      '--disallow-code-generation-from-strings',
      '--disable-proto=throw',
      '--no-warnings',
    ];
    const child = fork(this.kernelPath, [], {
      env: {},
      cwd: dirname(this.kernelPath),
      execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    return new ForkedKernel(child);
  }
}

class ForkedKernel implements KernelProcess {
  private stderrTail = '';
  private exited = false;
  private readonly exitListeners: Array<(e: KernelExit) => void> = [];

  constructor(private readonly child: ChildProcess) {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
    });
    // A send to a dead child raises 'error' on the ChildProcess; the exit handler reports it.
    child.on('error', () => undefined);
    child.on('exit', (code, signal) => {
      // stderr may still hold the out-of-memory report: let it drain first.
      const report = () => {
        if (this.exited) return;
        this.exited = true;
        for (const l of this.exitListeners) l({ code, signal, stderrTail: this.stderrTail });
      };
      if (child.stderr && !child.stderr.readableEnded) {
        child.stderr.once('end', report);
        setTimeout(report, 200).unref();
      } else report();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(msg: HostToKernel): void {
    if (this.exited || !this.child.connected) return;
    this.child.send(msg);
  }

  onMessage(listener: (msg: unknown) => void): void {
    this.child.on('message', listener);
  }

  onExit(listener: (e: KernelExit) => void): void {
    this.exitListeners.push(listener);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  residentBytes(): number | null {
    const pid = this.child.pid;
    if (pid === undefined || process.platform !== 'linux') return null;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
      return m ? Number(m[1]) * 1024 : null;
    } catch {
      return null;
    }
  }
}
