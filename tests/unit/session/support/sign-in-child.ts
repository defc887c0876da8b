/**
 * A Wardscribe main process cut down to sign-in attempts, for the multi-process sign-in tests: a
 * second app instance (or another OS account) on the same vault folder. It builds its session,
 * prints `ready`, waits for a line on stdin (so that every child starts at the same moment), makes
 * its attempts one after another and prints one JSON line of outcomes, then `done`.
 *
 * argv[2] is a JSON `SignInChildArgs`. Bundled with esbuild by the test and run with plain node.
 */
import { silentLogger } from '../../../../main/log';
import { SessionService } from '../../../../main/session/session-service';
import { MINIMUM_KDF } from '../../../../main/vault/key-slots';
import { vaultFiles } from '../../../../main/vault/vault-files';

export interface SignInChildArgs {
  readonly vaultDir: string;
  readonly username: string;
  /** Tried in order; each outcome is 'signed-in' or the refusal's message. */
  readonly passphrases: readonly string[];
  /** 'real' is the product's backoff; 'none' lets every attempt reach the KDF (for counting). */
  readonly backoff: 'real' | 'none';
}

export type SignInChildOutcome = { readonly outcome: 'signed-in' } | { readonly outcome: 'refused'; readonly code: string; readonly message: string };

export async function main(argv: readonly string[]): Promise<void> {
  // Never outlives a test that forgot it.
  setTimeout(() => process.exit(3), 120_000).unref();
  const args = JSON.parse(argv[2]!) as SignInChildArgs;
  const session = new SessionService({
    files: vaultFiles(args.vaultDir),
    emit: () => undefined,
    log: silentLogger,
    kdf: MINIMUM_KDF,
    ...(args.backoff === 'none' ? { backoff: () => 0 } : {}),
  });
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  const outcomes: SignInChildOutcome[] = [];
  for (const passphrase of args.passphrases) {
    try {
      await session.signIn(args.username, passphrase);
      outcomes.push({ outcome: 'signed-in' });
      session.lock('sign-out');
    } catch (error) {
      const { code, message } = error as { code?: string; message: string };
      outcomes.push({ outcome: 'refused', code: code ?? 'unexpected', message });
    }
  }
  process.stdout.write(`${JSON.stringify(outcomes)}\ndone\n`);
  process.stdin.destroy();
}
