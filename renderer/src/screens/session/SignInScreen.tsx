import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { SessionStateView } from '../../../../shared/ipc/contract';
import { hostApi } from '../../api';
import { ErrorSummary, TextField } from '../../components/forms';
import { errorSentence } from '../../logic/describe-error';

const LOCK_REASONS: Record<string, string> = {
  idle: 'Wardscribe locked itself because nobody used it for a while.',
  manual: 'Wardscribe was locked.',
  'os-lock': 'Wardscribe locked when this computer was locked.',
  suspend: 'Wardscribe locked when this computer went to sleep.',
  'window-gone': 'Wardscribe locked because its window stopped unexpectedly.',
};

/** How a typed username is compared with the one a wait applies to (main trims and lower-cases it too). */
function normalise(username: string): string {
  return username.trim().toLowerCase();
}

/**
 * Sign-in, also shown as the lock screen. Anyone may sign in: the PC is shared. A wait after
 * wrong passphrases applies to the username it was for, so the next person can sign in at once;
 * on the lock screen "Sign in as someone else" clears the locked user's name.
 */
export function SignInScreen({ state, onDone }: { state: SessionStateView; onDone: (state: SessionStateView) => void }) {
  const locked = state.kind === 'locked' ? state : null;
  const [error, setError] = useState<{ text: string; username: string; attempt: number } | null>(null);
  // Username → when that user may try again (ms since the epoch).
  const [waits, setWaits] = useState<ReadonlyMap<string, number>>(new Map());
  const [username, setUsername] = useState(locked?.username ?? '');
  const [switched, setSwitched] = useState(false);
  const [now, setNow] = useState(Date.now());
  const [busy, setBusy] = useState(false);
  const usernameRef = useRef<HTMLInputElement>(null);
  const passphraseRef = useRef<HTMLInputElement>(null);

  const waitUntil = waits.get(normalise(username)) ?? 0;
  const anyWaiting = [...waits.values()].some((until) => until > now);
  useEffect(() => {
    if (!anyWaiting) return;
    const timer = setTimeout(() => setNow(Date.now()), 250);
    return () => clearTimeout(timer);
  }, [anyWaiting, now]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const typed = String(form.get('username'));
    setBusy(true);
    const result = await hostApi()!.session.signIn({ username: typed, passphrase: String(form.get('passphrase')) });
    setBusy(false);
    if (result.ok) {
      onDone(result.value);
      return;
    }
    setError((current) => ({ text: errorSentence(result.error), username: normalise(typed), attempt: (current?.attempt ?? 0) + 1 }));
    const retryAfter = result.error.retryAfterMs ?? 0;
    setWaits((current) => new Map(current).set(normalise(typed), Date.now() + retryAfter));
    setNow(Date.now());
    passphraseRef.current!.value = '';
  }

  /**
   * A passphrase belongs to the name it was typed for: left in the field (typed while that name
   * had to wait) it would be sent, with the next person's own typed after it, as theirs, and
   * counted as their failed sign-in.
   */
  function changeUsername(value: string) {
    if (normalise(value) !== normalise(username) && passphraseRef.current) passphraseRef.current.value = '';
    setUsername(value);
  }

  function switchUser() {
    setSwitched(true);
    setUsername('');
    setError(null);
    if (passphraseRef.current) passphraseRef.current.value = '';
    usernameRef.current?.focus();
  }

  const secondsLeft = Math.ceil((waitUntil - now) / 1000);
  // The error is about the username it was for; another name typed since starts afresh.
  const shownError = error && error.username === normalise(username) ? error : null;
  return (
    <section aria-labelledby="sign-in-heading">
      <h1 id="sign-in-heading">{locked && !switched ? 'Wardscribe is locked' : 'Sign in'}</h1>
      {locked && !switched && (
        <p data-testid="lock-reason">
          {LOCK_REASONS[locked.reason] ?? 'Wardscribe was locked.'} Sign in to continue.
        </p>
      )}
      {shownError && (
        <ErrorSummary title="You were not signed in" problems={[{ text: shownError.text, inputId: 'passphrase' }]} listTestId="sign-in-error" attempt={shownError.attempt}>
          {secondsLeft > 0 && (
            <p data-testid="backoff">
              {username.trim() ? `${username.trim()} can` : 'You can'} try again in {secondsLeft} second{secondsLeft === 1 ? '' : 's'}. Someone else can sign in now.
            </p>
          )}
        </ErrorSummary>
      )}
      <form onSubmit={submit} noValidate>
        <TextField id="username" label="Username" autoComplete="username" value={username} onChange={(event) => changeUsername(event.target.value)} ref={usernameRef} required autoFocus={!locked} />
        <TextField id="passphrase" label="Passphrase" type="password" autoComplete="current-password" ref={passphraseRef} required autoFocus={!!locked} />
        <button className="nhsuk-button" type="submit" disabled={busy || secondsLeft > 0}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>{' '}
        {locked && !switched && (
          <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={switchUser}>
            Sign in as someone else
          </button>
        )}
      </form>
    </section>
  );
}
