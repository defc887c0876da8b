/**
 * Advice already filed (issue #18): a message that is part of an attested transcription is
 * marked wherever it is shown, with the document it went into, so the same advice is not filed
 * twice by accident. The same message in another thread (a later export imported as a separate
 * thread) is recognised by its chat identity fingerprint.
 */
import type { ChatSource } from '../../shared/domain/chat';
import { ChatFingerprinter, fingerprintKey } from '../imports/chat-identity';
import { readChatIdentityKey } from '../vault/queries/chat-identity-key';
import { getMessagesByIds, type StoredMessage } from '../vault/queries/messages';
import { getCompleteThread } from '../vault/queries/threads';
import { listFiledDrafts, replacedByVerifiedCorrections, withdrawnFromRecord } from '../vault/queries/transcription-drafts';
import type { Db } from '../vault/sqlcipher';

/** Where a message's advice was filed. */
export interface FiledMark {
  readonly draftId: string;
  /** The outbox identifier (urn:uuid) of the filed document. */
  readonly identifier: string;
  /** The outbox state: queued, sending, filed, verified, failed or needs-attention. */
  readonly state: string;
  /** The EPR's DocumentReference id, once filed. */
  readonly documentReferenceId: string | null;
  readonly threadId: string;
}

/** The messages (of any threads) filed, by vault id, and by fingerprint for copies in other threads. */
export class FiledAdvice {
  readonly #db: Db;
  readonly #byId = new Map<number, FiledMark[]>();
  readonly #byIdentity = new Map<string, FiledMark[]>();
  readonly #key: Buffer;
  readonly #fingerprinters = new Map<string, ChatFingerprinter>();
  readonly #sources = new Map<string, ChatSource | null>();

  /** A snapshot of what is filed now; build one per request (it is cheap: filed messages are few). */
  constructor(db: Db) {
    this.#db = db;
    this.#key = readChatIdentityKey(db);
    const filed = listFiledDrafts(db);
    // A note a verified correction replaced is no longer the advice in the record (it is entered
    // in error there): its messages are filed in the correction, not twice. A withdrawn note's are
    // filed nowhere, and may be filed again (for the right patient) without a reason.
    const replaced = replacedByVerifiedCorrections(filed);
    const drafts = filed.filter((draft) => !replaced.has(draft.identifier) && !withdrawnFromRecord(draft));
    const ids = [...new Set(drafts.flatMap((draft) => draft.messageIds.filter((id) => /^\d{1,15}$/.test(id)).map(Number)))];
    const messages = new Map(getMessagesByIds(db, ids).map((message) => [message.id, message]));
    for (const draft of drafts) {
      const mark: FiledMark = { draftId: draft.draftId, identifier: draft.identifier, state: draft.stateKind, documentReferenceId: draft.documentReferenceId, threadId: draft.threadId };
      for (const id of draft.messageIds) {
        const message = messages.get(Number(id));
        if (!message) continue;
        push(this.#byId, message.id, mark);
        const identity = this.#identity(message);
        if (identity !== null) push(this.#byIdentity, identity, mark);
      }
    }
  }

  /** Zeroes the key copy this snapshot holds. */
  close(): void {
    this.#key.fill(0);
  }

  /** The filings each message is part of (itself, or the same message in another thread); messages without any are absent. */
  marks(messages: readonly StoredMessage[]): Map<number, FiledMark[]> {
    const found = new Map<number, FiledMark[]>();
    if (this.#byId.size === 0) return found;
    for (const message of messages) {
      const byDraft = new Map<string, FiledMark>();
      for (const mark of this.#byId.get(message.id) ?? []) byDraft.set(mark.draftId, mark);
      const identity = this.#identity(message);
      for (const mark of identity === null ? [] : (this.#byIdentity.get(identity) ?? [])) if (!byDraft.has(mark.draftId)) byDraft.set(mark.draftId, mark);
      if (byDraft.size > 0) found.set(message.id, [...byDraft.values()]);
    }
    return found;
  }

  /** Filings other than `exceptDraftId` that already carry any of these messages. */
  filedElsewhere(messageIds: readonly string[], exceptDraftId: string | null): FiledMark[] {
    const messages = getMessagesByIds(this.#db, messageIds.filter((id) => /^\d{1,15}$/.test(id)).map(Number));
    const seen = new Map<string, FiledMark>();
    for (const marks of this.marks(messages).values()) for (const mark of marks) if (mark.draftId !== exceptDraftId && mark.state !== 'failed') seen.set(mark.draftId, mark);
    return [...seen.values()];
  }

  #identity(message: StoredMessage): string | null {
    let source = this.#sources.get(message.threadId);
    if (source === undefined) {
      source = getCompleteThread(this.#db, message.threadId)?.source ?? null;
      this.#sources.set(message.threadId, source);
    }
    if (source === null) return null;
    let fingerprinter = this.#fingerprinters.get(source);
    if (!fingerprinter) {
      fingerprinter = new ChatFingerprinter(this.#key, source);
      this.#fingerprinters.set(source, fingerprinter);
    }
    return fingerprintKey(fingerprinter.identity(message, message.occurrence));
  }
}

function push<K>(map: Map<K, FiledMark[]>, key: K, mark: FiledMark): void {
  const list = map.get(key);
  if (list) list.push(mark);
  else map.set(key, [mark]);
}
