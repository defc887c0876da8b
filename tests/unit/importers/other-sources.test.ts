import { BlobWriter, TextReader, Uint8ArrayReader, ZipWriter } from '@zip.js/zip.js';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openChatExport } from '../../../main/importers';
import { htmlToText } from '../../../main/importers/json-sources';
import { tempDir } from '../../support/temp';
import { parseAll, writeExport } from './helpers';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'importers');
const LONDON = { zone: 'Europe/London' };
const dir = tempDir('wardscribe-sources-');
afterAll(() => dir.remove());

describe('Telegram Desktop result.json', () => {
  it('uses date_unixtime (not the zone-less date), entities, service messages and edits', async () => {
    const { messages, thread } = await parseAll(join(FIXTURES, 'telegram-result.json'), LONDON);
    expect(thread).toMatchObject({ source: 'telegram', title: 'Ward 7 handover', participants: ['Dr Ada Shah', 'Dr Ben Okoro'], dateOrder: null });
    expect(messages.map((m) => [m.kind, m.sender, m.instant, m.localTime])).toEqual([
      ['system', null, '2023-03-26T00:30:00Z', '2023-03-26T00:30:00'],
      ['message', 'Dr Ada Shah', '2023-03-26T01:30:00Z', '2023-03-26T02:30:00'],
      ['message', 'Dr Ben Okoro', '2023-03-26T01:35:00Z', '2023-03-26T02:35:00'],
      ['message', 'Dr Ben Okoro', '2023-03-26T01:36:00Z', '2023-03-26T02:36:00'],
    ]);
    expect(messages[0]!.text).toBe('Dr Ada Shah create_group');
    expect(messages[2]!.text).toBe('Agreed, see BNF for renal dosing');
    expect(messages[2]!.flags).toContain('edited');
    expect(messages[1]!.flags).not.toContain('edited');
    expect(messages[3]!.attachment).toBe('photo_1@26-03-2023_02-36-00.jpg');
  });

  it('derives the local time in whatever zone is chosen, keeping the instant', async () => {
    const { messages } = await parseAll(join(FIXTURES, 'telegram-result.json'), { zone: 'Asia/Kolkata' });
    expect(messages[1]!.instant).toBe('2023-03-26T01:30:00Z');
    expect(messages[1]!.localTime).toBe('2023-03-26T07:00:00');
  });
});

describe('Microsoft Teams chatMessage JSON', () => {
  it('orders by createdDateTime, flags edits, deletions and system events, and strips HTML safely', async () => {
    const { messages, thread } = await parseAll(join(FIXTURES, 'teams-chat.json'), LONDON);
    expect(thread.source).toBe('teams');
    expect(messages.map((m) => [m.kind, m.sender, m.instant])).toEqual([
      ['system', null, '2023-03-26T00:20:00Z'],
      ['message', 'Dr Ada Shah', '2023-03-26T01:30:00Z'],
      ['message', 'Dr Ben Okoro', '2023-03-26T01:35:00Z'],
      ['message', 'Dr Ada Shah', '2023-03-26T01:36:40Z'],
    ]);
    expect(messages[1]!.attachment).toBe('obs-chart.pdf');
    expect(messages[2]!.flags).toContain('edited');
    expect(messages[2]!.text).toBe('Agreed & hold it\n<script>alert(1)</script> is text');
    expect(messages[3]!.flags).toContain('deleted');
  });

  it('never lets markup through, and decodes entities only once', () => {
    expect(htmlToText('<div>a<br>b</div><style>p{}</style><img src=x onerror=alert(1)>')).toBe('a\nb');
    expect(htmlToText('&amp;lt;b&amp;gt; &#x41;&#66;')).toBe('&lt;b&gt; AB');
  });
});

describe('Signal', () => {
  it('reads sigtop text: fields, multi-paragraph bodies, outgoing as self, the newest edit', async () => {
    const { messages, thread } = await parseAll(join(FIXTURES, 'sigtop.txt'), LONDON);
    expect(thread).toMatchObject({ source: 'signal-sigtop-text', title: 'Dr Ben Okoro' });
    expect(messages.map((m) => [m.sender, m.text, m.instant])).toEqual([
      ['Dr Ben Okoro', 'Bed 4: hold the 02:00 dose', '2023-03-26T01:30:00Z'],
      ['You', 'Noted.\n\nSecond paragraph after a blank line.', '2023-03-26T01:31:00Z'],
      ['Dr Ben Okoro', 'Give 5 mg', '2023-10-29T01:30:00Z'],
    ]);
    expect(messages[1]!.flags).toEqual(expect.arrayContaining(['self', 'attachment']));
    expect(messages[1]!.attachment).toBe('obs-chart.jpg');
    expect(messages[2]!.flags).toContain('edited');
    // A real offset in the file: the repeated hour is no question here.
    expect(messages[2]!.flags).not.toContain('dst-ambiguous');
  });

  it('reads sigtop JSON line by line', async () => {
    const { messages, thread } = await parseAll(join(FIXTURES, 'sigtop.json'), LONDON);
    expect(thread.source).toBe('signal-sigtop-json');
    expect(messages.map((m) => [m.kind, m.sender, m.text, m.line])).toEqual([
      ['message', '+447700900123', 'Bed 4: hold the 02:00 dose', 2],
      ['message', 'You', 'Noted.', 3],
      ['system', null, 'group-v2-change', 4],
    ]);
    expect(messages[1]!.attachment).toBe('obs-chart.jpg');
  });

  it('reads signal-export Markdown (year-first, no date-order question)', async () => {
    const { messages, thread } = await parseAll(join(FIXTURES, 'signal-export.md'), LONDON);
    expect(thread.source).toBe('signal-export-markdown');
    expect(messages.map((m) => [m.sender, m.text, m.localTime])).toEqual([
      ['Dr Ben Okoro', 'Bed 4: hold the 02:00 dose', '2023-03-13T09:00:00'],
      ['Me', 'Noted, see chart', '2023-03-13T09:01:00'],
      ['Dr Ben Okoro', '', '2023-03-13T09:02:00'],
    ]);
    expect(messages[1]!.attachment).toBe('obs-chart.jpg');
    expect(messages[1]!.flags).toContain('self');
    expect(messages[2]!.flags).toContain('deleted');
  });
});

describe('Threema password-protected export', () => {
  const messagesTxt = '[13.03.2023, 09:00] Ich: Bed 4 bitte prüfen\n[13.03.2023, 09:05] Dr Ben Okoro: erledigt\n[13.03.2023, 09:06] Dr Ben Okoro: Bild (IMG_0001.jpg)\n';
  async function threemaZip(password: string): Promise<string> {
    const writer = new ZipWriter(new BlobWriter('application/zip'), { password, encryptionStrength: 3, useWebWorkers: false });
    await writer.add('messages.txt', new TextReader(messagesTxt));
    await writer.add('IMG_0001.jpg', new Uint8ArrayReader(new Uint8Array([0xff, 0xd8, 0xff])));
    const blob = await writer.close();
    return writeExport(dir.path, `threema-${password.length}.zip`, Buffer.from(await blob.arrayBuffer()));
  }

  it('decrypts with the right password and marks the localised self-name', async () => {
    const { messages, thread } = await parseAll(await threemaZip('correct horse'), { ...LONDON, password: 'correct horse' });
    expect(thread.source).toBe('threema');
    expect(messages.map((m) => [m.sender, m.text, m.localTime])).toEqual([
      ['Ich', 'Bed 4 bitte prüfen', '2023-03-13T09:00:00'],
      ['Dr Ben Okoro', 'erledigt', '2023-03-13T09:05:00'],
      ['Dr Ben Okoro', 'Bild (IMG_0001.jpg)', '2023-03-13T09:06:00'],
    ]);
    expect(messages[0]!.flags).toContain('self');
    const chat = await openChatExport(await threemaZip('correct horse'), { ...LONDON, password: 'correct horse' });
    const chunks: Buffer[] = [];
    for await (const chunk of await chat.openMedia('IMG_0001.jpg')) chunks.push(Buffer.from(chunk as Uint8Array));
    await chat.close();
    expect(Buffer.concat(chunks)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
  });

  it('ties a media reference to the file in the archive and keeps its caption as the text', async () => {
    const media = '4f0c2a9e-1b7d-4e0a-9a1e-0c5b7d3e2f10.jpg';
    const writer = new ZipWriter(new BlobWriter('application/zip'), { password: 'correct horse', encryptionStrength: 3, useWebWorkers: false });
    await writer.add(
      'messages.txt',
      new TextReader(
        `[13.03.2023, 09:00] Dr Ben Okoro: <${media}>\n` +
          `[13.03.2023, 09:01] Dr Ben Okoro: Wunde Bett 4 <${media}> heute\n` +
          '[13.03.2023, 09:02] Ich: <0000aaaa-gone.mp4>\n' +
          '[13.03.2023, 09:03] Ich: 2 < 3 and <b> stay text\n',
      ),
    );
    await writer.add(media, new Uint8ArrayReader(new Uint8Array([0xff, 0xd8, 0xff])));
    const path = writeExport(dir.path, 'threema-media.zip', Buffer.from(await (await writer.close()).arrayBuffer()));
    const { messages, thread } = await parseAll(path, { ...LONDON, password: 'correct horse' });
    expect(messages.map((m) => [m.text, m.attachment, m.flags.includes('attachment')])).toEqual([
      ['', media, true],
      ['Wunde Bett 4 heute', media, true],
      ['', '0000aaaa-gone.mp4', true],
      ['2 < 3 and <b> stay text', null, false],
    ]);
    expect(messages[2]!.warnings.map((warning) => warning.code)).toEqual(['attachment-missing']);
    expect(thread.attachments).toEqual([
      { name: media, present: true },
      { name: '0000aaaa-gone.mp4', present: false },
    ]);
  });

  it('says clearly when the password is wrong or missing', async () => {
    const path = await threemaZip('right password');
    await expect(parseAll(path, { ...LONDON, password: 'wrong password' })).rejects.toThrow('The password for this Threema export is wrong.');
    await expect(parseAll(path, LONDON)).rejects.toThrow(/password-protected: enter the password/);
  });
});
