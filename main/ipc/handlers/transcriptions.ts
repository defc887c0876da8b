import type { Contract, OutboxView } from '../../../shared/ipc/contract';
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

export function createTranscriptionHandlers(transcriptions: TranscriptionService): Handlers<Contract>['transcriptions'] {
  return {
    knownAdvisers: ({ threadId }) => transcriptions.knownAdvisers(threadId),
    saveDraft: (request) => toDraftView(transcriptions.saveDraft(request)),
    list: () => transcriptions.listDrafts().map(toDraftView),
    get: ({ id }) => toDraftView(transcriptions.getDraft(id)),
    preview: ({ id }) => {
      const preview = transcriptions.preview(id);
      return { ...preview, problems: [...preview.problems] };
    },
    attest: ({ id }) => toOutboxView(transcriptions.attest(id)),
  };
}

export function createOutboxHandlers(transcriptions: TranscriptionService): Handlers<Contract>['outbox'] {
  return {
    list: () => transcriptions.outbox().map(toOutboxView),
    retry: async ({ identifier }) => toOutboxView(await transcriptions.retry(identifier)),
  };
}
