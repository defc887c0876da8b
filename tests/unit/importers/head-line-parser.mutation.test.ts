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
