import type { Contract } from '../../../shared/ipc/contract';
import { WardscribeError } from '../../errors';
import type { ImportService } from '../../imports/import-service';
import type { Handlers } from '../registry';

const UNTITLED = 'Untitled chat';

export function createImportHandlers(imports: ImportService): Handlers<Contract>['imports'] {
  return {
    inspect: async ({ path, zone, password }) => {
      const found = await imports.inspect(path, { zone, ...(password ? { password } : {}) });
      return { source: found.source, title: found.title ?? UNTITLED, dateOrder: found.dateOrder, needsDateOrder: found.needsDateOrder };
    },
    run: async ({ path, zone, dateOrder, password }, { signal, progress }) => {
      const result = await imports.import(
        { path, zone, ...(dateOrder ? { dateOrder } : {}), ...(password ? { password } : {}) },
        { signal, progress: (done, total, unit) => progress(done, total, unit) },
      );
      return { threadId: result.threadId, title: result.title ?? UNTITLED, messageCount: result.messageCount, duplicate: result.duplicate };
    },
  };
}

export function createThreadHandlers(imports: ImportService): Handlers<Contract>['threads'] {
  return {
    list: () =>
      imports.listThreads().map((thread) => ({
        id: thread.id,
        source: thread.source,
        title: thread.title ?? UNTITLED,
        messageCount: thread.messageCount,
        firstInstant: thread.firstInstant,
        lastInstant: thread.lastInstant,
        zone: thread.zone,
        importedAt: thread.importedAt,
      })),
    messages: ({ threadId, offset, limit }) => {
      const thread = imports.listThreads().find((candidate) => candidate.id === threadId);
      if (!thread) throw new WardscribeError('not-found', 'That thread is not in the vault.');
      const messages = imports.messages(threadId, offset, limit).map((message) => ({
        id: String(message.id),
        ordinal: message.ordinal,
        sender: message.sender,
        kind: message.kind,
        text: message.text,
        localTime: message.localTime,
        zone: message.zone,
        instant: message.instant,
        flags: [...message.flags],
        attachment: message.attachment,
        line: message.line,
      }));
      return { messages, total: thread.messageCount };
    },
    search: ({ query, limit }) => {
      const titles = new Map(imports.listThreads().map((thread) => [thread.id, thread.title ?? UNTITLED]));
      return imports.search(query, limit).map((hit) => ({
        threadId: hit.threadId,
        threadTitle: titles.get(hit.threadId) ?? UNTITLED,
        messageId: String(hit.messageId),
        ordinal: hit.ordinal,
        sender: hit.sender,
        localTime: hit.localTime,
        snippet: hit.snippet.map((piece) => piece.text).join(''),
      }));
    },
  };
}
