import { useEffect, useState, type FormEvent } from 'react';
import { hostApi } from '../api';
import { ErrorSummary, TextField } from '../components/forms';
import { plural } from '../components/format';
import { errorSentence } from '../logic/describe-error';

const MAX_HOURS = 8760;

/** Checks the hours as typed; the same limits main enforces. */
function checkHours(text: string): { ok: true; hours: number } | { ok: false; message: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, message: 'Enter the number of hours, or choose never.' };
  if (!/^\d+$/.test(trimmed)) return { ok: false, message: 'Enter a whole number of hours, like 72.' };
  const hours = Number(trimmed);
  if (hours < 1) return { ok: false, message: 'Enter at least 1 hour.' };
  if (hours > MAX_HOURS) return { ok: false, message: `Enter at most ${MAX_HOURS} hours (a year).` };
  return { ok: true, hours };
}

/**
 * Automatic wipe: an administrator may have each thread wiped a number of hours after the last
 * transcription from it is verified in the record. Only threads whose every transcription is
 * verified qualify; the system never vouches for advice that was not filed.
 */
export function RetentionSettingsSection() {
  const [saved, setSaved] = useState<number | null | undefined>(undefined);
  const [mode, setMode] = useState<'never' | 'after'>('never');
  const [hoursText, setHoursText] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [message, setMessage] = useState<{ kind: 'error' | 'done'; text: string } | null>(null);

  useEffect(() => {
    void hostApi()!
      .wipes.retention({})
      .then((result) => {
        if (!result.ok) return setMessage({ kind: 'error', text: errorSentence(result.error) });
        setSaved(result.value.hours);
        setMode(result.value.hours === null ? 'never' : 'after');
        setHoursText(result.value.hours === null ? '' : String(result.value.hours));
      });
  }, []);
  if (saved === undefined && message === null) return null;

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setFieldError(null);
    let hours: number | null = null;
    if (mode === 'after') {
      const checked = checkHours(hoursText);
      if (!checked.ok) {
        setFieldError(checked.message);
        setMessage({ kind: 'error', text: checked.message });
        return;
      }
      hours = checked.hours;
    }
    const result = await hostApi()!.wipes.setRetention({ hours });
    if (!result.ok) {
      const text = errorSentence(result.error);
      if (result.error.issues?.length) setFieldError(text);
      return setMessage({ kind: 'error', text });
    }
    setSaved(result.value.hours);
    setMessage({
      kind: 'done',
      text:
        result.value.hours === null
          ? 'Automatic wipe is off. Threads are wiped only when someone asks.'
          : `Each thread will be wiped ${plural(result.value.hours, 'hour')} after the last transcription from it is verified in the record.`,
    });
  }

  return (
    <section aria-labelledby="retention-heading">
      <h2 id="retention-heading">Automatic wipe of originals</h2>
      {message?.kind === 'error' && (
        <ErrorSummary title="The automatic wipe setting was not saved">
          <p data-testid="retention-message">
            {fieldError ? (
              <a
                href="#retention-hours"
                onClick={(event) => {
                  event.preventDefault();
                  document.getElementById('retention-hours')?.focus();
                }}
              >
                {message.text}
              </a>
            ) : (
              message.text
            )}
          </p>
        </ErrorSummary>
      )}
      {message?.kind === 'done' && (
        <p role="status" data-testid="retention-message">
          {message.text}
        </p>
      )}
      <form onSubmit={save} noValidate>
        <div className="nhsuk-form-group">
          <fieldset className="nhsuk-fieldset" aria-describedby="retention-hint">
            <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Wipe a thread’s originals automatically</legend>
            <div className="nhsuk-hint" id="retention-hint">
              Counted from when the last transcription from the thread is verified in the record. A thread with anything unfiled, failed or still being filed is never wiped
              automatically. The export file is not touched.
            </div>
            <div className="nhsuk-radios nhsuk-radios--conditional">
              <div className="nhsuk-radios__item">
                <input className="nhsuk-radios__input" id="retention-never" type="radio" name="retention-mode" checked={mode === 'never'} onChange={() => setMode('never')} />
                <label className="nhsuk-label nhsuk-radios__label" htmlFor="retention-never">
                  Never: only when someone asks
                </label>
              </div>
              <div className="nhsuk-radios__item">
                <input
                  className="nhsuk-radios__input"
                  id="retention-after"
                  type="radio"
                  name="retention-mode"
                  checked={mode === 'after'}
                  // No aria-expanded: a radio button may not carry it (axe aria-allowed-attr); the
                  // revealed field follows the radio in reading order, as NHS.UK's conditional radios do.
                  aria-controls="retention-after-conditional"
                  onChange={() => setMode('after')}
                />
                <label className="nhsuk-label nhsuk-radios__label" htmlFor="retention-after">
                  After a number of hours
                </label>
              </div>
              <div className={`nhsuk-radios__conditional${mode === 'after' ? '' : ' nhsuk-radios__conditional--hidden'}`} id="retention-after-conditional">
                {mode === 'after' && (
                  <TextField
                    id="retention-hours"
                    label="Hours after the last verified filing"
                    hint={`A whole number from 1 to ${MAX_HOURS} (a year).`}
                    inputMode="numeric"
                    autoComplete="off"
                    className={`nhsuk-input nhsuk-input--width-4${fieldError ? ' nhsuk-input--error' : ''}`}
                    value={hoursText}
                    error={fieldError}
                    onChange={(event) => setHoursText(event.target.value)}
                  />
                )}
              </div>
            </div>
          </fieldset>
        </div>
        <button className="nhsuk-button" type="submit">
          Save automatic wipe
        </button>
      </form>
    </section>
  );
}
