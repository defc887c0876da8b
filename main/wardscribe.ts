import { homedir } from 'node:os';
import { contract, type Contract, type HostKind } from '../shared/ipc/contract';
import { machineSettingsPath, readMachineSettings, resolveVaultDir, type MachineSettings } from './config/machine-settings';
import { EventHub, OutboxChanges } from './events';
import { createVaultHandlers } from './ipc/handlers/vault';
import { getUserById } from './vault/queries/users';
import { listOutboxItems } from './vault/queries/outbox';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadPublisher } from './audit/head-publisher';
import { createFileKeystore, defaultKeystoreDir, type SecretKeystore } from './security/keystore';
import { getRootKeyFingerprint } from './vault/queries/workstation-key';
import { createAppHandlers } from './ipc/handlers/app';
import { createFileHandlers } from './ipc/handlers/files';
import { createAuditHandlers } from './ipc/handlers/audit';
import { createExportHandlers } from './ipc/handlers/exports';
import { ExportedFiles } from './exports/exported-files';
import { createImportHandlers, createThreadHandlers, newestSearchOnly } from './ipc/handlers/threads';
import { renameThreadTitle } from './threads/thread-titles';
import { createMediaHandlers } from './ipc/handlers/media';
import { ThreadMedia } from './threads/media';
import { ImportService } from './imports/import-service';
import { RefilingGuard } from './threads/refiling-guard';
import { ThreadReader } from './threads/thread-reader';
import { SearchThread } from './search/search-thread';
import type { ImportWorkerLauncher } from './imports/import-worker-host';
import { EprSettingsService } from './epr/epr-settings';
import type { FetchLike } from './epr/fhir-client';
import { OutboxRunner } from './epr/outbox-runner';
import { createVaultOutboxStore } from './epr/outbox-store';
import { createTrainingEpr } from './epr/training-epr';
import { pdsAuth, TranscriptionService } from './transcriptions/transcription-service';
import { createPdsClient } from './epr/pds-client';
import { createEprHandlers } from './ipc/handlers/epr';
import { createOutboxHandlers, createPatientHandlers, createTranscriptionHandlers } from './ipc/handlers/transcriptions';
import { createJobHandlers } from './ipc/handlers/jobs';
import { createSessionHandlers, createSettingsHandlers, createUserHandlers } from './ipc/handlers/session';
import { JobTracker } from './ipc/jobs';
import { createIpcRegistry, type Handlers, type IpcRegistry } from './ipc/registry';
import type { Logger } from './log';
import { SessionService, type LockReason } from './session/session-service';
import { eachUnder } from './session/vault-lease';
import type { KdfParams } from './vault/key-slots';
import { vaultFiles } from './vault/vault-files';
import { createWipeHandlers } from './ipc/handlers/wipes';
import { WipeService } from './wipe/wipe-service';
import { StaffProfiles } from './users/staff-profiles';

export interface WardscribeOptions {
  readonly host: HostKind;
  /** The browser engine and its version, e.g. "Chromium 156.0.8078.73". */
  readonly engine: string;
  /** Folder for the vault and settings (Electron's userData, or its equivalent). */
  readonly dataDir: string;
  readonly log: Logger;
  /** Machine-wide settings; read from the machine settings file when not given. */
  readonly machineSettings?: MachineSettings;
  /** Argon2id cost for new key slots (tests use the minimum); the production default otherwise. */
  readonly kdf?: KdfParams;
  /** Starts the worker each import reads its export in; a worker thread when not given (Electron passes a utility process). */
  readonly importWorker?: ImportWorkerLauncher;
  /** The transport for live EPRs: Electron passes `net.fetch` (system proxy, OS certificate store); Node's fetch otherwise. */
  readonly eprFetch?: FetchLike;
  /**
   * Seals the audit signing key, EPR credentials and the vault's erase secret: Electron passes
   * the OS keystore (main/app/os-keystore.ts); otherwise a key file beside the data folder.
   */
  readonly keystore?: SecretKeystore;
  /** The system file dialog for choosing an export (Electron's); the Chromium shell has none and browses instead. */
  readonly chooseFile?: () => Promise<string | null>;
  /** The folder export browsing stays within: the home folder unless given (tests pass their own). */
  readonly browseRoot?: string;
  /** The vault folder's lock the host took (main/config/vault-folder-lock.ts): asked again at each vault opening. */
  readonly folderLock?: { stillHeld(): boolean };
}

/** The custodian code filed by the training EPR: not a real organisation. */
const TRAINING_ODS_CODE = 'WSTRAINING';
/** How often, while signed in, threads due under the retention setting are looked for. */
const RETENTION_CHECK_MS = 10 * 60_000;

/** The running application: services, and the IPC registry a host binds to its window. */
export interface Wardscribe {
  readonly events: EventHub;
  readonly session: SessionService;
  /** Locks at once (OS lock, suspend): closes the vault and zeroes its key. */
  lock(reason: LockReason): void;
  /** The training EPR's base URL while it runs (it stops on lock and sign-out). */
  trainingEprUrl(): string | undefined;
  /** Builds the registry for a window served from `trustedOrigin`. */
  registryFor(trustedOrigin: string): IpcRegistry;
  close(): Promise<void>;
}

/**
 * The composition root: creates every service and wires handlers to them. Plain Node — it
 * never imports electron — so the Chromium host and the tests run exactly this code.
 */
export function createWardscribe(options: WardscribeOptions): Wardscribe {
  const jobs = new JobTracker();
  const events = new EventHub();
  const outboxChanges = new OutboxChanges((event) => events.emit(event));
  const machineSettings = options.machineSettings ?? readMachineSettings(machineSettingsPath());
  const session = new SessionService({
    files: vaultFiles(resolveVaultDir(options.dataDir, machineSettings)),
    emit: (event) => events.emit(event),
    log: options.log,
    ...(options.kdf ? { kdf: options.kdf } : {}),
    ...(options.folderLock ? { folderLock: options.folderLock } : {}),
    keystore: options.keystore ?? createFileKeystore(defaultKeystoreDir(options.dataDir)),
    onUnlocked: () => {
      headPublisher?.start();
      // An import cut short by a crash or power cut is removed before anyone can see it, and
      // filing left unfinished by one carries on.
      imports.recoverIncomplete();
      void transcriptions.resumeAll();
      // A wipe cut short is finished, then any thread due under the retention setting is wiped.
      void runWipeHousekeeping();
      retentionTimer = setInterval(() => void runWipeHousekeeping(), RETENTION_CHECK_MS);
      retentionTimer.unref();
    },
    onLocking: () => {
      // Signed now, while the vault is open; sent after it closes.
      headPublisher?.stopWithFinalHead();
      if (retentionTimer) clearInterval(retentionTimer);
      retentionTimer = null;
      // A search still running ends with the session; the thread starts again at the next one.
      searchThread.close();
      // The training EPR holds what was filed in memory: it stops with the session (a new one,
      // with a new access token, starts at the next filing), once filing has stopped using it.
      void transcriptions.stop().finally(() => trainingEpr.close());
    },
  });
  // The chain head goes to the Trust's collector when IT configured one (machine settings).
  const publication = machineSettings.auditHeadPublication;
  const headPublisher = publication
    ? new HeadPublisher({
        target: { host: publication.host, port: publication.port, transport: publication.transport, ...(publication.caFile ? { caPem: readFileSync(publication.caFile, 'utf8') } : {}) },
        intervalMs: publication.intervalMinutes * 60_000,
        sign: () => session.audit().log.checkpoint(),
        rootFingerprint: () => getRootKeyFingerprint(session.vault().db),
        onOutcome: (outcome) => (outcome.ok ? options.log.info('audit.head-published', { sequence: outcome.sequence }) : options.log.warn('audit.head-publication-failed', { code: outcome.code ?? 'unknown' })),
      })
    : undefined;
  const imports = new ImportService({ session, ...(options.importWorker ? { worker: options.importWorker } : {}) });
  const searchThread = new SearchThread();
  const threads = new ThreadReader(session, { searchThread });
  const media = new ThreadMedia(session, threads);
  // Until an administrator configures a live EPR, everything is filed in the embedded training EPR.
  const trainingEpr = createTrainingEpr();
  const eprSettings = new EprSettingsService({
    session,
    training: trainingEpr,
    defaultOdsCode: TRAINING_ODS_CODE,
    ...(options.eprFetch ? { fetch: options.eprFetch } : {}),
    onChange: () => outbox.eprsChanged(),
  });
  // The one outbox runner: each item is filed in the EPR it was attested for, or waits.
  const outbox = new OutboxRunner({
    // Filing holds the vault lease shared for each read and write of the outbox (never across a network call).
    store: (stopped) =>
      outboxChanges.watch(
        eachUnder(createVaultOutboxStore({ db: () => session.vault().db, audit: () => session.audit().log, stopped }), (work) => session.withVault('shared', 'filing is saving its progress', work)),
      ),
    eprs: eprSettings,
    log: options.log,
  });
  const transcriptions = new TranscriptionService({
    session,
    imports,
    outbox,
    eprs: eprSettings,
    log: options.log,
    organisationOdsCode: TRAINING_ODS_CODE,
    // PDS over the same transport as the EPR (Electron's net.fetch: system proxy, OS certificates).
    ...(options.eprFetch ? { pds: (stored) => createPdsClient({ baseUrl: stored.baseUrl, auth: pdsAuth(stored.auth), requestTimeoutMs: 15_000, clock: { now: () => Date.now() }, fetch: options.eprFetch! }) } : {}),
  });

  const wipes = new WipeService({ session, imports, transcriptions, events, log: options.log });
  let retentionTimer: NodeJS.Timeout | null = null;
  const runWipeHousekeeping = async () => {
    try {
      await wipes.resumeOwed();
      await wipes.applyRetention();
    } catch (error) {
      // Locked meanwhile, or a wipe refused: it is tried again at the next unlock or check.
      options.log.warn('wipe.housekeeping-stopped', { code: (error as { code?: string }).code ?? 'unexpected' });
    }
  };

  const exportedFiles = new ExportedFiles(session, join(options.dataDir, 'exports'));
  const person = (userId: string) => {
    const user = getUserById(session.vault().db, userId);
    return user ? { userId: user.id, displayName: user.displayName } : null;
  };
  const outboxDetails = () =>
    new Map(
      listOutboxItems(session.vault().db).map((item) => [
        item.identifier,
        {
          patientName: item.transcription.patient.name,
          attestedBy: { name: item.transcription.attester.name, role: item.transcription.attester.role },
          attestedAt: item.transcription.attestedAt,
          queuedAt: new Date(item.createdAt).toISOString(),
        },
      ]),
    );

  const readingThreads = <T>(work: () => Promise<T>) => session.withVault('shared', 'a thread is being read', work);
  const handlers: Handlers<Contract> = {
    app: createAppHandlers({ host: options.host, engine: options.engine }),
    files: createFileHandlers({ root: options.browseRoot ?? homedir(), ...(options.chooseFile ? { chooseFile: options.chooseFile } : {}) }),
    session: createSessionHandlers(session),
    users: createUserHandlers(session, new StaffProfiles({ session })),
    settings: createSettingsHandlers(session),
    imports: createImportHandlers(imports, (event) => events.emit(event)),
    // Re-entrant: the search, holding the lease for its stale check, asks for it again inside.
    threads: newestSearchOnly(
      eachUnder(
        createThreadHandlers(threads, (threadId, title) => renameThreadTitle(session, threadId, title), (event) => events.emit(event)),
        readingThreads,
      ),
      readingThreads,
      () => threads.cancelSearch(),
    ),
    media: eachUnder(createMediaHandlers(media), readingThreads),
    // Shared, so that nothing is drafted or attested from a thread while a wipe (exclusive) erases it.
    transcriptions: eachUnder(
      createTranscriptionHandlers(transcriptions, new RefilingGuard(session, threads), {
        person,
        outboxDetails,
        emit: (event) => events.emit(event),
      }),
      (work) => session.withVault('shared', 'a transcription is being saved', work),
    ),
    patients: eachUnder(createPatientHandlers(transcriptions), (work) => session.withVault('shared', 'a patient is being looked up', work)),
    outbox: eachUnder(createOutboxHandlers(transcriptions, outboxDetails), (work) => session.withVault('shared', 'filing is being looked at', work)),
    vault: createVaultHandlers(() => session.integrity()),
    epr: createEprHandlers(eprSettings),
    audit: createAuditHandlers({ session, exports: exportedFiles, site: 'Wardscribe workstation' }),
    wipes: createWipeHandlers({ wipes, session, exports: exportedFiles, site: 'Wardscribe workstation' }),
    exports: eachUnder(createExportHandlers(exportedFiles), (work) => session.withVault('shared', 'an exported file is being listed or removed', work)),
    jobs: createJobHandlers(jobs),
  };

  return {
    events,
    session,
    lock: (reason) => session.lock(reason),
    trainingEprUrl: () => trainingEpr.baseUrl,
    registryFor: (trustedOrigin) =>
      createIpcRegistry({ contract, handlers, trustedOrigin, gate: session.gate, jobs, emit: (event) => events.emit(event), log: options.log }),
    async close() {
      jobs.cancelAll();
      session.lock('sign-out');
      await trainingEpr.close();
    },
  };
}
