import { useEffect, useState, type FormEvent } from 'react';
import type { SessionStateView } from '../../../../shared/ipc/contract';
import { hostApi } from '../../api';
import { ErrorSummary, TextField } from '../../components/forms';

const LOCK_REASONS: Record<string, string> = {
  idle: 'Wardscribe locked itself because nobody used it for a while.',
  manual: 'Wardscribe was locked.',
  'os-lock': 'Wardscribe locked when this computer was locked.',
  suspend: 'Wardscribe locked when this computer went to sleep.',
  'window-gone': 'Wardscribe locked because its window stopped unexpectedly.',
};

/** Sign-in, also shown as the lock screen. Anyone may sign in: the PC is shared. */
export function SignInScreen({ state, onDone }: { state: SessionStateView; onDone: (state: SessionStateView) => void }) {
  const locked = state.kind === 'locked' ? state : null;
  const [error, setError] = useState<string | null>(null);
  const [waitUntil, setWaitUntil] = useState(0);
  const [now, setNow] = useState(Date.now());
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (waitUntil <= now) return;
    const timer = setTimeout(() => setNow(Date.now()), 250);
    return () => clearTimeout(timer);
  }, [waitUntil, now]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    const result = await hostApi()!.session.signIn({ username: String(form.get('username')), passphrase: String(form.get('passphrase')) });
    setBusy(false);
    if (result.ok) {
      onDone(result.value);
      return;
    }
    setError(result.error.message);
    const retryAfter = result.error.retryAfterMs ?? 0;
    setWaitUntil(Date.now() + retryAfter);
    setNow(Date.now());
    (event.target as HTMLFormElement).querySelector<HTMLInputElement>('#passphrase')!.value = '';
  }

  const secondsLeft = Math.ceil((waitUntil - now) / 1000);
  return (
    <section aria-labelledby="sign-in-heading">
      <h1 id="sign-in-heading">{locked ? 'Wardscribe is locked' : 'Sign in'}</h1>
      {locked && <p data-testid="lock-reason">{LOCK_REASONS[locked.reason] ?? 'Wardscribe was locked.'} Sign in to continue.</p>}
      {error && (
        <ErrorSummary title="You were not signed in">
          <p data-testid="sign-in-error">{error}</p>
          {secondsLeft > 0 && (
            <p data-testid="backoff">
              You can try again in {secondsLeft} second{secondsLeft === 1 ? '' : 's'}.
            </p>
          )}
        </ErrorSummary>
      )}
      <form onSubmit={submit} noValidate>
        <TextField id="username" label="Username" autoComplete="username" defaultValue={locked?.username ?? ''} required autoFocus={!locked} />
        <TextField id="passphrase" label="Passphrase" type="password" autoComplete="current-password" required autoFocus={!!locked} />
        <button className="nhsuk-button" type="submit" disabled={busy || secondsLeft > 0}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </section>
  );
}
