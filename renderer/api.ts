// The renderer's only way out: `window.glovebox` from the preload (or a test host's stand-in).
// Unwraps the result envelope into values and ApiFailure errors. Only the store uses this;
// components never talk to IPC.

import type { AppEvent, ChannelName, GloveboxApi, Req, Res } from '../electron/shared/api.js';

export class ApiFailure extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

export interface Client {
  call<C extends ChannelName>(channel: C, request: Req<C>): Promise<Res<C>>;
  onEvent(listener: (e: AppEvent) => void): () => void;
  pathForFile(file: File): string | null;
}

export function clientFor(api: GloveboxApi): Client {
  return {
    async call(channel, request) {
      let r;
      try {
        r = await api.invoke(channel, request);
      } catch (e) {
        throw new ApiFailure('Protocol', e instanceof Error ? e.message : String(e));
      }
      if (!r.ok) throw new ApiFailure(r.error.kind, r.error.message);
      return r.value;
    },
    onEvent: (l) => api.onEvent(l),
    pathForFile: (f) => api.pathForFile(f),
  };
}

/** Used when the page runs without a host (opened directly): every call fails clearly. */
export const NO_HOST: Client = {
  call: async () => {
    throw new ApiFailure('Unsupported', 'Glovebox’s host is not available (window.glovebox is missing).');
  },
  onEvent: () => () => undefined,
  pathForFile: () => null,
};

export const errorMessage = (e: unknown): { kind: string; message: string } =>
  e instanceof ApiFailure ? { kind: e.kind, message: e.message } : { kind: 'Io', message: e instanceof Error ? e.message : String(e) };
