import { useState, type FormEvent } from 'react';
import { hostApi } from '../api';
import { useSignedIn } from '../app/session';
import { ErrorSummary, TextField } from '../components/forms';
import { EprSettingsSection } from './EprSettingsSection';
import { RetentionSettingsSection } from './RetentionSettingsSection';
import { errorSentence } from '../logic/describe-error';

/** Workstation settings an administrator may change. */
export function SettingsScreen() {
  const { state, replace } = useSignedIn();
  const [message, setMessage] = useState<{ kind: 'error' | 'done'; text: string } | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const minutes = Number(new FormData(event.currentTarget).get('idle-minutes'));
    const result = await hostApi()!.settings.update({ idleLockMinutes: minutes });
    if (!result.ok) {
      setMessage({ kind: 'error', text: errorSentence(result.error) });
      return;
    }
    replace({ ...state, idleLockMinutes: result.value.idleLockMinutes });
    setMessage({ kind: 'done', text: `Wardscribe will lock after ${result.value.idleLockMinutes} minutes without use.` });
  }

  return (
    <section aria-labelledby="settings-heading">
      <h1 id="settings-heading" tabIndex={-1}>
        Settings
      </h1>
      {message?.kind === 'error' && (
        <ErrorSummary title="The setting was not saved">
          <p>{message.text}</p>
        </ErrorSummary>
      )}
      {message?.kind === 'done' && <p role="status">{message.text}</p>}
      <form onSubmit={submit} noValidate>
        <TextField
          id="idle-minutes"
          label="Lock after this many idle minutes"
          hint="Between 0.1 and 120. Locking closes the vault; anyone can then sign in."
          inputMode="decimal"
          defaultValue={String(state.idleLockMinutes)}
          className="nhsuk-input nhsuk-input--width-4"
        />
        <button className="nhsuk-button" type="submit">
          Save settings
        </button>
      </form>
      <EprSettingsSection />
      <RetentionSettingsSection />
    </section>
  );
}
