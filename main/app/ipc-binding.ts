import { ipcMain, type BrowserWindow } from 'electron';
import type { IpcRegistry } from '../ipc/registry';
import { senderOf } from './sender';

/** Registers one ipcMain handler per channel of the registry; returns a function that removes them. */
export function bindRegistryToIpcMain(registry: IpcRegistry, window: BrowserWindow): () => void {
  for (const channel of registry.channels) {
    ipcMain.handle(channel, (event, payload: unknown) => registry.dispatchEncoded(senderOf(event, window), channel, payload));
  }
  return () => {
    for (const channel of registry.channels) ipcMain.removeHandler(channel);
  };
}
