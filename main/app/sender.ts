import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import type { Sender } from '../ipc/registry';

/**
 * Where an Electron IPC call came from. Only the top-level frame of our own window counts as
 * the main frame; an iframe, another window or a destroyed frame does not. Type-only imports
 * keep this testable without the Electron binary.
 */
export function senderOf(
  event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
  window: Pick<BrowserWindow, 'isDestroyed' | 'webContents'>,
): Sender {
  const frame = event.senderFrame;
  const ours = !window.isDestroyed() && event.sender.id === window.webContents.id;
  return { isMainFrame: ours && frame !== null && frame.parent === null, url: frame?.url ?? '' };
}
