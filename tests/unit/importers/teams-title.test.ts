import { afterAll, describe, expect, it } from 'vitest';
import { exporterIdFromContext, membersTitle, revealsContact } from '../../../main/importers/teams-events';
import { tempDir } from '../../support/temp';
import { parseAll, writeExport } from './helpers';

const dir = tempDir('wardscribe-teams-title-');
afterAll(() => dir.remove());

const EXPORTER = '8f0c2f5e-0000-4a7b-9c1d-000000000001';
const ADA = 'a0000000-0000-4000-8000-00000000000a';
const BEN = 'b0000000-0000-4000-8000-00000000000b';

let clock = Date.parse('2024-04-02T08:00:00.000Z');
let id = 1;
const at = () => new Date((clock += 60_000)).toISOString();

/** A Graph chatMessage from a user. */
function said(userId: string, displayName: string | null, words: string): object {
  return {
    id: String(id++),
    messageType: 'message',
    createdDateTime: at(),
    deletedDateTime: null,
    from: { user: { id: userId, displayName, userIdentityType: 'aadUser' } },
    body: { contentType: 'html', content: `<p>${words}</p>` },
    attachments: [],
  };
}

/** A Graph system event with its eventDetail. */
function event(type: string, detail: object): object {
  return {
    id: String(id++),
    messageType: 'systemEventMessage',
    createdDateTime: at(),
    deletedDateTime: null,
    from: null,
    body: { contentType: 'html', content: '<systemEventMessage/>' },
    eventDetail: { '@odata.type': `#microsoft.graph.${type}EventMessageDetail`, ...detail },
  };
}

const member = (memberId: string, displayName: string | null) => ({ id: memberId, displayName, userIdentityType: 'aadUser' });

/** A page as `GET /users/{id}/chats/{chat}/messages` returns it (newest first, as Graph lists them). */
async function titleOf(messages: object[], context = `https://graph.microsoft.com/v1.0/$metadata#users('${EXPORTER}')/chats('19%3Aexample%40thread.v2')/messages`): Promise<string | null> {
  const page = { '@odata.context': context, '@odata.count': messages.length, value: [...messages].reverse() };
  const path = writeExport(dir.path, `chat-${id}.json`, JSON.stringify(page, null, 2));
  return (await parseAll(path, { zone: 'Europe/London' })).thread.title;
}

describe('a Teams chat without a topic is named as Teams names it', () => {
  it('a 1:1 chat is named after the other person, not the exporting user', async () => {
    expect(await titleOf([said(EXPORTER, 'Dr Jo Reed', 'Can you review bed 4?'), said(ADA, 'Ada Shah', 'Yes, hold the dose'), said(EXPORTER, 'Dr Jo Reed', 'Thanks')])).toBe('Ada Shah');
  });

  it('an unnamed group: its members other than the exporter, in the order they appear; more than three as "and N others"', async () => {
    const two = [said(EXPORTER, 'Dr Jo Reed', 'Morning'), said(ADA, 'Ada Shah', 'Morning'), said(BEN, 'Ben Okafor', 'Here')];
    expect(await titleOf(two)).toBe('Ada Shah, Ben Okafor');
    const five = [
      ...two,
      event('membersAdded', { members: [member('c1', 'Cara Lim'), member('c2', 'Dev Rao'), member('c3', 'Eve Hart')], initiator: { user: { id: EXPORTER, displayName: 'Dr Jo Reed' } } }),
    ];
    expect(await titleOf(five)).toBe('Ada Shah, Ben Okafor and 3 others');
  });

  it('people removed or gone are no longer in the title; one who wrote after coming back is', async () => {
    expect(
      await titleOf([
        said(EXPORTER, 'Dr Jo Reed', 'Morning'),
        said(ADA, 'Ada Shah', 'Morning'),
        said(BEN, 'Ben Okafor', 'Here'),
        event('membersDeleted', { members: [member(BEN, null)] }),
        event('membersLeft', { members: [member(ADA, null)] }),
        event('membersJoined', { members: [member(ADA, 'Ada Shah')] }),
        said(ADA, 'Ada Shah', 'Back on the ward'),
        event('membersAdded', { members: [member('c1', 'Cara Lim')] }),
      ]),
    ).toBe('Ada Shah, Cara Lim');
  });

  it('never shows a phone number or an email address: such members are among the others', async () => {
    const title = await titleOf([
      said(EXPORTER, 'Dr Jo Reed', 'Morning'),
      said('p1', '+44 7700 900123', 'Who is on call?'),
      said('e1', 'locum.sho@example.nhs.uk', 'I am'),
      said(ADA, 'Ada Shah', 'Thanks'),
    ]);
    expect(title).toBe('Ada Shah and 2 others');
    expect(title).not.toMatch(/7700|@/);
    // Nobody who may be named: counted.
    expect(await titleOf([said(EXPORTER, 'Dr Jo Reed', 'Hello'), said('p2', '07700 900456', 'Hello')])).toBe('Teams chat with 1 person');
  });

  it('a topic, when the chat has one, is the title; removed again, the members name it; a topic that is a phone number is not used', async () => {
    const start = [said(EXPORTER, 'Dr Jo Reed', 'Morning'), said(ADA, 'Ada Shah', 'Morning')];
    expect(await titleOf([...start, event('chatRenamed', { chatDisplayName: 'Ward 7 night team' })])).toBe('Ward 7 night team');
    expect(await titleOf([...start, event('chatRenamed', { chatDisplayName: 'Ward 7 night team' }), event('chatRenamed', { chatDisplayName: null })])).toBe('Ada Shah');
    expect(await titleOf([...start, event('chatRenamed', { chatDisplayName: 'Bleep 07700 900789' })])).toBe('Ada Shah');
  });

  it('where the exporting user cannot be told (no users(…) in @odata.context), every member is named', async () => {
    const messages = [said(EXPORTER, 'Dr Jo Reed', 'Morning'), said(ADA, 'Ada Shah', 'Morning')];
    expect(await titleOf(messages, "https://graph.microsoft.com/v1.0/$metadata#chats('19%3Aexample%40thread.v2')/messages")).toBe('Dr Jo Reed, Ada Shah');
  });

  it('the pieces: the exporter from the context, contact details recognised, the count in words', () => {
    expect(exporterIdFromContext(`https://graph.microsoft.com/v1.0/$metadata#users('${EXPORTER}')/chats('19%3Ax')/messages`)).toBe(EXPORTER);
    expect(exporterIdFromContext('https://graph.microsoft.com/beta/users/ada%40example.org/chats/19:x/messages')).toBe('ada@example.org');
    expect(exporterIdFromContext("https://graph.microsoft.com/v1.0/$metadata#chats('19%3Ax')/messages")).toBeNull();
    for (const contact of ['+44 7700 900123', '(020) 7946-0018', 'ada@example.org', 'tel:999', 'sip:ada']) expect(revealsContact(contact), contact).toBe(true);
    for (const name of ['Dr Ada Shah', 'Ward 7B', 'Bay 12 (Guest)', 'Sam Patel 2']) expect(revealsContact(name), name).toBe(false);
    expect(membersTitle([])).toBeNull();
    expect(membersTitle(['A', 'B', 'C'])).toBe('A, B, C');
    expect(membersTitle(['A', 'B', 'C', 'D'])).toBe('A, B and 2 others');
    expect(membersTitle(['A', null])).toBe('A and 1 other');
    expect(membersTitle([null, null])).toBe('Teams chat with 2 people');
  });
});
