import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportService, type ImportJob } from '../../../main/imports/import-service';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { ThreadReader } from '../../../main/threads/thread-reader';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { vaultFiles } from '../../../main/vault/vault-files';
import { writeExport } from '../importers/helpers';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

/**
 * Issue #18, the property: any sequence of overlapping exports of one chat, imported one after
 * another, leaves each of its messages in the vault exactly once. The chat is an Android export
 * (minute precision) full of repeats: the same sender saying the same word in the same minute.
 * Each export is a window of the chat: its start moves on (the app's cap cuts the oldest), its
 * end moves on (new messages), and it shares with what came before messages of at least two
 * different minutes (the promise: see the hazard log, H-024).
 */

const dir = tempDir('wardscribe-reimport-property-');
let session: SessionService;
let imports: ImportService;
let reader: ThreadReader;
beforeAll(async () => {
  session = new SessionService({ files: vaultFiles(join(dir.path, 'vault')), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
  await session.createFirstAdmin(ADMIN);
  imports = new ImportService({ session, batchSize: 7 });
  reader = new ThreadReader(session);
});
afterAll(() => {
  session.lock('sign-out');
  dir.remove();
});

const job = (): ImportJob => ({ signal: new AbortController().signal, progress: () => undefined });

interface Line {
  readonly minute: number;
  readonly sender: string;
  readonly text: string;
}

const SENDERS = ['Dr Ada Shah', 'Ben Okafor', 'Sam Lee'];
const WORDS = ['ok', 'thanks', 'bed 4?', 'ok', 'seen'];

const chatArbitrary = fc
  .array(fc.record({ advance: fc.integer({ min: 0, max: 2 }), sender: fc.constantFrom(...SENDERS), text: fc.constantFrom(...WORDS) }), { minLength: 6, maxLength: 40 })
  .map((steps) => {
    let minute = 0;
    return steps.map((step): Line => {
      minute += step.advance;
      return { minute, sender: step.sender, text: step.text };
    });
  });

/** Windows [start, end) over the chat: both ends move on; each shares two minutes with what came before. */
function windowsFor(chat: readonly Line[], cuts: readonly { start: number; end: number }[]): { start: number; end: number }[] {
  const windows: { start: number; end: number }[] = [];
  let start = 0;
  let end = Math.max(2, Math.min(chat.length, Math.ceil(chat.length / 3)));
  windows.push({ start, end });
  for (const cut of cuts) {
    const nextEnd = Math.min(chat.length, end + cut.end);
    let nextStart = Math.min(start + cut.start, end - 1);
    // Back off until the overlap with what is stored ([first start, end)) spans two minutes.
    while (nextStart > start && new Set(chat.slice(nextStart, end).map((line) => line.minute)).size < 2) nextStart--;
    start = nextStart;
    end = nextEnd;
    windows.push({ start, end });
  }
  return windows;
}

function androidExport(lines: readonly Line[]): string {
  return (
    lines
      .map((line) => {
        const minutes = 9 * 60 + line.minute;
        return `13/03/2023, ${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')} - ${line.sender}: ${line.text}`;
      })
      .join('\n') + '\n'
  );
}

const key = (line: { sender: string | null; text: string; minute: number }) => `${line.minute}|${line.sender}|${line.text}`;

describe('re-importing overlapping exports of one chat', () => {
  it('yields each message exactly once (fast-check, fixed seed)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(chatArbitrary, fc.array(fc.record({ start: fc.integer({ min: 0, max: 12 }), end: fc.integer({ min: 0, max: 12 }) }), { minLength: 1, maxLength: 3 }), async (chat, cuts) => {
        run++;
        // Each run is its own chat: a distinct group name in every text keeps runs from matching each other.
        const tag = `run${run}`;
        const lines = chat.map((line) => ({ ...line, text: `${line.text} ${tag}` }));
        const windows = windowsFor(lines, cuts);
        let threadId: string | null = null;
        for (const [index, window] of windows.entries()) {
          const path = writeExport(dir.path, `WhatsApp Chat with ${tag} (${index}).txt`, androidExport(lines.slice(window.start, window.end)));
          const result = await imports.import({ path, zone: 'Europe/London' }, job());
          if (threadId === null) threadId = result.threadId;
          expect(result.threadId).toBe(threadId);
        }
        const stored = reader.messages(threadId!, 0, 1000).map((message) => {
          const [hours, minutes] = message.localTime.slice(11, 16).split(':').map(Number);
          return key({ minute: hours! * 60 + minutes! - 9 * 60, sender: message.sender, text: message.text });
        });
        const expected = lines.slice(0, windows.at(-1)!.end).map(key);
        expect(stored.slice().sort()).toEqual(expected.slice().sort());
        // Shown in time order (new messages that fell between old ones placed by time).
        const minutesShown = stored.map((entry) => Number(entry.split('|')[0]));
        expect(minutesShown).toEqual(minutesShown.slice().sort((a, b) => a - b));
      }),
      { numRuns: 25, seed: 1818 },
    );
  }, 180_000);
});
