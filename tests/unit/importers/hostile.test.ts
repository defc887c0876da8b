import { afterAll, describe, expect, it } from 'vitest';
import { revealBidiControls } from '../../../shared/domain/chat';
import { WardscribeError } from '../../../main/errors';
import { openSafeZip } from '../../../main/importers/zip';
import { tempDir } from '../../support/temp';
import { parseAll, writeExport } from './helpers';
import { buildZip, type TestZipEntry } from './zip-writer';

const dir = tempDir('wardscribe-hostile-');
afterAll(() => dir.remove());
let counter = 0;
const LONDON = { zone: 'Europe/London' };
const CHAT = '[13/03/2023, 09:00:00] Ada: hello\n';
const zipOf = (entries: TestZipEntry[]) => writeExport(dir.path, `hostile-${++counter}.zip`, buildZip(entries));

async function refusal(promise: Promise<unknown>): Promise<WardscribeError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(WardscribeError);
  expect((error as WardscribeError).code).toBe('rejected');
  return error as WardscribeError;
}

describe('hostile archives end in a clear refusal', () => {
  it('refuses a zip bomb by compression ratio', async () => {
    const path = zipOf([{ name: '_chat.txt', data: CHAT }, { name: 'bomb.jpg', data: Buffer.alloc(20 * 1024 * 1024) }]);
    expect((await refusal(parseAll(path, LONDON))).message).toMatch(/zip bomb/);
  });

  it('refuses zip slip (..) names', async () => {
    const path = zipOf([{ name: '_chat.txt', data: CHAT }, { name: '../../etc/evil.txt', data: 'x' }]);
    expect((await refusal(parseAll(path, LONDON))).message).toMatch(/outside the archive/);
  });

  it('refuses absolute names', async () => {
    const path = zipOf([{ name: '_chat.txt', data: CHAT }, { name: '/etc/passwd', data: 'x' }]);
    expect((await refusal(parseAll(path, LONDON))).message).toMatch(/absolute/);
  });

  it('refuses symbolic links', async () => {
    const path = zipOf([{ name: '_chat.txt', data: CHAT }, { name: 'photo.jpg', data: '/etc/shadow', method: 0, unixMode: 0o120777 }]);
    expect((await refusal(parseAll(path, LONDON))).message).toMatch(/symbolic link/);
  });

  it('refuses nested archives', async () => {
    const path = zipOf([{ name: '_chat.txt', data: CHAT }, { name: 'inner.zip', data: buildZip([{ name: 'a.txt', data: 'a' }]), method: 0 }]);
    expect((await refusal(parseAll(path, LONDON))).message).toMatch(/nested archives/);
  });

  it('detects a forged (too small) size while reading', async () => {
    const path = zipOf([{ name: '_chat.txt', data: CHAT + CHAT.replace('09:00:00', '09:01:00'), forgedSize: 10 }]);
    expect((await refusal(parseAll(path, LONDON))).message).toMatch(/forged|damaged/);
  });

  it('detects a forged (too large) size while reading', async () => {
    const path = zipOf([{ name: '_chat.txt', data: CHAT, forgedSize: 900 }]);
    expect((await refusal(parseAll(path, LONDON))).message).toMatch(/forged|damaged/);
  });

  it('refuses more entries than the limit', async () => {
    const path = zipOf([{ name: '_chat.txt', data: CHAT }, { name: 'a.jpg', data: 'a' }, { name: 'b.jpg', data: 'b' }]);
    const limits = { maxEntries: 2, maxEntryBytes: 1e9, maxTotalBytes: 1e9, maxRatio: 200 };
    expect((await refusal(openSafeZip(path, limits))).message).toMatch(/3 entries/);
  });

  it('refuses entries over the per-entry and total caps', async () => {
    const path = zipOf([{ name: '_chat.txt', data: CHAT }, { name: 'a.jpg', data: Buffer.alloc(4000, 7), method: 0 }, { name: 'b.jpg', data: Buffer.alloc(4000, 7), method: 0 }]);
    const base = { maxEntries: 10, maxRatio: 200 };
    expect((await refusal(openSafeZip(path, { ...base, maxEntryBytes: 3000, maxTotalBytes: 1e9 }))).message).toMatch(/larger than/);
    expect((await refusal(openSafeZip(path, { ...base, maxEntryBytes: 1e9, maxTotalBytes: 6000 }))).message).toMatch(/more than an export/);
  });

  it('refuses a file that is not a zip at all but claims to be', async () => {
    const path = writeExport(dir.path, 'broken.zip', Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(100)]));
    expect((await refusal(parseAll(path, LONDON))).message).toMatch(/not a readable zip/);
  });
});

describe('hostile text', () => {
  it('refuses a 10 MB single line without reading it whole', async () => {
    const path = writeExport(dir.path, 'long.txt', '[13/03/2023, 09:00:00] Ada: ' + 'x'.repeat(10 * 1024 * 1024) + '\n');
    expect((await refusal(parseAll(path, LONDON))).message).toMatch(/Line 1 .*longer than 1024 KiB/);
  });

  it('refuses invalid UTF-8 and names the line', async () => {
    const good = Buffer.from('13/03/2023, 09:00 - Ada: one\n13/03/2023, 09:01 - Ada: two\n');
    const bad = Buffer.from([0x31, 0x33, 0xff, 0xfe, 0x0a]);
    const path = writeExport(dir.path, 'latin.txt', Buffer.concat([good, bad]));
    expect((await refusal(parseAll(path, LONDON))).message).toMatch(/not valid UTF-8 text \(line 3\)/);
  });

  it('flags bidi controls (Trojan Source) in text and sender, and the UI helper makes them visible', async () => {
    const path = writeExport(dir.path, 'bidi.txt', '13/03/2023, 09:00 - Ada: give 10\u202E gm 0\u202C of drug\n13/03/2023, 09:01 - B\u2067en\u2069: ok\n13/03/2023, 09:02 - Cy: plain \u200E text\n');
    const { messages } = await parseAll(path, LONDON);
    expect(messages.map((m) => m.flags.includes('bidi-controls'))).toEqual([true, true, false]);
    expect(revealBidiControls(messages[0]!.text)).toBe('give 10⟦RLO⟧ gm 0⟦PDF⟧ of drug');
    expect(revealBidiControls('B\u2067en\u2069')).toBe('B⟦RLI⟧en⟦PDI⟧');
  });

  it('refuses a text file with no message in it', async () => {
    const path = writeExport(dir.path, 'notes.txt', 'shopping list\nmilk\n');
    expect((await refusal(parseAll(path, LONDON))).message).toMatch(/No messages were found/);
  });
});
