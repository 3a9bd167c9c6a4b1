// The host side of the sandbox: starts a kernel, shakes hands, sends one request at a time
// with a deadline and a byte budget, serves the kernel's block reads from the source after
// checking them, and kills and restarts the kernel when it crashes, hangs, misbehaves or grows
// past its memory cap. Everything the kernel says is validated before use.

import { GloveboxError, type ErrorKind } from '../../errors.js';
import type { NodeId, NodeStat } from '../../fs/types.js';
import {
  MAX_CALL_READ_BYTES,
  checkBytes,
  checkDirPage,
  checkExtents,
  checkImageInfo,
  checkScanPage,
  checkSelfTest,
  checkStat,
  checkString,
  type DirPage,
  type ImageInfo,
  type MethodName,
  type ScanPage,
  type SelfTestResult,
  type SourceExtent,
} from '../protocol/api.js';
import {
  MAX_HYPERCALL_BYTES,
  MsgKind,
  PROTOCOL_VERSION,
  parseKernelMessage,
  type Confinement,
  type KernelToHost,
} from '../protocol/messages.js';
import type { KernelExit, KernelLauncher, KernelProcess } from './launcher.js';
import type { HostSource } from './source.js';

export interface SupervisorOptions {
  launcher: KernelLauncher;
  source: HostSource;
  /** Deadline for one request, hypercalls included (ms). */
  requestTimeoutMs?: number;
  /** Deadline for a new kernel's handshake (ms). */
  startTimeoutMs?: number;
  /** Bytes one request may read from the source. */
  requestByteBudget?: number;
  /** Returns why a kernel's confinement is not acceptable, or null when it is. */
  confinementPolicy?: (c: Confinement) => string | null;
  /**
   * Judges a fresh kernel's self-test (run once per start, before any request): returns why
   * the isolation is not acceptable, or null. Also the place to warn about a degraded one.
   */
  selfTestPolicy?: (t: SelfTestResult, c: Confinement) => string | null;
  /** How long a cancelled request may take to stop before its kernel is killed (ms). */
  cancelGraceMs?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface SupervisorStats {
  launches: number;
  kills: number;
  hypercalls: number;
  bytesServed: number;
}

const DEFAULTS = {
  requestTimeoutMs: 20_000,
  startTimeoutMs: 10_000,
  requestByteBudget: 8 * 1024 * 1024 * 1024,
  cancelGraceMs: 2_000,
};
const MEMORY_POLL_MS = 100;
/** Kernels that die before their handshake, in a row, before the supervisor gives up. */
const MAX_START_FAILURES = 3;

interface Pending {
  id: number;
  method: MethodName;
  budget: number;
  cancelled: boolean;
  /** Ends the exchange with a result or an error; the first settlement wins. */
  settle(result: { ok: true; value: unknown } | { ok: false; error: GloveboxError }): void;
}

interface Live {
  proc: KernelProcess;
  dead: boolean;
  confinement: Confinement | null;
  selfTest: SelfTestResult | null;
  pending: Pending | null;
  /** Why the host killed it, to explain the exit. */
  killReason: GloveboxError | null;
  onHello: ((c: Confinement | GloveboxError) => void) | null;
}

export class Supervisor {
  readonly stats: SupervisorStats = { launches: 0, kills: 0, hypercalls: 0, bytesServed: 0 };
  private readonly opts: Required<Omit<SupervisorOptions, 'confinementPolicy' | 'selfTestPolicy'>> &
    Pick<SupervisorOptions, 'confinementPolicy' | 'selfTestPolicy'>;
  private live: Live | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private imageInfo: ImageInfo | null = null;
  private pins: Array<[number, string | null]> = [];
  private startFailures = 0;
  private closed = false;

  constructor(options: SupervisorOptions) {
    this.opts = { ...DEFAULTS, ...options };
  }

  /** The confinement the current kernel reported in its handshake. */
  get confinement(): Confinement | null {
    return this.live?.confinement ?? null;
  }

  /** What the current kernel's self-test found blocked. */
  get selfTest(): SelfTestResult | null {
    return this.live?.selfTest ?? null;
  }

  /**
   * The isolation in force for the current kernel, as `glovebox info` prints it: the layers
   * it reported, and what its self-test proved (`no-files`, `no-network`, `no-processes`).
   */
  get isolation(): string[] {
    const live = this.live;
    if (!live?.confinement) return [];
    return isolationLayers(this.opts.launcher.separateProcess === true, live.confinement, live.selfTest, live.proc.layers ?? []);
  }

  get size(): number {
    return this.opts.source.size;
  }

  /** Containers, partitions and volumes of the source (probed once; pinned thereafter). */
  info(options?: CallOptions): Promise<ImageInfo> {
    return this.enqueue(async () => {
      await this.ensure(options);
      if (!this.imageInfo) throw new GloveboxError('Protocol', 'the sandbox returned no probe result');
      return this.imageInfo;
    });
  }

  root(volume: number, o?: CallOptions): Promise<NodeStat> {
    return this.call('root', [volume], checkStat, o);
  }
  lookup(volume: number, path: string, o?: CallOptions): Promise<NodeStat> {
    return this.call('lookup', [volume, path], checkStat, o);
  }
  readdir(volume: number, node: NodeId, start: number, max: number, o?: CallOptions): Promise<DirPage> {
    return this.call('readdir', [volume, node, start, max], checkDirPage, o);
  }
  stat(volume: number, node: NodeId, o?: CallOptions): Promise<NodeStat> {
    return this.call('stat', [volume, node], checkStat, o);
  }
  read(volume: number, node: NodeId, offset: number, length: number, o?: CallOptions): Promise<Uint8Array> {
    const want = Math.min(length, MAX_CALL_READ_BYTES);
    return this.call('read', [volume, node, offset, want], checkBytes(want), o);
  }
  readlink(volume: number, node: NodeId, o?: CallOptions): Promise<string> {
    return this.call('readlink', [volume, node], checkString, o);
  }
  /** The next decompressed bytes of a compressed source (KernelApi.expand). */
  expand(position: number, max: number, o?: CallOptions): Promise<Uint8Array> {
    const want = Math.min(max, MAX_CALL_READ_BYTES);
    return this.call('expand', [position, want], checkBytes(want), o);
  }

  /** One step of a volume scan (KernelApi.scan); `cursor` is the last step's `next`. */
  scan(volume: number, cursor: ScanPage['next'], o?: CallOptions, maxEntries?: number): Promise<ScanPage> {
    return this.call('scan', [volume, cursor, maxEntries ?? null], checkScanPage, o);
  }

  async extents(volume: number, node: NodeId, o?: CallOptions): Promise<SourceExtent[] | null> {
    const check = (v: unknown) => {
      const r = checkExtents(v);
      return r === undefined ? null : { runs: r };
    };
    const { runs } = await this.call('extents', [volume, node], check, o);
    // The host copies these ranges itself: each must lie inside the source.
    if (runs && runs.some((e) => e.sourceOffset + e.length > this.size)) {
      throw new GloveboxError('Protocol', 'the sandbox named data outside the source');
    }
    return runs;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.live) this.kill(this.live, new GloveboxError('Cancelled', 'the source was closed'));
    await this.opts.source.close();
  }

  // ---- requests ------------------------------------------------------------------------------

  private call<T>(method: MethodName, args: unknown[], validate: (v: unknown) => T | null, o?: CallOptions): Promise<T> {
    return this.enqueue(async (release) => {
      const live = await this.ensure(o);
      const ex = this.exchange(live, method, args, validate, o);
      void ex.done.then(release);
      return ex.result;
    });
  }

  /**
   * Runs `fn` after every earlier request has finished with the kernel. `fn` may release the
   * queue early (when its answer is known but the kernel is still busy, the slot stays held).
   */
  private enqueue<T>(fn: (release: () => void) => Promise<T>): Promise<T> {
    const prev = this.queue;
    let release!: () => void;
    this.queue = new Promise<void>((r) => (release = r));
    return (async () => {
      await prev;
      let releasedByFn = false;
      try {
        return await fn(() => {
          releasedByFn = true;
          release();
        });
      } finally {
        if (!releasedByFn) release();
      }
    })();
  }

  /** A running, handshaken, probed kernel. */
  private async ensure(o?: CallOptions): Promise<Live> {
    if (this.closed) throw new GloveboxError('Cancelled', 'the source was closed');
    if (this.live && !this.live.dead) return this.live;
    if (this.startFailures >= MAX_START_FAILURES) {
      throw new GloveboxError('Crashed', `the sandbox could not be started (${this.startFailures} attempts failed)`);
    }
    const live = await this.start();
    const test = this.exchange(live, 'selftest', [], checkSelfTest, o);
    await test.done;
    live.selfTest = await test.result;
    const refusal = live.confinement ? (this.opts.selfTestPolicy?.(live.selfTest, live.confinement) ?? null) : null;
    if (refusal !== null) {
      const e = new GloveboxError('Unsupported', `the sandbox is not confined: ${refusal}`);
      this.kill(live, e);
      throw e;
    }
    const probe = this.exchange(live, 'probe', [this.size, this.pins], checkImageInfo, o);
    await probe.done;
    const info = await probe.result;
    if (!this.imageInfo) {
      // Pin what was found: a restarted kernel never re-probes a volume as another format.
      this.pins = info.volumes.map((v) => [v.index, v.driver]);
    }
    this.imageInfo = info;
    return live;
  }

  private start(): Promise<Live> {
    this.stats.launches++;
    const proc = this.opts.launcher.launch();
    const live: Live = { proc, dead: false, confinement: null, selfTest: null, pending: null, killReason: null, onHello: null };
    this.live = live;
    proc.onMessage((raw) => this.onMessage(live, raw));
    proc.onExit((exit) => this.onExit(live, exit));
    return new Promise<Live>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill(live, new GloveboxError('Timeout', 'the sandbox did not start in time'));
      }, this.opts.startTimeoutMs);
      live.onHello = (result) => {
        clearTimeout(timer);
        live.onHello = null;
        if (result instanceof GloveboxError) {
          this.startFailures++;
          reject(result);
          return;
        }
        this.startFailures = 0;
        resolve(live);
      };
    });
  }

  /** One request to the kernel: `result` for the caller, `done` when the kernel is free again. */
  private exchange<T>(
    live: Live,
    method: MethodName,
    args: unknown[],
    validate: (v: unknown) => T | null,
    o?: CallOptions,
  ): { result: Promise<T>; done: Promise<void> } {
    const id = this.nextId++;
    const timeoutMs = o?.timeoutMs ?? this.opts.requestTimeoutMs;
    let callerSettled = false;
    let resolveCaller!: (v: T) => void;
    let rejectCaller!: (e: GloveboxError) => void;
    const forCaller = new Promise<T>((res, rej) => {
      resolveCaller = res;
      rejectCaller = rej;
    });
    // The queue slot is held until the kernel has really finished (or been killed), even when
    // the caller already got its answer because it cancelled.
    let releaseSlot!: () => void;
    const slot = new Promise<void>((res) => (releaseSlot = res));

    const timer = setTimeout(() => {
      this.kill(live, new GloveboxError('Timeout', `the driver did not answer "${method}" within ${Math.round(timeoutMs / 1000)} s and was stopped`));
    }, timeoutMs);
    const limit = this.opts.launcher.memoryLimitBytes;
    const poll = limit === null ? null : setInterval(() => {
      const rss = live.proc.residentBytes();
      if (rss !== null && rss > limit) {
        this.kill(live, new GloveboxError('Crashed', `the driver used more than ${Math.round(limit / 1048576)} MiB of memory and was stopped`));
      }
    }, MEMORY_POLL_MS);
    let graceTimer: ReturnType<typeof setTimeout> | null = null;
    const onAbort = () => {
      if (pending.cancelled) return;
      pending.cancelled = true;
      live.proc.send({ k: MsgKind.Cancel, id });
      callerSettled = true;
      rejectCaller(new GloveboxError('Cancelled', 'request cancelled'));
      graceTimer = setTimeout(() => this.kill(live, new GloveboxError('Cancelled', 'request cancelled')), this.opts.cancelGraceMs);
    };

    const pending: Pending = {
      id,
      method,
      budget: this.opts.requestByteBudget,
      cancelled: false,
      settle: (result) => {
        if (live.pending !== pending) return;
        live.pending = null;
        clearTimeout(timer);
        if (poll) clearInterval(poll);
        if (graceTimer) clearTimeout(graceTimer);
        o?.signal?.removeEventListener('abort', onAbort);
        releaseSlot();
        if (callerSettled) return;
        callerSettled = true;
        if (!result.ok) {
          rejectCaller(result.error);
          return;
        }
        const value = validate(result.value);
        if (value === null) {
          this.kill(live, new GloveboxError('Protocol', `the sandbox answered "${method}" with a malformed result`));
          rejectCaller(new GloveboxError('Protocol', `the sandbox answered "${method}" with a malformed result`));
          return;
        }
        resolveCaller(value);
      },
    };
    live.pending = pending;
    if (o?.signal?.aborted) onAbort();
    else o?.signal?.addEventListener('abort', onAbort, { once: true });
    if (live.dead) pending.settle({ ok: false, error: live.killReason ?? new GloveboxError('Crashed', 'the sandbox is not running') });
    else live.proc.send({ k: MsgKind.Call, id, method, args });
    return { result: forCaller, done: slot };
  }

  // ---- kernel events -------------------------------------------------------------------------

  private onMessage(live: Live, raw: unknown): void {
    if (live.dead) return;
    const msg = parseKernelMessage(raw);
    if (!msg) {
      this.kill(live, new GloveboxError('Protocol', 'the sandbox sent a malformed message and was stopped'));
      return;
    }
    switch (msg.k) {
      case MsgKind.Hello:
        this.onHello(live, msg);
        return;
      case MsgKind.Result: {
        const p = live.pending;
        if (!p || p.id !== msg.id) return; // a late answer to a request already given up on
        if (msg.ok) p.settle({ ok: true, value: msg.value });
        else p.settle({ ok: false, error: new GloveboxError(msg.error.kind, msg.error.message, msg.error.detail) });
        return;
      }
      case MsgKind.BlockRead:
        void this.serveRead(live, msg);
        return;
    }
  }

  private onHello(live: Live, msg: Extract<KernelToHost, { k: typeof MsgKind.Hello }>): void {
    if (!live.onHello) {
      this.kill(live, new GloveboxError('Protocol', 'the sandbox sent a second handshake'));
      return;
    }
    if (msg.version !== PROTOCOL_VERSION) {
      const e = new GloveboxError('Protocol', `sandbox protocol version ${msg.version}, host speaks ${PROTOCOL_VERSION}`);
      live.onHello(e);
      this.kill(live, e);
      return;
    }
    const refusal = this.opts.confinementPolicy?.(msg.confinement) ?? null;
    if (refusal !== null) {
      const e = new GloveboxError('Unsupported', `the sandbox is not confined: ${refusal}`);
      live.onHello(e);
      this.kill(live, e);
      return;
    }
    live.confinement = msg.confinement;
    live.proc.send({ k: MsgKind.Hello, version: PROTOCOL_VERSION });
    live.onHello(msg.confinement);
  }

  /** The hypercall, checked: inside the source, within the per-call and per-request caps. */
  private async serveRead(live: Live, msg: Extract<KernelToHost, { k: typeof MsgKind.BlockRead }>): Promise<void> {
    const p = live.pending;
    const { rid, offset, length } = msg;
    if (!p) {
      this.kill(live, new GloveboxError('Protocol', 'the sandbox read the source outside of a request'));
      return;
    }
    if (length > MAX_HYPERCALL_BYTES || offset + length > this.size) {
      this.kill(live, new GloveboxError('Protocol', `the sandbox asked for bytes outside the source (${offset}+${length}) and was stopped`));
      return;
    }
    p.budget -= length;
    if (p.budget < 0) {
      this.kill(live, new GloveboxError('Limit', `"${p.method}" read more than ${this.opts.requestByteBudget} bytes of the source and was stopped`));
      return;
    }
    this.stats.hypercalls++;
    try {
      const data = await this.opts.source.read(offset, length);
      if (data.length !== length) throw new Error(`short read (${data.length} of ${length} bytes)`);
      this.stats.bytesServed += length;
      if (!live.dead) live.proc.send({ k: MsgKind.BlockData, rid, ok: true, data });
    } catch (e) {
      const message = `reading the source at ${offset} failed: ${e instanceof Error ? e.message : String(e)}`;
      if (!live.dead) live.proc.send({ k: MsgKind.BlockData, rid, ok: false, error: { kind: 'Io', message } });
    }
  }

  private onExit(live: Live, exit: KernelExit): void {
    live.dead = true;
    if (this.live === live) this.live = null;
    const reason = live.killReason ?? explainExit(exit);
    live.onHello?.(reason);
    live.pending?.settle({ ok: false, error: reason });
  }

  private kill(live: Live, reason: GloveboxError): void {
    if (live.dead) return;
    live.dead = true;
    live.killReason = reason;
    this.stats.kills++;
    if (this.live === live) this.live = null;
    live.proc.kill();
    live.onHello?.(reason);
    live.pending?.settle({ ok: false, error: reason });
  }
}

/** The isolation list: 'process', the OS layers, 'permission-model', then what the self-test proved. */
export function isolationLayers(separateProcess: boolean, c: Confinement, t: SelfTestResult | null, outside: readonly string[] = []): string[] {
  const out: string[] = [];
  if (separateProcess) out.push('process');
  out.push(...outside);
  out.push(...c.layers.filter((l) => l !== 'no-new-privs'));
  if (c.nodePermission) out.push('permission-model');
  if (t?.file === 'blocked') out.push('no-files');
  if (t?.socket === 'blocked') out.push('no-network');
  if (t?.spawn === 'blocked') out.push('no-processes');
  return out;
}

function explainExit(exit: KernelExit): GloveboxError {
  const kind: ErrorKind = 'Crashed';
  if (/out of memory|Allocation failed|heap limit/i.test(exit.stderrTail)) {
    return new GloveboxError(kind, 'the driver ran out of memory and was stopped');
  }
  const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
  return new GloveboxError(kind, `the driver process ended unexpectedly (${how})`);
}
