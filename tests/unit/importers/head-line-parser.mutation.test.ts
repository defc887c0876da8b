import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../../support/temp';
import { parseAll, writeExport } from './helpers';
import { buildZip } from './zip-writer';

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

describe('quotations before ": " that no system-line words give away', () => {
  // Short lines without "changed the subject": only the open quotation tells them from a name.
  it('an open straight, curly or angle quotation is a system line, with or without a space after the colon', async () => {
    const { messages } = await parse(
      '13/03/2023, 14:05 - Ann named it "Bay: 4"\n13/03/2023, 14:06 - Ann named it “Bay: 4”\n13/03/2023, 14:07 - Ann named it «Bay: 4»\n13/03/2023, 14:08 - Ann named it "Bay:4"\n13/03/2023, 14:09 - Ann named it «Bay:x»\n',
    );
    expect(messages.map((message) => [message.kind, message.sender])).toEqual([
      ['system', null],
      ['system', null],
      ['system', null],
      ['system', null],
      ['system', null],
    ]);
  });

  it('quotations closed before the colon, however many, leave a name', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - Dr “A” “B” C: hi\n13/03/2023, 14:06 - Dr «A» «B» C: hi\n13/03/2023, 14:07 - Dr "A" "B" C: hi\n');
    expect(messages.map((message) => message.sender)).toEqual(['Dr “A” “B” C', 'Dr «A» «B» C', 'Dr "A" "B" C']);
  });

  it('an abbreviation\'s quote excuses only a lone quote mark: with two more, the line opens a quotation', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - ד"ר ורו"ח named it "Bay: 4"\n13/03/2023, 14:06 - ד"ר Cohen: hi\n');
    expect(messages.map((message) => [message.kind, message.sender])).toEqual([
      ['system', null],
      ['message', 'ד"ר Cohen'],
    ]);
  });

  it('a trimmed name is checked like any other: marks around a system line\'s words do not make them a sender', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - \u200EAnn named it "Bay: 4"\n13/03/2023, 14:06 - \u200FAnn changed the group\u200F: x\n');
    expect(messages.map((message) => [message.kind, message.sender])).toEqual([
      ['system', null],
      ['system', null],
    ]);
  });
});

describe('a bare ":" after a name, at its edges', () => {
  it('the digits 0 and 9 on either side make a clock; a ")" or "." before it and a letter after do not', async () => {
    const { messages } = await parse(
      '13/03/2023, 14:05 - Room 10:ready\n13/03/2023, 14:06 - Room 9:ready\n13/03/2023, 14:07 - Ward:0 beds\n13/03/2023, 14:08 - Ward:9 beds\n13/03/2023, 14:09 - Ward (A):ready\n13/03/2023, 14:10 - Dr A.:ready\n13/03/2023, 14:11 - Dr A/:ready\n',
    );
    expect(messages.map((message) => [message.sender, message.text])).toEqual([
      [null, 'Room 10:ready'],
      [null, 'Room 9:ready'],
      [null, 'Ward:0 beds'],
      [null, 'Ward:9 beds'],
      ['Ward (A)', 'ready'],
      ['Dr A.', 'ready'],
      ['Dr A/', 'ready'],
    ]);
  });

  it('only the name before the colon is looked at for quotations, not the rest of the file', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - Ada:ok\n13/03/2023, 14:06 - Ben: he is 5" taller\n');
    expect(messages.map((message) => [message.sender, message.text])).toEqual([
      ['Ada', 'ok'],
      ['Ben', 'he is 5" taller'],
    ]);
  });

  it('a ": " on a later line does not stop a bare colon on the head\'s own line ending the name', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - Ada:ok\nBen: hi\n13/03/2023, 14:06 - Ben: fine\n');
    expect(messages[0]).toMatchObject({ sender: 'Ada', text: 'ok\nBen: hi', head: '13/03/2023, 14:05 - Ada:' });
  });
});

describe('nothing before the colon', () => {
  it('a ": " or ":" straight after the head names nobody: a system line, not an empty name', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - : hello\n13/03/2023, 14:06 - :hello\n13/03/2023, 14:07 - Ann: ok\n');
    expect(messages.map((message) => [message.kind, message.sender, message.text, message.warnings])).toEqual([
      ['system', null, ': hello', []],
      ['system', null, ':hello', []],
      ['message', 'Ann', 'ok', []],
    ]);
  });
});

describe('known senders', () => {
  it('a name spelled "undefined" is a name, beside a known one of the same length', async () => {
    const { messages, thread } = await parse('13/03/2023, 14:05 - Ann Smith: one\n13/03/2023, 14:06 - undefined: two\n');
    expect(messages.map((message) => message.sender)).toEqual(['Ann Smith', 'undefined']);
    expect(thread.participants).toEqual(['Ann Smith', 'undefined']);
  });

  it('names of one length are told apart whole, whatever they start with', async () => {
    // The first name of a length opens its list of known names: nothing else may be in it.
    const { messages } = await parse('13/03/2023, 14:05 - Anna Bloggs-Smithson: one\n13/03/2023, 14:06 - Stryker was here too: two\n');
    expect(messages.map((message) => message.sender)).toEqual(['Anna Bloggs-Smithson', 'Stryker was here too']);
  });
});

describe('a head straight after the sender\'s colon, and heads of other forms', () => {
  it('a system line that starts with a head is not flagged as a pasted message', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - 12/03/2023, 09:00 - Ben left\n13/03/2023, 14:06 - Ada: ok\n');
    expect(messages[0]).toMatchObject({ kind: 'system', sender: null, warnings: [] });
    expect(messages[0]!.flags).toEqual(['system']);
  });

  it('a continuation line with ": " in it is text, not a head of another form', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - Ada: plan\nNote for the whole ward team: give 5 mg\n13/03/2023, 14:06 - Ben: ok\n');
    expect(messages[0]).toMatchObject({ sender: 'Ada', text: 'plan\nNote for the whole ward team: give 5 mg', warnings: [] });
    expect(messages[0]!.flags).toEqual([]);
  });

  it('a head of another form is evidence only with a name of 1 to 80 characters and ": " on its own line', async () => {
    const android = (minute: number, body: string) => `13/03/2023, 14:${minute} - Ada: ${body}\n`;
    const none = await parse(`${android(10, 'one')}[12/03/2023, 09:00:00] : y\n${android(11, 'two')}[12/03/2023, 09:00:00] was the last\nBen: hi\n${android(12, 'three')}`);
    expect(none.messages.map((message) => message.warnings)).toEqual([[], [], []]);
    expect(none.messages.map((message) => message.flags)).toEqual([[], [], []]);
    const eighty = await parse(`${android(10, 'one')}[12/03/2023, 09:00:00] ${'x'.repeat(80)}: y\n${android(11, 'two')}`);
    expect(eighty.messages[0]!.warnings.map((warning) => [warning.line, warning.code])).toEqual([[2, 'embedded-header-other-form']]);
  });
});

describe('what a system line keeps of its marks', () => {
  it('U+200E before an embedding, override or isolate control is kept; before anything else it is the app\'s mark, dropped', async () => {
    const lines = ['\u202A', '\u202E', '\u2066', '\u2069', '\u2029', '\u202F', '\u2065', '\u206A', '山'].map((first, index) => `13/03/2023, 14:${String(10 + index)} - \u200E${first}Ada added you`);
    const { messages } = await parse(`${lines.join('\n')}\n`);
    expect(messages.map((message) => message.text)).toEqual([
      '\u200E\u202AAda added you',
      '\u200E\u202EAda added you',
      '\u200E\u2066Ada added you',
      '\u200E\u2069Ada added you',
      '\u2029Ada added you',
      '\u202FAda added you',
      '\u2065Ada added you',
      '\u206AAda added you',
      '山Ada added you',
    ]);
  });

  it('U+200E then U+200F before an event are both dropped', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - \u200E\u200FAda added you\n');
    expect(messages[0]).toMatchObject({ kind: 'system', text: 'Ada added you' });
  });
});

describe('names with a mark at one end, or an embedding at one end', () => {
  it('a mark at either end alone is trimmed', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - \u200EAda: one\n13/03/2023, 14:06 - Ben\u200F: two\n');
    expect(messages.map((message) => message.sender)).toEqual(['Ada', 'Ben']);
  });

  it('an embedding is unwrapped only when it both opens and closes the trimmed name', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - \u200EAda\u202C: one\n13/03/2023, 14:06 - \u200E\u202ABen: two\n13/03/2023, 14:07 - \u200E\u202BCy\u202C\u200E: three\n');
    expect(messages.map((message) => message.sender)).toEqual(['Ada\u202C', '\u202ABen', 'Cy']);
  });
});

describe('bodies, exactly', () => {
  it('continuation lines read one by one (a file with CRLF) join with "\\n"', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - Ada: one\r\ntwo\r\nthree\r\n13/03/2023, 14:06 - Ben: ok\r\n');
    expect(messages[0]!.text).toBe('one\ntwo\nthree');
  });

  it('a space at the start of a body is kept unless a directional mark follows it; a mark later in the body is text', async () => {
    const { messages } = await parse('13/03/2023, 14:05 - Ada:  indented\n13/03/2023, 14:06 - Ada: 5\u200Emg\n');
    expect(messages.map((message) => message.text)).toEqual([' indented', '5\u200Emg']);
  });

  it('RLM before a group event marks it the app\'s, as U+200E does', async () => {
    const { messages } = await parse('[13/03/2023, 14:05:00] Ward 7: \u200FDr A added Dr B\n[13/03/2023, 14:06:00] Dr A: hi\n');
    expect(messages[0]).toMatchObject({ kind: 'system', sender: null, text: 'Dr A added Dr B' });
  });

  it('a link up to 40 characters into a marked body is a shared location, the mark not counted', async () => {
    const body = `${'a'.repeat(39)} https://maps.example/`;
    const { messages } = await parse(`[13/03/2023, 14:05:00] Ada: \u200E${body}\n`);
    expect(messages[0]).toMatchObject({ sender: 'Ada', kind: 'message', text: body, flags: [] });
  });

  it('an attachment in the export is not warned about; one missing is', async () => {
    const chat = '[13/03/2023, 09:00:00] Ada: \u200E<attached: 00000001-PHOTO-2023-03-13.jpg>\n[13/03/2023, 09:01:00] Ada: \u200E<attached: 00000002-PHOTO-2023-03-13.jpg>\n';
    const path = writeExport(dir.path, `chat-${++counter}.zip`, buildZip([{ name: '_chat.txt', data: chat }, { name: '00000001-PHOTO-2023-03-13.jpg', data: 'jpeg', method: 0 }]));
    const { messages } = await parseAll(path, { zone: 'Europe/London' });
    expect(messages.map((message) => message.warnings.map((warning) => warning.code))).toEqual([[], ['attachment-missing']]);
  });

  it('the exporting user\'s own name is flagged self; others are not', async () => {
    const { messages } = await parseAll(join(__dirname, '..', '..', 'fixtures', 'importers', 'signal-export.md'), { zone: 'Europe/London' });
    expect(messages.map((message) => [message.sender, message.flags.includes('self')])).toEqual([
      ['Dr Ben Okoro', false],
      ['Me', true],
      ['Dr Ben Okoro', false],
    ]);
  });
});

describe('a sender whose name starts with a day-period word, in a layout whose head ends in one space', () => {
  // H-008, H-009: in the "13. 3. 2023. 09:06:00 " layout a word after the time may be the clock's
  // day period or the first word of the sender's name. The file's layout decides it; where the
  // file does not, the word stays the name's (no 12-hour shift) and the message is flagged.
  const flagged = (message: { flags: readonly string[]; warnings: readonly { code: string }[] }) => [message.flags.includes('malformed-field'), message.warnings.some((warning) => warning.code === 'day-period-or-name')];

  it('"SA Nguyen" among 24-hour heads is a sender of his own, not a line in the message above', async () => {
    const { messages } = await parse('13. 3. 2023. 09:05:09 Ann: one\n13. 3. 2023. 09:06:00 Ann: two\n13. 3. 2023. 09:07:00 SA Nguyen: hi\n13. 3. 2023. 09:08:00 Ann: three\n', { dateOrder: 'dmy' });
    expect(messages.map((message) => [message.sender, message.text])).toEqual([
      ['Ann', 'one'],
      ['Ann', 'two'],
      ['SA Nguyen', 'hi'],
      ['Ann', 'three'],
    ]);
    expect(messages[2]!.flags).toEqual([]);
  });

  it('"PM Patel" at 09:07 sent at 09:07, as "PM Patel"', async () => {
    const { messages } = await parse('13. 3. 2023. 09:07:00 PM Patel: hi\n13. 3. 2023. 09:08:00 Ann: ok\n', { dateOrder: 'dmy' });
    expect(messages[0]).toMatchObject({ sender: 'PM Patel', text: 'hi', localTime: '2023-03-13T09:07:00', flags: [], warnings: [] });
    expect(messages[1]).toMatchObject({ sender: 'Ann', text: 'ok' });
  });

  it.each(['AM', 'am', 'a.m.', 'a. m.', 'PM', 'pm', 'p.m.', 'CH', 'ÖS', 'PTG', 'vm.', 'em', 'in the evening', 'de la tarde'])('"%s Patel" among 24-hour heads keeps the word and the time', async (word) => {
    const { messages } = await parse(`13. 3. 2023. 09:05:09 Ann: one\n13. 3. 2023. 09:07:00 ${word} Patel: hi\n13. 3. 2023. 09:08:00 Ann: two\n`, { dateOrder: 'dmy' });
    expect(messages.map((message) => [message.sender, message.text, message.localTime])).toEqual([
      ['Ann', 'one', '2023-03-13T09:05:09'],
      [`${word} Patel`, 'hi', '2023-03-13T09:07:00'],
      ['Ann', 'two', '2023-03-13T09:08:00'],
    ]);
    expect(flagged(messages[1]!)).toEqual([false, false]);
  });

  it('a sender named only "SA" or "PM", and "PM Patel" after hour 12 (no 12-hour clock writes 21)', async () => {
    const { messages } = await parse('13. 3. 2023. 09:05:09 Ann: one\n13. 3. 2023. 09:06:00 SA: hi\n13. 3. 2023. 09:07:00 PM: ok\n13. 3. 2023. 21:07:00 PM Patel: late\n13. 3. 2023. 21:08:00 Ann: two\n', { dateOrder: 'dmy' });
    expect(messages.map((message) => [message.sender, message.text, message.localTime])).toEqual([
      ['Ann', 'one', '2023-03-13T09:05:09'],
      ['SA', 'hi', '2023-03-13T09:06:00'],
      ['PM', 'ok', '2023-03-13T09:07:00'],
      ['PM Patel', 'late', '2023-03-13T21:07:00'],
      ['Ann', 'two', '2023-03-13T21:08:00'],
    ]);
    expect(messages.map((message) => message.flags)).toEqual([[], [], [], [], []]);
  });

  it('the other reading naming someone already in the chat ("Patel" at 21:07?) is flagged, the layout\'s reading kept', async () => {
    const { messages } = await parse('13. 3. 2023. 09:05:09 Patel: one\n13. 3. 2023. 09:07:00 PM Patel: hi\n13. 3. 2023. 09:08:00 Ann: two\n', { dateOrder: 'dmy' });
    expect(messages[1]).toMatchObject({ sender: 'PM Patel', text: 'hi', localTime: '2023-03-13T09:07:00' });
    expect(flagged(messages[1]!)).toEqual([true, true]);
    expect(messages[1]!.warnings[0]!.line).toBe(2);
    expect(flagged(messages[0]!)).toEqual([false, false]);
    expect(flagged(messages[2]!)).toEqual([false, false]);
  });

  it('every head with a word after the time and nothing to decide it: no 12-hour shift, each flagged', async () => {
    const { messages, thread } = await parse('13. 3. 2023. 9:05:00 AM Ann: one\n13. 3. 2023. 9:07:00 PM Ben: two\n13. 3. 2023. 10:01:00 PM Ann: three\n', { dateOrder: 'dmy' });
    expect(messages.map((message) => [message.sender, message.text, message.localTime])).toEqual([
      ['AM Ann', 'one', '2023-03-13T09:05:00'],
      ['PM Ben', 'two', '2023-03-13T09:07:00'],
      ['PM Ann', 'three', '2023-03-13T10:01:00'],
    ]);
    expect(messages.map(flagged)).toEqual([[true, true], [true, true], [true, true]]);
    expect(thread.participants).toEqual(['AM Ann', 'PM Ben', 'PM Ann']);
  });

  it('in a file of both clocks read as 24-hour, only the heads with two readings are flagged, with what to check', async () => {
    const { messages } = await parse(
      '13. 3. 2023. 9:05:00 Ann: one\n13. 3. 2023. 9:06:00 Ben: two\n13. 3. 2023. 9:07:00 PM Cy: three\n13. 3. 2023. 9:08:00\u202FPM Dee: four\n',
      { dateOrder: 'dmy' },
    );
    expect(messages.map((message) => [message.sender, message.localTime])).toEqual([
      ['Ann', '2023-03-13T09:05:00'],
      ['Ben', '2023-03-13T09:06:00'],
      ['PM Cy', '2023-03-13T09:07:00'],
    ]);
    expect(messages.map((message) => message.flags.includes('malformed-field'))).toEqual([false, false, true]);
    expect(messages[2]!.warnings[0]).toEqual({
      line: 3,
      code: 'day-period-or-name',
      message: "Line 3 has a word after the time that could be its day period (AM/PM) or the start of the sender's name: check who sent it and when.",
    });
    expect(messages[2]!.text).toBe('three\n13. 3. 2023. 9:08:00\u202FPM Dee: four');
  });

  it('an other reading with no sender names nobody, even in a chat with an empty name', async () => {
    const { messages } = await parse('13. 3. 2023. 09:05:00 \u200E: hi\n13. 3. 2023. 09:05:30 Ann: x\n13. 3. 2023. 09:06:00 SA: hi\n13. 3. 2023. 09:07:00 PM : ok\n', { dateOrder: 'dmy' });
    expect(messages.map((message) => [message.sender, message.text])).toEqual([
      ['', 'hi'],
      ['Ann', 'x'],
      ['SA', 'hi'],
      ['PM ', 'ok'],
    ]);
    expect(messages.map((message) => message.flags.includes('malformed-field'))).toEqual([false, false, false, false]);
  });

  it('a file with heads of both clocks (two exports joined) flags each head that could be read either way', async () => {
    const { messages } = await parse(
      '13. 3. 2023. 9:05:00\u202FAM Ann: one\n13. 3. 2023. 9:06:00\u202FAM Ben: two\n13. 3. 2023. 9:07:00 PM Cy: three\n14. 3. 2023. 09:08:00 Ann: four\n',
      { dateOrder: 'dmy' },
    );
    // The 12-hour heads are most: the layout reads day periods; the plain 24-hour head is another form.
    expect(messages.map((message) => [message.sender, message.localTime])).toEqual([
      ['Ann', '2023-03-13T09:05:00'],
      ['Ben', '2023-03-13T09:06:00'],
      ['Cy', '2023-03-13T21:07:00'],
    ]);
    expect(messages.map((message) => message.flags.includes('malformed-field'))).toEqual([false, false, true]);
    expect(messages[2]!.flags).toContain('embedded-header');
  });

  it('a 12-hour file (its day periods bound by U+202F) reads "PM PM Patel" as PM and "PM Patel"', async () => {
    const { messages } = await parse(
      '13. 3. 2023. 9:05:09\u202FAM Ann: one\n13. 3. 2023. 9:07:00\u202FPM PM Patel: hi\n13. 3. 2023. 9:08:00\u202FPM Patel: ok\n13. 3. 2023. 9:09:00\u202FPM SA Nguyen: yes\n',
      { dateOrder: 'dmy' },
    );
    expect(messages.map((message) => [message.sender, message.text, message.localTime])).toEqual([
      ['Ann', 'one', '2023-03-13T09:05:09'],
      ['PM Patel', 'hi', '2023-03-13T21:07:00'],
      ['Patel', 'ok', '2023-03-13T21:08:00'],
      ['SA Nguyen', 'yes', '2023-03-13T21:09:00'],
    ]);
    expect(messages.map((message) => message.flags)).toEqual([[], [], [], []]);
  });

  it('in a 12-hour file a head with an ordinary space reads the day period; flagged only when the other reading names someone here', async () => {
    const { messages } = await parse(
      '13. 3. 2023. 9:05:09\u202FAM Ann: one\n13. 3. 2023. 9:06:00\u202FAM Ben: two\n13. 3. 2023. 9:07:00 PM PM Patel: hi\n13. 3. 2023. 9:08:00 PM Patel: ok\n13. 3. 2023. 9:09:00 PM Ann: yes\n',
      { dateOrder: 'dmy' },
    );
    expect(messages.map((message) => [message.sender, message.text, message.localTime])).toEqual([
      ['Ann', 'one', '2023-03-13T09:05:09'],
      ['Ben', 'two', '2023-03-13T09:06:00'],
      ['PM Patel', 'hi', '2023-03-13T21:07:00'],
      ['Patel', 'ok', '2023-03-13T21:08:00'],
      ['Ann', 'yes', '2023-03-13T21:09:00'],
    ]);
    // "9:08 PM Patel" could be "PM Patel" at 9:08, who wrote above: flagged; "PM Ann" wrote nothing.
    expect(messages.map((message) => message.flags.includes('malformed-field'))).toEqual([false, false, false, true, false]);
  });

  it('Android and iOS 12-hour heads keep "PM Patel" and "SA Nguyen" whole, the day period read', async () => {
    const android = await parse('13/03/2023, 9:05 AM - Ann: one\n13/03/2023, 9:07 PM - PM Patel: hi\n13/03/2023, 9:08 PM - SA Nguyen: ok\n');
    expect(android.messages.map((message) => [message.sender, message.localTime, message.flags])).toEqual([
      ['Ann', '2023-03-13T09:05:00', []],
      ['PM Patel', '2023-03-13T21:07:00', []],
      ['SA Nguyen', '2023-03-13T21:08:00', []],
    ]);
    const ios = await parse('[13/03/2023, 9:05:09\u202FAM] Ann: one\n[13/03/2023, 9:07:00\u202FPM] PM Patel: hi\n[13/03/2023, 9:08:00 PM] SA Nguyen: ok\n');
    expect(ios.messages.map((message) => [message.sender, message.localTime])).toEqual([
      ['Ann', '2023-03-13T09:05:09'],
      ['PM Patel', '2023-03-13T21:07:00'],
      ['SA Nguyen', '2023-03-13T21:08:00'],
    ]);
    const oldIos = await parse('2023-03-13, 9:05:09 AM: Ann: one\n2023-03-13, 9:07:00 PM: PM Patel: hi\n');
    expect(oldIos.messages.map((message) => [message.sender, message.localTime, message.flags])).toEqual([
      ['Ann', '2023-03-13T09:05:09', []],
      ['PM Patel', '2023-03-13T21:07:00', []],
    ]);
  });

  it('a head read with the word left to the name proves the date order, in the survey and after it', async () => {
    const inSurvey = await parse('3. 3. 2023. 09:05:09 Ann: one\n13. 3. 2023. 09:07:00 PM Patel: hi\n');
    expect(inSurvey.thread.dateOrder).toEqual({ order: 'dmy', decidedBy: 'file' });
    expect(inSurvey.messages[1]).toMatchObject({ sender: 'PM Patel', localTime: '2023-03-13T09:07:00' });
    const lines = Array.from({ length: 200 }, (_, index) => `3. 3. 2023. 09:${String(Math.floor(index / 60)).padStart(2, '0')}:${String(index % 60).padStart(2, '0')} Ann: ${index}`);
    const afterSurvey = await parse(`${lines.join('\n')}\n13. 3. 2023. 10:07:00 PM Patel: hi\n`);
    expect(afterSurvey.thread.dateOrder).toEqual({ order: 'dmy', decidedBy: 'file' });
    expect(afterSurvey.messages.at(-1)).toMatchObject({ sender: 'PM Patel', localTime: '2023-03-13T10:07:00' });
  });

  it('a day-period warning and a head after the sender\'s colon are both kept', async () => {
    const { messages } = await parse('13. 3. 2023. 09:05:09 Patel: one\n13. 3. 2023. 09:07:00 PM Patel: 13. 3. 2023. 09:00:00 Ann: pasted\n', { dateOrder: 'dmy' });
    expect(messages[1]!.warnings.map((warning) => warning.code)).toEqual(['day-period-or-name', 'embedded-header-after-sender']);
    expect(messages[1]!.flags).toEqual(expect.arrayContaining(['malformed-field', 'embedded-header']));
  });

  it('bracketed heads keep "PM Patel" whole, at the time written', async () => {
    const { messages } = await parse('[13/03/2023, 09:05:09] Ann: one\n[13/03/2023, 09:06:00] PM Patel: hi\n');
    expect(messages[1]).toMatchObject({ sender: 'PM Patel', text: 'hi', localTime: '2023-03-13T09:06:00' });
  });
});
