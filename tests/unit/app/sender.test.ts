import { describe, expect, it } from 'vitest';
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import { senderOf } from '../../../main/app/sender';

type FakeFrame = { url: string; parent: FakeFrame | null };

function fakeWindow(id: number, destroyed = false) {
  return { isDestroyed: () => destroyed, webContents: { id } } as unknown as Pick<BrowserWindow, 'isDestroyed' | 'webContents'>;
}

function fakeEvent(senderId: number, frame: FakeFrame | null) {
  return { sender: { id: senderId }, senderFrame: frame } as unknown as Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>;
}

describe('senderOf (Electron)', () => {
  const top: FakeFrame = { url: 'app://wardscribe/index.html', parent: null };

  it('recognises the top-level frame of our own window', () => {
    expect(senderOf(fakeEvent(7, top), fakeWindow(7))).toEqual({ isMainFrame: true, url: 'app://wardscribe/index.html' });
  });

  it('refuses a subframe of our window', () => {
    const child: FakeFrame = { url: 'app://wardscribe/index.html', parent: top };
    expect(senderOf(fakeEvent(7, child), fakeWindow(7)).isMainFrame).toBe(false);
  });

  it('refuses the main frame of another web contents', () => {
    expect(senderOf(fakeEvent(8, top), fakeWindow(7)).isMainFrame).toBe(false);
  });

  it('refuses a destroyed frame or window', () => {
    expect(senderOf(fakeEvent(7, null), fakeWindow(7))).toEqual({ isMainFrame: false, url: '' });
    expect(senderOf(fakeEvent(7, top), fakeWindow(7, true)).isMainFrame).toBe(false);
  });
});
