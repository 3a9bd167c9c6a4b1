// The kernel side of the protocol: handshake, one call at a time, cancellation, hypercalls.

import { GloveboxError, toGloveboxError } from '../../errors.js';
import { METHODS, type KernelApi, type MethodName } from '../protocol/api.js';
import {
  MAX_ERROR_MESSAGE,
  MsgKind,
  PROTOCOL_VERSION,
  parseHostMessage,
  type CallMsg,
  type Confinement,
  type KernelToHost,
  type WireError,
} from '../protocol/messages.js';

/** The kernel's end of the message channel (Node IPC, Electron parentPort, or in-memory). */
export interface KernelPort {
  send(msg: KernelToHost): void;
  onMessage(listener: (msg: unknown) => void): void;
}

export function toWireError(e: unknown): WireError {
  // Anything that is not ours is a driver bug tripped by the image: still an answer, not a crash.
  const err = e instanceof GloveboxError ? e : toGloveboxError(e, 'Corrupt');
  const wire: WireError = { kind: err.kind, message: err.message.slice(0, MAX_ERROR_MESSAGE) };
  if (err.detail) wire.detail = { ...err.detail };
  return wire;
}

export class KernelServer {
  private helloDone = false;
  private nextRid = 1;
  private readonly pendingReads = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void; length: number }>();
  private queue: Promise<void> = Promise.resolve();
  private readonly cancelled = new Set<number>();
  private current: number | null = null;

  constructor(
    private readonly port: KernelPort,
    private readonly service: KernelApi,
    confinement: Confinement,
  ) {
    port.onMessage((m) => this.onMessage(m));
    port.send({ k: MsgKind.Hello, version: PROTOCOL_VERSION, confinement });
  }

  /** The hypercall: ask the host for bytes. Fails fast when the current call was cancelled. */
  hypercall = (offset: number, length: number): Promise<Uint8Array> => {
    if (this.current !== null && this.cancelled.has(this.current)) {
      return Promise.reject(new GloveboxError('Cancelled', 'request cancelled'));
    }
    const rid = this.nextRid++;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.pendingReads.set(rid, { resolve, reject, length });
      this.port.send({ k: MsgKind.BlockRead, rid, offset, length });
    });
  };

  private onMessage(raw: unknown): void {
    const msg = parseHostMessage(raw);
    if (!msg) return; // the host is trusted; a malformed message is a bug, ignored here and caught by its time-out
    switch (msg.k) {
      case MsgKind.Hello:
        this.helloDone = msg.version === PROTOCOL_VERSION;
        return;
      case MsgKind.Call:
        if (!this.helloDone) {
          this.reply(msg.id, false, { kind: 'Protocol', message: 'call before a matching protocol handshake' });
          return;
        }
        this.queue = this.queue.then(() => this.run(msg));
        return;
      case MsgKind.Cancel:
        this.cancelled.add(msg.id);
        return;
      case MsgKind.BlockData: {
        const p = this.pendingReads.get(msg.rid);
        if (!p) return;
        this.pendingReads.delete(msg.rid);
        if (!msg.ok) p.reject(new GloveboxError(msg.error.kind, msg.error.message));
        else if (msg.data.length !== p.length) p.reject(new GloveboxError('Io', `short read: ${msg.data.length} of ${p.length} bytes`));
        else p.resolve(msg.data);
        return;
      }
    }
  }

  private async run(call: CallMsg): Promise<void> {
    if (this.cancelled.delete(call.id)) {
      this.reply(call.id, false, { kind: 'Cancelled', message: 'request cancelled' });
      return;
    }
    if (!(METHODS as readonly string[]).includes(call.method)) {
      this.reply(call.id, false, { kind: 'Protocol', message: `unknown method ${call.method.slice(0, 64)}` });
      return;
    }
    this.current = call.id;
    try {
      const fn = this.service[call.method as MethodName] as (...args: unknown[]) => Promise<unknown>;
      const value = await fn.apply(this.service, call.args);
      this.reply(call.id, true, value);
    } catch (e) {
      this.reply(call.id, false, toWireError(e));
    } finally {
      this.current = null;
      this.cancelled.delete(call.id);
    }
  }

  private reply(id: number, ok: true, value: unknown): void;
  private reply(id: number, ok: false, error: WireError): void;
  private reply(id: number, ok: boolean, payload: unknown): void {
    if (ok) this.port.send({ k: MsgKind.Result, id, ok: true, value: payload });
    else this.port.send({ k: MsgKind.Result, id, ok: false, error: payload as WireError });
  }
}
