import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatMessage, ChatThread } from '../../../shared/domain/chat';
import { openChatExport, type ImportOptions } from '../../../main/importers';

/** Writes `content` to `name` in `dir` and returns the path. */
export function writeExport(dir: string, name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Parses a whole export: every message and the thread. */
export async function parseAll(path: string, options: ImportOptions): Promise<{ messages: ChatMessage[]; thread: ChatThread }> {
  const chat = await openChatExport(path, options);
  const messages: ChatMessage[] = [];
  try {
    for (;;) {
      const next = await chat.messages.next();
      if (next.done) return { messages, thread: next.value };
      messages.push(next.value);
    }
  } finally {
    await chat.close();
  }
}
