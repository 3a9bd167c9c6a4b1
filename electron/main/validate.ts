// Every request from the renderer is untrusted input: its channel must be known, its shape
// exact, its numbers safe integers and its strings and lists bounded. Nothing else reaches the
// backend. Pure (no Electron), so it is unit-tested and shared with the end-to-end test host.

import {
  Channel,
  DEVICE_ID_PATTERN,
  MAX_CLIPBOARD_CHARS,
  MAX_ITEMS_PER_REQUEST,
  MAX_PATH_CHARS,
  MAX_READ_BYTES,
  SOURCE_ID_PATTERN,
  TASK_ID_PATTERN,
  type ChannelName,
  type Req,
} from '../shared/api.js';

type Obj = Record<string, unknown>;
const CHANNELS: readonly string[] = Object.values(Channel);

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isPath = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_PATH_CHARS && !v.includes('\0');
const isInImagePath = (v: unknown): v is string => isPath(v) && v.startsWith('/');
const isSourceId = (v: unknown): v is string => typeof v === 'string' && SOURCE_ID_PATTERN.test(v);
const isTaskId = (v: unknown): v is string => typeof v === 'string' && TASK_ID_PATTERN.test(v);
const isDeviceId = (v: unknown): v is string => typeof v === 'string' && DEVICE_ID_PATTERN.test(v);
const isVolume = (v: unknown): v is number => isCount(v) && v >= 1 && v <= 4096;

/** Exactly these keys, no others (a stray key is a sign of a confused or hostile sender). */
function keys(o: Obj, expected: readonly string[]): boolean {
  const got = Object.keys(o);
  return got.length === expected.length && expected.every((k) => Object.prototype.hasOwnProperty.call(o, k));
}

export function isChannel(v: unknown): v is ChannelName {
  return typeof v === 'string' && CHANNELS.includes(v);
}

type Checker = (v: unknown) => boolean;
const volumeRef = (o: Obj) => isSourceId(o.sourceId) && isVolume(o.volume);
const node = (o: Obj) => isCount(o.node);

const CHECKS: Record<ChannelName, Checker> = {
  [Channel.openDialog]: (v) => v === null,
  [Channel.openPath]: (v) => isObj(v) && keys(v, ['path', 'taskId']) && isPath(v.path) && isTaskId(v.taskId),
  [Channel.openDevice]: (v) => isObj(v) && keys(v, ['deviceId']) && isDeviceId(v.deviceId),
  [Channel.closeSource]: (v) => isObj(v) && keys(v, ['sourceId']) && isSourceId(v.sourceId),
  [Channel.listDevices]: (v) => v === null,
  [Channel.recentImages]: (v) => v === null,
  [Channel.readdir]: (v) => isObj(v) && keys(v, ['sourceId', 'volume', 'node', 'start']) && volumeRef(v) && node(v) && isCount(v.start),
  [Channel.stat]: (v) => isObj(v) && keys(v, ['sourceId', 'volume', 'node']) && volumeRef(v) && node(v),
  [Channel.read]: (v) =>
    isObj(v) && keys(v, ['sourceId', 'volume', 'node', 'offset', 'length']) && volumeRef(v) && node(v) &&
    isCount(v.offset) && isCount(v.length) && v.length <= MAX_READ_BYTES,
  [Channel.stats]: (v) => isObj(v) && keys(v, ['sourceId']) && isSourceId(v.sourceId),
  [Channel.extract]: (v) => isItems(v),
  [Channel.dragOut]: (v) => isItems(v),
  [Channel.hash]: (v) => isObj(v) && keys(v, ['sourceId', 'volume', 'node', 'size', 'taskId']) && volumeRef(v) && node(v) && isCount(v.size) && isTaskId(v.taskId),
  [Channel.cancelTask]: (v) => isObj(v) && keys(v, ['taskId']) && isTaskId(v.taskId),
  [Channel.saveDeviceImage]: (v) => isObj(v) && keys(v, ['deviceId', 'taskId']) && isDeviceId(v.deviceId) && isTaskId(v.taskId),
  [Channel.scan]: (v) => isObj(v) && keys(v, ['sourceId', 'volume', 'taskId']) && volumeRef(v) && isTaskId(v.taskId),
  [Channel.exportReport]: (v) => isObj(v) && keys(v, ['sourceId', 'volume']) && volumeRef(v),
  [Channel.copyText]: (v) => isObj(v) && keys(v, ['text']) && typeof v.text === 'string' && v.text.length <= MAX_CLIPBOARD_CHARS,
  [Channel.mountSupport]: (v) => v === null,
  [Channel.mount]: (v) => isObj(v) && keys(v, ['sourceId', 'volume']) && volumeRef(v),
  [Channel.unmount]: (v) => isObj(v) && keys(v, ['sourceId', 'volume']) && volumeRef(v),
};

function isItems(v: unknown): boolean {
  if (!isObj(v) || !keys(v, ['sourceId', 'volume', 'paths', 'taskId']) || !volumeRef(v) || !isTaskId(v.taskId)) return false;
  const paths = v.paths;
  return Array.isArray(paths) && paths.length > 0 && paths.length <= MAX_ITEMS_PER_REQUEST && paths.every(isInImagePath);
}

/** The request, typed, when it is well-formed for its channel; otherwise null. */
export function validateRequest<C extends ChannelName>(channel: C, payload: unknown): { req: Req<C> } | null {
  return CHECKS[channel](payload) ? { req: payload as Req<C> } : null;
}
