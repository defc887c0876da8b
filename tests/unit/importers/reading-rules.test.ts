import { afterAll, describe, expect, it } from 'vitest';
import { readTeamsHtml } from '../../../main/importers/json-sources';
import { teamsEventText } from '../../../main/importers/teams-events';
import { chooseChatText } from '../../../main/importers/zip';
import { tempDir } from '../../support/temp';
import { parseAll, writeExport } from './helpers';
import { buildZip } from './zip-writer';

/**
 * The rules behind the cold2 corpus cases (tests/fixtures/real/*\/cold2-*.json), each on the
 * smallest input that shows it: who a message is from, and that nothing it says reads as empty
 * or as something else.
 */

const LONDON = { zone: 'Europe/London' };
const dir = tempDir('wardscribe-reading-rules-');
afterAll(() => dir.remove());

const teamsMessage = (id: string, minute: number, user: { id: string; displayName: string } | null, body: string, extra: Record<string, unknown> = {}) => ({
  id,
  messageType: 'message',
  createdDateTime: `2024-02-01T09:${String(minute).padStart(2, '0')}:00.000Z`,
  from: user ? { user } : null,
  body: { contentType: 'html', content: body },
  attachments: [],
  ...extra,
});

const telegramChat = (messages: readonly Record<string, unknown>[]) => JSON.stringify({ name: 'Ward 7', type: 'private_group', id: 1, messages });
const telegramMessage = (id: number, minute: number, fields: Record<string, unknown>) => ({
  id,
  type: 'message',
  date_unixtime: String(1706778000 + minute * 60),
  from: 'Dr Ada Shah',
  from_id: 'user111',
  text: '',
  ...fields,
});

describe('Teams HTML as text', () => {
  it('separates table cells and rows, even when a cell holds paragraphs and the tags are laid out on lines', () => {
    const html = '<table>\n<tr>\n<td><p>Bed</p></td>\n<td><p>Dose</p></td>\n</tr>\n<tr><td><p>12</p></td><td>5 mg</td></tr>\n</table><p>Thanks</p>';
    expect(readTeamsHtml(html).text).toBe('Bed | Dose\n12 | 5 mg\nThanks');
  });

  it('keeps bullets, numbers (from a list\'s start), nesting and paragraphs inside items', () => {
    expect(readTeamsHtml('<ul><li>Weight</li><li>eGFR</li></ul>').text).toBe('- Weight\n- eGFR');
    expect(readTeamsHtml('<ol start="3"><li><p>Third</p></li><li>Fourth<ul><li>detail</li></ul></li></ol>').text).toBe('3. Third\n4. Fourth\n  - detail');
  });

  it('marks struck-out text written with <s>, <strike> and <del>, and leaves an empty one unmarked', () => {
    expect(readTeamsHtml('<strike>80 mg</strike> 40 mg').text).toBe('~80 mg~ 40 mg');
    expect(readTeamsHtml('Give <del> 5 mg </del>2 mg').text).toBe('Give  ~5 mg~ 2 mg');
    expect(readTeamsHtml('<s></s>none').text).toBe('none');
  });

  it('writes an emoji as its character, counts hosted images, and never reads escaped markup as tags', () => {
    expect(readTeamsHtml('<img itemtype="http://schema.skype.com/Emoji" alt="&#x1F44D;" src="x.png">')).toEqual({ text: '\u{1F44D}', images: 0 });
    expect(readTeamsHtml('<p>see <img src="https://graph.microsoft.com/x/hostedContents/a/$value"></p>')).toEqual({ text: 'see', images: 1 });
    expect(readTeamsHtml('&lt;s&gt;kept&lt;/s&gt;').text).toBe('<s>kept</s>');
  });
});

describe('Teams events and attachments', () => {
  it('says whose role changed and which app was installed or removed', () => {
    const initiator = { user: { displayName: 'Dr Ada Shah' } };
    expect(
      teamsEventText({
        '@odata.type': '#microsoft.graph.conversationMemberRoleUpdatedEventMessageDetail',
        conversationMemberRoleUpdated: 'Owner',
        conversationMemberUser: { id: 'u2', displayName: 'Dr Ben Okoro' },
        initiator,
      }),
    ).toBe('Role changed for Dr Ben Okoro to "Owner" (by Dr Ada Shah)');
    expect(teamsEventText({ '@odata.type': '#microsoft.graph.teamsAppInstalledEventMessageDetail', teamsAppDisplayName: 'Rota bot', initiator })).toBe('Teams app installed: "Rota bot" (by Dr Ada Shah)');
    expect(teamsEventText({ '@odata.type': '#microsoft.graph.teamsAppRemovedEventMessageDetail', teamsAppId: 'app-1' })).toBe('Teams app removed: "app-1"');
  });

  it('quotes the message a reply answers, names every file, reads a hero card, and names a lone display name plainly', async () => {
    const ada = { id: 'u1', displayName: 'Dr Ada Shah' };
    const reference = { messageId: '1', messagePreview: 'Repeat the K+?', messageSender: { user: { id: 'u2', displayName: 'Dr Ben Okoro' } } };
    const messages = [
      teamsMessage('2', 2, ada, '<attachment id="1"></attachment><p>Yes, at 14:00</p>', { attachments: [{ id: '1', contentType: 'messageReference', content: JSON.stringify(reference) }] }),
      teamsMessage('3', 3, ada, '<p>Charts</p>', {
        attachments: [
          { id: 'a', contentType: 'reference', name: 'obs.pdf' },
          { id: 'b', contentType: 'reference', name: 'drugs.pdf' },
        ],
      }),
      teamsMessage('4', 4, ada, '', { attachments: [{ id: 'c', contentType: 'application/vnd.microsoft.card.hero', content: { title: 'Bleep', text: 'Bed 12' } }] }),
    ];
    const { messages: read, thread } = await parseAll(writeExport(dir.path, 'teams-reply.json', JSON.stringify({ '@odata.context': 'x', value: messages })), LONDON);
    expect(read.map((message) => [message.sender, message.text, message.attachment])).toEqual([
      ['Dr Ada Shah', '> Replying to Dr Ben Okoro: Repeat the K+?\n\nYes, at 14:00', null],
      ['Dr Ada Shah', 'Charts', 'obs.pdf'],
      ['Dr Ada Shah', 'Bleep\nBed 12', null],
    ]);
    expect(read[1]!.warnings.map((warning) => warning.code)).toEqual(['several-attachments']);
    expect(read[1]!.warnings[0]!.message).toContain('"drugs.pdf"');
    expect(thread.attachments.map((attachment) => attachment.name)).toEqual(['obs.pdf', 'drugs.pdf']);
    expect(thread.warnings).toEqual([]);
  });

  it('reads a Teams root array as Teams even when its first message quotes Signal\'s field names', async () => {
    const messages = [teamsMessage('1', 1, { id: 'u1', displayName: 'Dr Ada Shah' }, '<p>The "sent_at" and "conversationId" fields</p>')];
    const { messages: read, thread } = await parseAll(writeExport(dir.path, 'teams-root-array.json', JSON.stringify(messages)), LONDON);
    expect(thread.source).toBe('teams');
    expect(read[0]!.text).toBe('The "sent_at" and "conversationId" fields');
  });
});

describe('Telegram content outside "text"', () => {
  it('keeps a link\'s address, a closed poll, a bare location, and service detail (title, pin, members left nameless)', async () => {
    const chat = telegramChat([
      telegramMessage(1, 1, { text: ['See ', { type: 'text_link', text: 'the protocol', href: 'https://example.org/aki' }, { type: 'link', text: ' https://example.org/x' }] }),
      telegramMessage(2, 2, { poll: { question: 'Handover at?', closed: true, answers: [{ text: '08:00', voters: 2 }] } }),
      telegramMessage(3, 3, { location_information: { latitude: 51.5, longitude: -0.12 } }),
      { id: 4, type: 'service', date_unixtime: '1706778240', actor: 'Dr Ada Shah', action: 'edit_group_title', title: 'Ward 7 nights' },
      { id: 5, type: 'service', date_unixtime: '1706778300', actor: 'Dr Ada Shah', action: 'pin_message', message_id: 2 },
      { id: 6, type: 'service', date_unixtime: '1706778360', actor: 'Dr Ada Shah', action: 'invite_members', members: ['Dr Ben Okoro', null] },
    ]);
    const { messages } = await parseAll(writeExport(dir.path, 'result.json', chat), LONDON);
    expect(messages.map((message) => message.text)).toEqual([
      'See the protocol (https://example.org/aki) https://example.org/x',
      'Poll (closed): Handover at?\n- 08:00 (2 votes)',
      'Location: (51.5, -0.12)',
      'Dr Ada Shah edit_group_title: "Ward 7 nights"',
      'Dr Ada Shah pin_message: message 2',
      'Dr Ada Shah invite_members: Dr Ben Okoro, Deleted Account',
    ]);
  });

  it('names one account by its display name alone, and reports progress over both readings without going back', async () => {
    const chat = telegramChat([telegramMessage(1, 1, { text: 'a' }), telegramMessage(2, 2, { text: 'b' })]);
    const progress: number[] = [];
    const { messages } = await parseAll(writeExport(dir.path, 'result-one-account.json', chat), { ...LONDON, onProgress: (done) => progress.push(done) });
    expect(messages.map((message) => message.sender)).toEqual(['Dr Ada Shah', 'Dr Ada Shah']);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress[progress.length - 1]).toBe(Buffer.byteLength(chat));
  });
});

describe('Signal', () => {
  it('reads signal-export\'s No-Sender as a system line, never a participant', async () => {
    const text = ['[2024-01-10 21:00:00] Dr Sam Patel: Bed 6 reviewed  ', '', '[2024-01-10 21:01:00] No-Sender: Dr Sam Patel added Nurse Cy Lam.  ', ''].join('\n');
    const { messages, thread } = await parseAll(writeExport(dir.path, 'chat.md', text), LONDON);
    expect(messages.map((message) => [message.kind, message.sender, message.text])).toEqual([
      ['message', 'Dr Sam Patel', 'Bed 6 reviewed'],
      ['system', null, 'Dr Sam Patel added Nurse Cy Lam.'],
    ]);
    expect(messages[1]!.flags).toContain('system');
    expect(thread.participants).toEqual(['Dr Sam Patel']);
  });

  it('warns that a sigtop JSON message naming no sender may be anyone', async () => {
    const line = (id: string, sent: number, fields: Record<string, unknown>) => JSON.stringify({ id, conversationId: 'c', type: 'incoming', sent_at: sent, body: id, ...fields });
    const text = ['[', `${line('a', 1680000000000, {})},`, line('b', 1680000060000, { sourceUuid: 'bbbbbbbb-0000-4000-8000-000000000002' }), ']', ''].join('\n');
    const { messages } = await parseAll(writeExport(dir.path, 'sigtop-no-sender.json', text), LONDON);
    expect(messages.map((message) => [message.sender, message.warnings.map((warning) => warning.code)])).toEqual([
      ['Unknown', ['sender-unknown']],
      ['bbbbbbbb-0000-4000-8000-000000000002', []],
    ]);
  });

  it('keeps sigtop\'s detail only for a name two contacts share', async () => {
    const block = (from: string, minute: number, body: string) => [`From: ${from}`, 'Type: incoming', `Sent: Wed, 10 Jan 2024 21:0${minute}:00 +0000`, `Received: Wed, 10 Jan 2024 21:0${minute}:01 +0000`, '', body, ''];
    const text = ['Conversation: Ward 9 (x)', '', ...block('Dr Sam Patel (+447700900111)', 0, 'a'), ...block('Dr Ben Okoro (+447700900333)', 1, 'b'), ...block('Dr Sam Patel (+447700900111)', 2, 'c')].join('\n');
    const { messages } = await parseAll(writeExport(dir.path, 'sigtop-unique.txt', text + '\n'), LONDON);
    expect(messages.map((message) => message.sender)).toEqual(['Dr Sam Patel', 'Dr Ben Okoro', 'Dr Sam Patel']);
  });
});

describe('a chat one folder down in a zip', () => {
  const chatLines = '[13/01/2024, 21:00:00] Dr Ada Shah: Bed 4 K+ 6.2\n';

  it('is read with its media beside it, past macOS\'s metadata copies', async () => {
    const zip = buildZip([
      { name: 'Ward 7/_chat.txt', data: Buffer.from(`${chatLines}[13/01/2024, 21:01:00] Dr Ada Shah: \u200E<attached: IMG-1.jpg>\n`) },
      { name: 'Ward 7/IMG-1.jpg', data: Buffer.from('/9j/') },
      { name: '__MACOSX/Ward 7/._chat.txt', data: Buffer.from('meta') },
    ]);
    const { messages, thread } = await parseAll(writeExport(dir.path, 'folder.zip', zip), LONDON);
    expect(messages.map((message) => [message.sender, message.attachment])).toEqual([
      ['Dr Ada Shah', null],
      ['Dr Ada Shah', 'IMG-1.jpg'],
    ]);
    expect(thread.attachments).toEqual([{ name: 'IMG-1.jpg', present: true }]);
  });

  it('is refused, saying the text is inside a folder, when it could be one of several or is not WhatsApp\'s', () => {
    expect(() => chooseChatText(['A/_chat.txt', 'B/_chat.txt'])).toThrow(/inside a folder \(A\/_chat\.txt, B\/_chat\.txt\)/);
    expect(() => chooseChatText(['Export/messages.txt'])).toThrow(/inside a folder/);
    expect(() => chooseChatText(['Export/notes.txt'])).toThrow(/inside a folder/);
    expect(() => chooseChatText(['Export/deeper/_chat.txt'])).toThrow(/holds no chat text\. A WhatsApp export/);
  });
});
