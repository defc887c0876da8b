/**
 * The child process of kill-restart.test.ts: opens the vault, signs in as the clinician, attests
 * one draft and lets the outbox file it through the given EPR base URL (the parent's proxy), until
 * the parent kills it with SIGKILL. It is bundled with esbuild and run with plain node.
 *
 * argv[2] is a JSON `AttestChildArgs`. It writes one line per milestone on stdout:
 * `attested <identifier>` once the attest transaction has committed.
 * With `holdEpr`, the EPR connection is never handed over, so the item stays `queued`. Its log
 * (events only, no patient data) goes to stderr, which the parent shows when a step is missed.
 */
import type { EprProfileOverrides } from '../../../../main/epr/epr-profile';
import { createEprConnection, type EprConnection } from '../../../../main/epr/fhir-client';
import { systemClock } from '../../../../main/epr/retry-policy';
import { ImportService } from '../../../../main/imports/import-service';
import { createConsoleLogger } from '../../../../main/log';
import { SessionService } from '../../../../main/session/session-service';
import { TranscriptionService } from '../../../../main/transcriptions/transcription-service';
import { MINIMUM_KDF } from '../../../../main/vault/key-slots';
import { getDraft } from '../../../../main/vault/queries/transcription-drafts';
import { confirmedPatient } from '../../../support/patient-check';
import { vaultFiles } from '../../../../main/vault/vault-files';

export interface AttestChildArgs {
  readonly vaultDir: string;
  readonly username: string;
  readonly passphrase: string;
  readonly draftId: string;
  readonly eprBaseUrl: string;
  /** Where the patient is looked up before attesting: the EPR itself, not the proxy. */
  readonly patientLookupBaseUrl: string;
  /** Never hand the outbox its connection: the item stays `queued` until killed. */
  readonly holdEpr: boolean;
  /** The administrator's corrections to the EPR's profile (e.g. two creates instead of a transaction). */
  readonly profile?: EprProfileOverrides;
}

/** Exits on its own if nobody kills it: a stuck child must not outlive the test. */
const SAFETY_EXIT_MS = 60_000;

export async function attestChild(args: AttestChildArgs): Promise<void> {
  setTimeout(() => process.exit(3), SAFETY_EXIT_MS);
  const session = new SessionService({ files: vaultFiles(args.vaultDir), emit: () => undefined, log: createConsoleLogger(), kdf: MINIMUM_KDF });
  await session.signIn(args.username, args.passphrase);
  // The first two connections find the patient (the look-up and attestation's check of it), straight
  // at the EPR, so the parent's proxy sees only the outbox's requests; with holdEpr, the outbox's never comes.
  let connections = 0;
  const connection = (): Promise<EprConnection> => {
    const lookingUp = connections++ < 2;
    if (args.holdEpr && !lookingUp) return new Promise<EprConnection>(() => undefined);
    return createEprConnection({ baseUrl: lookingUp ? args.patientLookupBaseUrl : args.eprBaseUrl, auth: { kind: 'none' }, requestTimeoutMs: 20_000, clock: systemClock });
  };
  const eprs = {
    current: () => ({ eprId: 'training', label: 'Training EPR' }),
    connect: async () => ({ connection: await connection(), ...(args.profile ? { overrides: args.profile } : {}) }),
  };
  const service = new TranscriptionService({ session, imports: new ImportService({ session }), eprs, log: createConsoleLogger(), organisationOdsCode: 'RX1' });
  const draft = getDraft(session.vault().db, args.draftId);
  if (!draft) throw new Error('no such draft');
  const queued = await service.attest(args.draftId, await confirmedPatient(service, draft.patient));
  process.stdout.write(`attested ${queued.identifier}\n`);
}

/** The bundle's entry: runs the child, exiting 2 (with the stack on stderr) if it fails. */
export function main(argv: readonly string[]): void {
  attestChild(JSON.parse(argv[2]!) as AttestChildArgs).catch((error: unknown) => {
    process.stderr.write(`attest-child failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  });
}
