import { BlobWriter, TextReader, Uint8ArrayReader, ZipWriter } from '@zip.js/zip.js';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openChatExport } from '../../../main/importers';
import { htmlToText } from '../../../main/importers/json-sources';
import { durationInWords, teamsEventText } from '../../../main/importers/teams-events';
import { chatNameFromThreemaArchive, readThreemaIosHead, readThreemaIosMedia } from '../../../main/importers/threema-ios';
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
    // The system event has no body: its eventDetail says what happened.
    expect(messages[0]!.text).toBe('Added to the chat');
  });

  it('never lets markup through, and decodes entities only once', () => {
    expect(htmlToText('<div>a<br>b</div><style>p{}</style><img src=x onerror=alert(1)>')).toBe('a\nb');
    expect(htmlToText('&amp;lt;b&amp;gt; &#x41;&#66;')).toBe('&lt;b&gt; AB');
  });

  it('decodes the named references Teams writes, a dose among them, by their case-sensitive names', () => {
    // A ward trial saw "yes &ndash; restart furosemide" shown as written.
    expect(htmlToText('<p>yes &ndash; restart furosemide</p>')).toBe('yes – restart furosemide');
    expect(htmlToText('<p>Give 250&micro;g &ndash; it&rsquo;s &ge;&nbsp;5&deg;C &times; 2 &frac12; tab &hellip;</p>')).toBe('Give 250µg – it’s ≥\u00a05°C × 2 ½ tab …');
    expect(htmlToText('<p>Dr &Eacute;lise &amp; Dr Ren&eacute;e; &AMP; &LT;b&GT;</p>')).toBe('Dr Élise & Dr Renée; & <b>');
    // A name that is not a character reference is left as it was written, never guessed.
    expect(htmlToText('<p>&notaname; &Ndash; &eAcute;</p>')).toBe('&notaname; &Ndash; &eAcute;');
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

  it('keeps a sigtop body paragraph that begins "From:" in its message, never a message from someone else', async () => {
    const text = [
      'Conversation: Dr Ben Okoro (+447700900123)',
      '',
      'From: Dr Ben Okoro (+447700900123)',
      'Type: incoming',
      'Sent: Mon, 13 Mar 2023 09:00:00 +0000',
      'Received: Mon, 13 Mar 2023 09:00:02 +0000',
      '',
      'Forwarding the reg\'s advice:',
      '',
      'From: Dr Lee',
      'Give 40 mg furosemide IV',
      '',
      'Type: group-v2-change',
      'Received: Mon, 13 Mar 2023 09:01:00 +0000',
      '',
      'From: You',
      'Type: outgoing',
      'Sent: Mon, 13 Mar 2023 09:02:00 +0000',
      'Attachment: first.jpg (image/jpeg, 1 bytes)',
      'Attachment: second.jpg (image/jpeg, 1 bytes)',
      '',
      'Thanks',
      '',
      'From: nobody',
    ].join('\n');
    const { messages } = await parseAll(writeExport(dir.path, 'sigtop-from-in-body.txt', text + '\n'), LONDON);
    expect(messages.map((m) => [m.kind, m.sender, m.text, m.attachment])).toEqual([
      ['message', 'Dr Ben Okoro', "Forwarding the reg's advice:\n\nFrom: Dr Lee\nGive 40 mg furosemide IV", null],
      ['system', null, 'The group was changed (Signal event group-v2-change)', null],
      ['message', 'You', 'Thanks\n\nFrom: nobody', 'first.jpg'],
    ]);
    // The second attachment is named too, never dropped.
    expect(messages[2]!.warnings.map((warning) => [warning.code, warning.message])).toEqual([
      ['several-attachments', 'Message Sent: Mon, 13 Mar 2023 09:02:00 +0000 carries 2 attachments: "first.jpg", "second.jpg". The first is shown as its attachment; all are in the chat\'s list of attachments.'],
    ]);
  });

  it('reads sigtop JSON line by line', async () => {
    const { messages, thread } = await parseAll(join(FIXTURES, 'sigtop.json'), LONDON);
    expect(thread.source).toBe('signal-sigtop-json');
    expect(messages.map((m) => [m.kind, m.sender, m.text, m.line])).toEqual([
      ['message', '+447700900123', 'Bed 4: hold the 02:00 dose', 2],
      ['message', 'You', 'Noted.', 3],
      ['system', null, 'The group was changed (Signal event group-v2-change)', 4],
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

describe('Telegram exports without date_unixtime, and times that cannot be read', () => {
  const telegram = (messages: unknown[]) => writeExport(dir.path, `telegram-${messages.length}-${Math.random().toString(36).slice(2)}.json`, JSON.stringify({ name: 'Ward 9', type: 'private_group', id: 1, messages }));

  it('reads every message by its local "date" in the import zone, not just the first', async () => {
    const path = telegram([
      { id: 1, type: 'message', date: '2023-07-01T09:00:00', from: 'Dr Ada Shah', text: 'one' },
      { id: 2, type: 'message', date: '2023-07-01T09:05:00', edited: '1970-01-01T01:00:00', from: 'Dr Ben Okoro', text: 'two' },
    ]);
    const { messages } = await parseAll(path, LONDON);
    expect(messages.map((m) => [m.localTime, m.instant, m.flags.includes('edited')])).toEqual([
      ['2023-07-01T09:00:00', '2023-07-01T08:00:00Z', false],
      ['2023-07-01T09:05:00', '2023-07-01T08:05:00Z', false],
    ]);
  });

  it('keeps a message whose time cannot be read, flagged, with the time of the one before and a warning', async () => {
    const path = telegram([
      { id: 7, type: 'message', date: 'yesterday', from: 'Dr Ada Shah', text: 'first, unreadable' },
      { id: 8, type: 'message', date: '2023-07-01T09:00:00', from: 'Dr Ada Shah', text: 'readable' },
      { id: 9, type: 'message', date_unixtime: 'soon', from: 'Dr Ben Okoro', text: 'unreadable instant' },
    ]);
    const { messages } = await parseAll(path, LONDON);
    expect(messages.map((m) => [m.text, m.localTime, m.instant, m.flags.includes('malformed-field')])).toEqual([
      ['first, unreadable', '2023-07-01T09:00:00', null, true],
      ['readable', '2023-07-01T09:00:00', '2023-07-01T08:00:00Z', false],
      ['unreadable instant', '2023-07-01T09:00:00', null, true],
    ]);
    expect(messages[0]!.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^The date of message id 7 cannot be read: .* the time of the message after it/)]);
    expect(messages[2]!.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^The date_unixtime of message id 9 cannot be read: .* the message before it/)]);
  });

  it('refuses, naming the problem, an export in which no time can be read', async () => {
    const path = telegram([{ id: 1, type: 'message', date: 'never', from: 'Dr Ada Shah', text: 'x' }]);
    await expect(parseAll(path, LONDON)).rejects.toThrow('No message in this export has a time that can be read');
  });
});

describe('Teams system events and malformed times', () => {
  it('says what happened instead of an empty message', () => {
    const user = (displayName: string | null) => ({ user: { id: 'u', displayName, userIdentityType: 'aadUser' } });
    expect(teamsEventText({ '@odata.type': '#microsoft.graph.membersAddedEventMessageDetail', members: [{ id: 'a', displayName: 'Dr Ada Shah' }, { id: 'b', displayName: null }], initiator: user('Sister Ria Patel') })).toBe(
      'Added to the chat: Dr Ada Shah and 1 other person (by Sister Ria Patel)',
    );
    expect(teamsEventText({ '@odata.type': '#microsoft.graph.membersAddedEventMessageDetail' })).toBe('Added to the chat');
    expect(teamsEventText({ '@odata.type': '#microsoft.graph.callEndedEventMessageDetail', callDuration: 'PT1H2M5S', callEventType: 'meeting', callParticipants: [] })).toBe('Meeting ended after 1 h 2 min 5 s');
    expect(teamsEventText({ '@odata.type': '#microsoft.graph.teamRenamedEventMessageDetail', teamDisplayName: 'Ward 7' })).toBe('Team renamed: "Ward 7"');
    expect(teamsEventText({})).toBeNull();
    expect(durationInWords('PT0S')).toBe('0 s');
    expect(durationInWords('P1D')).toBe('24 h');
    expect(durationInWords('5 minutes')).toBeNull();
  });

  it('keeps going past a malformed createdDateTime, even on the earliest message', async () => {
    const message = (id: string, createdDateTime: string, text: string) => ({ id, messageType: 'message', createdDateTime, from: { user: { id: 'u1', displayName: 'Dr Ada Shah' } }, body: { contentType: 'text', content: text } });
    const path = writeExport(
      dir.path,
      'teams-malformed.json',
      JSON.stringify({ value: [message('3', '2023-03-13T09:10:00Z', 'newest'), message('2', '2023-03-13T09:05:00Z', 'middle'), message('1', '13/03/2023 09:00', 'oldest, unreadable')] }),
    );
    const { messages } = await parseAll(path, LONDON);
    expect(messages.map((m) => [m.text, m.localTime, m.flags.includes('malformed-field')])).toEqual([
      ['oldest, unreadable', '2023-03-13T09:05:00', true],
      ['middle', '2023-03-13T09:05:00', false],
      ['newest', '2023-03-13T09:10:00', false],
    ]);
    expect(messages[0]!.warnings[0]!.code).toBe('malformed-time');
  });
});

describe('Threema for iOS heads in the languages it is written in', () => {
  it.each([
    ['>>> 1. Februar 2020 um 13:14:15 MEZ: Hallo', { year: 2020, month: 2, day: 1, hour: 13, minute: 14, second: 15 }],
    ['>>> 1 février 2020 à 13:14:15 UTC+1: Bonjour', { year: 2020, month: 2, day: 1, hour: 13, minute: 14, second: 15 }],
    ['>>> 1 de febrero de 2020, 13:14:15 CET: Hola', { year: 2020, month: 2, day: 1, hour: 13, minute: 14, second: 15 }],
    ['>>> 1 februari 2020 om 13:14:15 CET: Hoi', { year: 2020, month: 2, day: 1, hour: 13, minute: 14, second: 15 }],
    ['>>> 1 febbraio 2020 alle ore 13:14:15 CET: Ciao', { year: 2020, month: 2, day: 1, hour: 13, minute: 14, second: 15 }],
    ['>>> 12. März 2023 um 00:05:00 MEZ: Nacht', { year: 2023, month: 3, day: 12, hour: 0, minute: 5, second: 0 }],
    ['>>> December 31, 2022 at 12:30:00\u202fAM GMT: midnight', { year: 2022, month: 12, day: 31, hour: 0, minute: 30, second: 0 }],
    ['>>> 1 February 2020 at 23:59:59 GMT: en-GB', { year: 2020, month: 2, day: 1, hour: 23, minute: 59, second: 59 }],
  ])('%s', (line, wall) => {
    const head = readThreemaIosHead(line);
    expect(head).toMatchObject({ outgoing: true, name: null, wall });
  });

  it('reads a name holding brackets or a clock, and an empty body', () => {
    expect(readThreemaIosHead('<<< (Dr Lee (Locum) 10:00:00) 1. Februar 2020 um 13:14:15 MEZ: ok')).toMatchObject({ name: 'Dr Lee (Locum) 10:00:00', body: 'ok' });
    expect(readThreemaIosHead('<<< (Dr Lee) 1. Februar 2020 um 13:14:15 MEZ:')).toMatchObject({ name: 'Dr Lee', body: '' });
  });

  it('says which lines are not heads, and which are heads with impossible dates', () => {
    expect(readThreemaIosHead('>> 1. Februar 2020 um 13:14:15 MEZ: x')).toBeNull();
    expect(readThreemaIosHead('>>> see you at 13:14:15 tomorrow: x')).toBe('no-date');
    expect(readThreemaIosHead('>>> 31. Februar 2020 um 13:14:15 MEZ: x')).toBe('invalid');
    expect(readThreemaIosHead('>>> 1. února 2020 v 13:14:15 SEČ: x')).toBe('month');
  });

  it('names the other person of a one-to-one chat from the archive name Threema gives it', () => {
    expect(chatNameFromThreemaArchive('Threema_Dr_Ben_Okoro_202002011314.zip')).toBe('Dr Ben Okoro');
    expect(chatNameFromThreemaArchive('Threema_202002011314.zip')).toBeNull();
    expect(chatNameFromThreemaArchive('export.zip')).toBeNull();
  });

  it('reads media with and without captions, old and new', () => {
    const never = () => false;
    expect(readThreemaIosMedia('Bild (20200201-131502-448-image.jpg), Untertitel: Wunde', never)).toEqual({ attachment: '20200201-131502-448-image.jpg', text: 'Wunde' });
    expect(readThreemaIosMedia('Image (4f0c2a9e1b7d4e0a9a1e0c5b7d3e2f10.jpg) Caption wound', never)).toEqual({ attachment: '4f0c2a9e1b7d4e0a9a1e0c5b7d3e2f10.jpg', text: 'wound' });
    expect(readThreemaIosMedia('Video (1:03,20200201-131502-448-video.mp4)', never)).toEqual({ attachment: '20200201-131502-448-video.mp4', text: '' });
    // A name in brackets that is neither Threema's nor in the archive is just text.
    expect(readThreemaIosMedia('See notes (discharge.pdf) later', never)).toEqual({ attachment: null, text: 'See notes (discharge.pdf) later' });
    expect(readThreemaIosMedia('Scan (discharge.pdf)', (name) => name === 'discharge.pdf')).toEqual({ attachment: 'discharge.pdf', text: '' });
  });

  it('reads the text file of Threema for iOS before 2021 (Threema_<chat>_<date>.txt)', async () => {
    const writer = new ZipWriter(new BlobWriter('application/zip'), { password: 'pw', encryptionStrength: 3, useWebWorkers: false });
    await writer.add('Threema_Dr_Ben_Okoro_202002011314.txt', new TextReader('>>> 1. Februar 2020 um 13:14:15 MEZ: Hallo\r\n<<< 1. Februar 2020 um 13:15:00 MEZ: Servus\r\n'));
    const path = writeExport(dir.path, 'Threema_Dr_Ben_Okoro_202002011314.zip', Buffer.from(await (await writer.close()).arrayBuffer()));
    const { messages, thread } = await parseAll(path, { zone: 'Europe/Berlin', password: 'pw' });
    expect(thread).toMatchObject({ source: 'threema', title: 'Dr Ben Okoro', participants: ['Me', 'Dr Ben Okoro'] });
    expect(messages.map((m) => [m.sender, m.text, m.instant])).toEqual([
      ['Me', 'Hallo', '2020-02-01T12:14:15Z'],
      ['Dr Ben Okoro', 'Servus', '2020-02-01T12:15:00Z'],
    ]);
    expect(thread.warnings.map((w) => w.code)).toEqual(['sender-not-named']);
  });
});

describe('Telegram messages from deleted accounts', () => {
  it('keeps a sender for every message, naming the account as Telegram Desktop does', async () => {
    const path = writeExport(
      dir.path,
      'telegram-deleted.json',
      JSON.stringify({ name: 'Ward 9', type: 'private_group', id: 1, messages: [{ id: 1, type: 'message', date_unixtime: '1678698000', from: null, from_id: 'user555', text: 'old advice' }] }),
    );
    const { messages, thread } = await parseAll(path, LONDON);
    expect(messages.map((m) => [m.kind, m.sender])).toEqual([['message', 'Deleted Account (user555)']]);
    expect(thread.participants).toEqual(['Deleted Account (user555)']);
  });
});

describe('Threema for iOS: head-like text inside a message', () => {
  it('keeps a pasted line with an impossible date as text instead of refusing the export', async () => {
    const writer = new ZipWriter(new BlobWriter('application/zip'), { password: 'pw', encryptionStrength: 3, useWebWorkers: false });
    await writer.add(
      'messages.txt',
      new TextReader('>>> 1. Februar 2020 um 13:14:15 MEZ: Kopie:\n>>> 31. Februar 2020 um 13:00:00 MEZ: alt\r\n<<< (Dr Lee) 1. Februar 2020 um 13:15:00 MEZ: ok\r\n'),
    );
    const path = writeExport(dir.path, 'Threema_Station_202002011314.zip', Buffer.from(await (await writer.close()).arrayBuffer()));
    const { messages } = await parseAll(path, { zone: 'Europe/Berlin', password: 'pw' });
    expect(messages.map((m) => [m.sender, m.text])).toEqual([
      ['Me', 'Kopie:\n>>> 31. Februar 2020 um 13:00:00 MEZ: alt'],
      ['Dr Lee', 'ok'],
    ]);
  });
});

describe('record order and people without names', () => {
  it('flags a message earlier than the one before it, but not local times repeating when the clocks go back', async () => {
    const path = writeExport(
      dir.path,
      'telegram-order.json',
      JSON.stringify({
        name: 'Ward 9',
        type: 'private_group',
        id: 1,
        messages: [
          // 01:59 BST, then 01:00 GMT an hour and one minute later: local time goes back, the instant does not.
          { id: 1, type: 'message', date_unixtime: String(Date.UTC(2023, 9, 29, 0, 59) / 1000), from: 'Dr Ada Shah', text: 'a' },
          { id: 2, type: 'message', date_unixtime: String(Date.UTC(2023, 9, 29, 1, 0) / 1000), from: 'Dr Ada Shah', text: 'b' },
          { id: 3, type: 'message', date_unixtime: String(Date.UTC(2023, 9, 29, 0, 30) / 1000), from: 'Dr Ben Okoro', text: 'c' },
        ],
      }),
    );
    const { messages } = await parseAll(path, LONDON);
    expect(messages.map((m) => [m.localTime, m.flags.includes('out-of-order')])).toEqual([
      ['2023-10-29T01:59:00', false],
      ['2023-10-29T01:00:00', false],
      ['2023-10-29T01:30:00', true],
    ]);
  });

  it('names a Teams user Graph gives no display name by their id, so two stay apart', async () => {
    const message = (id: string, userId: string) => ({ id, messageType: 'message', createdDateTime: `2023-03-13T09:0${id}:00Z`, from: { user: { id: userId, displayName: null } }, body: { contentType: 'text', content: 'x' } });
    const path = writeExport(dir.path, 'teams-unnamed.json', JSON.stringify({ value: [message('1', 'aaa'), message('2', 'bbb')] }));
    const { thread } = await parseAll(path, LONDON);
    expect(thread.participants).toEqual(['Unknown user (aaa)', 'Unknown user (bbb)']);
  });
});
