/**
 * `wardscribe demo`: the whole job, without a window, on the embedded defaults (the training EPR)
 * in a throw-away data folder. It drives the running application through the same IPC contract
 * the window uses (shared/ipc/api.ts over the registry of main/wardscribe.ts), so every call goes
 * through the same checks, roles, services and audit trail as a clinician's clicks.
 *
 * The sample chat (resources/demo/) is made up; no real person or patient is in it.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildApi, type WardscribeApi } from '../../shared/ipc/api';
import { contract } from '../../shared/ipc/contract';
import type { Result } from '../../shared/ipc/result';
import { createConsoleLogger, silentLogger, type Logger } from '../log';
import { ELECTRON_APP_ORIGIN } from '../security/policy';
import { createWardscribe, type Wardscribe } from '../wardscribe';
import type { CliCommand, CliIo } from './command';

const USAGE =
  'usage: wardscribe demo [--data-dir DIR] [--clean] [--log]\n' +
  '  --data-dir  use DIR (must be empty or absent) instead of a new temporary folder\n' +
  '  --clean     delete the data folder (and the PDFs in it) at the end\n' +
  "  --log       print main's log lines (on stderr) as the app would";

/** The made-up ward chat the demo imports (built CLI: out/main/cli.js → resources/demo/). */
export const DEMO_CHAT = join(__dirname, '..', '..', 'resources', 'demo', 'ward-7-sample-chat.txt');

const ADMIN = { username: 'demo-admin', displayName: 'Demo Administrator' };
const CLINICIAN = { username: 'demo-clinician', displayName: 'Dr Demo Clinician' };
/** The advisers in the sample chat, as a transcriber would identify them. */
const ADVISERS = {
  'Dr Ada Shah': { displayNameInChat: 'Dr Ada Shah', name: 'Dr Ada Shah (demo)', role: 'Consultant cardiologist', registration: { body: 'GMC' as const, number: '7123456' } },
  'Ben Okafor': { displayNameInChat: 'Ben Okafor', name: 'Benjamin Okafor (demo)', role: 'Ward sister', registration: { body: 'NMC' as const, number: '12A3456E' } },
};
/** A published NHS test number; the name says it is not a person. */
/** One of the training EPR's synthetic patients (main/epr/synthetic-patients.ts): filing finds them there. */
const PATIENT = { nhsNumber: '999 123 5671', name: 'Jane Testpatient', birthDate: '1954-07-12', confirmed: true };
const FILING_TIMEOUT_MS = 60_000;

interface DemoArgs {
  readonly dataDir?: string;
  readonly clean: boolean;
  readonly log: boolean;
}

function parseArgs(args: readonly string[]): DemoArgs | string {
  let dataDir: string | undefined;
  let clean = false;
  let log = false;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--clean') clean = true;
    else if (arg === '--log') log = true;
    else if (arg === '--data-dir') {
      const value = args[++index];
      if (!value) return '--data-dir needs a folder';
      dataDir = resolve(value);
    } else return `unknown option ${arg}`;
  }
  return { ...(dataDir ? { dataDir } : {}), clean, log };
}

/** A step failed: its message is what the app would have shown. */
class DemoStepError extends Error {}

function valueOf<T>(result: Result<T>, what: string): T {
  if (!result.ok) throw new DemoStepError(`${what}: ${result.error.message} (${result.error.code})`);
  return result.value;
}

/** A passphrase nobody will reuse: the demo's users live only in its throw-away vault. */
function demoPassphrase(): string {
  return `demo ${randomBytes(9).toString('base64url')} ward round`;
}

function jobId(): string {
  return `demo-${randomBytes(6).toString('hex')}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

async function runDemo(options: DemoArgs, io: CliIo): Promise<number> {
  const out = (line: string) => io.stdout.write(line + '\n');
  if (!existsSync(DEMO_CHAT)) {
    io.stderr.write(`wardscribe demo: the sample chat is missing (${DEMO_CHAT}).\n`);
    return 2;
  }
  let dataDir: string;
  if (options.dataDir) {
    if (existsSync(options.dataDir) && statSync(options.dataDir).isDirectory() && !isEmptyDir(options.dataDir)) {
      io.stderr.write(`wardscribe demo: ${options.dataDir} is not empty; give an empty or new folder.\n`);
      return 2;
    }
    mkdirSync(options.dataDir, { recursive: true });
    dataDir = options.dataDir;
  } else {
    dataDir = mkdtempSync(join(tmpdir(), 'wardscribe-demo-'));
  }

  out('Wardscribe demo: the whole job without a window, on the built-in defaults (training EPR).');
  out(`Data folder (throw-away): ${dataDir}`);
  out('');

  const log: Logger = options.log ? createConsoleLogger() : silentLogger;
  let app: Wardscribe | undefined;
  const started = performance.now();
  let stepNumber = 0;
  const step = async <T>(title: string, run: () => Promise<T>, describe: (value: T) => string[] = () => []): Promise<T> => {
    stepNumber += 1;
    const begun = performance.now();
    let value: T;
    try {
      value = await run();
    } catch (error) {
      out(`${String(stepNumber).padStart(2)}. ${title} ... FAILED after ${Math.round(performance.now() - begun)} ms`);
      throw error;
    }
    out(`${String(stepNumber).padStart(2)}. ${title.padEnd(62, '.')} ${String(Math.round(performance.now() - begun)).padStart(6)} ms`);
    for (const line of describe(value)) out(`      ${line}`);
    return value;
  };

  try {
    // Embedded defaults only: an empty machine config, so nothing on this PC moves the vault.
    app = createWardscribe({ host: 'chromium', engine: 'none (wardscribe demo, no window)', dataDir, log, machineSettings: {} });
    const running = app;
    const registry = running.registryFor(ELECTRON_APP_ORIGIN);
    const sender = { isMainFrame: true, url: `${ELECTRON_APP_ORIGIN}/index.html` };
    const api: WardscribeApi = buildApi(contract, (channel, request) => registry.dispatchEncoded(sender, channel, request), (listener) => running.events.subscribe(listener));

    const adminPassphrase = demoPassphrase();
    const clinicianPassphrase = demoPassphrase();

    await step('Create the vault and its first administrator', async () =>
      valueOf(await api.session.createFirstAdmin({ ...ADMIN, passphrase: adminPassphrase }), 'creating the administrator'),
    );
    await step(
      'Add a clinician; they sign in and choose a passphrase',
      async () => {
        const temporary = demoPassphrase();
        valueOf(await api.users.create({ ...CLINICIAN, role: 'clinician', passphrase: temporary }), 'adding the clinician');
        valueOf(await api.session.signOut({}), 'signing out');
        valueOf(await api.session.signIn({ username: CLINICIAN.username, passphrase: temporary }), 'signing in');
        return valueOf(await api.session.changePassphrase({ current: temporary, next: clinicianPassphrase }), 'changing the passphrase');
      },
      (state) => [state.kind === 'signed-in' ? `signed in as ${state.user.displayName} (${state.user.role})` : `session: ${state.kind}`],
    );

    // The export is copied in, so the wipe can overwrite "the export file" without touching the sample.
    const exportFile = join(dataDir, 'incoming', 'WhatsApp Chat with Ward 7 (demo).txt');
    mkdirSync(join(dataDir, 'incoming'), { recursive: true });
    copyFileSync(DEMO_CHAT, exportFile);
    const zone = 'Europe/London';
    const imported = await step(
      'Import the sample ward chat (WhatsApp, Android)',
      async () => {
        const inspected = valueOf(await api.imports.inspect({ path: exportFile, zone }), 'checking the export');
        const dateOrder = inspected.dateOrder ?? 'dmy';
        return valueOf(await api.imports.run({ jobId: jobId(), path: exportFile, zone, dateOrder }), 'importing');
      },
      (result) => [`"${result.title}": ${result.messageCount} messages`],
    );

    const page = valueOf(await api.threads.messages({ threadId: imported.threadId, offset: 0, limit: 100 }), 'reading the thread');
    const advice = page.messages.filter((message) => message.sender === 'Dr Ada Shah' && message.kind === 'message');
    if (advice.length < 2) throw new DemoStepError(`the sample chat should hold two pieces of advice; found ${advice.length}`);
    // Each piece of advice with the ward sister's message it answers: what was asked is part of the record.
    const asked = (answer: (typeof advice)[number]) => page.messages.filter((message) => message.sender === 'Ben Okafor' && message.kind === 'message' && message.ordinal < answer.ordinal).pop();
    const withQuestion = (answer: (typeof advice)[number]) => [asked(answer), answer].filter((message): message is (typeof advice)[number] => message !== undefined && !/^Thanks/.test(message.text));
    const excerpts = [
      { messages: withQuestion(advice[0]!), summary: 'Cardiology advice: start bisoprolol 2.5 mg once daily; repeat ECG in 4 hours; check potassium and magnesium.' },
      { messages: withQuestion(advice[1]!), summary: 'Cardiology advice: replace magnesium IV per protocol; increase bisoprolol to 5 mg if rate above 110 tomorrow; no inpatient echo.' },
    ];

    const drafts = await step(
      'Attribute two excerpts to the consultant and preview them',
      async () => {
        const saved = [];
        for (const excerpt of excerpts) {
          const draft = valueOf(
            await api.transcriptions.saveDraft({
              threadId: imported.threadId,
              messageIds: excerpt.messages.map((message) => message.id),
              // The sister's question is filed as context, not as advice of hers.
              contextMessageIds: excerpt.messages.filter((message) => message.sender !== 'Dr Ada Shah').map((message) => message.id),
              advisers: ADVISERS,
              summary: excerpt.summary,
              patient: PATIENT,
            }),
            'saving the draft',
          );
          const preview = valueOf(await api.transcriptions.preview({ id: draft.id }), 'previewing');
          const problems = [...draft.problems, ...preview.problems];
          if (problems.length > 0) throw new DemoStepError(`the draft is not ready to attest: ${problems.join('; ')}`);
          saved.push(draft);
        }
        return saved;
      },
      (saved) => saved.map((draft, index) => `excerpt ${index + 1}: message ${excerpts[index]!.messages.map((message) => message.ordinal).join(', ')} → draft ${draft.id}`),
    );

    const queued = await step(
      'Attest both (queued for the training EPR)',
      async () => {
        const items = [];
        // The patient found in the training EPR, confirmed, as a clinician does on the compose screen.
        const found = valueOf(await api.patients.lookUp({ nhsNumber: PATIENT.nhsNumber, name: PATIENT.name, birthDate: PATIENT.birthDate, threadId: imported.threadId }), 'finding the patient');
        if (!found.confirmable || !found.record) throw new DemoStepError(`the patient could not be confirmed: ${found.message}`);
        const patient = { kind: 'record' as const, source: found.record.source, id: found.record.id, versionId: found.record.versionId, lastUpdated: found.record.lastUpdated };
        for (const draft of drafts) items.push(valueOf(await api.transcriptions.attest({ id: draft.id, patient }), 'attesting'));
        return items;
      },
      (items) => items.map((item) => `${item.identifier}: ${item.state} (${item.epr})`),
    );

    const verified = await step(
      'File them and verify each by reading it back',
      async () => {
        const deadline = Date.now() + FILING_TIMEOUT_MS;
        for (;;) {
          const items = valueOf(await api.outbox.list({}), 'reading the outbox').filter((item) => queued.some((q) => q.identifier === item.identifier));
          const stuck = items.find((item) => item.state === 'failed' || item.state === 'needs-attention');
          if (stuck) throw new DemoStepError(`filing stopped: ${stuck.detail}`);
          if (items.length === queued.length && items.every((item) => item.state === 'verified')) {
            return queued.map((q) => items.find((item) => item.identifier === q.identifier)!);
          }
          if (Date.now() > deadline) throw new DemoStepError(`filing did not finish within ${FILING_TIMEOUT_MS / 1000} s (${items.map((item) => item.state).join(', ')})`);
          await sleep(150);
        }
      },
      (items) => items.map((item) => `${item.identifier}: verified as DocumentReference/${item.resourceId ?? '?'}`),
    );

    const certificate = await step(
      'Wipe the thread, with its certificate',
      async () => {
        const plan = valueOf(await api.wipes.plan({ threadId: imported.threadId }), 'planning the wipe');
        // What no note carries is the sister's two acknowledgements ("Thanks, will do", a thumbs-up):
        // the clinician says so, as the wipe asks of anything left unfiled. Anything else stops the demo.
        const onlyAcknowledgements = plan.untranscribed.count === 2 && plan.untranscribed.shown.every((message) => /^(Thanks|👍)/u.test(message.text));
        if (plan.decision.kind === 'refused' || (plan.decision.kind === 'needs-override' && !onlyAcknowledgements)) {
          throw new DemoStepError(`the wipe gate refused: ${plan.decision.problems.join('; ')}`);
        }
        const reason = plan.decision.kind === 'needs-override' ? { overrideReason: 'The two messages in no note are acknowledgements only (thanks, a thumbs-up).', planned: { messageCount: plan.messageCount, attachmentCount: plan.attachmentCount } } : {};
        const wiped = valueOf(await api.wipes.run({ jobId: jobId(), threadId: imported.threadId, overwriteSourceFile: true, ...reason }), 'wiping');
        const pdf = valueOf(await api.wipes.exportCertificate({ wipeId: wiped.wipeId }), 'exporting the certificate');
        return { wiped, pdf };
      },
      ({ wiped, pdf }) => [
        `level ${wiped.level ?? 'unfinished'}; key rotated: ${wiped.keyRotated ? 'yes' : 'no'}; export file: ${wiped.sourceFile}; ${wiped.filed.length} filings verified`,
        `certificate PDF: ${pdf.path}`,
      ],
    );
    if (certificate.wiped.level === 'failed' || certificate.wiped.level === null) throw new DemoStepError(`the wipe did not verify (level ${certificate.wiped.level ?? 'unfinished'})`);

    const trail = await step(
      'Export the audit trail as a signed PDF and verify it',
      async () => {
        valueOf(await api.session.signOut({}), 'signing out');
        valueOf(await api.session.signIn({ username: ADMIN.username, passphrase: adminPassphrase }), 'signing in as the administrator');
        const exported = valueOf(await api.audit.export({ jobId: jobId(), filter: {} }), 'exporting the trail');
        // A real check pins the fingerprint from the ward's key register; the demo's workstation is
        // its own register, so it reads the fingerprint from the workstation itself.
        const { keyFingerprint } = valueOf(await api.audit.query({ filter: {}, limit: 1 }), 'reading the workstation key fingerprint');
        const check = valueOf(
          await api.audit.verify({ fileName: exported.fileName, ...(keyFingerprint ? { expectedKeyFingerprint: keyFingerprint } : { trustEmbeddedKey: true }) }),
          'verifying the trail',
        );
        if (!check.ok) throw new DemoStepError(`the exported trail did not verify: ${check.problems.join('; ')}`);
        return { exported, check, keyFingerprint };
      },
      ({ exported, check, keyFingerprint }) => [
        `${check.entryCount} entries on ${exported.pageCount} pages, verified (${check.trust === 'pinned' ? `pinned to workstation key ${keyFingerprint}` : check.trust})`,
        `audit trail PDF: ${exported.path}`,
      ],
    );
    valueOf(await api.session.signOut({}), 'signing out');

    out('');
    out(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s: ${verified.length} transcriptions filed and verified, the originals wiped (${certificate.wiped.level}), the trail verified.`);
    out('PDFs written:');
    out(`  ${certificate.pdf.path}`);
    out(`  ${trail.exported.path}`);
    if (!options.clean) {
      const pin = trail.keyFingerprint ? `--expect-key ${trail.keyFingerprint}` : '--trust-embedded-key';
      out(`  check the trail on its own: npx wardscribe verify-trail "${trail.exported.path}" ${pin}`);
    }
    if (options.clean) out(`The data folder ${dataDir} is deleted now (--clean).`);
    else out(`The data folder stays for you to look at; delete it when done: ${dataDir}`);
    return 0;
  } catch (error) {
    if (error instanceof DemoStepError) {
      io.stderr.write(`wardscribe demo: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await app?.close();
    if (options.clean) rmSync(dataDir, { recursive: true, force: true });
  }
}

function isEmptyDir(dir: string): boolean {
  try {
    return statSync(dir).isDirectory() && readdirSync(dir).length === 0;
  } catch {
    return false;
  }
}

export const demoCommand: CliCommand = {
  summary: 'run the whole job without a window (training EPR, throw-away data folder)',
  async run(args, io) {
    const parsed = parseArgs(args);
    if (typeof parsed === 'string') {
      io.stderr.write(`wardscribe demo: ${parsed}\n${USAGE}\n`);
      return 2;
    }
    return runDemo(parsed, io);
  },
};
