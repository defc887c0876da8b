import type { Contract, ExportComparisonView } from '../../../shared/ipc/contract';
import type { HostEvent } from '../../../shared/ipc/events';
import type { ExportComparison, ImportRequest, ImportService } from '../../imports/import-service';
import type { FiledMark } from '../../threads/filed-advice';
import type { ThreadReader } from '../../threads/thread-reader';
import { WardscribeError } from '../../errors';
import type { Handlers } from '../registry';

const UNTITLED = 'Untitled chat';

function toComparisonView(comparison: ExportComparison): ExportComparisonView {
  return {
    ...comparison,
    knownThread: comparison.knownThread ? { ...comparison.knownThread, title: comparison.knownThread.title ?? UNTITLED, mergedAt: [...comparison.knownThread.mergedAt] } : null,
    wipedOn: [...comparison.wipedOn],
  };
}

function toFiledViews(marks: readonly FiledMark[]) {
  return marks.map((mark) => ({ ...mark }));
}

export function createImportHandlers(imports: ImportService, emit: (event: HostEvent) => void = () => undefined): Handlers<Contract>['imports'] {
  const request = (input: { path: string; zone: string; dateOrder?: ImportRequest['dateOrder']; password?: string; placement?: ImportRequest['placement'] }): ImportRequest => ({
    path: input.path,
    zone: input.zone,
    ...(input.dateOrder ? { dateOrder: input.dateOrder } : {}),
    ...(input.password ? { password: input.password } : {}),
    ...(input.placement ? { placement: input.placement } : {}),
  });
  return {
    inspect: async ({ path, zone, password }) => {
      const found = await imports.inspect(path, { zone, ...(password ? { password } : {}) });
      return { source: found.source, title: found.title ?? UNTITLED, dateOrder: found.dateOrder, needsDateOrder: found.needsDateOrder, rememberedOrder: found.rememberedOrder ?? null };
    },
    compare: async (input, { signal, progress }) =>
      toComparisonView(await imports.compare(request(input), { signal, progress: (done, total, unit) => progress(done, total, unit) })),
    run: async (input, { signal, progress }) => {
      const result = await imports.import(request(input), { signal, progress: (done, total, unit) => progress(done, total, unit) });
      emit({ type: 'threads.changed', threadId: result.threadId });
      return { threadId: result.threadId, title: result.title ?? UNTITLED, messageCount: result.messageCount, duplicate: result.duplicate, comparison: toComparisonView(result.comparison) };
    },
  };
}

export function createThreadHandlers(reader: ThreadReader, rename: (threadId: string, title: string) => string, emit: (event: HostEvent) => void = () => undefined): Handlers<Contract>['threads'] {
  return {
    rename: ({ threadId, title }) => {
      const renamed = rename(threadId, title);
      emit({ type: 'threads.changed', threadId });
      return { title: renamed };
    },
    list: () =>
      reader.openThreadList().map((thread) => ({
        id: thread.id,
        source: thread.source,
        title: thread.title ?? UNTITLED,
        messageCount: thread.messageCount,
        firstInstant: thread.firstInstant,
        lastInstant: thread.lastInstant,
        zone: thread.zone,
        importedAt: thread.importedAt,
      })),
    queue: ({ includeWiped, limit }) => reader.queue({ includeWiped, limit }),
    messages: ({ threadId, offset, limit }) => {
      const messages = reader.messages(threadId, offset, limit).map((message) => ({
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
        filed: toFiledViews(message.filed),
      }));
      const thread = reader.listThreads().find((candidate) => candidate.id === threadId);
      return { messages, total: thread?.messageCount ?? messages.length };
    },
    placeOf: ({ threadId, ordinal }) => {
      const index = reader.placeOf(threadId, ordinal);
      return index === null ? null : { index };
    },
    firstMessageFrom: ({ threadId, day }) => reader.firstMessageFrom(threadId, day),
    search: async ({ query, limit, order }) => {
      const hits = await reader.searchOffMain(query, limit, order);
      const titles = new Map(reader.listThreads().map((thread) => [thread.id, thread.title ?? UNTITLED]));
      return hits.map((hit) => ({
        threadId: hit.threadId,
        threadTitle: titles.get(hit.threadId) ?? UNTITLED,
        messageId: String(hit.messageId),
        ordinal: hit.ordinal,
        sender: hit.sender,
        localTime: hit.localTime,
        instant: hit.instant,
        snippet: hit.snippet.map((piece) => piece.text).join(''),
        snippetRuns: hit.snippet.map((piece) => ({ ...piece })),
        filed: toFiledViews(hit.filed),
      }));
    },
  };
}

/**
 * Only the newest search waits its turn: a search still queued (behind a wipe, or another
 * search) when a newer one arrives is answered `cancelled`, because the person has typed on and
 * the older answer would only be thrown away; one still running is ended (`cancelRunning`, the
 * search thread) and answered `cancelled` too. `run` is what the search waits for (the lease).
 */
export function newestSearchOnly(
  handlers: Handlers<Contract>['threads'],
  run: <T>(work: () => Promise<T>) => Promise<T>,
  cancelRunning: () => void = () => undefined,
): Handlers<Contract>['threads'] {
  let latest = 0;
  return {
    ...handlers,
    search: async (request, context) => {
      const mine = ++latest;
      cancelRunning();
      return run(async () => {
        if (mine !== latest) throw new WardscribeError('cancelled', 'A newer search replaced this one.');
        return handlers.search(request, context);
      });
    },
  };
}
