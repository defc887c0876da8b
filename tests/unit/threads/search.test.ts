import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../shared/domain/chat';
import { RANK_WINDOW, insertMessages, searchMessages } from '../../../main/vault/queries/messages';
import { completeThread, insertImportingThread } from '../../../main/vault/queries/threads';
import { MIN_PREFIX_CHARACTERS, parseSearch, wordStem } from '../../../main/vault/search-query';
import { insertParticipants } from '../../../main/vault/queries/participants';
import type { Db } from '../../../main/vault/sqlcipher';
import { ThreadReader } from '../../../main/threads/thread-reader';
import { freshVaultDb } from '../../support/vault';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const THREAD = '11111111-1111-4111-8111-111111111111';

function message(index: number, text: string): ChatMessage {
  const minute = String(index % 60).padStart(2, '0');
  return {
    index,
    sender: 'Ada',
    text,
    kind: 'message',
    head: `[13/03/2023, 09:${minute}:00] Ada:`,
    localTime: `2023-03-13T09:${minute}:00`,
    zone: 'Europe/London',
    instant: `2023-03-13T09:${minute}:00Z`,
    flags: [],
    attachment: null,
    line: index + 1,
    warnings: [],
  };
}

async function vaultWith(texts: readonly string[]): Promise<Db> {
  const db = await freshVaultDb(cleanups);
  const admin = (db.prepare('SELECT id FROM users LIMIT 1').get() as { id: string }).id;
  insertImportingThread(db, { id: THREAD, zone: 'Europe/London', importedBy: admin, importedAt: new Date('2026-11-24T10:00:00Z'), sourceFileName: 'chat.txt', sourceSha256: 'a'.repeat(64) });
  db.transaction(() => insertMessages(db, THREAD, texts.map((text, index) => message(index, text))))();
  completeThread(db, THREAD, { source: 'whatsapp-ios', title: 'Ward 7', fingerprint: 'f'.repeat(64), dateOrder: null, messageCount: texts.length, firstInstant: null, lastInstant: null });
  return db;
}

const ordinals = (db: Db, query: string, order: 'relevance' | 'newest' = 'relevance') =>
  searchMessages(db, query, 50, order)
    .map((hit) => hit.ordinal)
    .sort((a, b) => a - b);

const TEXTS = [
  'stop the heparin tonight', // 0
  'heparin: stop after the review', // 1
  'hepatic function normal', // 2
  'the review said stop', // 3
  'HÉPARIN restarted', // 4
  'co-amoxiclav 625 mg', // 5
  'NOT for resus', // 6
  'say "hello" OR goodbye', // 7
];

describe('what a search query means', () => {
  it('words: every word, anywhere in the message, in any order', async () => {
    const db = await vaultWith(TEXTS);
    expect(ordinals(db, 'stop heparin')).toEqual([0, 1]);
    expect(ordinals(db, 'heparin stop')).toEqual([0, 1]);
    expect(ordinals(db, 'review stop')).toEqual([1, 3]);
  });

  it('"quoted words": that phrase, the words next to each other in that order', async () => {
    const db = await vaultWith(TEXTS);
    expect(ordinals(db, '"stop the heparin"')).toEqual([0]);
    expect(ordinals(db, '"heparin stop"')).toEqual([1]);
    expect(ordinals(db, '"stop heparin"')).toEqual([]);
    // A phrase and a word together: both.
    expect(ordinals(db, '"heparin stop" review')).toEqual([1]);
    // An unclosed quote runs to the end.
    expect(ordinals(db, '"stop the heparin')).toEqual([0]);
  });

  it('a word finds the words it starts, as a ward searches by drug stems (a ward trial: cipro missed ciprofloxacin)', async () => {
    const db = await vaultWith([...TEXTS, 'IV ciprofloxacin 400mg bd', 'start amoxicillin', 'iv fluids']);
    expect(ordinals(db, 'cipro')).toEqual([8]);
    expect(ordinals(db, 'amox')).toEqual([5, 9]);
    expect(ordinals(db, 'hep')).toEqual([0, 1, 2, 4]);
    expect(ordinals(db, 'hepa normal')).toEqual([2]);
    // Quoted, a word is exact; a word shorter than the stem length is exact too.
    expect(ordinals(db, '"cipro"')).toEqual([]);
    expect(ordinals(db, '"ciprofloxacin"')).toEqual([8]);
    expect(ordinals(db, 'iv')).toEqual([8, 10]);
    expect(ordinals(db, 'iv cipro')).toEqual([8]);
  });

  it('a trailing *: words starting so (it used to find nothing)', async () => {
    const db = await vaultWith(TEXTS);
    expect(ordinals(db, 'hep*')).toEqual([0, 1, 2, 4]);
    expect(ordinals(db, 'hepa* normal')).toEqual([2]);
    expect(ordinals(db, 'co-amox*')).toEqual([5]);
    expect(ordinals(db, '"stop the hep"*')).toEqual([0]);
  });

  it('ignores case and accents, as the index does', async () => {
    const db = await vaultWith(TEXTS);
    expect(ordinals(db, 'heparin restarted')).toEqual([4]);
  });

  it('never obeys FTS syntax typed by a user, and never throws on it', async () => {
    const db = await vaultWith(TEXTS);
    for (const query of ['NOT', 'OR', '"', 'a" OR "b', 'NEAR(', 'text:resus', '(', ')', '^stop', 'stop AND', '*', '**hep', 'x"*"y', '""""']) {
      expect(() => searchMessages(db, query, 10)).not.toThrow();
    }
    expect(ordinals(db, 'NOT')).toEqual([6]);
    expect(ordinals(db, '"hello" OR')).toEqual([7]);
    expect(ordinals(db, 'heparin OR hepatic')).toEqual([]);
    expect(ordinals(db, 'text:resus')).toEqual([]);
  });

  it('explains, in plain words, a query with nothing to search for', () => {
    expect(parseSearch('  - * ')).toEqual({ ok: false, problem: expect.stringMatching(/^Enter a word to search for/) });
    expect(parseSearch('he*')).toEqual({ ok: false, problem: expect.stringContaining(`at least ${MIN_PREFIX_CHARACTERS} letters or digits before a *`) });
    // A short prefix beside a usable word is left out, the rest still searched.
    expect(parseSearch('he* review')).toMatchObject({ ok: true, match: '"review"*' });
  });

  it('refuses an unusable query with that sentence (rejected), before touching the vault', () => {
    const reader = new ThreadReader({
      vault: () => {
        throw new Error('the vault was read');
      },
      audit: () => {
        throw new Error('the trail was written');
      },
    });
    expect(() => reader.search('?!', 10)).toThrow(expect.objectContaining({ code: 'rejected', message: expect.stringMatching(/^Enter a word to search for/) }));
  });

  it('builds only quoted FTS strings', () => {
    const match = (query: string) => {
      const parsed = parseSearch(query);
      return parsed.ok ? parsed.match : null;
    };
    expect(match('stop "the heparin" hep*')).toBe('"stop"* "the heparin" "hep"*');
    expect(match('x"y')).toBe('"x" "y"');
    expect(match('NEAR(a b)')).toBe('"NEAR(a" "b)"');
    expect(match('iv "cipro"')).toBe('"iv" "cipro"');
  });

  it('newest first lists the most recently stored matches first', async () => {
    const db = await vaultWith(TEXTS);
    expect(searchMessages(db, 'hep*', 2, 'newest').map((hit) => hit.ordinal)).toEqual([4, 2]);
  });

  it('ranks within the newest RANK_WINDOW matches only, so an old strong match gives way to newer ones', async () => {
    // The oldest message is the best match by bm25 (short, the word twice); RANK_WINDOW newer ones are weaker.
    const texts = ['heparin heparin', ...Array.from({ length: RANK_WINDOW }, (_, index) => `patient ${index} on the ward had heparin with a long note about the day and the night`)];
    const db = await vaultWith(texts);
    const hits = searchMessages(db, 'heparin', 5);
    expect(hits).toHaveLength(5);
    expect(hits.map((hit) => hit.ordinal)).not.toContain(0);
    // With one fewer newer match, the old one is inside the window and ranks first.
    db.prepare('DELETE FROM messages WHERE id = (SELECT max(id) FROM messages)').run();
    expect(searchMessages(db, 'heparin', 5)[0]!.ordinal).toBe(0);
  });

  it('marks the matched words in the snippet', async () => {
    const db = await vaultWith(TEXTS);
    const [hit] = searchMessages(db, '"stop the"', 1);
    expect(hit!.snippet.filter((run) => run.match).map((run) => run.text)).toEqual(['stop the']);
    expect(hit!.instant).toBe('2023-03-13T09:00:00Z');
  });

  it('cuts the snippet around the first match, marking every matched word, with an ellipsis where the text goes on', async () => {
    const long = `one two three four five six seven eight nine ten Héparin eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen`;
    const db = await vaultWith([long]);
    const [hit] = searchMessages(db, 'hep*', 1);
    expect(hit!.snippet).toEqual([
      { text: '…eight nine ten ', match: false },
      { text: 'Héparin', match: true },
      { text: ' eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen', match: false },
    ]);
    const [newest] = searchMessages(db, 'héparin', 1, 'newest');
    expect(newest!.snippet.find((run) => run.match)?.text).toBe('Héparin');
  });
});


describe('word forms (a ward trial: "allergy" missed "allergic to penicillin")', () => {
  it('an English word finds its other forms, and still the word itself', async () => {
    const db = await vaultWith(['allergic to penicillin', 'no known allergies', 'allergy band on', 'still bleeding from the line', 'bleeds when flushed', 'line infected', 'infection markers up', 'septic screen sent', 'September clinic']);
    expect(ordinals(db, 'allergy')).toEqual([0, 1, 2]);
    expect(ordinals(db, 'allergic')).toEqual([0, 1, 2]);
    expect(ordinals(db, 'bleeding')).toEqual([3, 4]);
    expect(ordinals(db, 'infected')).toEqual([5, 6]);
    // A stem too short to be safe is not taken: "septic" never finds September.
    expect(ordinals(db, 'septic')).toEqual([7]);
    // Quoted, a word is that word only.
    expect(ordinals(db, '"allergy"')).toEqual([2]);
  });

  it('takes off one ending, only from letters, leaving five letters or more', () => {
    expect(['allergy', 'allergies', 'allergic', 'bleeding', 'tablets', 'diabetic', 'doses', 'septic', 'eGFR2', 'heparin', 'αλλεργία'].map(wordStem)).toEqual([
      'allerg',
      'allerg',
      'allerg',
      'bleed',
      'tablet',
      'diabet',
      'doses',
      'septic',
      'eGFR2',
      'heparin',
      'αλλεργία',
    ]);
    // The stem is always where the word starts, so a search never finds less than the word did.
    for (const word of ['allergies', 'stopped', 'swelling', 'antibiotics']) expect(word.startsWith(wordStem(word))).toBe(true);
  });
});

describe('searching by who sent it (a ward trial: "Tom Reed" found none of his messages)', () => {
  async function vaultFrom(messages: readonly { sender: string; text: string }[]): Promise<Db> {
    const db = await freshVaultDb(cleanups);
    const admin = (db.prepare('SELECT id FROM users LIMIT 1').get() as { id: string }).id;
    insertImportingThread(db, { id: THREAD, zone: 'Europe/London', importedBy: admin, importedAt: new Date('2026-11-24T10:00:00Z'), sourceFileName: 'chat.txt', sourceSha256: 'a'.repeat(64) });
    db.transaction(() => insertMessages(db, THREAD, messages.map((entry, index) => ({ ...message(index, entry.text), sender: entry.sender }))))();
    insertParticipants(db, THREAD, [...new Set(messages.map((entry) => entry.sender))]);
    completeThread(db, THREAD, { source: 'whatsapp-ios', title: 'Ward 7', fingerprint: 'f'.repeat(64), dateOrder: null, messageCount: messages.length, firstInstant: null, lastInstant: null });
    return db;
  }
  const CHAT = [
    { sender: 'Tom Reed', text: 'Stop the heparin tonight' }, // 0
    { sender: 'Sister Okafor', text: 'Will do, thanks Tom' }, // 1
    { sender: 'Tom Reed', text: 'Recheck the bloods at 6' }, // 2
    { sender: 'Dr Tomás Reid', text: 'heparin restarted on the ward' }, // 3
    { sender: 'Sister Okafor', text: 'Reed says hold it' }, // 4
  ];

  it('a name finds every message that person sent, and the messages that mention it', async () => {
    const db = await vaultFrom(CHAT);
    expect(ordinals(db, 'Tom Reed')).toEqual([0, 2]);
    expect(ordinals(db, 'reed')).toEqual([0, 2, 4]);
    // Accents fold as in the text: "tomas" is Dr Tomás Reid; "tom" starts both first names.
    expect(ordinals(db, 'tomas')).toEqual([3]);
    expect(ordinals(db, 'tom')).toEqual([0, 1, 2, 3]);
  });

  it('a name and a word: that person\'s messages holding the word, besides messages holding both', async () => {
    const db = await vaultFrom(CHAT);
    expect(ordinals(db, 'Reed heparin')).toEqual([0]);
    expect(ordinals(db, 'Okafor thanks')).toEqual([1]);
    expect(ordinals(db, 'Okafor heparin')).toEqual([]);
    // Text matches rank before messages found only by their sender.
    expect(searchMessages(db, 'reed', 50).map((hit) => hit.ordinal)).toEqual([4, 2, 0]);
  });

  it('finds no one in a thread still importing, and no one whose name holds only some of the words', async () => {
    const db = await vaultFrom(CHAT);
    expect(ordinals(db, 'Tom Okafor')).toEqual([]);
    db.prepare("UPDATE threads SET status = 'importing'").run();
    expect(ordinals(db, 'Tom Reed')).toEqual([]);
  });
});
