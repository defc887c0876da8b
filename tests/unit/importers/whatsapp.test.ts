import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp';
import { buildZip } from './zip-writer';
import { parseAll, writeExport } from './helpers';

const dir = tempDir('wardscribe-whatsapp-');
afterAll(() => dir.remove());
let counter = 0;
const file = (content: string | Buffer, name = `chat-${++counter}.txt`) => writeExport(dir.path, name, content);
const LONDON = { zone: 'Europe/London' };

describe('WhatsApp head forms', () => {
  const cases: { form: string; lines: string; order?: 'dmy' | 'mdy'; local: string; sender: string }[] = [
    { form: 'iOS 24 h with seconds', lines: '[13/03/2023, 14:05:09] Dr Ada Shah: Bloods fine', local: '2023-03-13T14:05:09', sender: 'Dr Ada Shah' },
    { form: 'Android 24 h', lines: '13/03/2023, 14:05 - Dr Ada Shah: Bloods fine', local: '2023-03-13T14:05:00', sender: 'Dr Ada Shah' },
    { form: 'iOS 12 h with U+202F', lines: '[3/13/23, 2:05:09\u202FPM] Dr Ada Shah: Bloods fine', local: '2023-03-13T14:05:09', sender: 'Dr Ada Shah' },
    { form: 'Spanish "p. m."', lines: '13/3/23, 2:05 p. m. - Dr Ada Shah: Bloods fine', local: '2023-03-13T14:05:00', sender: 'Dr Ada Shah' },
    { form: 'Spanish "p.m."', lines: '13/3/23, 12:05 a.m. - Dr Ada Shah: Bloods fine', local: '2023-03-13T00:05:00', sender: 'Dr Ada Shah' },
    { form: 'German dots', lines: '13.03.23, 14:05 - Dr Ada Shah: Bloods fine', local: '2023-03-13T14:05:00', sender: 'Dr Ada Shah' },
    { form: 'dashes, year-first', lines: '2023-03-13, 14:05 - Dr Ada Shah: Bloods fine', local: '2023-03-13T14:05:00', sender: 'Dr Ada Shah' },
    { form: 'Finnish klo', lines: '13.3.2023 klo 14.05 - Dr Ada Shah: Bloods fine', local: '2023-03-13T14:05:00', sender: 'Dr Ada Shah' },
    { form: 'iOS with leading LRM', lines: '\u200E[13/03/2023, 14:05:09] Dr Ada Shah: Bloods fine', local: '2023-03-13T14:05:09', sender: 'Dr Ada Shah' },
    { form: 'month-first US', lines: '3/13/23, 2:05 PM - Dr Ada Shah: Bloods fine', local: '2023-03-13T14:05:00', sender: 'Dr Ada Shah' },
  ];
  for (const { form, lines, local, sender } of cases) {
    it(`reads ${form}`, async () => {
      const { messages } = await parseAll(file(lines + '\n'), LONDON);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({ sender, text: 'Bloods fine', localTime: local, kind: 'message', line: 1 });
      expect(messages[0]!.instant).toBe(new Date(`${local}Z`).toISOString().replace('.000Z', 'Z')); // March 13: GMT
    });
  }

  it('joins continuation lines and keeps head line numbers', async () => {
    const { messages } = await parseAll(file('13/03/2023, 14:05 - Ada: line one\nline two\n\nline four\n13/03/2023, 14:07 - Ben: ok\n'), LONDON);
    expect(messages.map((m) => [m.sender, m.text, m.line])).toEqual([
      ['Ada', 'line one\nline two\n\nline four', 1],
      ['Ben', 'ok', 5],
    ]);
  });

  it('accepts CRLF and a byte-order mark', async () => {
    const { messages } = await parseAll(file('\uFEFF13/03/2023, 14:05 - Ada: one\r\ntwo\r\n'), LONDON);
    expect(messages[0]!.text).toBe('one\ntwo');
  });
});

describe('time is never guessed', () => {
  it('refuses a file whose day/month order is not proven, unless told', async () => {
    const path = file('01/02/24, 10:00 - Ada: hello\n02/01/24, 11:00 - Ben: hi\n');
    await expect(parseAll(path, LONDON)).rejects.toThrow(/dmy or mdy/);
    const dmy = await parseAll(path, { ...LONDON, dateOrder: 'dmy' });
    expect(dmy.messages[0]!.localTime).toBe('2024-02-01T10:00:00');
    expect(dmy.thread.dateOrder).toEqual({ order: 'dmy', decidedBy: 'caller' });
    const mdy = await parseAll(path, { ...LONDON, dateOrder: 'mdy' });
    expect(mdy.messages[0]!.localTime).toBe('2024-01-02T10:00:00');
  });

  it('proves the order from one day above 12, and rejects a contradiction', async () => {
    const proven = await parseAll(file('01/02/24, 10:00 - Ada: a\n25/02/24, 10:00 - Ada: b\n'), LONDON);
    expect(proven.thread.dateOrder).toEqual({ order: 'dmy', decidedBy: 'file' });
    expect(proven.messages[0]!.localTime).toBe('2024-02-01T10:00:00');
    await expect(parseAll(file('25/02/24, 10:00 - Ada: a\n02/26/24, 10:00 - Ada: b\n'), LONDON)).rejects.toThrow(/contradict each other \(line 1 is day-first, line 2 is month-first\)/);
  });

  it('flags the spring-forward gap and the repeated autumn hour in Europe/London, with no instant', async () => {
    const { messages } = await parseAll(
      file('26/03/2023, 00:30 - Ada: before\n26/03/2023, 01:30 - Ada: gap\n29/10/2023, 01:30 - Ada: twice\n29/10/2023, 02:30 - Ada: after\n'),
      LONDON,
    );
    expect(messages.map((m) => [m.localTime, m.instant, m.flags.filter((f) => f.startsWith('dst'))])).toEqual([
      ['2023-03-26T00:30:00', '2023-03-26T00:30:00Z', []],
      ['2023-03-26T01:30:00', null, ['dst-gap']],
      ['2023-10-29T01:30:00', null, ['dst-ambiguous']],
      ['2023-10-29T02:30:00', '2023-10-29T02:30:00Z', []],
    ]);
  });

  it('reads the same wall clock in the zone it is given', async () => {
    const path = file('13/07/2023, 09:00 - Ada: x\n');
    const london = await parseAll(path, LONDON);
    const newYork = await parseAll(path, { zone: 'America/New_York' });
    expect(london.messages[0]!.instant).toBe('2023-07-13T08:00:00Z');
    expect(newYork.messages[0]!.instant).toBe('2023-07-13T13:00:00Z');
    await expect(parseAll(path, { zone: 'Mars/Olympus' })).rejects.toThrow(/not a time zone/);
  });
});

describe('system events', () => {
  it('reads iOS group events "from" the group name as system, and the group as the title', async () => {
    const { messages, thread } = await parseAll(
      file(
        [
          '[13/03/2023, 09:00:00] Ward 7: \u200EMessages and calls are end-to-end encrypted. No one outside of this chat can read them.',
          '[13/03/2023, 09:00:01] Ward 7: \u200EDr Ada Shah created group "Ward 7"',
          '[13/03/2023, 09:01:00] Ward 7: \u200EDr Ada Shah added Dr Ben Okoro',
          '[13/03/2023, 09:02:00] Dr Ada Shah: Morning all',
          '[13/03/2023, 09:03:00] Dr Ben Okoro: \u200E<attached: 00000042-PHOTO-2023-03-13-09-03-00.jpg>',
        ].join('\n'),
        '_ios.txt',
      ),
      LONDON,
    );
    expect(messages.map((m) => [m.kind, m.sender])).toEqual([
      ['system', null],
      ['system', null],
      ['system', null],
      ['message', 'Dr Ada Shah'],
      ['message', 'Dr Ben Okoro'],
    ]);
    expect(messages[1]!.flags).toContain('group-name-author');
    expect(messages[2]!.text).toBe('Dr Ada Shah added Dr Ben Okoro');
    expect(thread.title).toBe('Ward 7');
    expect(thread.participants).toEqual(['Dr Ada Shah', 'Dr Ben Okoro']);
    expect(thread.source).toBe('whatsapp-ios');
  });

  it('keeps the sender of a body that starts with U+200E but is no marker or group event, and flags it', async () => {
    const { messages, thread } = await parseAll(file('[13/03/2023, 09:00:00] Ada: \u200EStop the heparin\n[13/03/2023, 09:01:00] Ada: thanks\n'), LONDON);
    expect(messages[0]!).toMatchObject({ kind: 'message', sender: 'Ada', text: 'Stop the heparin' });
    expect(messages[0]!.flags).toContain('unrecognised-marker');
    expect(messages[0]!.head).toBe('[13/03/2023, 09:00:00] Ada:');
    expect(messages[1]!).toMatchObject({ kind: 'message', sender: 'Ada' });
    expect(thread.participants).toEqual(['Ada']);
  });

  it('warns when a group-event author also sends ordinary messages', async () => {
    const { messages, thread } = await parseAll(file('[13/03/2023, 09:00:00] Ada: \u200EAda added Ben\n[13/03/2023, 09:01:00] Ada: thanks\n'), LONDON);
    expect(messages[0]!).toMatchObject({ kind: 'system', sender: null });
    expect(thread.warnings).toEqual([expect.objectContaining({ line: 1, code: 'event-author-also-sender' })]);
  });

  it('never turns the partner of a 1:1 chat into "the group" because the file is named after them', async () => {
    const path = writeExport(dir.path, 'WhatsApp Chat with Dr Ben Okoro.txt', '13/03/2023, 09:00 - Dr Ben Okoro: Stop the heparin\n13/03/2023, 09:01 - Ada: ok\n');
    const { messages, thread } = await parseAll(path, LONDON);
    expect(messages.map((m) => [m.kind, m.sender])).toEqual([
      ['message', 'Dr Ben Okoro'],
      ['message', 'Ada'],
    ]);
    expect(thread.title).toBe('Dr Ben Okoro');
  });

  it('reads the 1:1 encryption notice from the partner as system', async () => {
    const { messages } = await parseAll(file('[13/03/2023, 09:00:00] Dr Ben Okoro: Messages and calls are end-to-end encrypted.\n[13/03/2023, 09:01:00] Dr Ben Okoro: hi\n'), LONDON);
    expect(messages.map((m) => m.kind)).toEqual(['system', 'message']);
  });

  it('reads Android system lines (no author) as system', async () => {
    const { messages, thread } = await parseAll(
      file('13/03/2023, 09:00 - Dr Ada Shah added Dr Ben Okoro\n13/03/2023, 09:01 - Dr Ada Shah changed the subject to "Ward: 7"\n13/03/2023, 09:02 - Dr Ada Shah: hi\n'),
      LONDON,
    );
    expect(messages.map((m) => [m.kind, m.sender, m.flags.includes('system')])).toEqual([
      ['system', null, true],
      ['system', null, true],
      ['message', 'Dr Ada Shah', false],
    ]);
    expect(thread.source).toBe('whatsapp-android');
  });
});

describe('markers in seven languages', () => {
  const markers: [string, string, string][] = [
    ['en', '<Media omitted>', 'media-omitted'],
    ['de', '<Medien ausgeschlossen>', 'media-omitted'],
    ['fr', '<Médias omis>', 'media-omitted'],
    ['es', '<Multimedia omitido>', 'media-omitted'],
    ['it', '<Media omessi>', 'media-omitted'],
    ['nl', '<Media weggelaten>', 'media-omitted'],
    ['pt', '<Mídia oculta>', 'media-omitted'],
    ['en iOS', '\u200Eimage omitted', 'media-omitted'],
    ['de iOS', '\u200EBild weggelassen', 'media-omitted'],
    ['en', 'This message was deleted', 'deleted'],
    ['de', 'Diese Nachricht wurde gelöscht', 'deleted'],
    ['fr', 'Ce message a été supprimé', 'deleted'],
    ['es', 'Se eliminó este mensaje.', 'deleted'],
    ['it', 'Questo messaggio è stato eliminato', 'deleted'],
    ['nl', 'Dit bericht is verwijderd', 'deleted'],
    ['pt', 'Esta mensagem foi apagada', 'deleted'],
  ];
  for (const [language, marker, flag] of markers) {
    it(`reads ${language} "${marker.replace('\u200E', '')}" as ${flag}`, async () => {
      const { messages } = await parseAll(file(`13/03/2023, 09:00 - Ada: ${marker}\n`), LONDON);
      expect(messages[0]!.flags).toContain(flag);
      expect(messages[0]!.text).toBe('');
    });
  }

  const edited: [string, string][] = [
    ['en', '<This message was edited>'],
    ['de', '<Diese Nachricht wurde bearbeitet>'],
    ['fr', '<Ce message a été modifié>'],
    ['es', '<Se editó este mensaje.>'],
    ['it', '<Questo messaggio è stato modificato>'],
    ['nl', '<Dit bericht is bewerkt>'],
    ['pt', '<Esta mensagem foi editada>'],
  ];
  for (const [language, marker] of edited) {
    it(`reads the ${language} edit marker and strips it`, async () => {
      const { messages } = await parseAll(file(`13/03/2023, 09:00 - Ada: Give 5 mg ${marker}\n`), LONDON);
      expect(messages[0]!.flags).toContain('edited');
      expect(messages[0]!.text).toBe('Give 5 mg');
    });
  }

  const attached: [string, string][] = [
    ['en Android', 'IMG-20230313-WA0001.jpg (file attached)'],
    ['de Android', 'IMG-20230313-WA0001.jpg (Datei angehängt)'],
    ['fr Android', 'IMG-20230313-WA0001.jpg (fichier joint)'],
    ['es Android', 'IMG-20230313-WA0001.jpg (archivo adjunto)'],
    ['it Android', 'IMG-20230313-WA0001.jpg (file allegato)'],
    ['nl Android', 'IMG-20230313-WA0001.jpg (bestand bijgevoegd)'],
    ['pt Android', 'IMG-20230313-WA0001.jpg (arquivo anexado)'],
    ['en iOS', '\u200E<attached: IMG-20230313-WA0001.jpg>'],
    ['de iOS', '\u200E<Anhang: IMG-20230313-WA0001.jpg>'],
  ];
  for (const [language, marker] of attached) {
    it(`reads the ${language} attachment marker and keeps the caption`, async () => {
      const { messages } = await parseAll(file(`13/03/2023, 09:00 - Ada: ${marker}\nwound day 3\n`), LONDON);
      expect(messages[0]!.attachment).toBe('IMG-20230313-WA0001.jpg');
      expect(messages[0]!.flags).toContain('attachment');
      expect(messages[0]!.text).toBe('wound day 3');
    });
  }
});

describe('pasted conversations', () => {
  it('keeps a head in another form inside the message and flags it', async () => {
    const { messages } = await parseAll(
      file('13/03/2023, 09:00 - Ada: forwarding what the reg said:\n[12/03/2023, 22:10:00] Registrar: stop the heparin\n13/03/2023, 09:05 - Ben: noted\n'),
      LONDON,
    );
    expect(messages.map((m) => m.sender)).toEqual(['Ada', 'Ben']);
    expect(messages[0]!.text).toContain('Registrar: stop the heparin');
    expect(messages[0]!.flags).toContain('embedded-header');
    expect(messages[0]!.warnings[0]).toMatchObject({ line: 2, code: 'embedded-header-other-form' });
  });

  it('starts a message at a head in the file\'s layout even when its time goes back, and flags it out of order', async () => {
    // Real exports are often out of time order: time is no evidence of pasting.
    const { messages } = await parseAll(
      file('13/03/2023, 09:00 - Ada: see below\n12/03/2023, 22:10 - Registrar: stop the heparin\n13/03/2023, 09:05 - Ben: noted\n'),
      LONDON,
    );
    expect(messages.map((m) => m.sender)).toEqual(['Ada', 'Registrar', 'Ben']);
    expect(messages.map((m) => m.flags.includes('out-of-order'))).toEqual([false, true, false]);
    expect(messages[0]!.flags).not.toContain('embedded-header');
  });

  it('flags a head nested straight after the sender\'s colon, and keeps it in that message', async () => {
    const { messages } = await parseAll(file('13/03/2023, 09:00 - Ada: 12/03/2023, 22:10 - Registrar: stop the heparin\n13/03/2023, 09:05 - Ben: noted\n'), LONDON);
    expect(messages.map((m) => m.sender)).toEqual(['Ada', 'Ben']);
    expect(messages[0]!.text).toBe('12/03/2023, 22:10 - Registrar: stop the heparin');
    expect(messages[0]!.flags).toContain('embedded-header');
    expect(messages[0]!.warnings[0]).toMatchObject({ line: 1, code: 'embedded-header-after-sender' });
  });
});

describe('zip exports', () => {
  const chat = '[13/03/2023, 09:00:00] Ada: \u200E<attached: 00000001-PHOTO-2023-03-13.jpg>\n[13/03/2023, 09:01:00] Ada: \u200E<attached: 00000002-PHOTO-2023-03-13.jpg>\n[13/03/2023, 09:02:00] Ben: ok\n';

  it('matches attachments to files in the zip and hands their bytes over', async () => {
    const photo = Buffer.from('fake jpeg bytes');
    const path = writeExport(dir.path, 'WhatsApp Chat - Ward 7.zip', buildZip([{ name: '_chat.txt', data: chat }, { name: '00000001-PHOTO-2023-03-13.jpg', data: photo, method: 0 }]));
    const { messages, thread } = await parseAll(path, LONDON);
    expect(thread.attachments).toEqual([
      { name: '00000001-PHOTO-2023-03-13.jpg', present: true },
      { name: '00000002-PHOTO-2023-03-13.jpg', present: false },
    ]);
    expect(messages[1]!.warnings.map((w) => w.code)).toEqual(['attachment-missing']);
    expect(thread.title).toBe('Ward 7');
    const { openChatExport } = await import('../../../main/importers');
    const opened = await openChatExport(path, LONDON);
    const chunks: Buffer[] = [];
    for await (const chunk of await opened.openMedia('00000001-PHOTO-2023-03-13.jpg')) chunks.push(chunk as Buffer);
    await opened.close();
    expect(Buffer.concat(chunks)).toEqual(photo);
  });

  it('gives the same fingerprint for the same export as .txt or .zip, and a different one when a word changes', async () => {
    const zipped = await parseAll(writeExport(dir.path, 'same.zip', buildZip([{ name: '_chat.txt', data: chat }])), LONDON);
    const plain = await parseAll(file(chat.replace(/\n/g, '\r\n')), LONDON);
    const changed = await parseAll(file(chat.replace('ok', 'OK')), LONDON);
    expect(zipped.thread.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(plain.thread.fingerprint).toBe(zipped.thread.fingerprint);
    expect(changed.thread.fingerprint).not.toBe(zipped.thread.fingerprint);
  });
});

describe('streaming', () => {
  it('reports progress up to the file size and stops when aborted', async () => {
    const body = Array.from({ length: 20_000 }, (_, i) => `13/03/2023, 09:${String(i % 60).padStart(2, '0')} - Ada: message ${i}`);
    // Keep times non-decreasing so every line is a message.
    const lines = body.map((_, i) => `13/03/2023, ${String(9 + Math.floor(i / 3600)).padStart(2, '0')}:${String(Math.floor(i / 60) % 60).padStart(2, '0')} - Ada: message ${i}`);
    const path = file(lines.join('\n') + '\n');
    const seen: number[] = [];
    const { messages } = await parseAll(path, { ...LONDON, onProgress: (done, total) => seen.push(done / (total ?? 1)) });
    expect(messages).toHaveLength(20_000);
    expect(seen.at(-1)).toBe(1);
    expect(seen.length).toBeGreaterThan(1);
    const controller = new AbortController();
    const { openChatExport } = await import('../../../main/importers');
    const chat = await openChatExport(path, { ...LONDON, signal: controller.signal });
    await chat.messages.next();
    controller.abort();
    await expect((async () => { for (;;) if ((await chat.messages.next()).done) return; })()).rejects.toThrow(/cancelled/);
  });
});

describe('what real exports hold', () => {
  it('keeps text before the first message as a flagged preamble, dated like that message, and says so', async () => {
    const { messages, thread } = await parseAll(file('\uFEFFWard 7 handover export\nfrom Sr Lee\n\n13/03/2023, 09:00 - Ada: hello\n'), LONDON);
    expect(messages[0]).toMatchObject({ sender: null, kind: 'system', text: 'Ward 7 handover export\nfrom Sr Lee', localTime: '2023-03-13T09:00:00', line: 1 });
    expect(messages[0]!.flags).toEqual(['system', 'preamble']);
    expect(messages[1]).toMatchObject({ sender: 'Ada', index: 1 });
    expect(thread.warnings.map((warning) => warning.code)).toContain('text-before-first-message');
    expect(thread.messageCount).toBe(2);
  });

  it('drops a byte-order mark without a preamble', async () => {
    const { messages } = await parseAll(file('\uFEFF13/03/2023, 09:00 - Ada: hello\n'), LONDON);
    expect(messages.map((message) => message.sender)).toEqual(['Ada']);
  });

  it('chooses the layout most heads are written in, not a stray line in another form before them', async () => {
    const lines = ['[12/03/2023, 22:10:00] Registrar: pasted before the export', ...Array.from({ length: 5 }, (_, index) => `13/03/2023, 09:0${index} - Ada: note ${index}`)];
    const { messages } = await parseAll(file(lines.join('\n') + '\n'), LONDON);
    expect(messages.map((message) => message.sender)).toEqual([null, 'Ada', 'Ada', 'Ada', 'Ada', 'Ada']);
    expect(messages[0]!.flags).toContain('preamble');
  });

  it('keeps the sender of RLM-marked omitted media in a right-to-left export', async () => {
    const { messages } = await parseAll(file('[\u200F27\u200F/3\u200F/2022\u060C 21:41:55] د. عمر: \u200Fلم يتم إدراج الصورة\n'), LONDON);
    expect(messages[0]).toMatchObject({ sender: 'د. عمر', kind: 'message', text: '', localTime: '2022-03-27T21:41:55' });
    expect(messages[0]!.flags).toContain('media-omitted');
  });

  it('reads the Buddhist Era year (with or without "BE") as the Gregorian year, and says so', async () => {
    const { messages, thread } = await parseAll(file('[3/18/2565 BE, 14:56:01] Somchai: hi\n[3/27/2565 BE, 21:41:35] Mali: ok\n'), LONDON);
    expect(messages.map((message) => message.localTime)).toEqual(['2022-03-18T14:56:01', '2022-03-27T21:41:35']);
    expect(thread.warnings[0]).toMatchObject({ code: 'calendar-buddhist' });
  });

  it('refuses Japanese era, Persian and Hijri dates, naming the calendar', async () => {
    await expect(parseAll(file('[3/18/R4, 14:56:00] Aiko: hi\n'), LONDON)).rejects.toThrow(/Japanese calendar/);
    await expect(parseAll(file('۱۴۰۲/۰۹/۱۰، ۱۴:۰۵ - Reza: hi\n'), LONDON)).rejects.toThrow(/Persian \(Solar Hijri\) calendar/);
    await expect(parseAll(file('15/05/1445, 14:05 - Omar: hi\n'), LONDON)).rejects.toThrow(/Islamic \(Hijri\) calendar/);
  });

  it('reads markers in their other shapes: guillemets, brackets inside out, U+200E inside', async () => {
    const french = await parseAll(file('12/07/2017 à 22:35 - Ana: ‹Médias omis>\n'), { ...LONDON, dateOrder: 'dmy' });
    expect(french.messages[0]).toMatchObject({ sender: 'Ana', text: '' });
    expect(french.messages[0]!.flags).toContain('media-omitted');
    const bracketed = await parseAll(
      file(
        [
          '[12/07/2017 22:36:00] Ana: \u200E<IMG-20170712-WA0001.jpg eklendi>',
          '[12/07/2017 22:37:00] Ana: 2017-07-12-PHOTO-00000001.jpg <\u200Eattached>',
          '[12/07/2017 22:38:00] Ana: < attached: 00000002-PHOTO-2017-07-12-22-38-00.jpg >',
          '[12/07/2017 22:39:00] Ana: \u200E<Média vynechány>',
        ].join('\n') + '\n',
      ),
      { ...LONDON, dateOrder: 'dmy' },
    );
    expect(bracketed.messages.map((message) => [message.sender, message.attachment, message.text])).toEqual([
      ['Ana', 'IMG-20170712-WA0001.jpg', ''],
      ['Ana', '2017-07-12-PHOTO-00000001.jpg', ''],
      ['Ana', '00000002-PHOTO-2017-07-12-22-38-00.jpg', ''],
      ['Ana', null, ''],
    ]);
    expect(bracketed.messages[3]!.flags).toContain('media-omitted');
  });

  it('keeps an unknown angle-bracket body as text, flagged, never dropping it', async () => {
    const { messages } = await parseAll(file('13/03/2023, 09:00 - Ada: <Medien nicht enthalten>\n'), LONDON);
    expect(messages[0]).toMatchObject({ sender: 'Ada', text: '<Medien nicht enthalten>' });
    expect(messages[0]!.flags).toContain('unrecognised-marker');
  });
});

describe('pasted conversations in the file\'s own layout', () => {
  it('warns when a run of earlier-dated messages comes from people who write nowhere else', async () => {
    const { messages, thread } = await parseAll(
      file(
        [
          '13/03/2023, 09:00 - Ada: the reg said overnight:',
          '12/03/2023, 22:10 - Registrar: stop the heparin',
          '12/03/2023, 22:11 - Night FY1: done',
          '13/03/2023, 09:05 - Ben: noted',
        ].join('\n') + '\n',
      ),
      LONDON,
    );
    expect(messages.map((m) => m.sender)).toEqual(['Ada', 'Registrar', 'Night FY1', 'Ben']);
    expect(thread.warnings).toContainEqual(expect.objectContaining({ code: 'pasted-conversation-suspected', line: 2 }));
  });

  it('says nothing of seconds-level reordering between people in the chat', async () => {
    const { messages, thread } = await parseAll(
      file(['13/03/2023, 09:00 - Ada: a', '13/03/2023, 09:02 - Ben: b', '13/03/2023, 09:01 - Ada: c', '13/03/2023, 09:01 - Ben: d', '13/03/2023, 09:03 - Ada: e'].join('\n') + '\n'),
      LONDON,
    );
    expect(messages[2]!.flags).toContain('out-of-order');
    expect(thread.warnings.map((warning) => warning.code)).not.toContain('pasted-conversation-suspected');
  });
});

describe('senders and markers as phones write them', () => {
  it('reads an Android system line that holds ": " as a system line, not a sender', async () => {
    const { messages } = await parseAll(file('13/03/2023, 09:00 - Alice changed this group: description\n13/03/2023, 09:01 - Ada: ok\n'), LONDON);
    expect(messages[0]).toMatchObject({ sender: null, kind: 'system', text: 'Alice changed this group: description' });
  });

  it('unwraps a phone number the phone wrapped in an embedding, so it is one clean sender', async () => {
    const { messages, thread } = await parseAll(file('13/03/2023, 09:00 - \u202A+44\u00A07700\u00A0900123\u202C: on my way\n'), LONDON);
    expect(messages[0]!.sender).toBe('+44\u00A07700\u00A0900123');
    expect(messages[0]!.flags).not.toContain('bidi-controls');
    expect(thread.participants).toEqual(['+44\u00A07700\u00A0900123']);
  });

  it('keeps the caption under an omitted-media marker, and reads an iOS document summary', async () => {
    const { messages } = await parseAll(
      file('[13/03/2023, 09:00:00] Ada: <Media weggelaten>\nwound day 3\n[13/03/2023, 09:01:00] Ada: Discharge.pdf \u2022 2 pages \u200E<attached: 00000012-Discharge.pdf>\n'),
      LONDON,
    );
    expect(messages[0]).toMatchObject({ text: 'wound day 3', sender: 'Ada' });
    expect(messages[0]!.flags).toContain('media-omitted');
    expect(messages[1]).toMatchObject({ attachment: '00000012-Discharge.pdf', text: '' });
  });
});
