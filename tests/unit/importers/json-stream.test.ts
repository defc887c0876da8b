import fc from 'fast-check';
import { createWriteStream } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { WardscribeError } from '../../../main/errors';
import { openChatExport } from '../../../main/importers';
import { findJsonArray, type JsonPath, type JsonScalar, type JsonStreamOptions } from '../../../main/importers/json-stream';
import type { ByteSource } from '../../../main/importers/line-reader';
import { tempDir } from '../../support/temp';
import { parseAll, writeExport } from './helpers';

const dir = tempDir('wardscribe-json-stream-');
afterAll(() => dir.remove());
let counter = 0;
const LONDON = { zone: 'Europe/London' };

/** The bytes handed out in chunks of the given sizes, used in turn; `closed` once the reader lets go. */
function chunkedSource(bytes: Uint8Array, sizes: readonly number[]): ByteSource & { closed: boolean } {
  const source = {
    size: bytes.length,
    closed: false,
    open: async () =>
      (async function* () {
        try {
          let at = 0;
          for (let turn = 0; at < bytes.length; turn++) {
            const size = sizes[turn % sizes.length]!;
            // A fresh copy each time, as a file read gives: the reader may not keep it.
            yield bytes.slice(at, at + size);
            at += size;
          }
        } finally {
          source.closed = true;
        }
      })(),
  };
  return source;
}

interface Read {
  readonly path: JsonPath | null;
  readonly elements: unknown[];
  readonly members: [string, JsonScalar | undefined][];
}

async function readArray(bytes: Uint8Array | string, paths: readonly JsonPath[], sizes: readonly number[] = [65536], options: JsonStreamOptions = {}): Promise<Read> {
  const members: [string, JsonScalar | undefined][] = [];
  const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const reading = await findJsonArray(chunkedSource(data, sizes), paths, { ...options, onMember: (name, value) => members.push([name, value]) });
  const elements: unknown[] = [];
  for await (const element of reading.elements) elements.push(element);
  return { path: reading.path, elements, members };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(WardscribeError);
  expect((error as WardscribeError).code).toBe('rejected');
  return (error as WardscribeError).message;
}

/** Strings with lone surrogates and control characters, which JSON.stringify writes as \u escapes. */
const oddString = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 12 });
const jsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 5 }),
  fc.jsonValue({ maxDepth: 5, stringUnit: 'binary' }),
  fc.jsonValue({ maxDepth: 3, stringUnit: 'grapheme' }),
  oddString,
);

/** Non-ASCII written as \u escapes, as Python's json.dumps does: valid anywhere it occurs, inside strings. */
const asciiOnly = (text: string) => text.replace(/[\u0080-\uffff]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);

describe('the streaming JSON reader', () => {
  it('yields the same elements as JSON.parse, however the bytes are cut', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(jsonValue, { maxLength: 8 }),
        fc.record({ name: fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(null)), before: jsonValue, after: jsonValue }),
        fc.constantFrom<JsonPath>([], ['messages'], ['a', 'b']),
        fc.constantFrom<string | number | undefined>(undefined, 1, 2, '\t'),
        fc.record({ ascii: fc.boolean(), slashes: fc.boolean(), bom: fc.boolean() }),
        fc.oneof(fc.constant([1]), fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 6 })),
        async (elements, noise, path, indent, form, sizes) => {
          const list: unknown = path.length === 0 ? elements : path.length === 1 ? { name: noise.name, before: noise.before, messages: elements, after: noise.after } : { name: noise.name, a: { before: noise.before, b: elements }, after: noise.after };
          let text = JSON.stringify(list, null, indent);
          if (form.ascii) text = asciiOnly(text);
          // "/" occurs only inside strings in JSON text, so "\/" is always a valid escape of it.
          if (form.slashes) text = text.replace(/\//g, '\\/');
          const bytes = Buffer.concat([form.bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text, 'utf8')]);
          const read = await readArray(bytes, [path], sizes);
          expect(read.path).toBe(path);
          const parsed = JSON.parse(text) as unknown;
          const expected = path.reduce<unknown>((value, name) => (value as Record<string, unknown>)[name], parsed);
          expect(read.elements).toEqual(expected);
          if (path.length > 0) {
            const scalars = Object.entries(parsed as Record<string, unknown>).filter(([, value]) => value === null || typeof value !== 'object');
            expect(read.members.filter(([, value]) => value !== undefined)).toEqual(scalars);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads characters and escapes cut at every byte', async () => {
    const text = '{"name":"Stationsübergabe €","messages":[{"t":"é€😀 \\u00e9\\ud83d\\ude00\\/\\"\\\\\\b\\f\\n\\r\\t","n":-12.5e+3,"k":[true,false,null]},"\\ud800 lone",0]}';
    const bytes = Buffer.from(text, 'utf8');
    const expected = (JSON.parse(text) as { messages: unknown[] }).messages;
    for (let cut = 1; cut < bytes.length; cut++) {
      const read = await readArray(Buffer.from(bytes), [['messages']], [cut, bytes.length]);
      expect(read.elements).toEqual(expected);
      expect(read.members[0]).toEqual(['name', 'Stationsübergabe €']);
    }
    const oneByte = await readArray(bytes, [['messages']], [1]);
    expect(oneByte.elements).toEqual(expected);
    expect((oneByte.elements[1] as string).charCodeAt(0)).toBe(0xd800);
  });

  it('keeps "__proto__" a plain member, as JSON.parse does', async () => {
    const read = await readArray('[{"__proto__":{"polluted":true},"a":1}]', [[]]);
    const element = read.elements[0] as Record<string, unknown>;
    expect(Object.getPrototypeOf(element)).toBe(Object.prototype);
    expect(Object.keys(element)).toEqual(['__proto__', 'a']);
    expect(element).toEqual(JSON.parse('{"__proto__":{"polluted":true},"a":1}'));
  });

  it('finds the first of several paths and says when there is none', async () => {
    const page = await readArray('{"@odata.context":"x","value":[1,2]}', [['messages'], ['value'], []]);
    expect(page.path).toEqual(['value']);
    expect(page.elements).toEqual([1, 2]);
    const none = await readArray('{"name":"x","chats":{"list":[{"messages":[1]}]}}', [['messages'], ['value'], []]);
    expect(none.path).toBeNull();
    expect(none.elements).toEqual([]);
    expect(none.members).toEqual([
      ['name', 'x'],
      ['chats', undefined],
    ]);
  });

  it('closes the source when let go before the elements are read', async () => {
    const source = chunkedSource(Buffer.from('{"messages":[1,2,3]}'), [4]);
    const reading = await findJsonArray(source, [['messages']]);
    expect(source.closed).toBe(false);
    await reading.close();
    expect(source.closed).toBe(true);
  });

  it('refuses malformed documents with a clear message naming the line', async () => {
    const cases: [string | Buffer, RegExp][] = [
      ['', /not valid JSON \(the problem is on line 1\)/],
      ['{"messages": [\n  {"a": 1},\n  {"a": 2', /not valid JSON \(the problem is on line 3\)/],
      ['{"messages": ["unterminated]}', /not valid JSON/],
      ['{"messages": ["bad \\x escape"]}', /not valid JSON/],
      ['{"messages": ["bad \\u12g4 escape"]}', /not valid JSON/],
      ['{"messages": ["raw\ttab"]}', /not valid JSON/],
      ['{"messages": [1]}\n\nx', /not valid JSON \(the problem is on line 3\)/],
      ['{"messages": [1]} {}', /not valid JSON/],
      ['{"messages": [01]}', /not valid JSON/],
      ['{"messages": [1.]}', /not valid JSON/],
      ['{"messages": [-]}', /not valid JSON/],
      ['{"messages": [+1]}', /not valid JSON/],
      ['{"messages": [1e]}', /not valid JSON/],
      ['{"messages": [.5]}', /not valid JSON/],
      ['{"messages": [tru]}', /not valid JSON/],
      ['{"messages": [1,]}', /not valid JSON/],
      ['{"messages": [1 2]}', /not valid JSON/],
      ['{"messages": {"a" 1}}', /not valid JSON/],
      ['{"messages": [1}', /not valid JSON/],
      ["{'messages': [1]}", /not valid JSON/],
      ['{"messages":\u00a0[1]}', /not valid JSON/],
      [Buffer.concat([Buffer.from('{"messages": [\n"a",\n"'), Buffer.from([0xff]), Buffer.from('"]}')]), /not valid UTF-8 text \(line 3\)/],
      [Buffer.concat([Buffer.from('{"messages": ["'), Buffer.from([0xe2, 0x82])]), /not valid UTF-8 text/],
      ['['.repeat(65) + ']'.repeat(65), /more than 64 levels deep/],
    ];
    for (const [input, message] of cases) {
      for (const sizes of [[65536], [1], [3]]) {
        expect(await refusal(readArray(input, [['messages'], []], sizes))).toMatch(message);
      }
    }
    // 64 levels are still read.
    expect((await readArray('['.repeat(64) + ']'.repeat(64), [[]])).elements).toEqual(JSON.parse('['.repeat(64) + ']'.repeat(64)));
  });

  it('refuses an element over the size limit before holding it whole', async () => {
    const big = `{"messages": [{"text": "${'x'.repeat(1000)}"}]}`;
    expect(await refusal(readArray(big, [['messages']], [7], { maxElementChars: 100 }))).toMatch(/larger than 100 characters/);
    expect((await readArray(big, [['messages']], [7], { maxElementChars: 2000 })).elements).toHaveLength(1);
    // A root member's scalar is held (it may be the title), so it has the same limit.
    expect(await refusal(readArray(`{"name": "${'x'.repeat(1000)}", "messages": [1]}`, [['messages']], [7], { maxElementChars: 100 }))).toMatch(/larger than 100/);
    // Anything deeper outside the list is only checked, never held, so it has no limit.
    const skipped = `{"other": {"deep": ["${'x'.repeat(1000)}"]}, "messages": [1]}`;
    expect((await readArray(skipped, [['messages']], [7], { maxElementChars: 100 })).elements).toEqual([1]);
  });

  it('stops when the import is cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await findJsonArray(chunkedSource(Buffer.from('[1]'), [1]), [[]], { signal: controller.signal }).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'cancelled' });
  });
});

describe('JSON chat exports through openChatExport', () => {
  const teamsMessage = (id: number, minute: number) => ({
    id: String(id),
    messageType: 'message',
    createdDateTime: `2023-03-26T01:${String(minute).padStart(2, '0')}:00.000Z`,
    from: { user: { displayName: `Dr ${id}` } },
    body: { contentType: 'html', content: `<p>dose ${id}</p>` },
  });

  it('reads a Teams root array (newest first) and a BOM', async () => {
    const path = writeExport(dir.path, `teams-${++counter}.json`, '\uFEFF' + JSON.stringify([teamsMessage(2, 10), teamsMessage(1, 5)], null, 1));
    const { messages, thread } = await parseAll(path, LONDON);
    expect(thread.source).toBe('teams');
    expect(messages.map((m) => [m.sender, m.text])).toEqual([
      ['Dr 1', 'dose 1'],
      ['Dr 2', 'dose 2'],
    ]);
  });

  it('takes the Telegram title from "name" wherever it is', async () => {
    const message = { id: 1, type: 'message', date_unixtime: '1679794200', from: 'Dr Ada Shah', text: 'hold' };
    const path = writeExport(dir.path, `telegram-${++counter}.json`, JSON.stringify({ type: 'private_group', messages: [message], name: 'Ward 7' }));
    const { thread } = await parseAll(path, LONDON);
    expect(thread).toMatchObject({ source: 'telegram', title: 'Ward 7', messageCount: 1 });
  });

  it('refuses documents of neither shape in the terms of the app they come from', async () => {
    const write = (content: string) => writeExport(dir.path, `shape-${++counter}.json`, content);
    expect(await refusal(parseAll(write('{"name": "x", "messages": {"a": []}}'), LONDON))).toMatch(/^This Telegram file has no list of messages: import the result\.json .* export one chat\.$/);
    // A whole-account Telegram export names Telegram, never Teams, and says how to export one chat.
    const account = await refusal(parseAll(write('{"personal_information": {"first_name": "A"}, "chats": {"about": "x", "list": [{"name": "Ward 7", "messages": []}]}}'), LONDON));
    expect(account).toMatch(/^This is a Telegram export of a whole account/);
    expect(account).toMatch(/"Export chat history"/);
    expect(account).not.toMatch(/Teams/);
    expect(await refusal(parseAll(write('{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#chats", "count": 0}'), LONDON))).toMatch(/^This Microsoft Teams file has no list of chat messages/);
    expect(await refusal(parseAll(write('"just a string"'), LONDON))).toMatch(/^This JSON file is not a chat export Wardscribe reads\./);
    expect(await refusal(parseAll(write('{"messages": [1], "messages": [2]}'), LONDON))).toMatch(/second list of messages/);
    expect(await refusal(parseAll(write('{"messages": [{"id": 1'), LONDON))).toMatch(/not valid JSON/);
  });

  it('refuses a whole-account Telegram export as soon as its chat list starts, without reading every chat', async () => {
    const chat = (index: number) => JSON.stringify({ name: `Chat ${index}`, type: 'personal_chat', id: index, messages: [{ id: 1, type: 'message', date: '2021-01-01T09:00:00', from: 'A', text: 'x'.repeat(500) }] });
    const chats = Array.from({ length: 4000 }, (_, index) => chat(index)).join(',');
    const path = writeExport(dir.path, 'telegram-account-large.json', `{"about": "…", "personal_information": {"first_name": "A"}, "chats": {"about": "…", "list": [${chats}]}}`);
    let read = 0;
    let total = 0;
    const error = await refusal(parseAll(path, { ...LONDON, onProgress: (done, size) => ((read = done), (total = size ?? 0)) }));
    expect(error).toMatch(/^This is a Telegram export of a whole account/);
    expect(total).toBeGreaterThan(2_000_000);
    expect(read).toBeLessThan(total / 10);
  });

  it('streams a large Telegram export in two readings: the first message comes early in the second', async () => {
    const path = `${dir.path}/large-result.json`;
    const out = createWriteStream(path);
    const write = (text: string) => new Promise<void>((resolve) => (out.write(text) ? resolve() : out.once('drain', () => resolve())));
    await write('{\n "name": "Ward 7 handover",\n "type": "private_group",\n "id": 4412,\n "messages": [\n');
    const count = 100_000;
    for (let id = 1; id <= count; id++) {
      const message = {
        id,
        type: 'message',
        date: '2023-03-26T02:30:00',
        date_unixtime: String(1679794200 + id),
        from: id % 2 ? 'Dr Ada Shah' : 'Dr Ben Okoro',
        from_id: `user${id % 2}`,
        text: ['Bed ', { type: 'bold', text: String(id % 30) }, `: hold the 02:00 dose, recheck potassium — Stationsübergabe ${'x'.repeat(id % 97)}`],
        text_entities: [],
      };
      await write(`  ${JSON.stringify(message)}${id < count ? ',' : ''}\n`);
    }
    await write(' ]\n}\n');
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));

    let bytesRead = 0;
    let total = 0;
    const chat = await openChatExport(path, {
      ...LONDON,
      onProgress: (done, size) => {
        bytesRead = done;
        total = size ?? 0;
      },
    });
    try {
      expect(chat.source).toBe('telegram');
      const first = await chat.messages.next();
      expect(first.done).toBe(false);
      expect(total).toBeGreaterThan(25 * 1024 * 1024);
      // The first reading (which display names two accounts share) goes to the end, holding only
      // names; progress counts it as the first half. Only the first chunks of the second reading
      // have been read when the first message is handed out.
      expect(bytesRead).toBeGreaterThanOrEqual(total / 2);
      expect(bytesRead).toBeLessThan(total / 2 + total / 20);
      let seen = 1;
      for (;;) {
        const next = await chat.messages.next();
        if (next.done) {
          expect(next.value).toMatchObject({ title: 'Ward 7 handover', messageCount: count });
          break;
        }
        seen++;
      }
      expect(seen).toBe(count);
      expect(bytesRead).toBe(total);
    } finally {
      await chat.close();
    }
  });
});
