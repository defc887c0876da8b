/**
 * The Chromium host's stand-in for the Electron preload. It runs as an init script before any
 * page script, and builds the very same `window.wardscribe` from the contract, over a
 * Playwright binding instead of ipcRenderer. It does not import electron.
 *
 * The host passes the per-launch random name of its binding in `__wardscribeBridgeConfig`; the
 * bridge takes the binding and removes it and the config from `window`, so page scripts see
 * only the frozen `window.wardscribe`. Events are pulled over the same binding.
 */
import { buildApi } from '../shared/ipc/api';
import { contract } from '../shared/ipc/contract';
import { EVENT_PULL_CHANNEL } from '../shared/ipc/events';

interface BridgeConfig {
  readonly invokeBinding: string;
}

type Binding = (channel: string, request: unknown) => Promise<unknown>;
type BridgeWindow = typeof globalThis & Record<string, unknown>;

const scope = globalThis as BridgeWindow;
const config = scope['__wardscribeBridgeConfig'] as BridgeConfig | undefined;
delete scope['__wardscribeBridgeConfig'];
const binding = config ? (scope[config.invokeBinding] as Binding | undefined) : undefined;
if (config) delete scope[config.invokeBinding];

// Only the top-level document gets the API; calls from frames are refused in main anyway.
if (binding && scope.top === scope.self) {
  const listeners = new Set<(event: unknown) => void>();

  const pump = async () => {
    for (;;) {
      let batch: unknown;
      try {
        batch = await binding(EVENT_PULL_CHANNEL, null);
      } catch {
        return; // the host has gone; nothing more will arrive
      }
      if (!Array.isArray(batch)) return;
      for (const event of batch) listeners.forEach((listener) => listener(event));
    }
  };
  void pump();

  const api = buildApi(contract, binding, (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  });
  Object.defineProperty(scope, 'wardscribe', { value: api, enumerable: true, configurable: false, writable: false });
}

// The window title is fixed, as Electron's is (it shows in the task bar and in screen sharing, so
// no patient name may reach it): the page cannot set document.title.
const documentClass = scope['Document'] as { prototype: object } | undefined;
if (scope.top === scope.self && documentClass) {
  Object.defineProperty(documentClass.prototype, 'title', { get: () => 'Wardscribe', set: () => {}, configurable: false });
}
