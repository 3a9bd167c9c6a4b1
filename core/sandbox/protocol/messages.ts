// The sandbox wire protocol. Few verbs, numbered kinds, errors as data. Everything that
// arrives from the other side is `unknown` until a validator in this folder has checked it.
//
//   host -> kernel   Hello    { k: 1, version }                    after the kernel's Hello
//                    Call     { k: 2, id, method, args }           one request
//                    Cancel   { k: 4, id }                         abandon request `id`
//                    BlockData{ k: 6, rid, ok, data | error }      answer to a hypercall
//   kernel -> host   Hello    { k: 1, version, confinement }       first message, once, sent after
//                                                                  the kernel confined itself
//                    Result   { k: 3, id, ok, value | error }      answer to a Call
//                    BlockRead{ k: 5, rid, offset, length }        the hypercall: bytes, please
//
// The only hypercall is a block read, as in rumpuser: `offset` and `length` are bytes in the
// source the host opened; the host answers with exactly `length` bytes or an error.

import { isErrorKind, type CorruptDetail, type ErrorKind } from '../../errors.js';

export const PROTOCOL_VERSION = 1;

export const MsgKind = {
  Hello: 1,
  Call: 2,
  Result: 3,
  Cancel: 4,
  BlockRead: 5,
  BlockData: 6,
} as const;

/** The largest single hypercall the host serves (bytes). */
export const MAX_HYPERCALL_BYTES = 16 * 1024 * 1024;
/** Longest error message carried across (characters). */
export const MAX_ERROR_MESSAGE = 2000;

export interface WireError {
  kind: ErrorKind;
  message: string;
  detail?: CorruptDetail;
}

export interface Confinement {
  /** Node's permission model is active (fs, child processes, workers, addons denied). */
  nodePermission: boolean;
  /** The main OS-level confinement the kernel applied to itself ('seccomp', ...), or null. */
  os: string | null;
  /** Every OS layer in force ('no-new-privs', 'seccomp', 'job-object', ...); absent from older kernels. */
  layers: string[];
  /** Why OS confinement is missing or partial, in the kernel's words (shown to the user). */
  problems: string[];
}

/** Most layers or problems one Hello may carry, and their longest text (characters). */
const MAX_CONFINEMENT_ITEMS = 16;
const MAX_CONFINEMENT_TEXT = 200;

function parseStrings(v: unknown): string[] | null {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > MAX_CONFINEMENT_ITEMS) return null;
  if (!v.every((x) => typeof x === 'string' && x.length <= MAX_CONFINEMENT_TEXT)) return null;
  return v as string[];
}

export interface KernelHello {
  k: typeof MsgKind.Hello;
  version: number;
  confinement: Confinement;
}
export interface HostHello {
  k: typeof MsgKind.Hello;
  version: number;
}
export interface CallMsg {
  k: typeof MsgKind.Call;
  id: number;
  method: string;
  args: unknown[];
}
export interface CancelMsg {
  k: typeof MsgKind.Cancel;
  id: number;
}
export type ResultMsg =
  | { k: typeof MsgKind.Result; id: number; ok: true; value: unknown }
  | { k: typeof MsgKind.Result; id: number; ok: false; error: WireError };
export interface BlockReadMsg {
  k: typeof MsgKind.BlockRead;
  rid: number;
  offset: number;
  length: number;
}
export type BlockDataMsg =
  | { k: typeof MsgKind.BlockData; rid: number; ok: true; data: Uint8Array }
  | { k: typeof MsgKind.BlockData; rid: number; ok: false; error: WireError };

export type HostToKernel = HostHello | CallMsg | CancelMsg | BlockDataMsg;
export type KernelToHost = KernelHello | ResultMsg | BlockReadMsg;

// ---- validation ----------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

export function parseWireError(v: unknown): WireError | null {
  if (!isObj(v) || !isErrorKind(v.kind) || typeof v.message !== 'string') return null;
  const err: WireError = { kind: v.kind, message: v.message.slice(0, MAX_ERROR_MESSAGE) };
  if (isObj(v.detail)) {
    const d: CorruptDetail = {};
    for (const key of ['expected', 'found', 'where'] as const) {
      const s = v.detail[key];
      if (typeof s === 'string') d[key] = s.slice(0, 500);
    }
    err.detail = d;
  }
  return err;
}

/** Validates a message from the kernel (which is untrusted: it parses hostile bytes). */
export function parseKernelMessage(v: unknown): KernelToHost | null {
  if (!isObj(v)) return null;
  switch (v.k) {
    case MsgKind.Hello: {
      if (!Number.isSafeInteger(v.version) || !isObj(v.confinement)) return null;
      const c = v.confinement;
      if (typeof c.nodePermission !== 'boolean' || !(c.os === null || typeof c.os === 'string')) return null;
      const layers = parseStrings(c.layers);
      const problems = parseStrings(c.problems);
      if (!layers || !problems) return null;
      return {
        k: MsgKind.Hello,
        version: v.version as number,
        confinement: { nodePermission: c.nodePermission, os: c.os === null ? null : String(c.os).slice(0, 200), layers, problems },
      };
    }
    case MsgKind.Result: {
      if (!isId(v.id)) return null;
      if (v.ok === true) return { k: MsgKind.Result, id: v.id, ok: true, value: v.value };
      const error = parseWireError(v.error);
      return v.ok === false && error ? { k: MsgKind.Result, id: v.id, ok: false, error } : null;
    }
    case MsgKind.BlockRead:
      if (!isId(v.rid) || !isId(v.offset) || !isId(v.length)) return null;
      return { k: MsgKind.BlockRead, rid: v.rid, offset: v.offset, length: v.length };
    default:
      return null;
  }
}

/** Validates a message from the host (checked too: defence in depth, and a clear failure on bugs). */
export function parseHostMessage(v: unknown): HostToKernel | null {
  if (!isObj(v)) return null;
  switch (v.k) {
    case MsgKind.Hello:
      return Number.isSafeInteger(v.version) ? { k: MsgKind.Hello, version: v.version as number } : null;
    case MsgKind.Call:
      if (!isId(v.id) || typeof v.method !== 'string' || !Array.isArray(v.args)) return null;
      return { k: MsgKind.Call, id: v.id, method: v.method, args: v.args };
    case MsgKind.Cancel:
      return isId(v.id) ? { k: MsgKind.Cancel, id: v.id } : null;
    case MsgKind.BlockData: {
      if (!isId(v.rid)) return null;
      if (v.ok === true) return v.data instanceof Uint8Array ? { k: MsgKind.BlockData, rid: v.rid, ok: true, data: v.data } : null;
      const error = parseWireError(v.error);
      return v.ok === false && error ? { k: MsgKind.BlockData, rid: v.rid, ok: false, error } : null;
    }
    default:
      return null;
  }
}
