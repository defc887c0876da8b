import type { Contract, OutboxView } from '../../../shared/ipc/contract';
import type { HostEvent } from '../../../shared/ipc/events';
import type { PersonRef } from '../../../shared/ipc/work-queue';
import type { RefilingGuard } from '../../threads/refiling-guard';
import type { TranscriptionService } from '../../transcriptions/transcription-service';
import type { Handlers } from '../registry';

type ServiceOutboxView = ReturnType<TranscriptionService['outbox']>[number];
type ServiceDraftView = ReturnType<TranscriptionService['getDraft']>;

/** What the outbox rows show beyond the filing state: who the note is about and who attested it, read from the stored item. */
export interface OutboxDetail {
  readonly patientName: string;
  readonly attestedBy: { readonly name: string; readonly role: string };
  readonly attestedAt: string;
  readonly queuedAt: string;
}

export interface TranscriptionHandlerDeps {
  /** The person behind a user id, for "prepared by" and "saved by"; null when there is no such user. */
  readonly person: (userId: string) => PersonRef | null;
  /** Stored details of outbox items, by identifier. */
  readonly outboxDetails: () => ReadonlyMap<string, OutboxDetail>;
  readonly emit: (event: HostEvent) => void;
}

function toDraftView(draft: ServiceDraftView, person: TranscriptionHandlerDeps['person']) {
  const { createdBy, updatedBy, ...rest } = draft;
  return { ...rest, corrects: draft.corrects ? { ...draft.corrects } : null, encounter: draft.encounter ? { ...draft.encounter } : null, messageIds: [...draft.messageIds], contextMessageIds: [...draft.contextMessageIds], images: draft.images.map((image) => ({ ...image })), problems: [...draft.problems], createdBy: person(createdBy), updatedBy: person(updatedBy) };
}

const NO_DETAIL: OutboxDetail = { patientName: '', attestedBy: { name: '', role: '' }, attestedAt: '', queuedAt: '' };

function toOutboxView(item: ServiceOutboxView, detail: OutboxDetail = NO_DETAIL): OutboxView {
  return {
    patientName: detail.patientName,
    attestedBy: { ...detail.attestedBy },
    attestedAt: detail.attestedAt,
    queuedAt: detail.queuedAt,
    httpStatus: item.httpStatus,
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
    correctsAttestedAt: item.correctsAttestedAt,
    correctsDocumentId: item.correctsDocumentId,
    correctedBy: item.correctedBy,
    correctionOutcome: item.correctionOutcome,
    canCorrect: item.canCorrect,
    withdrawal: item.withdrawal ? { ...item.withdrawal } : null,
    canWithdraw: item.canWithdraw,
  };
}

/** `refiling`: asks for a reason before advice already filed is filed again (issue #18). */
export function createTranscriptionHandlers(transcriptions: TranscriptionService, refiling: RefilingGuard, deps: TranscriptionHandlerDeps): Handlers<Contract>['transcriptions'] {
  const view = (draft: ServiceDraftView) => toDraftView(draft, deps.person);
  return {
    filedAlready: ({ messageIds, draftId }) => refiling.filedElsewhere(messageIds, draftId ?? null).map((mark) => ({ ...mark })),
    knownAdvisers: ({ threadId }) => transcriptions.knownAdvisers(threadId),
    saveDraft: ({ refileReason, ...request }) => {
      refiling.checkSave(request.messageIds, request.id ?? null, refileReason);
      const saved = transcriptions.saveDraft(request);
      refiling.recordReason(saved.id, refileReason);
      deps.emit({ type: 'drafts.changed', draftId: saved.id });
      return view(saved);
    },
    // Every user's drafts: a clerk prepares one, a clinician opens and attests it.
    list: () => transcriptions.listDrafts().map(view),
    get: ({ id }) => view(transcriptions.getDraft(id)),
    discard: ({ id }) => {
      transcriptions.discardDraft(id);
      deps.emit({ type: 'drafts.changed', draftId: id });
      return { outcome: 'discarded' as const };
    },
    startCorrection: ({ identifier }) => {
      const draft = transcriptions.startCorrection(identifier);
      deps.emit({ type: 'drafts.changed', draftId: draft.id });
      return view(draft);
    },
    preview: ({ id, patient }) => {
      const preview = transcriptions.preview(id, patient);
      return { ...preview, problems: [...preview.problems] };
    },
    attest: async ({ id, patient }) => {
      refiling.checkAttest(id);
      const queued = await transcriptions.attest(id, patient);
      deps.emit({ type: 'drafts.changed', draftId: id });
      deps.emit({ type: 'outbox.changed', identifiers: [queued.identifier] });
      return toOutboxView(queued, deps.outboxDetails().get(queued.identifier));
    },
  };
}

/** The patient from the EPR (H-014), and how much patient-identifiable data a chat holds. */
export function createPatientHandlers(transcriptions: TranscriptionService): Handlers<Contract>['patients'] {
  return {
    lookUp: (query) => transcriptions.lookUpPatient(query),
    encounters: async ({ patientId }) => {
      const found = await transcriptions.encounters(patientId);
      return found.kind === 'found' ? { kind: 'found', encounters: found.encounters.map((encounter) => ({ ...encounter })) } : found;
    },
    inThread: ({ threadId }) => transcriptions.patientDetailsInThread(threadId),
  };
}

export function createOutboxHandlers(transcriptions: TranscriptionService, outboxDetails: TranscriptionHandlerDeps['outboxDetails']): Handlers<Contract>['outbox'] {
  return {
    list: () => {
      const details = outboxDetails();
      return transcriptions.outbox().map((item) => toOutboxView(item, details.get(item.identifier)));
    },
    retry: async ({ identifier }) => toOutboxView(await transcriptions.retry(identifier), outboxDetails().get(identifier)),
    document: async ({ identifier }) => {
      const document = await transcriptions.filedDocument(identifier);
      return { ...document, authors: [...document.authors] };
    },
    documentImages: async ({ identifier }) => {
      const { documentReferenceId, versionId, images } = await transcriptions.filedImages(identifier);
      return { documentReferenceId, versionId, images: images.map(({ content, ...image }) => ({ ...image, data: content ? content.toString('base64') : null })) };
    },
    sendAfterCheck: async ({ identifier }) => toOutboxView(await transcriptions.sendAfterCheck(identifier), outboxDetails().get(identifier)),
    withdraw: async ({ identifier, reason }) => toOutboxView(await transcriptions.withdraw(identifier, reason), outboxDetails().get(identifier)),
  };
}
