/**
 * Electron preload (sandboxed, context-isolated). Exposes `window.wardscribe`, derived
 * from the contract, and `window.wardscribeFiles.pathOf` for dropped files, and nothing else: no
 * ipcRenderer, no generic send.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
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

// A file dropped on the import screen: Electron knows its path (a web page never does). Only a
// File the page already holds can be asked about, and only its path comes back.
contextBridge.exposeInMainWorld('wardscribeFiles', {
  pathOf: (file: File): string => webUtils.getPathForFile(file),
});
