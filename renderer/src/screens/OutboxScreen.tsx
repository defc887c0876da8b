import { useEffect, useState } from 'react';
import { formatNhsNumber, parseNhsNumber } from '../../../shared/domain/nhs-number';
import type { OutboxView } from '../../../shared/ipc/contract';
import { hostApi } from '../api';
import { useSignedIn } from '../app/session';
import { errorSentence } from '../logic/describe-error';

const STATE_LABELS: Record<OutboxView['state'], string> = {
  queued: 'Queued',
  sending: 'Sending',
  filed: 'Filed, checking',
  verified: 'Verified in the record',
  failed: 'Failed',
  'needs-attention': 'Needs attention',
};

/** Every attested transcription, the EPR it is bound to, and where it is on its way into the record. */
export function OutboxScreen() {
  const { state } = useSignedIn();
  const [items, setItems] = useState<OutboxView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [retryError, setRetryError] = useState<string | null>(null);
  /** The item whose "Send after checking the record" is waiting for the clinician's confirmation. */
  const [checking, setChecking] = useState<string | null>(null);

  // Retry is always safe (it never files a second copy); a refusal is shown, not swallowed.
  async function retry(identifier: string) {
    const result = await hostApi()!.outbox.retry({ identifier });
    setRetryError(result.ok ? null : errorSentence(result.error));
  }

  // Sends once more on the clinician's word that the EPR does not hold it (audited in main).
  async function sendAfterCheck(identifier: string) {
    const result = await hostApi()!.outbox.sendAfterCheck({ identifier, recordChecked: true });
    setChecking(null);
    setRetryError(result.ok ? null : errorSentence(result.error));
  }

  // Asked again whenever main says the outbox changed (queued, sent, verified, failed): no polling.
  useEffect(() => {
    let live = true;
    let generation = 0;
    const refresh = async () => {
      const mine = ++generation;
      const result = await hostApi()!.outbox.list({});
      if (!live || mine !== generation) return;
      if (result.ok) {
        setItems(result.value);
        setError(null);
      } else setError(errorSentence(result.error));
    };
    void refresh();
    const stop = hostApi()!.events.subscribe((event) => {
      if (event.type === 'outbox.changed' || event.type === 'thread.wiped') void refresh();
    });
    return () => {
      live = false;
      stop();
    };
  }, []);

  return (
    <section aria-labelledby="outbox-heading">
      <h1 id="outbox-heading" tabIndex={-1}>
        Outbox
      </h1>
      {error && <p role="alert">{error}</p>}
      {items.length === 0 && <p>Nothing attested yet.</p>}
      {retryError && <p role="alert">{retryError}</p>}
      <table className="nhsuk-table" data-testid="outbox-table">
        <thead className="nhsuk-table__head">
          <tr>
            <th scope="col">Thread</th>
            <th scope="col">Patient</th>
            <th scope="col">EPR</th>
            <th scope="col">State</th>
            <th scope="col">EPR document</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody className="nhsuk-table__body">
          {items.map((item) => {
            const nhs = parseNhsNumber(item.nhsNumber);
            return (
              <tr key={item.identifier} data-testid="outbox-row">
                <td>{item.threadTitle}</td>
                <td>{nhs.ok ? formatNhsNumber(nhs.value) : item.nhsNumber}</td>
                <td data-testid="outbox-epr">{item.epr}</td>
                <td>
                  <strong data-testid="outbox-state">{STATE_LABELS[item.state]}</strong>
                  <div className="nhsuk-hint" data-testid="outbox-detail">
                    {item.detail}
                    {item.nextAttemptAt ? ` (local time ${new Date(item.nextAttemptAt).toLocaleTimeString('en-GB')})` : ''}
                  </div>
                </td>
                <td>{item.resourceId ?? ''}</td>
                <td>
                  {item.canRetry && state.user.role === 'clinician' && (
                    <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => void retry(item.identifier)}>
                      Retry
                    </button>
                  )}
                  {item.reason === 'identifier-search-unsupported' && state.user.role === 'clinician' && checking !== item.identifier && (
                    <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => setChecking(item.identifier)}>
                      Send after checking the record
                    </button>
                  )}
                  {checking === item.identifier && (
                    <div role="group" aria-label="Confirm the record was checked" data-testid="record-check">
                      <p>
                        I have checked this patient&rsquo;s record in {item.epr} and this note is not there. Wardscribe records that you confirmed it, then sends the note
                        once.
                      </p>
                      <button type="button" className="nhsuk-button nhsuk-button--small" onClick={() => void sendAfterCheck(item.identifier)}>
                        Confirm and send
                      </button>{' '}
                      <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => setChecking(null)}>
                        Cancel
                      </button>
                    </div>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
