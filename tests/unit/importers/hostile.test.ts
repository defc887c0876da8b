import { afterAll, describe, expect, it } from 'vitest';
import { revealBidiControls } from '../../../shared/domain/chat';
import { WardscribeError } from '../../../main/errors';
import { readTeamsHtml } from '../../../main/importers/json-sources';
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
    expect((await refusal(parseAll(path, LONDON))).message).toMatch(/^The archive was refused because one of the files in it has a name that points outside the archive|^The archive is damaged, or one of the files in it has a name that points outside the archive/);
  });

  it('refuses absolute names', async () => {
    const path = zipOf([{ name: '_chat.txt', data: CHAT }, { name: '/etc/passwd', data: 'x' }]);
    // yauzl refuses the name itself; the sentence is ours.
    expect((await refusal(parseAll(path, LONDON))).message).toMatch(/has a name that points (outside the archive|to a place outside the archive)/);
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
    expect((await refusal(openSafeZip(path, limits))).message).toMatch(/^The archive has 3 files in it \(3 entries\), more than the 2 an export can have\.$/);
  });

  it('refuses entries over the per-entry and total caps', async () => {
    const path = zipOf([{ name: '_chat.txt', data: CHAT }, { name: 'a.jpg', data: Buffer.alloc(4000, 7), method: 0 }, { name: 'b.jpg', data: Buffer.alloc(4000, 7), method: 0 }]);
    const base = { maxEntries: 10, maxRatio: 200 };
    expect((await refusal(openSafeZip(path, { ...base, maxEntryBytes: 3000, maxTotalBytes: 1e9 }))).message).toMatch(/larger than/);
    expect((await refusal(openSafeZip(path, { ...base, maxEntryBytes: 1e9, maxTotalBytes: 6000 }))).message).toMatch(/^The archive unpacks to more data than a chat export can hold/);
  });

  it('refuses a file that is not a zip at all but claims to be', async () => {
    const path = writeExport(dir.path, 'broken.zip', Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(100)]));
    expect((await refusal(parseAll(path, LONDON))).message).toMatch(/^This file is named like a zip archive but cannot be opened as one/);
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

  it('reads a Teams body of many "<" with no ">" in one pass, and unclosed or stray tags as nothing', () => {
    const began = performance.now();
    expect(readTeamsHtml('<'.repeat(200_000)).text).toHaveLength(200_000);
    expect(performance.now() - began).toBeLessThan(1_000);
    expect(readTeamsHtml('<s>80 mg<ol><li>a</s></s></ol></ol></td><td>').text).toBe('~80 mg\n1. a~');
    expect(readTeamsHtml('<a title="<b>">x</a>').text).toBe('<a title="">x');
  });

  it('refuses a text file with no message in it', async () => {
    const path = writeExport(dir.path, 'notes.txt', 'shopping list\nmilk\n');
    expect((await refusal(parseAll(path, LONDON))).message).toMatch(/No messages were found/);
  });
});

describe('archives that could be read more than one way are refused in plain words', () => {
  const TELEGRAM = JSON.stringify({ name: 'Ward 7', type: 'private_group', id: 1, messages: [{ id: 1, type: 'message', date_unixtime: '1678698000', from: 'Dr Ada Shah', text: 'bed 4' }] });

  it.each([
    [[{ name: '_chat.txt', data: CHAT }, { name: 'messages.txt', data: '[13.03.2023, 09:00] Ich: Bett 4\n' }], 'a WhatsApp chat (_chat.txt) and a Threema chat (messages.txt)'],
    [[{ name: '_chat.txt', data: CHAT }, { name: 'WhatsApp Chat with Ward 7.txt', data: CHAT }], 'a WhatsApp chat (_chat.txt) and a WhatsApp chat (WhatsApp Chat with Ward 7.txt)'],
    [[{ name: '_chat.txt', data: CHAT }, { name: 'ChatExport_2023-03-13/result.json', data: TELEGRAM }], 'a WhatsApp chat (_chat.txt) and a Telegram chat (ChatExport_2023-03-13/result.json)'],
  ])('%#: two chat exports', async (entries, found) => {
    const error = await refusal(parseAll(zipOf(entries), LONDON));
    expect(error.message).toBe(
      `This archive holds more than one chat export: ${found}. It could be read more than one way, so Wardscribe will not guess. Export the one chat you need again, on its own, and import that file.`,
    );
  });

  it('refuses several text files none of which is named as the chat', async () => {
    const error = await refusal(parseAll(zipOf([{ name: 'ward7.txt', data: CHAT }, { name: 'notes.txt', data: CHAT }]), LONDON));
    expect(error.message).toMatch(/^This archive holds several text files \(ward7\.txt, notes\.txt\) and none of them is named as a chat export/);
  });

  it('refuses an archive with no chat text, saying what one looks like', async () => {
    const error = await refusal(parseAll(zipOf([{ name: 'photo.jpg', data: 'x' }]), LONDON));
    expect(error.message).toMatch(/^This archive holds no chat text\. A WhatsApp export holds _chat\.txt/);
  });

  it('reads a named chat text beside a document that happens to be a .txt file', async () => {
    const { messages } = await parseAll(zipOf([{ name: '_chat.txt', data: CHAT }, { name: 'handover-notes.txt', data: 'not a chat' }]), LONDON);
    expect(messages.map((m) => m.text)).toEqual(['hello']);
  });

  it('reads a zipped Telegram export folder', async () => {
    const { messages, thread } = await parseAll(zipOf([{ name: 'ChatExport_2023-03-13/result.json', data: TELEGRAM }]), LONDON);
    expect(thread).toMatchObject({ source: 'telegram', title: 'Ward 7' });
    expect(messages.map((m) => [m.sender, m.text, m.instant])).toEqual([['Dr Ada Shah', 'bed 4', '2023-03-13T09:00:00Z']]);
  });
});

describe('the compression-ratio cap applies to every entry', () => {
  it('refuses a small entry compressed far beyond real data (below the old 1 MiB floor)', async () => {
    // 512 KiB of zeros deflates to about half a kilobyte: over 1000 to 1.
    const path = zipOf([{ name: '_chat.txt', data: CHAT }, { name: 'IMG-0001.jpg', data: Buffer.alloc(512 * 1024) }]);
    expect((await refusal(parseAll(path, LONDON))).message).toMatch(/^The archive was refused because one of the files in it is compressed far more than real data can be \(a zip bomb\)\./);
  });

  it('still reads real chat text, empty entries and stored media', async () => {
    const path = zipOf([{ name: '_chat.txt', data: CHAT.repeat(50) }, { name: 'empty.vcf', data: '' }, { name: 'IMG-0002.jpg', data: Buffer.alloc(4096, 1), method: 0 }]);
    const { messages } = await parseAll(path, LONDON);
    expect(messages).toHaveLength(50);
  });
});
