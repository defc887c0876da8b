import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobWriter, Uint8ArrayReader, ZipWriter } from '@zip.js/zip.js';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChatMessage, DateOrder, MessageFlag } from '../../../shared/domain/chat';
import { tempDir } from '../../support/temp';
import { parseAll, writeExport } from './helpers';
import { buildZip } from './zip-writer';

/**
 * The real-export corpus (tests/fixtures/real/README.md): layouts that other people's phones and
 * other projects' fixtures and bug reports show, each checked message by message.
 */

interface CorpusFile {
  readonly name: string;
  readonly lines?: readonly string[];
  readonly base64?: string;
  readonly bom?: boolean;
  readonly crlf?: boolean;
}

interface ExpectedMessage {
  readonly sender: string | null;
  readonly kind: 'message' | 'system';
  readonly localTime: string;
  readonly text: string;
  readonly attachment?: string | null;
  readonly flags?: readonly MessageFlag[];
  readonly notFlags?: readonly MessageFlag[];
}

interface CorpusCase {
  readonly id: string;
  readonly source: { readonly repo: string; readonly path: string; readonly commit: string; readonly licence: string; readonly kind: string };
  readonly locale: string | null;
  readonly device?: string | null;
  readonly layout: string;
  readonly file?: CorpusFile;
  readonly zip?: { readonly name: string; readonly password?: string; readonly entries: readonly CorpusFile[] };
  readonly options: { readonly zone: string; readonly dateOrder?: DateOrder; readonly password?: string };
  readonly expected: {
    readonly count?: number;
    readonly messages?: readonly ExpectedMessage[];
    /** Codes that must be among the thread's or the messages' warnings. */
    readonly warnings?: readonly string[];
    readonly error?: string;
    /** The thread's title (a Teams chat without a topic is named from its members). */
    readonly title?: string | null;
  };
  readonly expectedFrom: string;
}

const CORPUS = join(__dirname, '../../fixtures/real');
const dir = tempDir('wardscribe-corpus-');
afterAll(() => dir.remove());

function loadCases(): { family: string; testCase: CorpusCase }[] {
  const cases: { family: string; testCase: CorpusCase }[] = [];
  for (const family of readdirSync(CORPUS, { withFileTypes: true })) {
    if (!family.isDirectory()) continue;
    for (const name of readdirSync(join(CORPUS, family.name)).sort()) {
      if (!name.endsWith('.json')) continue;
      const testCase = JSON.parse(readFileSync(join(CORPUS, family.name, name), 'utf8')) as CorpusCase;
      cases.push({ family: family.name, testCase });
    }
  }
  return cases;
}

function contentOf(file: CorpusFile): Buffer {
  if (file.base64 !== undefined) return Buffer.from(file.base64, 'base64');
  const text = (file.lines ?? []).join(file.crlf ? '\r\n' : '\n') + (file.crlf ? '\r\n' : '\n');
  return Buffer.from((file.bom ? '\uFEFF' : '') + text, 'utf8');
}

async function writeCase(testCase: CorpusCase): Promise<string> {
  const folder = join(dir.path, testCase.id);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(folder, { recursive: true });
  if (testCase.file) return writeExport(folder, testCase.file.name, contentOf(testCase.file));
  const zip = testCase.zip!;
  if (zip.password === undefined) {
    return writeExport(folder, zip.name, buildZip(zip.entries.map((entry) => ({ name: entry.name, data: contentOf(entry) }))));
  }
  const writer = new ZipWriter(new BlobWriter('application/zip'), { password: zip.password, encryptionStrength: 3, useWebWorkers: false });
  for (const entry of zip.entries) await writer.add(entry.name, new Uint8ArrayReader(new Uint8Array(contentOf(entry))));
  const blob = await writer.close();
  return writeExport(folder, zip.name, Buffer.from(await blob.arrayBuffer()));
}

function view(message: ChatMessage): ExpectedMessage {
  return { sender: message.sender, kind: message.kind, localTime: message.localTime, text: message.text };
}

const cases = loadCases();

describe('the real-export corpus', () => {
  it('holds cases from many sources, and every case names where it came from', () => {
    expect(cases.length).toBeGreaterThan(0);
    const ids = new Set<string>();
    for (const { testCase } of cases) {
      expect(ids.has(testCase.id), `${testCase.id} is used twice`).toBe(false);
      ids.add(testCase.id);
      expect(testCase.source.repo, testCase.id).toMatch(/^[\w.-]+\/[\w.-]+$|^docs:/);
      expect(testCase.source.commit, testCase.id).toMatch(/^[0-9a-f]{40}$|^n\/a$/);
      expect(testCase.source.licence, testCase.id).not.toBe('');
      expect(testCase.expectedFrom, testCase.id).not.toBe('');
      expect(testCase.file ?? testCase.zip, testCase.id).toBeDefined();
    }
  });

  for (const { family, testCase } of cases) {
    it(`${family}: ${testCase.id} (${testCase.layout})`, async () => {
      const path = await writeCase(testCase);
      const options = { ...testCase.options, password: testCase.options.password ?? testCase.zip?.password };
      const { expected } = testCase;
      if (expected.error !== undefined) {
        await expect(parseAll(path, options)).rejects.toThrow(expected.error);
        return;
      }
      const { messages, thread } = await parseAll(path, options);
      if (expected.count !== undefined) expect(messages, 'message count').toHaveLength(expected.count);
      if (expected.messages) {
        expect(messages.map(view)).toEqual(expected.messages.map(({ sender, kind, localTime, text }) => ({ sender, kind, localTime, text })));
        expected.messages.forEach((want, index) => {
          const got = messages[index]!;
          if (want.attachment !== undefined) expect(got.attachment, `message ${index} attachment`).toBe(want.attachment);
          for (const flag of want.flags ?? []) expect(got.flags, `message ${index} flags`).toContain(flag);
          for (const flag of want.notFlags ?? []) expect(got.flags, `message ${index} flags`).not.toContain(flag);
        });
      }
      if (expected.title !== undefined) expect(thread.title, 'title').toBe(expected.title);
      for (const code of expected.warnings ?? []) {
        const codes = [...thread.warnings, ...messages.flatMap((message) => message.warnings)].map((warning) => warning.code);
        expect(codes, 'warnings').toContain(code);
      }
    });
  }
});
