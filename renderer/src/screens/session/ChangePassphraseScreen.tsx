import { useState, type FormEvent } from 'react';
import { PASSPHRASE_HINT } from '../../../../shared/domain/passphrase';
import { hostApi } from '../../api';
import { useNavigation } from '../../app/navigation';
import { useSignedIn } from '../../app/session';
import { HOME_SCREENS } from '../../app/screens';
import { ErrorSummary, TextField } from '../../components/forms';
import { errorSentence } from '../../logic/describe-error';

/** Changing one's own passphrase; required after an administrator set it. */
export function ChangePassphraseScreen() {
  const { state, replace } = useSignedIn();
  const navigation = useNavigation();
  const [message, setMessage] = useState<{ kind: 'error'; text: string } | null>(null);
  // The change takes a few seconds (two Argon2id runs): signing out meanwhile would lose it unseen.
  const [saving, setSaving] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    if (form.get('next') !== form.get('confirm')) {
      setMessage({ kind: 'error', text: 'The two new passphrases do not match.' });
      return;
    }
    setSaving(true);
    setMessage(null);
    const result = await hostApi()!.session.changePassphrase({ current: String(form.get('current')), next: String(form.get('next')) });
    setSaving(false);
    if (!result.ok) {
      setMessage({ kind: 'error', text: errorSentence(result.error) });
      return;
    }
    formElement.reset();
    replace(result.value);
    // On to the person's first screen, saying so: an empty form left on screen read as if nothing had happened.
    navigation.go(HOME_SCREENS[state.user.role], { notice: 'Your passphrase has been changed.' });
  }

  return (
    <section aria-labelledby="passphrase-heading">
      <h1 id="passphrase-heading" tabIndex={-1}>
        Change your passphrase
      </h1>
      {state.user.mustChangePassphrase && <p>An administrator set your passphrase. Choose your own before you continue.</p>}
      {message?.kind === 'error' && (
        <ErrorSummary title="Your passphrase was not changed">
          <p>{message.text}</p>
        </ErrorSummary>
      )}
      <form onSubmit={submit} noValidate>
        <TextField id="current" label="Current passphrase" type="password" autoComplete="current-password" required />
        <TextField id="next" label="New passphrase" type="password" hint={PASSPHRASE_HINT} required />
        <TextField id="confirm" label="New passphrase again" type="password" required />
        <button className="nhsuk-button" type="submit" disabled={saving}>
          {saving ? 'Saving your new passphrase…' : 'Change passphrase'}
        </button>
        {saving && (
          <p role="status" data-testid="passphrase-saving">
            Saving your new passphrase. Stay signed in until this says it has been changed: it takes a few seconds.
          </p>
        )}
      </form>
    </section>
  );
}
