import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp';
import { parseAll, writeExport } from './helpers';

/**
 * H-008 / H-009: the head, sender and marker decisions of the line parser, stated exactly — who a
 * message is from, where one ends, and what is flagged — where mutation testing found them unstated.
 */
const dir = tempDir('wardscribe-head-line-');
afterAll(() => dir.remove());
let counter = 0;
const parse = (content: string, options: Record<string, unknown> = {}) =>
  parseAll(writeExport(dir.path, `chat-${++counter}.txt`, content), { zone: 'Europe/London', ...options });

describe('senders', () => {
  it('trims directional marks from both ends of a name and unwraps one embedding', async () => {
    const { messages } = await parse(
      '13/03/2023, 14:05 - \u200EDr Ada Shah\u200F: one\n13/03/2023, 14:06 - \u202A+44 7700 900123\u202C: two\n13/03/2023, 14:07 - \u202BDr\u202E B\u202C: three\n',
    );
    expect(messages.map((message) => message.sender)).toEqual(['Dr Ada Shah', '+44 7700 900123', '\u202BDr\u202E B\u202C']);
    expect(messages.map((message) => message.text)).toEqual(['one', 'two', 'three']);
  });

  it('a line whose words before ": " open a quotation is a system line, not a sender', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - Ann changed the subject to "Ward: 7"\n13/03/2023, 14:06 - Ann: hello\n');
    expect(messages[0]).toMatchObject({ kind: 'system', sender: null });
    expect(messages[1]).toMatchObject({ kind: 'message', sender: 'Ann', text: 'hello' });
  });

  it('a quote inside a word is part of the name', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - ד"ר כהן: שלום\n');
    expect(messages[0]).toMatchObject({ kind: 'message', sender: 'ד"ר כהן', text: 'שלום' });
  });

  it('a long system line with ": " in it is no sender', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - Alice changed this group\'s settings: only admins\n13/03/2023, 14:06 - Ann: hello\n');
    expect(messages[0]).toMatchObject({ kind: 'system', sender: null });
  });

  it('an Android line with no ": " is a system line', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - Ann added Ben\n13/03/2023, 14:06 - Ben: thanks\n');
    expect(messages.map((message) => [message.kind, message.sender])).toEqual([
      ['system', null],
      ['message', 'Ben'],
    ]);
  });
});

describe('heads inside bodies', () => {
  it('a head in another layout inside a message stays in it, flagged embedded-header', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - Ada: pasted:\n[12/03/2023, 09:00:00] Ben: give 5 mg\n13/03/2023, 14:06 - Ben: ok\n');
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatchObject({ sender: 'Ada', text: 'pasted:\n[12/03/2023, 09:00:00] Ben: give 5 mg' });
    expect(messages[0]!.flags).toContain('embedded-header');
    expect(messages[1]!.flags).not.toContain('embedded-header');
  });

  it('a date that starts a sentence in another layout is not flagged', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - Ada: see you\n[12/03/2023, 09:00:00] was the last time\n');
    expect(messages).toHaveLength(1);
    expect(messages[0]!.flags).not.toContain('embedded-header');
  });
});

describe('files that are not chats', () => {
  it('refuses a file with no messages, saying so', async () => {
    await expect(parse('hello\nthis is not a chat\n')).rejects.toThrow('No messages were found: this file is not a chat export in a format Wardscribe reads.');
  });
});

describe('sender names, exactly', () => {
  it('a name of 80 characters is a sender; 81 is not', async () => {
    const eighty = 'A'.repeat(80);
    const eightyOne = 'B'.repeat(81);
    const { messages } = await parse(`13/03/2023, 14:05 - ${eighty}: one\n13/03/2023, 14:06 - ${eightyOne}: two\n`);
    expect(messages[0]).toMatchObject({ sender: eighty, text: 'one', kind: 'message' });
    expect(messages[1]).toMatchObject({ sender: null, kind: 'system', text: `${eightyOne}: two` });
  });

  it('"Name:" with nothing after it, and "Name:text", are senders; a clock or a link after the head is not', async () => {
    const { messages } = await parse(
      '13/03/2023, 14:05 - Ada:\n13/03/2023, 14:06 - Ben:ok\n13/03/2023, 14:07 - Meeting at 10:30 moved\n13/03/2023, 14:08 - see https://x.example\n13/03/2023, 14:09 - Ann changed the subject to "a:b"\n',
    );
    expect(messages.map((message) => [message.sender, message.text])).toEqual([
      ['Ada', ''],
      ['Ben', 'ok'],
      [null, 'Meeting at 10:30 moved'],
      [null, 'see https://x.example'],
      [null, 'Ann changed the subject to "a:b"'],
    ]);
  });

  it('a sender seen before is the same name again, however often', async () => {
    const { messages, thread } = await parse('13/03/2023, 14:05 - Ada: one\n13/03/2023, 14:06 - Ada: two\n13/03/2023, 14:07 - Adam: three\n13/03/2023, 14:08 - Ada: four\n');
    expect(messages.map((message) => message.sender)).toEqual(['Ada', 'Ada', 'Adam', 'Ada']);
    expect(thread.participants).toEqual(['Ada', 'Adam']);
  });

  it('a name that is only marks is an empty name, warned about, its text still its message', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - \u200E\u200F: hello\n');
    expect(messages[0]).toMatchObject({ sender: '', text: 'hello', kind: 'message' });
    expect(messages[0]!.warnings).toEqual([
      { line: 1, code: 'sender-name-empty', message: "The sender's name on line 1 is empty in the export (a contact saved without a name): check who sent it." },
    ]);
  });
});

describe('bodies the phone marks with U+200E', () => {
  it('an attachment, omitted media and a deletion keep their sender', async () => {
    const { messages } = await parse(
      '[13/03/2023, 14:05:00] Ada: \u200E<attached: 00000042-PHOTO-2023-03-13-14-05-00.jpg>\n[13/03/2023, 14:06:00] Ada: \u200Eimage omitted\n[13/03/2023, 14:07:00] Ada: \u200EThis message was deleted.\n',
    );
    expect(messages.map((message) => [message.sender, message.kind, message.text, message.flags])).toEqual([
      ['Ada', 'message', '', ['attachment']],
      ['Ada', 'message', '', ['media-omitted']],
      ['Ada', 'message', '', ['deleted']],
    ]);
    expect(messages[0]!.attachment).toBe('00000042-PHOTO-2023-03-13-14-05-00.jpg');
    expect(messages[0]!.warnings).toEqual([{ line: 1, code: 'attachment-missing', message: 'The attachment named on line 1 is not in the export.' }]);
  });

  it('a group event "from" the group is a system line, and the group names the thread', async () => {
    const { messages, thread } = await parse('[13/03/2023, 14:05:00] Ward 7: \u200EDr A added Dr B\n[13/03/2023, 14:06:00] Dr A: welcome\n');
    expect(messages[0]).toMatchObject({ sender: null, kind: 'system', text: 'Dr A added Dr B' });
    expect(messages[0]!.flags).toEqual(['group-name-author', 'system']);
    expect(thread.title).toBe('Ward 7');
    expect(thread.warnings).toEqual([]);
  });

  it('an event author who also sends ordinary messages is warned about', async () => {
    const { thread } = await parse('[13/03/2023, 14:05:00] Dr A: \u200EDr A added Dr B\n[13/03/2023, 14:06:00] Dr A: welcome\n');
    expect(thread.warnings).toContainEqual({
      line: 1,
      code: 'event-author-also-sender',
      message: 'Line 1 was read as a group event, but its author also sent ordinary messages: check it was not a message.',
    });
  });

  it('a location keeps its sender and loses the mark; an unknown form keeps its sender, flagged', async () => {
    const { messages } = await parse('[13/03/2023, 14:05:00] Ada: \u200ELocation: https://maps.example/?q=51.5\n[13/03/2023, 14:06:00] Ada: \u200EPOLL: Lunch?\n');
    expect(messages[0]).toMatchObject({ sender: 'Ada', kind: 'message', text: 'Location: https://maps.example/?q=51.5', flags: [] });
    expect(messages[1]).toMatchObject({ sender: 'Ada', kind: 'message', text: 'POLL: Lunch?', flags: ['unrecognised-marker'] });
  });

  it('the encryption notice is a system line, whoever it is "from"', async () => {
    const { messages } = await parse('[13/03/2023, 14:05:00] Ada: \u200EMessages and calls are end-to-end encrypted. No one outside of this chat can read them.\n[13/03/2023, 14:06:00] Ada: hi\n');
    expect(messages[0]).toMatchObject({ sender: null, kind: 'system', flags: ['system'] });
    expect(messages[0]!.text.startsWith('Messages and calls')).toBe(true);
    const android = await parse('13/03/2023, 14:05 - Ada: Messages and calls are end-to-end encrypted.\n13/03/2023, 14:06 - Ada: Messages and calls are end-to-end encrypted.\n');
    // First message only: later, the same words are someone's message.
    expect(android.messages.map((message) => [message.kind, message.sender])).toEqual([
      ['system', null],
      ['message', 'Ada'],
    ]);
  });

  it('RLM before an app body counts as the app\'s mark; a space before the mark is dropped', async () => {
    const { messages } = await parse('[13/03/2023, 14:05:00] Ada: \u200Fimage omitted\n[13/03/2023, 14:06:00] Ada:  \u200Eimage omitted\n');
    expect(messages.map((message) => [message.sender, message.flags])).toEqual([
      ['Ada', ['media-omitted']],
      ['Ada', ['media-omitted']],
    ]);
  });

  it('an Android system line keeps a wrapped name\'s marks, dropping only the app\'s', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - \u200E\u202BAda\u202C\u200E added you\n13/03/2023, 14:06 - Ben: ok\n');
    expect(messages[0]).toMatchObject({ kind: 'system', text: '\u200E\u202BAda\u202C\u200E added you' });
  });
});

describe('flags and warnings', () => {
  it('an edit marker, a deletion and omitted media flag an ordinary message', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - Ada: Give 5 mg <This message was edited>\n13/03/2023, 14:06 - Ada: <Media omitted>\n13/03/2023, 14:07 - Ada: This message was deleted\n13/03/2023, 14:08 - Ada: <Mídia não incluída>\n');
    expect(messages.map((message) => [message.text, message.flags])).toEqual([
      ['Give 5 mg', ['edited']],
      ['', ['media-omitted']],
      ['', ['deleted']],
      ['<Mídia não incluída>', ['unrecognised-marker']],
    ]);
  });

  it('the embedded-head warnings say which line and why', async () => {
    const after = await parse('13/03/2023, 14:05 - Ada: 12/03/2023, 09:00 - Ben: give 5 mg\n');
    expect(after.messages[0]!.warnings).toEqual([
      { line: 1, code: 'embedded-header-after-sender', message: "Line 1 holds a second message head after the sender's name (a pasted message?): check who wrote it." },
    ]);
    expect(after.messages[0]!.flags).toContain('embedded-header');
    const other = await parse('13/03/2023, 14:05 - Ada: pasted:\n[12/03/2023, 09:00:00] Ben: give 5 mg\n');
    expect(other.messages[0]!.warnings).toEqual([
      { line: 2, code: 'embedded-header-other-form', message: 'Line 2 looks like a message head written in another form; kept in the message above for review.' },
    ]);
  });

  it('a message dated before the one above is flagged out of order; the same minute is not', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - Ada: one\n13/03/2023, 14:05 - Ben: two\n13/03/2023, 14:04 - Ada: three\n13/03/2023, 14:06 - Ben: four\n');
    expect(messages.map((message) => message.flags.includes('out-of-order'))).toEqual([false, false, true, false]);
  });

  it('bidi controls in a body or a sender are flagged', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - Ada: dose \u202E01 mg\n13/03/2023, 14:06 - Ben: plain\n13/03/2023, 14:07 - B\u202Eob: x\n');
    expect(messages.map((message) => message.flags.includes('bidi-controls'))).toEqual([true, false, true]);
  });

  it('continuation lines, blank ones included, belong to the message above', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - Ada: one\n\ntwo\n13/03/2023, 14:06 - Ben: x\n');
    expect(messages[0]!.text).toBe('one\n\ntwo');
  });

  it('text before the first message is a preamble dated like it, and warned about', async () => {
    const { messages, thread } = await parse('exported by a tool\nsecond line\n\n13/03/2023, 14:05 - Ada: one\n');
    expect(messages[0]).toMatchObject({ kind: 'system', sender: null, text: 'exported by a tool\nsecond line', flags: ['system', 'preamble'], localTime: '2023-03-13T14:05:00', line: 1 });
    expect(thread.warnings).toContainEqual({ line: 1, code: 'text-before-first-message', message: 'Line 1 to 2 come before the first message: kept as a preamble for review.' });
  });
});

describe('where a sender\'s name ends', () => {
  it('the ": " must be on the head\'s own line', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - Ann left\nBen: hi\n13/03/2023, 14:06 - Ben: ok\n');
    expect(messages[0]).toMatchObject({ kind: 'system', sender: null, text: 'Ann left\nBen: hi', head: '13/03/2023, 14:05 - ' });
    expect(messages[1]).toMatchObject({ kind: 'message', sender: 'Ben', text: 'ok', head: '13/03/2023, 14:06 - Ben:' });
  });

  it('a bare ":" ends a name unless a digit stands on either side of it or a "/" after it', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - Ada:ok\n13/03/2023, 14:06 - Room 4:ready\n13/03/2023, 14:07 - Ward:5 beds\n13/03/2023, 14:08 - see http:/x\n');
    expect(messages.map((message) => [message.sender, message.text])).toEqual([
      ['Ada', 'ok'],
      [null, 'Room 4:ready'],
      [null, 'Ward:5 beds'],
      [null, 'see http:/x'],
    ]);
  });

  it('a bare ":" up to 80 characters after the head ends a name; one further is text', async () => {
    const { messages } = await parse(`13/03/2023, 14:05 - ${'A'.repeat(80)}:ok\n13/03/2023, 14:06 - ${'B'.repeat(81)}:ok\n`);
    expect(messages.map((message) => message.sender)).toEqual(['A'.repeat(80), null]);
  });

  it('curly quotes and guillemets left open before ": " make a system line; closed, they are part of a name', async () => {
    const { messages } = await parse(
      '13/03/2023, 14:05 - Ann changed the subject to “Ward: 7”\n13/03/2023, 14:06 - Ann changed the subject to «Ward: 7»\n13/03/2023, 14:07 - Dr “Bones” Smith: hi\n13/03/2023, 14:08 - Dr «Bones» Smith: hi\n13/03/2023, 14:09 - Thandi "Ndazo\'s Sister" Tshabalala: hi\n',
    );
    expect(messages.map((message) => message.sender)).toEqual([null, null, 'Dr “Bones” Smith', 'Dr «Bones» Smith', 'Thandi "Ndazo\'s Sister" Tshabalala']);
  });

  it('the words of a long system line before ": " are no name; a name of 20 characters holding them is', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - Ann changed the group: x\n13/03/2023, 14:06 - Al changed the group: x\n');
    expect(messages.map((message) => message.sender)).toEqual([null, 'Al changed the group']);
  });
});

describe('names wrapped in directional controls', () => {
  it('ALM and RLM at either end are dropped; an embedding is unwrapped only when nothing inside could reorder it', async () => {
    const { messages } = await parse(
      '13/03/2023, 14:05 - \u061CAda\u200F: one\n13/03/2023, 14:06 - \u202BBen\u202C: two\n13/03/2023, 14:07 - \u202ADr\u2066B\u202C: three\n13/03/2023, 14:08 - \u202ADr\u2069B\u202C: four\n13/03/2023, 14:09 - \u202ADr\u2065B\u202C: five\n13/03/2023, 14:10 - \u202ADr\u202AB\u202C: six\n',
    );
    expect(messages.map((message) => message.sender)).toEqual(['Ada', 'Ben', '\u202ADr\u2066B\u202C', '\u202ADr\u2069B\u202C', 'Dr\u2065B', '\u202ADr\u202AB\u202C']);
  });

  it('an embedding with nothing inside is an empty name', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - \u202A\u202C: hello\n');
    expect(messages[0]).toMatchObject({ sender: '', text: 'hello' });
  });
});

describe('the layout and the group', () => {
  it('bracketed heads are iOS, bare ones Android', async () => {
    expect((await parse('[13/03/2023, 14:05:00] Ada: one\n')).thread.source).toBe('whatsapp-ios');
    expect((await parse('13/03/2023, 14:05 - Ada: one\n')).thread.source).toBe('whatsapp-android');
  });

  it('the first group event names the thread; an event author is remembered from its first event', async () => {
    const { thread } = await parse('[13/03/2023, 14:05:00] Ward 7: \u200EDr A added Dr B\n[13/03/2023, 14:06:00] Ward 8: \u200EDr A added Dr C\n[13/03/2023, 14:07:00] Ward 7: \u200EDr A removed Dr C\n[13/03/2023, 14:08:00] Ward 7: hello\n');
    expect(thread.title).toBe('Ward 7');
    expect(thread.warnings).toContainEqual({
      line: 1,
      code: 'event-author-also-sender',
      message: 'Line 1 was read as a group event, but its author also sent ordinary messages: check it was not a message.',
    });
  });

  it('a first body naming the app is the chat\'s notice, in a language we lack; later, a person\'s', async () => {
    const { messages } = await parse('[13/03/2023, 14:05:00] Ada: \u200EMesajlar WhatsApp ile korunur.\n[13/03/2023, 14:06:00] Ada: \u200EMesajlar WhatsApp ile korunur.\n');
    expect(messages.map((message) => [message.kind, message.sender])).toEqual([
      ['system', null],
      ['message', 'Ada'],
    ]);
    expect(messages[1]!.flags).toEqual(['unrecognised-marker']);
  });

  it('a message line that looks like a head in another layout, more than 80 characters before any ": ", is body', async () => {
    const { messages } = await parse(`13/03/2023, 14:05 - Ada: pasted\n[12/03/2023, 09:00:00] ${'x'.repeat(81)}: y\n`);
    expect(messages[0]!.warnings).toEqual([]);
    expect(messages[0]!.flags).not.toContain('embedded-header');
  });
});
