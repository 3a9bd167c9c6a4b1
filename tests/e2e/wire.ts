// How the test bridge carries payloads between Chromium and the test host: JSON, with bytes
// as {"$bytes": base64}. The browser side (BRIDGE_SCRIPT) is plain JavaScript in a string, so
// that nothing the test runner adds to compiled functions ends up in the page.

export function encode(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? { $bytes: Buffer.from(v).toString('base64') } : v));
}

export function decode(json: string): unknown {
  return JSON.parse(json, (_k, v: unknown) => {
    if (typeof v === 'object' && v !== null && '$bytes' in v && typeof (v as { $bytes: unknown }).$bytes === 'string') {
      return new Uint8Array(Buffer.from((v as { $bytes: string }).$bytes, 'base64'));
    }
    return v;
  });
}

/** The test-only `window.glovebox`: the same interface the preload exposes, over a Playwright binding. */
export const BRIDGE_SCRIPT = (version: number) => `
(() => {
  const listeners = new Set();
  const toB64 = (b) => { let s = ''; for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000)); return btoa(s); };
  const fromB64 = (s) => { const t = atob(s); const b = new Uint8Array(t.length); for (let i = 0; i < t.length; i++) b[i] = t.charCodeAt(i); return b; };
  const enc = (v) => JSON.stringify(v, (k, x) => (x instanceof Uint8Array ? { $bytes: toB64(x) } : x));
  const dec = (j) => JSON.parse(j, (k, x) => (x && typeof x === 'object' && typeof x.$bytes === 'string' ? fromB64(x.$bytes) : x));
  const invoke = window.__gloveboxInvoke;
  delete window.__gloveboxInvoke;
  Object.defineProperty(window, '__gloveboxEvent', { value: (json) => { const e = dec(json); for (const l of listeners) l(e); } });
  window.glovebox = Object.freeze({
    version: ${version},
    invoke: async (channel, request) => dec(await invoke(channel, enc(request))),
    onEvent: (l) => { listeners.add(l); return () => listeners.delete(l); },
    pathForFile: () => null,
  });
})();
`;
