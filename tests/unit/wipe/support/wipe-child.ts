/**
 * The child process of tests/unit/wipe/kill-restart.test.ts: signs in, wipes one thread, and
 * SIGKILLs itself the moment the wipe reports the chosen step, a real kill -9 at exactly that
 * point. Bundled with esbuild and run with plain node.
 *
 * argv[2] is a JSON `WipeChildArgs`. Its log (events only) goes to stderr, which the parent
 * shows if the child exits any other way.
 */
import { ImportService } from '../../../../main/imports/import-service';
import { createConsoleLogger } from '../../../../main/log';
import { SessionService } from '../../../../main/session/session-service';
import { MINIMUM_KDF } from '../../../../main/vault/key-slots';
import { vaultFiles } from '../../../../main/vault/vault-files';
import { WipeService, type WipeStep } from '../../../../main/wipe/wipe-service';

export interface WipeChildArgs {
  readonly vaultDir: string;
  readonly username: string;
  readonly passphrase: string;
  readonly threadId: string;
  readonly killAt: WipeStep;
}

const SAFETY_EXIT_MS = 60_000;

export async function wipeChild(args: WipeChildArgs): Promise<void> {
  setTimeout(() => process.exit(3), SAFETY_EXIT_MS).unref();
  const log = createConsoleLogger();
  const session = new SessionService({ files: vaultFiles(args.vaultDir), emit: () => undefined, log, kdf: MINIMUM_KDF });
  await session.signIn(args.username, args.passphrase);
  const wipes = new WipeService({
    session,
    imports: new ImportService({ session }),
    // Filing is not under test here: nothing is in flight.
    // The seeded verified note stands for one its EPR still holds (the re-read itself: wipe-service.test.ts).
    transcriptions: { stop: async () => undefined, resumeAll: async () => [], recheckFiled: async () => ({ kind: 'present' as const }) },
    log,
    hooks: {
      afterStep: (step) => {
        if (step === args.killAt) process.kill(process.pid, 'SIGKILL');
      },
    },
  });
  await wipes.wipe({ threadId: args.threadId, overwriteSourceFile: true });
  process.stderr.write(`the wipe finished without reaching ${args.killAt}\n`);
  process.exit(4);
}

export function main(argv: readonly string[]): void {
  wipeChild(JSON.parse(argv[2]!) as WipeChildArgs).catch((error: unknown) => {
    process.stderr.write(`wipe-child failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  });
}
