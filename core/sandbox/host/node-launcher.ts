import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADDON_ARG } from '../confine/index.js';
import type { HostToKernel } from '../protocol/messages.js';
import type { KernelExit, KernelLauncher, KernelProcess } from './launcher.js';

export interface NodeLauncherOptions {
  /** The bundled kernel (default: dist/sandbox-kernel.mjs). */
  kernelPath?: string;
  /** V8 heap cap (MiB); resident memory is capped at twice this plus 128 MiB. */
  heapMb?: number;
  /** Node's permission model: on where the runtime has it (default), or off (only for diagnosing). */
  permission?: boolean;
  /** The confinement addon (default: found beside the bundles); null runs without it. */
  confineAddon?: string | null;
  /**
   * Linux: start the kernel in a new (empty) network namespace, through util-linux `unshare`
   * and an unprivileged user namespace, where the system allows them (default: on).
   */
  networkNamespace?: boolean;
}

const UNSHARE_CANDIDATES = ['/usr/bin/unshare', '/bin/unshare'];
/**
 * `--map-current-user` keeps the same uid inside, so the kernel gains no capabilities when
 * unshare executes Node; the namespace has only a loopback interface, and it is down.
 */
const UNSHARE_ARGS = ['--user', '--map-current-user', '--net', '--'];
let netnsProbe: string | null | undefined;

/** The `unshare` that works here for an unprivileged network namespace, or null (tried once). */
export function networkNamespaceLauncher(): string | null {
  if (netnsProbe !== undefined) return netnsProbe;
  netnsProbe = null;
  if (process.platform !== 'linux') return null;
  for (const unshare of UNSHARE_CANDIDATES) {
    if (!existsSync(unshare)) continue;
    // A trivial program is enough to learn whether the namespaces can be made; starting Node
    // here would add a whole Node start-up to every command.
    const probe = existsSync('/bin/true') ? ['/bin/true'] : [process.execPath, '-e', '0'];
    const r = spawnSync(unshare, [...UNSHARE_ARGS, ...probe], { env: {}, stdio: 'ignore', timeout: 5000 });
    if (r.status === 0) netnsProbe = unshare;
    break;
  }
  return netnsProbe;
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

/** The built confinement addon: beside the CLI bundle, in dist/, or where node-gyp built it. */
export function defaultAddonPath(): string | null {
  const candidates = [
    new URL('./glovebox_confine.node', import.meta.url),
    new URL('../../../dist/glovebox_confine.node', import.meta.url),
    new URL('../../../build/Release/glovebox_confine.node', import.meta.url),
  ];
  for (const c of candidates) {
    const p = fileURLToPath(c);
    if (existsSync(p)) return p;
  }
  return null;
}

/**
 * The permission-model flags this Node understands (20: experimental; 22+: stable; one
 * --allow-fs-read per path, as 20.19+ requires). With an addon, addons are allowed and the addon's file is
 * readable: the kernel loads it before it reads anything of the image, and once its OS layer
 * is in force no other library can be opened.
 */
export function permissionFlags(kernelPath: string, version = process.versions.node, addonPath: string | null = null): string[] {
  const major = Number(version.split('.')[0]);
  if (major < 20) return [];
  const flag = major >= 22 ? '--permission' : '--experimental-permission';
  if (addonPath === null) return [flag, `--allow-fs-read=${kernelPath}`];
  return [flag, `--allow-fs-read=${kernelPath}`, `--allow-fs-read=${addonPath}`, '--allow-addons'];
}

export class NodeLauncher implements KernelLauncher {
  readonly description = 'forked Node process';
  readonly memoryLimitBytes: number;
  readonly confineAddon: string | null;
  readonly separateProcess = true;
  private readonly unshare: string | null;
  private readonly kernelPath: string;
  private readonly heapMb: number;
  private readonly permission: boolean;

  constructor(options: NodeLauncherOptions = {}) {
    this.kernelPath = options.kernelPath ?? defaultKernelPath();
    this.heapMb = options.heapMb ?? DEFAULT_HEAP_MB;
    this.permission = options.permission ?? true;
    this.confineAddon = options.confineAddon === undefined ? defaultAddonPath() : options.confineAddon;
    this.unshare = options.networkNamespace === false ? null : networkNamespaceLauncher();
    // Typed arrays live outside the V8 heap, so resident memory gets its own, looser cap.
    this.memoryLimitBytes = (this.heapMb * 2 + 128) * 1024 * 1024;
  }

  launch(): KernelProcess {
    const execArgv = [
      ...(this.permission ? permissionFlags(this.kernelPath, process.versions.node, this.confineAddon) : []),
      `--max-old-space-size=${this.heapMb}`,
      '--max-semi-space-size=16',
      '--disallow-code-generation-from-strings',
      '--disable-proto=throw',
      '--no-warnings',
    ];
    // The working directory is an empty directory of its own, removed when the kernel ends.
    const cwd = mkdtempSync(join(tmpdir(), 'glovebox-sandbox-'));
    // With a network namespace, fork runs `unshare ... node <execArgv> kernel`: unshare keeps
    // the IPC descriptor and executes Node in place, so the pid is the kernel's.
    const child = fork(this.kernelPath, this.confineAddon === null ? [] : [`${ADDON_ARG}${this.confineAddon}`], {
      env: {},
      cwd,
      ...(this.unshare ? { execPath: this.unshare, execArgv: [...UNSHARE_ARGS, process.execPath, ...execArgv] } : { execArgv }),
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    child.once('exit', () => rmSync(cwd, { recursive: true, force: true }));
    return new ForkedKernel(child, this.unshare ? ['netns'] : []);
  }
}

class ForkedKernel implements KernelProcess {
  private stderrTail = '';
  private exited = false;
  private readonly exitListeners: Array<(e: KernelExit) => void> = [];

  constructor(
    private readonly child: ChildProcess,
    readonly layers: readonly string[],
  ) {
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
