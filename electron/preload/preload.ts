// The preload: the page's one way to the host. It exposes `window.glovebox` through
// contextBridge — a version, `invoke` on the declared channels only, the event subscription,
// and the host path of a dropped file. It is bundled as CommonJS and runs in Chromium's sandbox,
// where it may use only electron's contextBridge, ipcRenderer and webUtils.

import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { API_VERSION, Channel, EVENT_CHANNEL, type AppEvent, type GloveboxApi } from '../shared/api.js';

const CHANNELS: ReadonlySet<string> = new Set(Object.values(Channel));

const api: GloveboxApi = {
  version: API_VERSION,
  invoke(channel, request) {
    if (!CHANNELS.has(channel)) return Promise.resolve({ ok: false, error: { kind: 'Invalid', message: `unknown channel ${String(channel)}` } });
    return ipcRenderer.invoke(channel, request);
  },
  onEvent(listener) {
    const handler = (_e: IpcRendererEvent, event: AppEvent) => listener(event);
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
  pathForFile(file) {
    try {
      return webUtils.getPathForFile(file) || null;
    } catch {
      return null;
    }
  },
};

contextBridge.exposeInMainWorld('glovebox', api);
