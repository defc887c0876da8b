/**
 * A vault with an admin signed in and the one outbox runner over its audited store, filing into an
 * EPR harness: what the filing tests share.
 */
import { singleEprDirectory, type EprDirectory } from '../../../../main/epr/epr-directory';
import type { EprProfileOverrides } from '../../../../main/epr/epr-profile';
import { createEprConnection, type EprConnection } from '../../../../main/epr/fhir-client';
import { transcriptAttachment } from '../../../../main/epr/mapping';
import type { OutboxItem, OutboxState } from '../../../../main/epr/outbox';
import { OutboxRunner } from '../../../../main/epr/outbox-runner';
import { createVaultOutboxStore } from '../../../../main/epr/outbox-store';
import { outboxView, type OutboxView } from '../../../../main/epr/outbox-view';
import type { RetryPolicy } from '../../../../main/epr/retry-policy';
import type { EprAuth } from '../../../../main/epr/smart-auth';
import { silentLogger } from '../../../../main/log';
import { SessionService } from '../../../../main/session/session-service';
import { MINIMUM_KDF } from '../../../../main/vault/key-slots';
import { getIdentifierFoundAt, recordIdentifierFound } from '../../../../main/vault/queries/epr-observations';
import { getOutboxItem, insertOutboxItem } from '../../../../main/vault/queries/outbox';
import { vaultFiles } from '../../../../main/vault/vault-files';
import type { AttestedTranscription } from '../../../../shared/domain/transcription';
import { tempDir } from '../../../support/temp';
import { ADMIN } from '../../../support/vault';
import { sampleTranscription } from './transcriptions';

/** Short waits; a request timeout long enough for a loaded test machine (only the hang cases wait it out). */
export const FAST_POLICY: RetryPolicy = { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 4, requestTimeoutMs: 1500 };

export interface OutboxWorld {
  readonly session: SessionService;
  /** A runner filing into `baseUrl` (with the administrator's overrides, if any). */
  runner(options: RunnerOptions): OutboxRunner;
  /** Puts a transcription in the outbox, bound to the training EPR id, as attest does. */
  queue(transcription?: AttestedTranscription): OutboxItem;
  stored(identifier: string): OutboxState;
  /** Forgets that a search of the training EPR by identifier ever found a note (a workstation new to it). */
  newEpr(): void;
  /** When a search of the training EPR by identifier first found a note, or null. */
  identifierFoundAt(): string | null;
  view(identifier: string): OutboxView;
  close(): void;
}

export interface RunnerOptions {
  readonly baseUrl: string;
  readonly policy?: RetryPolicy;
  readonly auth?: EprAuth;
  readonly overrides?: EprProfileOverrides;
  readonly sleep?: (milliseconds: number) => Promise<void>;
  readonly eprs?: EprDirectory;
}

export async function outboxWorld(): Promise<OutboxWorld> {
  const dir = tempDir('wardscribe-outbox-');
  const session = new SessionService({ files: vaultFiles(`${dir.path}/vault`), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
  await session.createFirstAdmin(ADMIN);
  const db = () => session.vault().db;
  // An EPR this workstation has filed in before (an empty search there is trusted), unless a test says otherwise.
  recordIdentifierFound(db(), 'training', '2023-03-01T09:00:00.000Z');
  return {
    session,
    newEpr: () => void db().prepare("DELETE FROM epr_observations WHERE epr_id = 'training'").run(),
    identifierFoundAt: () => getIdentifierFoundAt(db(), 'training'),
    runner(options) {
      const policy = options.policy ?? FAST_POLICY;
      let shared: Promise<EprConnection> | undefined;
      const connect = () => (shared ??= createEprConnection({ baseUrl: options.baseUrl, auth: options.auth ?? { kind: 'none' }, requestTimeoutMs: policy.requestTimeoutMs, clock: { now: Date.now } }));
      const single = singleEprDirectory(connect);
      // No settle window unless a test asks for one: these tests inject their faults, so they know
      // when a push has landed; the settle window's own tests set it (resend-settle.test.ts).
      const overrides: EprProfileOverrides = { resendSettleMs: 0, ...options.overrides };
      const eprs: EprDirectory = options.eprs ?? { current: single.current, connect: async (eprId) => ({ ...(await single.connect(eprId)), overrides }) };
      return new OutboxRunner({
        store: (stopped) => createVaultOutboxStore({ db, audit: () => session.audit().log, stopped }),
        eprs,
        policy,
        random: () => 0.5,
        sleep: options.sleep ?? (async () => undefined),
        log: silentLogger,
      });
    },
    queue(transcription = sampleTranscription()) {
      const item: OutboxItem = {
        identifier: transcription.identifier,
        transcription,
        attachmentSha256: transcriptAttachment(transcription).sha256Hex,
        eprId: 'training',
        eprLabel: 'Training EPR',
        state: { kind: 'queued' },
        updatedAt: Date.now(),
      };
      insertOutboxItem(db(), item, null);
      return item;
    },
    stored: (identifier) => getOutboxItem(db(), identifier)!.state,
    view: (identifier) => outboxView(getOutboxItem(db(), identifier)!, false, Date.now(), 1000),
    close() {
      session.lock('sign-out');
      dir.remove();
    },
  };
}

/** Files one queued item to the end of its run. */
export async function fileOne(world: OutboxWorld, runner: OutboxRunner, transcription?: AttestedTranscription): Promise<{ identifier: string; state: OutboxState }> {
  const item = world.queue(transcription);
  await runner.drive(item.identifier);
  await runner.settled();
  return { identifier: item.identifier, state: world.stored(item.identifier) };
}
