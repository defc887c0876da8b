import type { Contract, OutboxView } from '../../../shared/ipc/contract';
import type { RefilingGuard } from '../../threads/refiling-guard';
import type { TranscriptionService } from '../../transcriptions/transcription-service';
import type { Handlers } from '../registry';

type ServiceOutboxView = ReturnType<TranscriptionService['outbox']>[number];
type ServiceDraftView = ReturnType<TranscriptionService['getDraft']>;

function toDraftView(draft: ServiceDraftView) {
  return { ...draft, messageIds: [...draft.messageIds], problems: [...draft.problems] };
}

function toOutboxView(item: ServiceOutboxView): OutboxView {
  return {
    identifier: item.identifier,
    draftId: item.draftId ?? '',
    threadTitle: item.threadTitle ?? 'Untitled chat',
    nhsNumber: item.nhsNumber,
    state: item.state,
    reason: item.reason,
    detail: item.detail,
    resourceId: item.documentReferenceId,
    epr: item.epr,
    nextAttemptAt: item.nextAttemptAt,
    canRetry: item.canRetry,
    updatedAt: item.updatedAt,
  };
}

/** `refiling`: asks for a reason before advice already filed is filed again (issue #18). */
export function createTranscriptionHandlers(transcriptions: TranscriptionService, refiling: RefilingGuard): Handlers<Contract>['transcriptions'] {
  return {
    filedAlready: ({ messageIds, draftId }) => refiling.filedElsewhere(messageIds, draftId ?? null).map((mark) => ({ ...mark })),
    knownAdvisers: ({ threadId }) => transcriptions.knownAdvisers(threadId),
    saveDraft: ({ refileReason, ...request }) => {
      refiling.checkSave(request.messageIds, request.id ?? null, refileReason);
      const saved = transcriptions.saveDraft(request);
      refiling.recordReason(saved.id, refileReason);
      return toDraftView(saved);
    },
    list: () => transcriptions.listDrafts().map(toDraftView),
    get: ({ id }) => toDraftView(transcriptions.getDraft(id)),
    preview: ({ id }) => {
      const preview = transcriptions.preview(id);
      return { ...preview, problems: [...preview.problems] };
    },
    attest: ({ id }) => {
      refiling.checkAttest(id);
      return toOutboxView(transcriptions.attest(id));
    },
  };
}

export function createOutboxHandlers(transcriptions: TranscriptionService): Handlers<Contract>['outbox'] {
  return {
    list: () => transcriptions.outbox().map(toOutboxView),
    retry: async ({ identifier }) => toOutboxView(await transcriptions.retry(identifier)),
    sendAfterCheck: async ({ identifier }) => toOutboxView(await transcriptions.sendAfterCheck(identifier)),
  };
}
