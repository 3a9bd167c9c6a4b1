// The app's one store. Slices are plain functions over (set, get, client), so the store can be
// made with a fake client in unit tests.

import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { createContext, useContext } from 'react';
import type { Client } from '../api.js';
import { createFindingsSlice } from './findings.js';
import { createMountsSlice } from './mounts.js';
import { createNavigationSlice } from './navigation.js';
import { createPreviewsSlice } from './previews.js';
import { createSelectionSlice } from './selection.js';
import { createSourcesSlice } from './sources.js';
import { createTasksSlice } from './tasks.js';
import type { AppState } from './types.js';

export type AppStore = StoreApi<AppState>;

export function createAppStore(client: Client): AppStore {
  return createStore<AppState>()((set, get) => ({
    ...createSourcesSlice(set, get, client),
    ...createNavigationSlice(set, get, client),
    ...createSelectionSlice(set, get, client),
    ...createPreviewsSlice(set, get, client),
    ...createTasksSlice(set, get, client),
    ...createFindingsSlice(set, get, client),
    ...createMountsSlice(set, get, client),
  }));
}

export const StoreContext = createContext<AppStore | null>(null);

/** Reads the store through a selector (components re-render only when that value changes). */
export function useApp<T>(selector: (s: AppState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useApp outside StoreContext');
  return useStore(store, selector);
}

export function useAppStore(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useAppStore outside StoreContext');
  return store;
}

export * from './keys.js';
export type * from './types.js';
