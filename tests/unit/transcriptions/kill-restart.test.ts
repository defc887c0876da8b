/**
 * "kill -9 between every outbox step, then restart: exactly one DocumentReference per identifier
 * and no lost transcription."
 *
 * The parent runs the training FHIR server (so it outlives the child) behind a small proxy that
 * can hold a chosen request. A child node process (support/attest-child.ts, bundled with esbuild)
 * signs in and attests a draft; when it reaches the chosen step the parent kills it with SIGKILL.
 * Steps are detected by explicit signals, never by sleeping: the child's `attested` line (the
 * attest transaction committed), or the proxy receiving a given request. The parent then opens the
 * vault itself, checks the outbox is in the state the kill left, resumes and checks the outcome.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, DocumentReference } from '@medplum/fhirtypes';
import type { EprProfileOverrides } from '../../../main/epr/epr-profile';
import { createEprConnection } from '../../../main/epr/fhir-client';
import { identifierQuery } from '../../../main/epr/mapping';
import type { OutboxStateKind } from '../../../main/epr/outbox';
import { systemClock } from '../../../main/epr/retry-policy';
import { createTrainingServer, type TrainingServer } from '../../../main/epr/training-server';
import { ImportService, type ImportJob } from '../../../main/imports/import-service';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { TranscriptionService } from '../../../main/transcriptions/transcription-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { getIdentifierFoundAt, recordIdentifierFound } from '../../../main/vault/queries/epr-observations';
import { listMessages } from '../../../main/vault/queries/messages';
import { vaultFiles } from '../../../main/vault/vault-files';
import { buildZip } from '../importers/zip-writer';
import { writeExport } from '../importers/helpers';
import { bundleChild, ROOT } from '../../support/child-bundle';
import { ADVISERS, CLINICIAN, PATIENT } from '../../support/people';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';
import type { AttestChildArgs } from './support/attest-child';

/** How long the child may take to reach its step (node start, Argon2id sign-in, attest, filing). */
const STEP_TIMEOUT_MS = 20_000;

/** Which request the proxy holds, and whether the EPR gets to apply it first. */
interface Hold {
  readonly method: string;
  readonly path: RegExp;
  /** `request`: never forwarded. `response`: forwarded, the EPR answers, the answer is held. */
  readonly hold: 'request' | 'response';
}

interface Step {
  readonly name: string;
  /** How the parent knows the child is there: its `attested` line, or the proxy holding a request. */
  readonly until: 'attested' | Hold;
  /** The outbox state the kill must leave in the vault. */
  readonly leaves: OutboxStateKind;
  /** How many DocumentReferences the EPR holds at the kill. */
  readonly onServerAtKill: number;
  /** The EPR's profile corrections the child and the restart use (two creates instead of a transaction). */
  readonly profile?: EprProfileOverrides;
  /** Provenances on the EPR at the end (1 unless the kill left one whose arrival cannot be confirmed: then it is kept locally, never sent twice). */
  readonly provenancesAtEnd?: number;
}

const INDIVIDUAL: EprProfileOverrides = { write: 'individual' };

const STEPS: readonly Step[] = [
  { name: 'after attest committed (queued)', until: 'attested', leaves: 'queued', onServerAtKill: 0 },
  // The EPR's profile is read before the item leaves `queued`.
  { name: 'queued, the capability statement requested', until: { method: 'GET', path: /^\/fhir\/metadata$/, hold: 'request' }, leaves: 'queued', onServerAtKill: 0 },
  { name: 'sending, the push reached the proxy but not the EPR', until: { method: 'POST', path: /^\/fhir\/?$/, hold: 'request' }, leaves: 'sending', onServerAtKill: 0 },
  { name: 'sending, the EPR applied the push but its answer was lost', until: { method: 'POST', path: /^\/fhir\/?$/, hold: 'response' }, leaves: 'sending', onServerAtKill: 1 },
  { name: 'filed, before the read-back', until: { method: 'GET', path: /^\/fhir\/DocumentReference\/[^/?]+$/, hold: 'request' }, leaves: 'filed', onServerAtKill: 1 },
  // Two creates (an EPR without transactions): the new steps between the document and its Provenance.
  { name: 'two creates: the DocumentReference applied, its answer lost', until: { method: 'POST', path: /^\/fhir\/DocumentReference$/, hold: 'response' }, leaves: 'sending', onServerAtKill: 1, profile: INDIVIDUAL },
  { name: 'two creates: the Provenance reached the proxy but not the EPR', until: { method: 'POST', path: /^\/fhir\/Provenance$/, hold: 'request' }, leaves: 'filed', onServerAtKill: 1, profile: INDIVIDUAL, provenancesAtEnd: 0 },
  { name: 'two creates: the EPR applied the Provenance, its answer lost', until: { method: 'POST', path: /^\/fhir\/Provenance$/, hold: 'response' }, leaves: 'filed', onServerAtKill: 1, profile: INDIVIDUAL },
  { name: 'two creates: the DocumentReference reached the proxy but not the EPR', until: { method: 'POST', path: /^\/fhir\/DocumentReference$/, hold: 'request' }, leaves: 'sending', onServerAtKill: 0, profile: INDIVIDUAL },
];

// ── the EPR, and a proxy in front of it that can hold one request ─────────

let training: TrainingServer;
let proxy: Proxy;
let childScript: string;
let bundleDir: { path: string; remove: () => void };

interface Proxy {
  readonly baseUrl: string;
  /** Holds the next request matching `hold`; resolves when it is held (after the EPR answered, for `response`). */
  arm(hold: Hold): Promise<void>;
  disarm(): void;
  close(): Promise<void>;
}

async function startProxy(upstreamBaseUrl: string): Promise<Proxy> {
  const upstream = new URL(upstreamBaseUrl);
  const sockets = new Set<Socket>();
  const held = new Set<ServerResponse>();
  let armed: { hold: Hold; reached: () => void } | undefined;

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const match = armed && armed.hold.method === request.method && armed.hold.path.test(path) ? armed : undefined;
    if (match) armed = undefined;
    if (match?.hold.hold === 'request') {
      held.add(response);
      request.resume();
      match.reached();
      return;
    }
    const forwarded = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: { ...request.headers, host: upstream.host } },
      (answer) => {
        if (match) {
          // The EPR has answered (so it has applied the push); the child never hears it.
          held.add(response);
          answer.resume();
          answer.once('end', () => match.reached());
          return;
        }
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.once('error', () => response.destroy());
    request.pipe(forwarded);
  };

  const server: Server = createServer(handle);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/fhir`,
    arm: (hold) => new Promise<void>((reached) => (armed = { hold, reached })),
    disarm: () => {
      armed = undefined;
      for (const response of held) response.destroy();
      held.clear();
    },
    close: async () => {
      const closed = new Promise<void>((done) => server.close(() => done()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

beforeAll(async () => {
  training = createTrainingServer();
  proxy = await startProxy(await training.start());
  bundleDir = tempDir('wardscribe-kill-restart-bundle-');
  childScript = join(bundleDir.path, 'attest-child.cjs');
  await bundleChild('tests/unit/transcriptions/support/attest-child', childScript);
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await training?.stop();
  bundleDir?.remove();
});

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  proxy.disarm();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// ── the vault the child works on ──────────────────────────────────────────

function chat(): string {
  return [
    '[13/03/2023, 08:00:00] Dr Ada Shah: start bisoprolol 2.5 mg once daily',
    '[13/03/2023, 08:05:30] Ben Okafor: ECG done, rate 72',
    '[13/03/2023, 08:07:00] Dr Ada Shah: thanks, repeat in the morning',
  ].join('\n') + '\n';
}

function job(): ImportJob {
  return { signal: new AbortController().signal, progress: () => undefined };
}

/**
 * A fresh vault with an imported chat and a complete draft, signed out. `knownEpr`: this
 * workstation has filed in the training EPR before and seen a search by identifier find the note
 * (so an empty search there is trusted), as on any ward after its first day.
 */
async function preparedVault(knownEpr = true): Promise<{ vaultDir: string; draftId: string }> {
  const dir = tempDir('wardscribe-kill-restart-');
  cleanups.push(dir.remove);
  const vaultDir = join(dir.path, 'vault');
  const session = new SessionService({ files: vaultFiles(vaultDir), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
  await session.createFirstAdmin(ADMIN);
  await session.createUser(CLINICIAN);
  const imports = new ImportService({ session });
  const path = writeExport(dir.path, 'WhatsApp Chat - Ward 7.zip', buildZip([{ name: '_chat.txt', data: chat() }]));
  const { threadId } = await imports.import({ path, zone: 'Europe/London' }, job());
  await session.signIn(CLINICIAN.username, CLINICIAN.passphrase);
  const messageIds = listMessages(session.vault().db, threadId, 0, 10).map((message) => String(message.id));
  const service = new TranscriptionService({ session, imports, epr: () => Promise.reject(new Error('no filing in the parent yet')), log: silentLogger, organisationOdsCode: 'RX1' });
  const draft = service.saveDraft({ threadId, messageIds, advisers: ADVISERS, summary: 'Bisoprolol started; ECG repeated.', patient: PATIENT });
  expect(draft.problems).toEqual([]);
  if (knownEpr) recordIdentifierFound(session.vault().db, 'training', '2023-03-01T09:00:00.000Z');
  session.lock('sign-out');
  return { vaultDir, draftId: draft.id };
}

// ── the child ─────────────────────────────────────────────────────────────

interface RunningChild {
  readonly process: ChildProcess;
  /** Resolves with the identifier once the child says the attest transaction committed. */
  readonly attested: Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

function spawnChild(args: AttestChildArgs): RunningChild {
  const child = spawn(process.execPath, [childScript, JSON.stringify(args)], {
    cwd: ROOT,
    env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const attested = new Promise<string>((done, fail) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const found = /^attested (\S+)$/m.exec(stdout);
      if (found) done(found[1]!);
    });
    void exited.then(({ code, signal }) => fail(new Error(`the child exited (code ${code}, signal ${signal}) before attesting: ${stderr}`)));
  });
  attested.catch(() => undefined);
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return { process: child, attested, exited, stderr: () => stderr };
}

/** Rejects after `ms` naming what was awaited, so a missed step fails fast instead of hanging. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function documentsOnServer(identifier: string): Promise<DocumentReference[]> {
  const response = await fetch(`${training.baseUrl!}/DocumentReference?${identifierQuery(identifier)}`);
  const bundle = (await response.json()) as Bundle<DocumentReference>;
  return (bundle.entry ?? []).map((entry) => entry.resource!);
}

async function provenancesOnServer(documentReferenceId: string): Promise<unknown[]> {
  const response = await fetch(`${training.baseUrl!}/Provenance?target=DocumentReference/${documentReferenceId}`);
  return ((await response.json()) as Bundle).entry ?? [];
}

describe('kill -9 between outbox steps, then restart', () => {
  it.each(STEPS)('$name: exactly one DocumentReference and no lost transcription', async (step) => {
    const { vaultDir, draftId } = await preparedVault();
    const reached = step.until === 'attested' ? undefined : proxy.arm(step.until);
    const child = spawnChild({
      vaultDir,
      username: CLINICIAN.username,
      passphrase: CLINICIAN.passphrase,
      draftId,
      eprBaseUrl: proxy.baseUrl,
      patientLookupBaseUrl: training.baseUrl!,
      holdEpr: step.until === 'attested',
      ...(step.profile ? { profile: step.profile } : {}),
    });
    cleanups.push(async () => {
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
      await child.exited;
    });

    const identifier = await within(child.attested, STEP_TIMEOUT_MS, 'the child to attest');
    if (reached) {
      await within(reached, STEP_TIMEOUT_MS, `the child to reach "${step.name}"`).catch((error: unknown) => {
        throw new Error(`${String(error)}; the child's log: ${child.stderr()}`);
      });
    }
    child.process.kill('SIGKILL');
    expect(await within(child.exited, STEP_TIMEOUT_MS, 'the killed child to exit')).toEqual({ code: null, signal: 'SIGKILL' });
    proxy.disarm();
    expect(await documentsOnServer(identifier)).toHaveLength(step.onServerAtKill);

    // Restart: the parent opens the same vault, finds the item where the kill left it, resumes.
    const session = new SessionService({ files: vaultFiles(vaultDir), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    const eprs = {
      current: () => ({ eprId: 'training', label: 'Training EPR' }),
      connect: async () => ({
        connection: await createEprConnection({ baseUrl: training.baseUrl!, auth: { kind: 'none' }, requestTimeoutMs: 5_000, clock: systemClock }),
        // A short settle window (the default is minutes): the resumed search still waits for it.
        overrides: { resendSettleMs: 1_000, ...step.profile },
      }),
    };
    const service = new TranscriptionService({ session, imports: new ImportService({ session }), eprs, log: silentLogger, organisationOdsCode: 'RX1' });
    cleanups.push(
      () => session.lock('sign-out'),
      () => service.stop(),
    );
    await session.signIn(CLINICIAN.username, CLINICIAN.passphrase);
    expect(service.outbox()).toEqual([expect.objectContaining({ identifier, draftId, state: step.leaves })]);
    expect(service.getDraft(draftId).status).toBe('attested');

    const resumed = await within(service.resumeAll(), STEP_TIMEOUT_MS, 'resumeAll');
    await within(service.settled(), STEP_TIMEOUT_MS, 'the outbox to settle');
    expect(resumed).toEqual([expect.objectContaining({ identifier, draftId, state: 'verified', documentReferenceId: expect.any(String) })]);
    expect(service.outbox()).toEqual(resumed);
    const documents = await documentsOnServer(identifier);
    expect(documents.map((document) => document.id)).toEqual([resumed[0]!.documentReferenceId]);
    // At most one Provenance: one here (this EPR takes them), unless the one sent when the kill came cannot be found.
    expect(await provenancesOnServer(documents[0]!.id!)).toHaveLength(step.provenancesAtEnd ?? 1);
  });

  it('on an EPR this workstation has never seen keep an identifier, a push whose outcome is unknown is not sent again on an empty search: a clinician checks the record, then it is sent once', async () => {
    const { vaultDir, draftId } = await preparedVault(false);
    const reached = proxy.arm({ method: 'POST', path: /^\/fhir\/?$/, hold: 'request' });
    const child = spawnChild({ vaultDir, username: CLINICIAN.username, passphrase: CLINICIAN.passphrase, draftId, eprBaseUrl: proxy.baseUrl, patientLookupBaseUrl: training.baseUrl!, holdEpr: false });
    cleanups.push(async () => {
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
      await child.exited;
    });
    const identifier = await within(child.attested, STEP_TIMEOUT_MS, 'the child to attest');
    await within(reached, STEP_TIMEOUT_MS, 'the child to push');
    child.process.kill('SIGKILL');
    await within(child.exited, STEP_TIMEOUT_MS, 'the killed child to exit');
    proxy.disarm();

    const session = new SessionService({ files: vaultFiles(vaultDir), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
    const eprs = {
      current: () => ({ eprId: 'training', label: 'Training EPR' }),
      connect: async () => ({ connection: await createEprConnection({ baseUrl: training.baseUrl!, auth: { kind: 'none' }, requestTimeoutMs: 5_000, clock: systemClock }), overrides: { resendSettleMs: 1_000 } }),
    };
    const service = new TranscriptionService({ session, imports: new ImportService({ session }), eprs, log: silentLogger, organisationOdsCode: 'RX1' });
    cleanups.push(
      () => session.lock('sign-out'),
      () => service.stop(),
    );
    await session.signIn(CLINICIAN.username, CLINICIAN.passphrase);
    await within(service.resumeAll(), STEP_TIMEOUT_MS, 'resumeAll');
    await within(service.settled(), STEP_TIMEOUT_MS, 'the outbox to settle');
    expect(service.outbox()).toEqual([expect.objectContaining({ identifier, state: 'needs-attention', reason: 'identifier-unproven', detail: expect.stringContaining('Send after checking the record') })]);
    expect(await documentsOnServer(identifier)).toHaveLength(0);

    // The clinician looked in the record: not there. Sent once, verified, and the EPR is now known.
    await service.sendAfterCheck(identifier);
    await within(service.settled(), STEP_TIMEOUT_MS, 'the outbox to settle');
    expect(service.outbox()).toEqual([expect.objectContaining({ identifier, state: 'verified' })]);
    expect(await documentsOnServer(identifier)).toHaveLength(1);
    expect(getIdentifierFoundAt(session.vault().db, 'training')).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/));
  });
});
