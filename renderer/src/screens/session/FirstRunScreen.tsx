import { useState, type FormEvent } from 'react';
import { PASSPHRASE_HINT } from '../../../../shared/domain/passphrase';
import type { SessionStateView } from '../../../../shared/ipc/contract';
import { hostApi } from '../../api';
import { ErrorSummary, TextField } from '../../components/forms';
import { errorSentence } from '../../logic/describe-error';

/** First run: sets up the vault and its first administrator. */
export function FirstRunScreen({ onDone }: { onDone: (state: SessionStateView) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const passphrase = String(form.get('passphrase'));
    if (passphrase !== String(form.get('confirm'))) {
      setError('The two passphrases do not match.');
      return;
    }
    setBusy(true);
    const result = await hostApi()!.session.createFirstAdmin({
      username: String(form.get('username')),
      displayName: String(form.get('displayName')),
      passphrase,
    });
    setBusy(false);
    if (result.ok) onDone(result.value);
    else setError(errorSentence(result.error));
  }

  return (
    <section aria-labelledby="first-run-heading">
      <h1 id="first-run-heading">Set up Wardscribe on this workstation</h1>
      <p>Create the first administrator. The vault is encrypted; each person gets their own passphrase.</p>
      {error && (
        <ErrorSummary title="The administrator was not created">
          <p>{error}</p>
        </ErrorSummary>
      )}
      <form onSubmit={submit} noValidate>
        <TextField id="username" label="Username" autoComplete="off" required autoFocus />
        <TextField id="displayName" label="Full name" autoComplete="off" required />
        <TextField
          id="passphrase"
          label="Passphrase"
          type="password"
          hint={PASSPHRASE_HINT}
          required
        />
        <TextField id="confirm" label="Passphrase again" type="password" required />
        <button className="nhsuk-button" type="submit" disabled={busy}>
          {busy ? 'Creating the vault…' : 'Create administrator'}
        </button>
      </form>
    </section>
  );
}
