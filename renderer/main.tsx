// Entry point: the store (over window.glovebox, from the preload or a test host) and the app.

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { API_VERSION } from '../electron/shared/api.js';
import { clientFor, NO_HOST } from './api.js';
import { App } from './components/App.js';
import { createAppStore, StoreContext } from './store/index.js';
import './styles.css';

const api = window.glovebox;
const store = createAppStore(api && api.version === API_VERSION ? clientFor(api) : NO_HOST);
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <StoreContext.Provider value={store}>
        <App />
      </StoreContext.Provider>
    </StrictMode>,
  );
}
