/**
 * Electron preload (sandboxed, context-isolated). Exposes exactly `window.wardscribe`, derived
 * from the contract, and nothing else: no ipcRenderer, no generic send.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { buildApi } from '../shared/ipc/api';
import { contract } from '../shared/ipc/contract';
import { HOST_EVENT_CHANNEL } from '../shared/ipc/events';

const api = buildApi(
  contract,
  (channel, request) => ipcRenderer.invoke(channel, request),
  (listener) => {
    const forward = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(HOST_EVENT_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(HOST_EVENT_CHANNEL, forward);
    };
  },
);

contextBridge.exposeInMainWorld('wardscribe', api);
