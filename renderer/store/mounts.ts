// "Mount safely": main mounts a volume read-only (served by its sandbox, through FUSE) and opens
// the OS file manager there. The renderer only asks, and shows what main says is mounted; the
// action is hidden where main reports that mounting is not available.

import { Channel, type MountInfo } from '../../electron/shared/api.js';
import { errorMessage } from '../api.js';
import { volumeKey } from './keys.js';
import type { MountsSlice, SliceCreator } from './types.js';

export const createMountsSlice: SliceCreator<MountsSlice> = (set, get, client) => {
  const busy = (key: string, on: boolean) =>
    set((s) => {
      const { [key]: _was, ...rest } = s.mountBusy;
      return { mountBusy: on ? { ...rest, [key]: true } : rest };
    });
  return {
    mountAvailable: false,
    mounts: {},
    mountBusy: {},

    async loadMountSupport() {
      try {
        const r = await client.call(Channel.mountSupport, null);
        set({ mountAvailable: r.available });
      } catch {
        set({ mountAvailable: false });
      }
    },

    setMounts(list: MountInfo[]) {
      set({ mounts: Object.fromEntries(list.map((m) => [volumeKey(m.sourceId, m.volume), m.path])) });
    },

    async mountVolume(sourceId, volume) {
      const key = volumeKey(sourceId, volume);
      if (!get().mountAvailable || get().mountBusy[key]) return;
      busy(key, true);
      try {
        const m = await client.call(Channel.mount, { sourceId, volume });
        set((s) => ({ mounts: { ...s.mounts, [key]: m.path } }));
      } catch (e) {
        get().noteError(errorMessage(e));
      } finally {
        busy(key, false);
      }
    },

    async unmountVolume(sourceId, volume) {
      const key = volumeKey(sourceId, volume);
      if (get().mountBusy[key]) return;
      busy(key, true);
      try {
        await client.call(Channel.unmount, { sourceId, volume });
        set((s) => {
          const { [key]: _was, ...rest } = s.mounts;
          return { mounts: rest };
        });
      } catch (e) {
        get().noteError(errorMessage(e));
      } finally {
        busy(key, false);
      }
    },
  };
};
