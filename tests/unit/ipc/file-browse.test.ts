import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileHandlers } from '../../../main/ipc/handlers/files';
import { tempDir } from '../../support/temp';

const context = { principal: null, signal: new AbortController().signal, progress: () => {} };
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((remove) => remove()));

function world() {
  const home = tempDir('ws-browse-home-');
  const outside = tempDir('ws-browse-outside-');
  cleanups.push(home.remove, outside.remove);
  mkdirSync(join(home.path, 'Downloads'));
  writeFileSync(join(home.path, 'Downloads', 'chat.zip'), 'zip');
  writeFileSync(join(home.path, 'Downloads', 'notes.TXT'), 'txt');
  writeFileSync(join(home.path, 'Downloads', 'photo.jpg'), 'jpg');
  writeFileSync(join(home.path, '.secret.zip'), 'hidden');
  writeFileSync(join(outside.path, 'elsewhere.zip'), 'zip');
  symlinkSync(outside.path, join(home.path, 'Link out'));
  return { home: home.path, outside: outside.path, files: createFileHandlers({ root: home.path }) };
}

describe('choosing an export by browsing the home folder', () => {
  it('lists folders first, then export files only, nothing hidden, and no link that leads outside', async () => {
    const { files } = world();
    const top = await files.browse({}, context);
    expect(top.parent).toBeNull();
    expect(top.entries.map((entry) => entry.name)).toEqual(['Downloads']);
    const downloads = await files.browse({ folder: top.entries[0]!.path }, context);
    expect(downloads.entries.map((entry) => [entry.name, entry.kind])).toEqual([
      ['chat.zip', 'file'],
      ['notes.TXT', 'file'],
    ]);
    expect(downloads.parent).toBe(top.folder);
  });

  it('refuses folders outside the home folder, by path, by .. and through a link', async () => {
    const { home, outside, files } = world();
    await expect(Promise.resolve().then(() => files.browse({ folder: outside }, context))).rejects.toMatchObject({ code: 'forbidden' });
    await expect(Promise.resolve().then(() => files.browse({ folder: join(home, '..') }, context))).rejects.toMatchObject({ code: 'forbidden' });
    await expect(Promise.resolve().then(() => files.browse({ folder: join(home, 'Link out') }, context))).rejects.toMatchObject({ code: 'forbidden' });
    await expect(Promise.resolve().then(() => files.browse({ folder: join(home, 'gone') }, context))).rejects.toMatchObject({ code: 'not-found' });
  });

  it('says the dialog is not supported where the host has none, and passes on its answer where it has', async () => {
    expect(await world().files.choose({}, context)).toEqual({ supported: false, path: null });
    const withDialog = createFileHandlers({ root: '/', chooseFile: () => Promise.resolve('/home/a/chat.zip') });
    expect(await withDialog.choose({}, context)).toEqual({ supported: true, path: '/home/a/chat.zip' });
  });
});
