/**
 * Secure wipe of a thread's originals, once its advice is verified in the EPR.
 *
 * The steps, each recorded so that a crash at any point is finished at the next sign-in:
 *   1. Gate (shared/domain/wipe.ts): every transcription from the thread verified in the EPR, or
 *      a clinician's recorded reason that what is unfiled holds no clinical content; and any
 *      attachment of a filed message that is not in the record itself (a PDF ECG, a photo not
 *      chosen) acknowledged by a clinician, each by its id, and audited with its hash.
 *   2. Erase, in one transaction: the thread, its participants, messages (and their FTS entries,
 *      removed with FTS5 secure-delete), attachments, advisers and drafts go; verified outbox
 *      items lose their copied text; the `wipes` row (the certificate so far) and a `wipe` audit
 *      entry are written. secure_delete zeroes the freed pages; a TRUNCATE checkpoint empties the
 *      -wal. From here the wipe is finished, never undone.
 *   3. Rotate the vault key (main/vault/key-rotation.ts): any stale copy of an old page anywhere
 *      on the disk becomes undecryptable. This is the cryptographic erase.
 *   4. The export file, if the user asked and it is still exactly what was imported: overwrite,
 *      fsync, truncate, unlink (best effort on SSDs, and the certificate says so).
 *   5. Verify: search every decrypted page and every raw file for the canary planted at import
 *      and for samples of the wiped text and media; check the FTS index; 0 hits or it failed.
 *   6. Issue the certificate: stored in the vault, chained into the audit trail, exportable.
 */
import { createHash, randomUUID } from 'node:crypto';
import { canonicalJson } from '../audit/canonical';
import { WardscribeError } from '../errors';
import type { EventHub } from '../events';
import type { ImportService } from '../imports/import-service';
import type { Logger } from '../log';
import type { SessionService } from '../session/session-service';
import type { TranscriptionService } from '../transcriptions/transcription-service';
import { EprUnavailableError, TRAINING_EPR_ID } from '../epr/epr-directory';
import { EprRequestError } from '../epr/epr-errors';
import { MISMATCH_FIELD_WORDS } from '../epr/outbox-view';
import type { RecordCheck } from '../epr/filing';
import type { RotationStep } from '../vault/key-rotation';
import { deleteOutboxItem, getOutboxItem, redactOutboxItem } from '../vault/queries/outbox';
import { getSetting, setSettings, type SettingKey } from '../settings/registry';
import { deleteThreadForWipe, getCompleteThread, listCompleteThreads, threadSourcePath, type StoredThread } from '../vault/queries/threads';
import { saysEnough, writtenReason } from '../../shared/domain/written-reason';
import { listThreadTranscriptions, replacedByVerifiedCorrections, withdrawnFromRecord, type ThreadTranscriptionRow } from '../vault/queries/transcription-drafts';
import { attachmentSlices, longestMessageTexts, otherThreadHasText, threadCanary, threadContentCounts, threadRowsRemaining } from '../vault/queries/wipe-samples';
import { messageIndexIntact } from '../vault/queries/messages';
import { deleteThreadThumbnails, listAttachmentMedia, readAttachmentHead, thumbnailSlices } from '../vault/queries/attachment-thumbnails';
import { getDraft } from '../vault/queries/transcription-drafts';
import { getMessagesByIds, threadMessageKinds } from '../vault/queries/messages';
import { describeMediaType, sniffMedia } from '../threads/media-sniff';
import { finishWipe, getWipe, insertWipe, listOwedWipes, listWipes, setSourceFileState, type SourceFileState } from '../vault/queries/wipes';
import { checkpointTruncate, type Db } from '../vault/sqlcipher';
import {
  decideUnfiledMedia,
  decideWipe,
  markRefiled,
  MIN_OVERRIDE_REASON,
  unfiledMedia,
  untranscribedMessages,
  WipeCertificateSchema,
  wipeLevel,
  type GateDecision,
  type GateMessage,
  type GateTranscription,
  certificateForRole,
  type MediaTranscription,
  type WipeCertificate,
  type WipeMedium,
  type WipeVerification,
} from '../../shared/domain/wipe';
import type { AuditWipeCertificate } from '../../shared/domain/audit';
import { ChatFingerprinter } from '../imports/chat-identity';
import { readChatIdentityKey } from '../vault/queries/chat-identity-key';
import { identityRows } from '../vault/queries/messages';
import { insertWipedFingerprints } from '../vault/queries/wiped-fingerprints';
import { checkSourceFile, overwriteExportFile, type SourceFileCheck } from './source-file';
import { scanForRemnants } from './vault-scan';
import { isAdvice } from '../../shared/domain/transcription';
import { closerLook, type CloserLook, type CloserLookReason, type FiledNoteFacts } from '../../shared/domain/closer-look';

/**
 * Where a test may stop the wipe (kill -9) to prove each point is safe. `erasing` is inside the
 * erase transaction, before it commits; `overwriting` is after the export file is marked as being
 * overwritten, before the first byte is.
 */
export type WipeStep = 'erasing' | 'erased' | RotationStep | 'rotated' | 'overwriting' | 'source-file' | 'verified' | 'finished';

export interface WipeHooks {
  readonly afterStep?: (step: WipeStep) => void;
}

export interface WipeRequest {
  readonly threadId: string;
  /** Overwrite and delete the export file the thread was imported from (if it is unchanged). */
  readonly overwriteSourceFile: boolean;
  /** Needed when the gate asks for it: why what was not filed holds no clinical content. */
  readonly overrideReason?: string;
  /**
   * The plan's unfiled media (attachments of filed messages not in the record), by id: the
   * clinician's acknowledgement that the wipe destroys them without their being filed.
   */
  readonly acknowledgedUnfiledMedia?: readonly string[];
  /**
   * What the plan the clinician read counted. A reason is given for the thread as it was shown:
   * with a later export merged in since (20,000 messages where 60 were read), the reason does not
   * cover what was added, so a wipe with a reason needs these and is refused when they differ.
   */
  readonly planned?: { readonly messageCount: number; readonly attachmentCount: number };
}

/** What the confirmation screen shows before anything is done. */
export interface WipePlan {
  readonly threadId: string;
  readonly title: string | null;
  readonly source: StoredThread['source'];
  readonly messageCount: number;
  readonly attachmentCount: number;
  /** Of the attachments, the pictures (by their bytes). */
  readonly imageCount: number;
  readonly draftCount: number;
  readonly firstInstant: string | null;
  readonly lastInstant: string | null;
  readonly transcriptions: readonly GateTranscription[];
  readonly decision: GateDecision;
  /** Attachments of messages filed in verified notes that are not in the record themselves: destroyed only on acknowledgement. */
  readonly unfiledMedia: readonly WipeMedium[];
  /** Messages in no verified note (system lines aside): how many, and the first of them as the screen lists them. */
  /** `marked`: how many deserve a second look (closer-look.ts); they are shown first. */
  readonly untranscribed: { readonly count: number; readonly marked: number; readonly shown: UntranscribedMessage[] };
  readonly sourceFile: { readonly name: string; readonly status: SourceFileCheck | 'unknown' };
}

/** A message the wipe would destroy without its being in any note, as the confirmation screen lists it. */
export interface UntranscribedMessage {
  readonly messageId: string;
  readonly sender: string | null;
  /** As the chat showed it. */
  readonly localTime: string;
  /** Its text, cut to UNTRANSCRIBED_TEXT_CHARS. */
  readonly text: string;
  /** The name of the file it came with, if any. */
  readonly attachment: string | null;
  /** Why it deserves a second look (closer-look.ts: from an adviser of a filed note, naming its patient, or another patient's NHS number); empty: none. */
  readonly lookAgain: CloserLookReason[];
}

/** Messages read at a time when the untranscribed are described. */
const UNTRANSCRIBED_PAGE = 2_000;
/** Most untranscribed messages a plan lists (the count is always whole): enough to see what they are. */
export const UNTRANSCRIBED_SHOWN = 100;
const UNTRANSCRIBED_TEXT_CHARS = 300;

export interface WipeServiceOptions {
  readonly session: SessionService;
  readonly imports: ImportService;
  readonly transcriptions: Pick<TranscriptionService, 'stop' | 'resumeAll' | 'recheckFiled'>;
  readonly events?: Pick<EventHub, 'emit'>;
  readonly log: Logger;
  readonly now?: () => Date;
  readonly hooks?: WipeHooks;
}

/** Vault setting: hours after a thread's last verified filing at which it is wiped automatically; absent = never. */
export const RETENTION_SETTING = 'wipe.retentionHours' satisfies SettingKey;
const MAX_TEXT_SAMPLES = 24;
const TEXT_SAMPLE_CHARS = 24;
const MAX_ATTACHMENT_SAMPLES = 8;
const ATTACHMENT_SAMPLE_BYTES = 32;
/** Enough of a file's first bytes to tell its type (not an image's dimensions, which the wipe does not need). */
const TYPE_SNIFF_BYTES = 4096;

interface Needles {
  readonly canary: string;
  /** Samples of the text and media; absent when finishing a wipe after a restart (they are never stored). */
  readonly samples: readonly (string | Buffer)[] | null;
}

export class WipeService {
  readonly #options: WipeServiceOptions;
  readonly #now: () => Date;
  /** One wipe at a time: each replaces the vault file. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: WipeServiceOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Everything the user must see before confirming, and whether the gate lets it through. */
  async plan(threadId: string): Promise<WipePlan> {
    const db = this.#options.session.vault().db;
    const thread = getCompleteThread(db, threadId);
    if (!thread) throw new WardscribeError('not-found', 'That thread is not in the vault (it may already have been wiped).');
    const counts = threadContentCounts(db, threadId);
    const rows = weighedTranscriptions(listThreadTranscriptions(db, threadId));
    const carried = carriedByTranscriptions(db, rows);
    const transcriptions = markRefiled(rows.map(toGateTranscription), carried);
    const untranscribed = threadUntranscribed(db, threadId, carried);
    const sourcePath = threadSourcePath(db, threadId);
    return {
      threadId,
      title: thread.title,
      source: thread.source,
      messageCount: counts.messages,
      attachmentCount: counts.attachments,
      imageCount: counts.images,
      draftCount: counts.drafts,
      firstInstant: thread.firstInstant,
      lastInstant: thread.lastInstant,
      transcriptions,
      decision: decideWipe(transcriptions, untranscribed.length),
      unfiledMedia: threadUnfiledMedia(db, threadId, carried),
      untranscribed: describeUntranscribed(db, untranscribed, closerLook(filedNoteFacts(db, rows))),
      sourceFile: { name: thread.sourceFileName, status: sourcePath ? await checkSourceFile(sourcePath, thread.sourceSha256) : 'unknown' },
    };
  }

  /**
   * Wipes a thread (gate permitting) and resolves with its certificate. Each note verified from it
   * is first read back from its EPR again, outside the vault lease (a slow EPR must not hold up
   * the workstation): verified once is not proof that the record still holds it.
   */
  async wipe(request: WipeRequest, trigger: 'user' | 'retention' = 'user'): Promise<WipeCertificate> {
    // From when the re-read began: the first note's answer is as old as that.
    const recheckedAt = this.#now().getTime();
    const rechecked = await this.#recheckFiled(request.threadId);
    return this.#exclusive(() => this.#wipe(request, trigger, rechecked, recheckedAt));
  }

  /** What each verified note of the thread is found to be in its EPR now, by note identifier. */
  async #recheckFiled(threadId: string): Promise<Map<string, Recheck>> {
    const { session, transcriptions } = this.#options;
    const verified = await session.withVault('shared', 'a wipe is reading which notes were filed', () =>
      // A note replaced by a verified correction is entered in error by design: the correction is re-read instead.
      // A withdrawn note is entered in error by the clinician's choice: it files nothing, so is not re-read.
      weighedTranscriptions(listThreadTranscriptions(session.vault().db, threadId))
        .filter((row) => row.stateKind === 'verified' && row.identifier !== null && !withdrawnFromRecord(row))
        .map((row) => ({ identifier: row.identifier!, training: getOutboxItem(session.vault().db, row.identifier!)?.eprId === TRAINING_EPR_ID })),
    );
    const found = new Map<string, Recheck>();
    for (const { identifier, training } of verified) {
      try {
        const check = await transcriptions.recheckFiled(identifier);
        found.set(identifier, check.kind === 'missing' && training ? { ...check, training } : check);
      } catch (error) {
        const why = unreachableWhy(error);
        const status = (error as { status?: number }).status;
        this.#options.log.warn('wipe.recheck-failed', { why, kind: (error as { kind?: string }).kind ?? (error as { name?: string }).name ?? 'unexpected', ...(status === undefined ? {} : { status }) });
        found.set(identifier, { kind: 'unreachable', why, ...(why === 'not-configured' ? { said: (error as Error).message } : {}) });
        // The wipe is refused whatever the other notes say: asking a failing EPR again only makes the person wait.
        break;
      }
    }
    return found;
  }

  /**
   * Finishes wipes cut short by a crash, a power cut or a lock: their threads are already gone,
   * their key rotation, source file, verification and certificate are owed. Call at unlock.
   */
  resumeOwed(): Promise<WipeCertificate[]> {
    return this.#exclusive(async () => {
      const certificates: WipeCertificate[] = [];
      for (const owed of listOwedWipes(this.#options.session.vault().db)) {
        certificates.push(await this.#complete(owed.id, { canary: canaryFromBase64(owed.canaryBase64), samples: null }));
      }
      return certificates;
    });
  }

  /** Every certificate issued (and any wipe still finishing), newest first. */
  certificates(): WipeCertificate[] {
    return listWipes(this.#options.session.vault().db).map((wipe) => WipeCertificateSchema.parse(wipe.certificate));
  }

  certificate(wipeId: string): WipeCertificate {
    const wipe = getWipe(this.#options.session.vault().db, wipeId);
    if (!wipe) throw new WardscribeError('not-found', 'No wipe certificate has that identifier.');
    return WipeCertificateSchema.parse(wipe.certificate);
  }

  retentionHours(): number | null {
    return getSetting(this.#options.session.vault().db, RETENTION_SETTING);
  }

  setRetentionHours(hours: number | null): void {
    const { session } = this.#options;
    if (!session.principal()) throw new WardscribeError('not-signed-in', 'Sign in to continue.');
    const { log, actor } = session.audit();
    // The registry checks the value and that an administrator sets it, and records setting-changed.
    setSettings(session.vault().db, log, actor, { [RETENTION_SETTING]: hours }, this.#now());
  }

  /**
   * Automatic wipes under the retention setting: threads whose every transcription is verified
   * (the gate with no override: the system never vouches for unfiled content) and whose last
   * verification is at least the set number of hours old. Returns the certificates issued.
   */
  applyRetention(): Promise<WipeCertificate[]> {
    // One check at a time: the timer fires every few minutes, and a slow EPR can make a check
    // take longer than that. A check asked for while one runs has nothing to add.
    if (this.#retentionRun) return this.#retentionRun.then(() => []);
    const run = this.#applyRetention().finally(() => (this.#retentionRun = null));
    this.#retentionRun = run;
    return run;
  }

  #retentionRun: Promise<WipeCertificate[]> | null = null;

  async #applyRetention(): Promise<WipeCertificate[]> {
    const hours = this.retentionHours();
    // A damaged vault is wiped from by nobody (see #wipe); the automatic wipe waits for the repair.
    if (hours === null || this.#options.session.integrity().state === 'damaged') return [];
    const db = this.#options.session.vault().db;
    const cutoff = this.#now().getTime() - hours * 3_600_000;
    const due = listCompleteThreads(db)
      .map((thread) => thread.id)
      .filter((threadId) => {
        const rows = weighedTranscriptions(listThreadTranscriptions(db, threadId));
        const carried = carriedByTranscriptions(db, rows);
        const transcriptions = markRefiled(rows.map(toGateTranscription), carried);
        // The cheap questions first: every thread is asked each check, and counting what no note
        // carries reads each of a thread's messages.
        if (decideWipe(transcriptions, 0).kind !== 'allowed') return false;
        const last = Math.max(...rows.map((row) => (row.verifiedAt ? Date.parse(row.verifiedAt) : Number.POSITIVE_INFINITY)));
        if (last > cutoff) return false;
        if (decideWipe(transcriptions, threadUntranscribed(db, threadId, carried).length).kind !== 'allowed') return false;
        // Media sent with the filed advice but not in the record: only a clinician may destroy them.
        return decideUnfiledMedia(threadUnfiledMedia(db, threadId, carried), 'retention', undefined).kind === 'none';
      });
    const certificates: WipeCertificate[] = [];
    for (const threadId of due) {
      try {
        certificates.push(await this.wipe({ threadId, overwriteSourceFile: false }, 'retention'));
      } catch (error) {
        // The vault is busy (an import holds it): the next check tries again.
        if (error instanceof WardscribeError && error.code === 'conflict') break;
        // Refused (and audited): a note no longer in its EPR, or the EPR not reachable to say.
        // That thread waits for a person or the next check; the others due are still wiped.
        if (error instanceof WardscribeError && error.code === 'rejected') continue;
        // Wiped meanwhile (by a clinician): nothing left to do for it.
        if (error instanceof WardscribeError && error.code === 'not-found') continue;
        throw error;
      }
    }
    return certificates;
  }

  async #wipe(request: WipeRequest, trigger: 'user' | 'retention', rechecked: ReadonlyMap<string, Recheck>, recheckedAt: number): Promise<WipeCertificate> {
    const { session } = this.#options;
    const db = session.vault().db;
    const { log, actor } = session.audit();
    const refuse = (reason: string, message: string): never => {
      log.record({ action: 'wipe', actor: trigger === 'user' ? actor : null, objects: { threadId: request.threadId }, outcome: { status: 'refused', reason } });
      throw new WardscribeError('rejected', message);
    };
    // A vault the background check found damaged is not wiped from: what the gate reads (filings,
    // verifications) and what the wipe's scan proves cannot be trusted, and the originals may be
    // needed to rebuild what a backup lacks.
    const integrity = session.integrity();
    if (integrity.state === 'damaged') {
      log.record({ action: 'wipe', actor: trigger === 'user' ? actor : null, objects: { threadId: request.threadId }, outcome: { status: 'refused', reason: 'vault-damaged' } });
      throw new WardscribeError('vault-damaged', `Nothing can be wiped while the vault is damaged. ${integrity.message ?? 'Tell the IT service desk.'}`);
    }
    const plan = await this.plan(request.threadId);
    // Kept as written, less invisible characters: a reason of zero-width spaces says nothing.
    const overrideReason = writtenReason(request.overrideReason ?? '');
    if (plan.decision.kind === 'refused') refuse('in-flight', plan.decision.problems.join(' '));
    if (plan.decision.kind === 'needs-override') {
      const problems = plan.decision.problems.join(' ');
      if (trigger !== 'user') refuse('unfiled', problems);
      if (actor.role !== 'clinician') refuse('unfiled', `${problems} Only a clinician can wipe it anyway, by recording why it holds no clinical content.`);
      if (!saysEnough(overrideReason, MIN_OVERRIDE_REASON)) refuse('unfiled', `${problems} To wipe it anyway, record why it holds no clinical content, in words (at least ${MIN_OVERRIDE_REASON} characters).`);
      const planned = request.planned;
      if (!planned) refuse('plan-not-given', `${problems} A reason is given for the thread as its wipe plan showed it, and this request does not say which plan that was. Nothing was wiped; open the wipe plan again.`);
      if (planned!.messageCount !== plan.messageCount || planned!.attachmentCount !== plan.attachmentCount) {
        refuse(
          'thread-changed',
          `The thread has changed since its wipe plan was shown: it held ${counted(planned!.messageCount, 'message')} and ${counted(planned!.attachmentCount, 'attachment')} then, and holds ${counted(plan.messageCount, 'message')} and ${counted(plan.attachmentCount, 'attachment')} now (a later export was merged in). Your reason covered what you read, not what was added. Nothing was wiped; read the new plan and decide again.`,
        );
      }
    }
    const media = decideUnfiledMedia(plan.unfiledMedia, trigger === 'retention' ? 'retention' : actor.role, request.acknowledgedUnfiledMedia);
    if (media.kind === 'refused') refuse(media.reason, media.problem);
    // Each verified note must still be in its EPR as filed, read back just now: otherwise the
    // originals may be the only copy of the advice left. An EPR that could not be asked is said
    // first (the re-read stopped there, so later notes were not read). A note gone or changed
    // whose every message and image is in another note read back as filed, for the same patient
    // in the same EPR (a correction filed after the first was marked entered-in-error, the advice
    // filed again), no longer stands between the advice and the record. The read-back must be
    // recent: one that waited long (behind another wipe) may no longer be true.
    if (this.#now().getTime() - recheckedAt > RECHECK_FRESH_MS) refuse('record-not-rechecked', `The notes filed from this thread were read back from the EPR more than ${RECHECK_FRESH_MS / 60_000} minutes before the wipe could start. Nothing was wiped, so the original messages are still here. Try the wipe again.`);
    const unreachable = [...rechecked.values()].find((check) => check.kind === 'unreachable');
    const unreachableProblem = unreachable && recheckProblem(unreachable);
    if (unreachableProblem) refuse(unreachableProblem.reason, unreachableProblem.message);
    const verified = plan.transcriptions.filter((transcription) => transcription.state === 'verified' && transcription.identifier !== null);
    const filedItem = (identifier: string) => getOutboxItem(db, identifier);
    /** What a note carries into the record, keyed by where it went (the EPR and the patient). */
    const carried = (identifier: string) => {
      const item = filedItem(identifier);
      if (!item) return { where: '', parts: [] as string[] };
      return { where: `${item.eprId}|${item.transcription.patient.nhsNumber}`, parts: [...item.transcription.excerpts.map((excerpt) => `message ${excerpt.messageId}`), ...(item.transcription.images ?? []).map((image) => `image ${image.attachmentId}`)] };
    };
    const stillFiled = new Set(
      verified
        .filter((transcription) => rechecked.get(transcription.identifier!)?.kind === 'present')
        .flatMap((transcription) => {
          const { where, parts } = carried(transcription.identifier!);
          return parts.map((part) => `${where}|${part}`);
        }),
    );
    for (const transcription of verified) {
      const check = rechecked.get(transcription.identifier!);
      const problem = recheckProblem(check);
      if (!problem) continue;
      const { where, parts } = carried(transcription.identifier!);
      const superseded = (check?.kind === 'missing' || check?.kind === 'changed') && where !== '' && parts.every((part) => stillFiled.has(`${where}|${part}`));
      if (!superseded) refuse(problem.reason, problem.message);
    }

    const thread = getCompleteThread(db, request.threadId)!;
    const sourcePath = threadSourcePath(db, request.threadId);
    const sourceFileState: SourceFileState = !request.overwriteSourceFile
      ? 'not-requested'
      : plan.sourceFile.status === 'matches'
        ? 'requested'
        : plan.sourceFile.status === 'changed'
          ? 'changed'
          : 'not-found';
    const needles = collectNeedles(db, request.threadId);
    const wipeId = randomUUID();
    const kept = wipedMessageFingerprints(db, thread);
    const startedAt = this.#now().toISOString();
    const certificate: WipeCertificate = {
      format: 'wardscribe-wipe-certificate/1',
      wipeId,
      threadId: thread.id,
      source: thread.source,
      sourceFileName: thread.sourceFileName,
      sourceSha256: thread.sourceSha256,
      messageCount: plan.messageCount,
      attachmentCount: plan.attachmentCount,
      imageCount: plan.imageCount,
      imagesFiled: plan.transcriptions
        .filter((transcription) => transcription.state === 'verified' && transcription.identifier !== null)
        .reduce((sum, transcription) => sum + (getOutboxItem(db, transcription.identifier!)?.transcription.images?.length ?? 0), 0),
      unfiledMediaDestroyed: plan.unfiledMedia.length,
      unfiledMessagesDestroyed: plan.untranscribed.count,
      draftCount: plan.draftCount,
      firstInstant: thread.firstInstant,
      lastInstant: thread.lastInstant,
      trigger,
      requestedBy: trigger === 'user' ? { userId: actor.userId, displayName: actor.displayName, role: actor.role } : null,
      overrideReason: plan.decision.kind === 'needs-override' ? overrideReason : null,
      ...(plan.decision.kind === 'needs-override' ? { overriddenProblems: [...plan.decision.problems] } : {}),
      fingerprintsKept: kept.messages.length,
      filed: plan.transcriptions
        .filter((transcription) => transcription.state === 'verified' && transcription.identifier !== null)
        .map((transcription) => ({
          identifier: transcription.identifier!,
          documentReferenceId: transcription.documentReferenceId,
          nhsNumber: transcription.nhsNumber,
          ...(transcription.withdrawal === 'not-marked' ? { withdrawal: 'not-marked' as const } : {}),
        })),
      startedAt,
      finishedAt: null,
      keyRotated: false,
      sourceFile: sourceFileState,
      verification: null,
      level: null,
    };

    db.transaction(() => {
      for (const transcription of plan.transcriptions) {
        if (transcription.identifier === null) continue;
        // Verified: the record holds the text now; withdrawn: its outbox row is the history of that.
        // Failed (wiped on a clinician's reason): never to be filed.
        if (transcription.state === 'verified' || transcription.state === 'withdrawn') redactOutboxItem(db, transcription.identifier);
        else deleteOutboxItem(db, transcription.identifier);
      }
      // The notes a verified correction replaced are not weighed by the gate, but their outbox rows
      // hold the chat's words too: kept as the history of the correction, without them.
      for (const identifier of replacedByVerifiedCorrections(listThreadTranscriptions(db, thread.id))) redactOutboxItem(db, identifier);
      // The thumbnails would go with their attachments (ON DELETE CASCADE); deleted by name so the wipe says what it removes.
      deleteThreadThumbnails(db, thread.id);
      if (!deleteThreadForWipe(db, thread.id)) throw new WardscribeError('conflict', 'The thread changed while the wipe was starting. Nothing was wiped; try again.');
      insertWipe(db, {
        id: wipeId,
        threadId: thread.id,
        sourceSha256: thread.sourceSha256,
        fingerprint: thread.fingerprint,
        trigger,
        requestedBy: trigger === 'user' ? actor.userId : null,
        canaryBase64: Buffer.from(needles.canary.slice('wscanary'.length), 'hex').toString('base64'),
        sourceFileState,
        sourcePath: sourceFileState === 'requested' ? sourcePath : null,
        certificate,
        startedAt,
      });
      // All that is kept of the messages: so that a later export of the chat never brings them back.
      insertWipedFingerprints(db, wipeId, 'message', kept.messages);
      insertWipedFingerprints(db, wipeId, 'slot', kept.slots);
      // The clinician's acknowledgement, one entry per attachment: its id and hash, never its name.
      for (const medium of plan.unfiledMedia) {
        log.record({
          action: 'wipe-unfiled-media',
          actor,
          objects: { threadId: thread.id, wipeId, attachmentId: medium.attachmentId },
          outcome: { status: 'success', reason: 'acknowledged' },
          hashes: { originalSha256: medium.sha256 },
        });
      }
      log.record({
        action: 'wipe',
        actor: trigger === 'user' ? actor : null,
        objects: { threadId: thread.id, wipeId },
        outcome: { status: 'success', reason: plan.decision.kind === 'needs-override' ? 'erased-with-clinician-reason' : trigger === 'retention' ? 'erased-by-retention' : 'erased' },
        hashes: { importSha256: thread.sourceSha256 },
      });
      this.#options.hooks?.afterStep?.('erasing');
    }).immediate();
    checkpointTruncate(db);
    this.#options.log.info('wipe.erased', { trigger, unfiledMedia: plan.unfiledMedia.length });
    this.#options.hooks?.afterStep?.('erased');
    return this.#complete(wipeId, needles);
  }

  /** Steps 3 to 6 for a wipe whose thread is already erased. */
  async #complete(wipeId: string, needles: Needles): Promise<WipeCertificate> {
    const { session, hooks } = this.#options;
    const keyRotated = await this.#rotateKey();
    hooks?.afterStep?.('rotated');

    const sourceFile = await this.#handleSourceFile(wipeId);
    hooks?.afterStep?.('source-file');

    const verification = this.#verify(wipeId, needles);
    hooks?.afterStep?.('verified');

    const db = session.vault().db;
    const owed = getWipe(db, wipeId)!;
    const issued: WipeCertificate = {
      ...WipeCertificateSchema.parse(owed.certificate),
      keyRotated,
      sourceFile,
      verification,
      finishedAt: this.#now().toISOString(),
      level: wipeLevel(keyRotated, verification),
    };
    const { log, actor } = session.audit();
    db.transaction(() => {
      finishWipe(db, wipeId, { state: verification.status === 'passed' ? 'verified' : 'failed', certificate: issued, finishedAt: issued.finishedAt! });
      log.record({
        action: 'wipe-verified',
        actor: owed.trigger === 'user' && owed.requestedBy === actor.userId ? actor : null,
        objects: { threadId: owed.threadId, wipeId },
        outcome: verification.status === 'passed' ? { status: 'success', reason: issued.level! } : { status: 'failure', reason: 'remnants-found' },
        hashes: { certificateSha256: trailCertificateSha256(issued) },
        wipe: auditSummary(issued),
      });
    }).immediate();
    checkpointTruncate(db);
    if (verification.status === 'passed') this.#options.log.info('wipe.verified', { level: issued.level! });
    else this.#options.log.error('wipe.verification-failed', { hits: verification.hits.length, problems: verification.problems.length });
    this.#options.events?.emit({ type: 'thread.wiped', threadId: owed.threadId });
    hooks?.afterStep?.('finished');
    return issued;
  }

  /** Step 3. False (and logged) if the key could not be rotated; the vault is then still open under the old key. */
  async #rotateKey(): Promise<boolean> {
    const { session, hooks } = this.#options;
    // The wipe holds the vault lease exclusively: no filing, import or read can write between the copy and the switch.
    try {
      await session.rotateVaultKey({ afterStep: (step) => hooks?.afterStep?.(step) });
      return true;
    } catch (error) {
      // Still signed in: the vault was not switched and stays open under the old key. Locked:
      // the switch is finished at the next sign-in, and this wipe with it.
      if (session.principal() === null) throw error;
      this.#options.log.error('wipe.key-rotation-failed');
      return false;
    }
  }

  /**
   * Step 4: only ever the file imported, only if the user asked, and checked again just before
   * the first byte is written (it may have changed since the confirmation screen).
   */
  async #handleSourceFile(wipeId: string): Promise<SourceFileState> {
    const wipe = getWipe(this.#options.session.vault().db, wipeId)!;
    if ((wipe.sourceFileState !== 'requested' && wipe.sourceFileState !== 'overwriting') || wipe.sourcePath === null) return wipe.sourceFileState;
    // One descriptor, opened without following symlinks: the hash is checked on it, and it is the
    // one written, so a file swapped in after the check is never touched. A resumed overwrite
    // (a crash left it half zeros) skips the hash.
    let outcome: SourceFileState;
    let stepError: unknown = null;
    try {
      outcome = await overwriteExportFile(wipe.sourcePath, wipe.sourceFileState === 'requested' ? wipe.sourceSha256 : null, () => {
        try {
          // Asked for again after the awaits: a lock meanwhile closes the vault and this throws.
          setSourceFileState(this.#options.session.vault().db, wipeId, 'overwriting');
          this.#options.hooks?.afterStep?.('overwriting');
        } catch (error) {
          stepError = error;
          throw error;
        }
      });
    } catch (error) {
      // The vault closing (or a test's crash hook) is not a failed overwrite: nothing was written yet.
      if (stepError !== null) throw error;
      outcome = 'failed';
    }
    setSourceFileState(this.#options.session.vault().db, wipeId, outcome);
    return outcome;
  }

  /** Step 5. */
  #verify(wipeId: string, needles: Needles): WipeVerification {
    const vault = this.#options.session.vault();
    const wipe = getWipe(vault.db, wipeId)!;
    const problems: string[] = [];
    if (threadRowsRemaining(vault.db, wipe.threadId) > 0) problems.push('rows-remain');
    if (!messageIndexIntact(vault.db)) problems.push('fts-integrity');
    checkpointTruncate(vault.db);
    const all = [needles.canary, ...(needles.samples ?? [])];
    const scan = scanForRemnants({ dir: vault.files.dir, database: vault.files.database, key: vault.key, needles: all });
    problems.push(...scan.unreadable.map((where) => `unreadable-${where}`));
    if (scan.pagesDecrypted === 0) problems.push('nothing-decrypted');
    return {
      status: scan.hits.length === 0 && problems.length === 0 ? 'passed' : 'failed',
      pagesDecrypted: scan.pagesDecrypted,
      filesScanned: [...scan.filesScanned],
      needles: all.length,
      textSampled: needles.samples !== null,
      hits: [...scan.hits],
      problems,
    };
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    // Wipes queue here one behind another; each then holds the vault lease exclusively, so no
    // import, filing or read runs under it (and it is refused while an import holds the vault).
    const leased = () => this.#options.session.withVault('exclusive', 'a secure wipe is under way', work);
    const run = this.#queue.then(leased, leased);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/**
 * A verified note's second read-back, or `unreachable` when its EPR could not be asked.
 * `training`: the note is gone from the training EPR, which starts empty each session.
 */
type Recheck =
  | RecordCheck
  | { readonly kind: 'missing'; readonly httpStatus: number; readonly training: true }
  | { readonly kind: 'unreachable'; readonly why: UnreachableWhy; readonly said?: string };

/** Why an EPR could not be asked, for words that say what to do. */
type UnreachableWhy = 'outage' | 'not-authorised' | 'moved' | 'not-configured';

/** How long a re-read stays good enough to wipe on, from when it began (a slow EPR answering several notes fits in it). */
const RECHECK_FRESH_MS = 5 * 60_000;

function unreachableWhy(error: unknown): UnreachableWhy {
  if (error instanceof EprUnavailableError) return 'not-configured';
  if (!(error instanceof EprRequestError)) return 'outage';
  if (error.kind === 'moved') return 'moved';
  if (error.kind === 'token-refused' || (error.kind === 'http' && (error.status === 401 || error.status === 403)) || (error.kind === 'auth' && error.status !== undefined && error.status < 500 && error.status !== 429)) return 'not-authorised';
  return 'outage';
}

/** Why a re-read note stops the wipe, in words for the person (or the audit, for retention); null when it is there as filed. */
export function recheckProblem(check: Recheck | undefined): { reason: string; message: string } | null {
  const kept = 'Nothing was wiped, so the original messages are still here.';
  switch (check?.kind) {
    case 'present':
      return null;
    case undefined:
      return { reason: 'record-not-rechecked', message: `A note from this thread was verified in the EPR while the wipe was starting, and has not been read back again. ${kept} Try the wipe again.` };
    case 'unreachable':
      switch (check.why) {
        case 'not-authorised':
          return { reason: 'record-unreachable', message: `The EPR refused Wardscribe's request to read back a note filed from this thread (its access was refused). ${kept} An administrator should check Wardscribe's access to the EPR in the EPR settings.` };
        case 'moved':
          return { reason: 'record-unreachable', message: `The EPR answered from a new address when asked for a note filed from this thread. ${kept} An administrator should check the EPR address in the EPR settings.` };
        case 'not-configured':
          return { reason: 'record-unreachable', message: `${check.said ?? 'The EPR this thread was filed in is no longer configured.'} ${kept} Until that EPR can be asked again, this thread's notes cannot be read back, and it cannot be wiped.` };
        default:
          return { reason: 'record-unreachable', message: `The EPR could not be reached to confirm that the notes filed from this thread are still there. ${kept} Try again when the EPR is available.` };
      }
    case 'missing':
      if ('training' in check) {
        return {
          reason: 'not-in-record',
          message: `A note filed from this thread is no longer in the EPR (it answered ${check.httpStatus}). This is the training EPR, which starts empty each time Wardscribe starts or locks, so notes filed in an earlier session are gone from it. ${kept} To practise the wipe, file the advice again from this thread, then wipe.`,
        };
      }
      return {
        reason: 'not-in-record',
        message: `A note filed from this thread is no longer in the EPR (it answered ${check.httpStatus}: the note was deleted or moved). ${kept} Ask the EPR team what happened to it; if the advice should be in the record, file it again from this thread, then wipe.`,
      };
    case 'changed':
      if (check.mismatched.length > 0 && check.mismatched.every((field) => field === 'identifier-not-kept')) {
        return {
          reason: 'changed-in-record',
          message: `The EPR no longer keeps Wardscribe's identifier on a note filed from this thread (after an upgrade or a change of its settings), so it cannot be shown to be the note filed. ${kept} An administrator can set which identifier field this EPR keeps in the EPR settings; then try again.`,
        };
      }
      return {
        reason: 'changed-in-record',
        message: `A note filed from this thread no longer says in the EPR what was filed (changed: ${check.mismatched.map((field) => MISMATCH_FIELD_WORDS[field] ?? field).join('; ') || 'its content'}). It may have been corrected, marked entered in error or moved to another patient. ${kept} Check the note in the EPR; if it was corrected, file the advice again from this thread, then wipe.`,
      };
    case 'unreadable':
      return { reason: 'record-unreadable', message: `The EPR holds a note filed from this thread but would not return its content to compare. ${kept} Tell the EPR team, then try again.` };
  }
}

/**
 * The thread's transcriptions the gate weighs: all but the notes a verified correction replaces
 * (the correction carries what they carried, as corrected; they are entered in error in the record).
 */
function weighedTranscriptions(rows: readonly ThreadTranscriptionRow[]): ThreadTranscriptionRow[] {
  const replaced = replacedByVerifiedCorrections(rows);
  return rows.filter((row) => row.identifier === null || !replaced.has(row.identifier));
}

function toGateTranscription(row: ThreadTranscriptionRow): GateTranscription {
  const outboxState = row.draftStatus === 'draft' || row.stateKind === null ? 'draft' : (row.stateKind as GateTranscription['state']);
  const state = outboxState === 'verified' && withdrawnFromRecord(row) ? 'withdrawn' : outboxState;
  const withdrawal = state === 'verified' && row.withdrawnKind !== null ? (row.withdrawnKind === 'pending' ? 'withdrawing' : 'not-marked') : undefined;
  return {
    ...(withdrawal ? { withdrawal } : {}),
    draftId: row.draftId,
    identifier: row.identifier,
    state,
    nhsNumber: row.nhsNumber,
    documentReferenceId: row.documentReferenceId,
    ...(state === 'failed' && row.failureReason === 'read-back-mismatch' ? { readBackMismatch: true } : {}),
    // A withdrawn correction files nothing, like any withdrawn note: where it stood as a correction no longer matters.
    ...(row.replaces && state !== 'withdrawn' ? { correction: correctionStanding(state, row.replacedKind) } : state === 'draft' && row.correctsIdentifier ? { correction: 'drafted' as const } : {}),
  };
}

function correctionStanding(state: GateTranscription['state'], replacedKind: string | null): NonNullable<GateTranscription['correction']> {
  if (state !== 'verified') return 'filing';
  if (replacedKind === 'retired' || replacedKind === 'gone') return 'done';
  return replacedKind === 'not-retired' ? 'not-marked' : 'marking';
}

/**
 * What each transcription of the thread carries: the messages and filed images of a verified
 * note are read from its outbox item (what was filed), of anything else from its draft.
 */
function carriedByTranscriptions(db: Db, rows: readonly ThreadTranscriptionRow[]): MediaTranscription[] {
  return rows.map((row): MediaTranscription => {
    const state = toGateTranscription(row).state;
    const filed = row.identifier === null ? null : getOutboxItem(db, row.identifier)?.transcription;
    if (filed) return { state, messageIds: filed.excerpts.map((excerpt) => excerpt.messageId), filedAttachmentIds: (filed.images ?? []).map((image) => image.attachmentId) };
    return { state, messageIds: getDraft(db, row.draftId)?.messageIds ?? [], filedAttachmentIds: [] };
  });
}

/** The thread's messages in no verified note (shared/domain/wipe.ts untranscribedMessages), in the order shown. */
function threadUntranscribed(db: Db, threadId: string, transcriptions: readonly MediaTranscription[]): GateMessage[] {
  return untranscribedMessages(
    transcriptions,
    threadMessageKinds(db, threadId).map((message) => ({ messageId: String(message.id), kind: message.kind })),
  );
}

/**
 * The untranscribed messages as the confirmation screen lists them: those that deserve a second
 * look (shared/domain/closer-look.ts) first, then the rest, in the thread's order, at most
 * UNTRANSCRIBED_SHOWN; with how many were marked. Their texts are read in pages, so a long
 * thread is never held whole.
 */
function describeUntranscribed(db: Db, messages: readonly GateMessage[], look: CloserLook): WipePlan['untranscribed'] {
  const marked: UntranscribedMessage[] = [];
  const rest: UntranscribedMessage[] = [];
  let markedCount = 0;
  for (let at = 0; at < messages.length; at += UNTRANSCRIBED_PAGE) {
    const page = messages.slice(at, at + UNTRANSCRIBED_PAGE);
    const stored = new Map(getMessagesByIds(db, page.map((message) => Number(message.messageId))).map((message) => [String(message.id), message]));
    for (const message of page) {
      const found = stored.get(message.messageId);
      if (!found) continue;
      const lookAgain = look({ sender: found.sender, text: found.text });
      if (lookAgain.length > 0) markedCount++;
      const into = lookAgain.length > 0 ? marked : rest;
      if (into.length >= UNTRANSCRIBED_SHOWN) continue;
      const text = found.text.length > UNTRANSCRIBED_TEXT_CHARS ? `${found.text.slice(0, UNTRANSCRIBED_TEXT_CHARS)}…` : found.text;
      into.push({ messageId: message.messageId, sender: found.sender, localTime: found.localTime, text, attachment: found.attachment, lookAgain });
    }
  }
  return { count: messages.length, marked: markedCount, shown: [...marked, ...rest].slice(0, UNTRANSCRIBED_SHOWN) };
}

/** Who advised in, and whom, the thread's verified notes (what closerLook looks for). */
function filedNoteFacts(db: Db, rows: readonly ThreadTranscriptionRow[]): FiledNoteFacts {
  const filed = rows.flatMap((row) => {
    if (toGateTranscription(row).state !== 'verified' || row.identifier === null) return [];
    const transcription = getOutboxItem(db, row.identifier)?.transcription;
    return transcription ? [transcription] : [];
  });
  return {
    // Those who gave advice in a note, not those whose question or reply it carries for context
    // (a cold trial: the nurse's every message was marked once her question was filed).
    advisers: [...new Set(filed.flatMap((transcription) => transcription.excerpts.filter(isAdvice).map((excerpt) => excerpt.adviser.displayNameInChat)))],
    patients: filed.map((transcription) => ({ name: transcription.patient.name, nhsNumber: transcription.patient.nhsNumber })),
  };
}

/**
 * The thread's attachments that came with advice now verified in the record but are not in it
 * (shared/domain/wipe.ts unfiledMedia), each described for the confirmation screen: what its
 * bytes are, its size, who sent it and when.
 */
function threadUnfiledMedia(db: Db, threadId: string, transcriptions: readonly MediaTranscription[]): WipeMedium[] {
  const attachments = listAttachmentMedia(db, threadId).map((row) => ({ row, attachmentId: row.id, messageId: row.messageId === null ? null : String(row.messageId) }));
  const unfiled = unfiledMedia(transcriptions, attachments);
  if (unfiled.length === 0) return [];
  const messages = new Map(getMessagesByIds(db, [...new Set(unfiled.map(({ row }) => row.messageId!))]).map((message) => [message.id, message]));
  return unfiled.map(({ row }) => {
    const mediaType = row.mediaType ?? sniffMedia(readAttachmentHead(db, row.id, TYPE_SNIFF_BYTES) ?? Buffer.alloc(0)).mediaType;
    const message = messages.get(row.messageId!);
    return {
      attachmentId: row.id,
      messageId: String(row.messageId),
      fileName: row.originalName,
      typeLabel: describeMediaType(mediaType).label,
      byteLength: row.byteLength,
      sha256: row.sha256,
      sender: message?.sender ?? null,
      sentAt: message?.instant ?? null,
      localTime: message?.localTime ?? '',
    };
  });
}

/**
 * The canary and samples of the thread's text and media, read before it is deleted. Samples
 * that another thread also holds are left out: they would still be found, rightly.
 */
function collectNeedles(db: Db, threadId: string): Needles {
  const canary = threadCanary(db, threadId);
  if (!canary) throw new Error('thread has no canary');
  const samples: (string | Buffer)[] = [];
  const seen = new Set<string>();
  for (const text of longestMessageTexts(db, threadId, MAX_TEXT_SAMPLES * 4)) {
    if (samples.length >= MAX_TEXT_SAMPLES) break;
    const sample = middleWords(text, TEXT_SAMPLE_CHARS);
    if (!sample || seen.has(sample)) continue;
    seen.add(sample);
    const tokens = sample.match(/[\p{L}\p{N}]+/gu) ?? [];
    if (tokens.length < 2) continue;
    // The sample may end inside a word, so its last token is matched as a prefix.
    if (otherThreadHasText(db, threadId, `"${tokens.join(' ')}" *`, sample)) continue;
    samples.push(sample);
  }
  for (const slice of attachmentSlices(db, threadId, MAX_ATTACHMENT_SAMPLES, ATTACHMENT_SAMPLE_BYTES)) {
    // A run of one byte (an image's blank area) is too common to prove anything.
    if (new Set(slice).size < 12) continue;
    samples.push(slice);
    // The same bytes as base64 (how a filed image travels inside JSON, e.g. an outbox item): at
    // each of the three alignments, one of which any base64 copy of the whole file contains.
    for (let shift = 0; shift < 3; shift++) samples.push(slice.subarray(shift, shift + Math.floor((slice.length - shift) / 3) * 3).toString('base64'));
  }
  // The thumbnails are the pictures too (#19): they must be gone as surely as the files.
  for (const slice of thumbnailSlices(db, threadId, MAX_ATTACHMENT_SAMPLES, ATTACHMENT_SAMPLE_BYTES)) {
    if (new Set(slice).size >= 12) samples.push(slice);
  }
  return { canary, samples };
}

/**
 * The keyed fingerprints a wipe keeps of each message of the thread (chat-identity.ts): its
 * identity, and its sender-and-time slot (to recognise it once the app shows it as deleted).
 * Read before the thread is deleted, in the wipe's transaction.
 */
function wipedMessageFingerprints(db: Db, thread: StoredThread): { messages: Buffer[]; slots: Buffer[] } {
  const key = readChatIdentityKey(db);
  try {
    const fingerprinter = new ChatFingerprinter(key, thread.source);
    const messages: Buffer[] = [];
    const slots: Buffer[] = [];
    for (const row of identityRows(db, thread.id)) {
      messages.push(fingerprinter.identity(row, row.occurrence));
      slots.push(fingerprinter.slot(row));
    }
    return { messages, slots };
  } finally {
    key.fill(0);
  }
}

/** About `length` characters from the middle of `text`, starting and ending at word boundaries. */
function middleWords(text: string, length: number): string | null {
  const characters = [...text];
  if (characters.length < length) return null;
  let start = Math.floor((characters.length - length) / 2);
  while (start > 0 && /\S/u.test(characters[start - 1]!)) start--;
  const slice = characters.slice(start, start + length).join('');
  return slice.trim().length >= length / 2 ? slice.trim() : null;
}

function canaryFromBase64(base64: string): string {
  return `wscanary${Buffer.from(base64, 'base64').toString('hex')}`;
}

export function certificateSha256(certificate: WipeCertificate): string {
  return createHash('sha256').update(canonicalJson(certificate), 'utf8').digest('hex');
}

/**
 * The digest the wipe-verified entry keeps: of the certificate as an auditor sees it
 * (certificateForRole), not of the whole. Auditors read the trail; a digest of the whole would let
 * them confirm guesses of what their view withholds (the file name from a staff list, the six
 * hidden digits of an NHS number: 10^6 tries, seconds) offline (#14 F7). Whoever holds the full
 * certificate proves it against the trail by taking the auditor's view of it and hashing that;
 * the withheld fields are then bound only by the vault's own copy, which the trail does not reveal.
 */
export function trailCertificateSha256(certificate: WipeCertificate): string {
  return certificateSha256(certificateForRole(certificate, 'auditor'));
}

/** The certificate without prose: what the audit trail keeps. */
function auditSummary(certificate: WipeCertificate): AuditWipeCertificate {
  return {
    messageCount: certificate.messageCount,
    attachmentCount: certificate.attachmentCount,
    draftCount: certificate.draftCount,
    firstInstant: certificate.firstInstant,
    lastInstant: certificate.lastInstant,
    documentIds: certificate.filed.flatMap((filed) => (filed.documentReferenceId ? [filed.documentReferenceId] : [])),
    level: certificate.level!,
    verification: certificate.verification!.status,
    sourceFile: certificate.sourceFile,
    override: certificate.overrideReason !== null,
    keyRotated: certificate.keyRotated,
    ...(certificate.unfiledMediaDestroyed === undefined ? {} : { unfiledMedia: certificate.unfiledMediaDestroyed }),
    ...(certificate.unfiledMessagesDestroyed === undefined ? {} : { unfiledMessages: certificate.unfiledMessagesDestroyed }),
  };
}

function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

