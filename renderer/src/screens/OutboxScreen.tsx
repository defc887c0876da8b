import { useEffect, useRef, useState } from 'react';
import type { FiledDocumentView, OutboxView } from '../../../shared/ipc/contract';
import { hostApi } from '../api';
import { useNavigation } from '../app/navigation';
import { useSignedIn } from '../app/session';
import { FiledNoteView } from '../components/FiledNoteView';
import { displayNhsNumber, displayTime } from '../components/format';
import { errorSentence } from '../logic/describe-error';

const STATE_LABELS: Record<OutboxView['state'], string> = {
  queued: 'Queued',
  sending: 'Sending',
  filed: 'Filed, checking',
  verified: 'Verified in the record',
  failed: 'Failed',
  'needs-attention': 'Needs attention',
};


/** What the EPR's HTTP status means, for the person deciding whether to wait, retry or ring IT. */
function httpStatusWords(status: number): string {
  if (status === 401 || status === 403) return `the EPR refused Wardscribe's sign-in (HTTP ${status})`;
  if (status === 404) return `the EPR did not find what was asked for (HTTP ${status})`;
  if (status === 409 || status === 412) return `the EPR reported a conflict (HTTP ${status})`;
  if (status === 422 || status === 400) return `the EPR refused the note as sent (HTTP ${status})`;
  if (status === 429) return `the EPR asked Wardscribe to slow down (HTTP ${status})`;
  if (status >= 500) return `the EPR had a fault of its own (HTTP ${status})`;
  return `the EPR answered HTTP ${status}`;
}

/** The row's state: verified notes also say whether a correction replaced them or they were withdrawn. */
function stateLabel(item: OutboxView): string {
  if (item.state === 'verified' && item.withdrawal?.state === 'withdrawn') return 'Withdrawn from the record';
  if (item.state === 'verified' && item.withdrawal?.state === 'withdrawing') return 'Withdrawing';
  if (item.state === 'verified' && item.withdrawal?.state === 'not-withdrawn') return 'Withdrawal refused \u2013 still current in the record';
  if (item.state === 'verified' && item.correctionOutcome === 'replaced') return 'Replaced by a correction';
  if (item.state === 'verified' && item.correctionOutcome === 'still-current') return 'Corrected \u2013 still current until the record marks it';
  if (item.state === 'verified' && item.correctionOutcome === 'correction-withdrawn') return 'Replaced by a correction, since withdrawn';
  return STATE_LABELS[item.state];
}

/** Every attested transcription, the EPR it is bound to, and where it is on its way into the record. */
export function OutboxScreen() {
  const { state } = useSignedIn();
  const navigation = useNavigation();
  const [items, setItems] = useState<OutboxView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [training, setTraining] = useState(false);
  useEffect(() => {
    void hostApi()!
      .epr.mode({})
      .then((result) => result.ok && setTraining(result.value.mode === 'training'));
  }, []);
  const [retryError, setRetryError] = useState<string | null>(null);
  /** The item whose "Send after checking the record" is waiting for the clinician's confirmation. */
  const [checking, setChecking] = useState<string | null>(null);
  /** The filed note opened from its row, as its EPR returned it. */
  const [opened, setOpened] = useState<{ document: FiledDocumentView; identifier: string; epr: string } | null>(null);
  const [opening, setOpening] = useState<string | null>(null);
  /** The note whose withdrawal is being asked (its reason typed), and why main refused it, if it did. */
  const [withdrawing, setWithdrawing] = useState<{ identifier: string; reason: string; error: string | null; sending: boolean } | null>(null);
  /**
   * The row whose withdrawal box just closed: focus goes back to it rather than to the top of the
   * page (to the button that opened it when cancelled, to the row's state when sent, as that button goes).
   */
  const closedWithdrawal = useRef<{ identifier: string; to: 'withdraw-open' | 'outbox-state' } | null>(null);
  useEffect(() => {
    const closed = closedWithdrawal.current;
    if (withdrawing || closed === null) return;
    closedWithdrawal.current = null;
    document.getElementById(`${closed.to}-${closed.identifier}`)?.focus();
  }, [withdrawing]);
  function closeWithdrawal(identifier: string, to: 'withdraw-open' | 'outbox-state') {
    closedWithdrawal.current = { identifier, to };
    setWithdrawing((now) => (now?.identifier === identifier ? null : now));
  }

  // Read fresh from the EPR each time: what the record holds now, not what was sent.
  async function openFiled(item: OutboxView) {
    setOpening(item.identifier);
    const result = await hostApi()!.outbox.document({ identifier: item.identifier });
    setOpening(null);
    if (result.ok) {
      setOpened({ document: result.value, identifier: item.identifier, epr: item.epr });
      setRetryError(null);
    } else setRetryError(errorSentence(result.error));
  }

  // Retry is always safe (it never files a second copy); a refusal is shown, not swallowed.
  async function retry(identifier: string) {
    const result = await hostApi()!.outbox.retry({ identifier });
    setRetryError(result.ok ? null : errorSentence(result.error));
  }

  // A correction starts as a draft of the note, on the Transcribe screen (asked again, the same draft).
  async function correct(identifier: string) {
    const result = await hostApi()!.transcriptions.startCorrection({ identifier });
    if (!result.ok) return setRetryError(errorSentence(result.error));
    navigation.go({ screen: 'compose', draftId: result.value.id });
  }

  // Sends once more on the clinician's word that the EPR does not hold it (audited in main).
  async function sendAfterCheck(identifier: string) {
    const result = await hostApi()!.outbox.sendAfterCheck({ identifier, recordChecked: true });
    setChecking(null);
    setRetryError(result.ok ? null : errorSentence(result.error));
  }

  // The reason is checked by main (length, the note's standing); a refusal stays beside the field.
  // One request at a time: a second press while the first is on its way would be refused, and that
  // refusal would stay beside a withdrawal that went through.
  async function withdraw() {
    if (!withdrawing || withdrawing.sending) return;
    const { identifier, reason } = withdrawing;
    setWithdrawing({ ...withdrawing, sending: true });
    const result = await hostApi()!.outbox.withdraw({ identifier, reason });
    if (result.ok) {
      closeWithdrawal(identifier, 'outbox-state');
      setRetryError(null);
    } else setWithdrawing((now) => (now?.identifier === identifier ? { ...now, sending: false, error: errorSentence(result.error) } : now));
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
      {training && items.length > 0 && (
        <p className="nhsuk-inset-text" data-testid="training-outbox-note">
          The built-in training EPR keeps its notes only while Wardscribe is open and unlocked: after a restart or a lock it starts empty again, so a note shown
          here as verified can no longer be opened, and its chat can no longer be wiped (nothing is wiped that is not in the record).
        </p>
      )}
      {items.length === 0 && <p>Nothing attested yet.</p>}
      {retryError && <p role="alert">{retryError}</p>}
      {opened && <FiledNoteView document={opened.document} identifier={opened.identifier} epr={opened.epr} onClose={() => setOpened(null)} />}
      <table className="nhsuk-table ws-outbox" data-testid="outbox-table">
        <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Attested transcriptions, newest first, and where each is on its way into the record</caption>
        <thead className="nhsuk-table__head">
          <tr>
            <th scope="col">Patient</th>
            <th scope="col">Thread</th>
            <th scope="col">Attested</th>
            <th scope="col">EPR</th>
            <th scope="col">State</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody className="nhsuk-table__body">
          {items.map((item) => {
            return (
              <tr key={item.identifier} data-testid="outbox-row">
                <td>
                  <strong data-testid="outbox-patient">{item.patientName}</strong>
                  <div className="nhsuk-body-s">NHS number {displayNhsNumber(item.nhsNumber)}</div>
                </td>
                <td>{item.threadTitle}</td>
                <td data-testid="outbox-attested">
                  {item.attestedBy.name} ({item.attestedBy.role})
                  <div className="nhsuk-body-s">
                    <time dateTime={item.attestedAt}>{displayTime(item.attestedAt)}</time>
                    {item.queuedAt !== item.attestedAt && (
                      <>
                        , queued <time dateTime={item.queuedAt}>{displayTime(item.queuedAt)}</time>
                      </>
                    )}
                  </div>
                </td>
                <td>
                  <span data-testid="outbox-epr">{item.epr}</span>
                  {item.resourceId && (
                    <div className="nhsuk-body-s" data-testid="outbox-document">
                      Document {item.resourceId}
                    </div>
                  )}
                </td>
                <td>
                  <strong data-testid="outbox-state" id={`outbox-state-${item.identifier}`} tabIndex={-1}>{stateLabel(item)}</strong>
                  {item.withdrawal && (
                    <div className="nhsuk-body-s" data-testid="outbox-withdrawal">
                      {item.withdrawal.state === 'withdrawn' ? 'Withdrawn' : 'Withdrawal asked'}{item.withdrawal.by && ` by ${item.withdrawal.by}`} <time dateTime={item.withdrawal.askedAt}>{displayTime(item.withdrawal.askedAt)}</time>:{' '}
                      {item.withdrawal.reason}
                    </div>
                  )}
                  {item.correctsAttestedAt && (
                    <div className="nhsuk-body-s" data-testid="outbox-corrects">
                      Correction of the note attested <time dateTime={item.correctsAttestedAt}>{displayTime(item.correctsAttestedAt)}</time>
                      {item.correctsDocumentId && ` (document ${item.correctsDocumentId})`}
                    </div>
                  )}
                  <div className="nhsuk-hint" data-testid="outbox-detail">
                    {item.detail}
                  </div>
                  {item.httpStatus !== null && (
                    <div className="nhsuk-body-s" data-testid="outbox-http">
                      Last answer: {httpStatusWords(item.httpStatus)}.
                    </div>
                  )}
                  {item.nextAttemptAt && (
                    <div className="nhsuk-body-s" data-testid="outbox-next">
                      Next automatic try: <time dateTime={item.nextAttemptAt}>{displayTime(item.nextAttemptAt)}</time>
                    </div>
                  )}
                  <div className="nhsuk-body-s">Updated <time dateTime={item.updatedAt}>{displayTime(item.updatedAt)}</time></div>
                </td>
                <td>
                  {item.resourceId && (
                    <button
                      type="button"
                      className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                      disabled={opening === item.identifier}
                      aria-label={`Open the filed note for ${item.patientName}`}
                      onClick={() => void openFiled(item)}
                    >
                      {opening === item.identifier ? 'Opening…' : 'Open filed note'}
                    </button>
                  )}
                  {item.canCorrect && (state.user.role === 'clinician' || state.user.role === 'clerk') && (
                    <button
                      type="button"
                      className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                      aria-label={`${item.correctedBy === 'drafted' ? 'Carry on correcting' : 'Correct'} the note for ${item.patientName}`}
                      onClick={() => void correct(item.identifier)}
                    >
                      {item.correctedBy === 'drafted' ? 'Carry on with the correction' : 'Correct this note'}
                    </button>
                  )}
                  {item.canWithdraw && state.user.role === 'clinician' && withdrawing?.identifier !== item.identifier && (
                    <button
                      type="button"
                      id={`withdraw-open-${item.identifier}`}
                      className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                      aria-label={`Withdraw the note for ${item.patientName}`}
                      onClick={() => setWithdrawing({ identifier: item.identifier, reason: '', error: null, sending: false })}
                    >
                      Withdraw from the record
                    </button>
                  )}
                  {withdrawing?.identifier === item.identifier && (
                    <div role="group" aria-labelledby={`withdraw-${item.identifier}-heading`} data-testid="withdraw-note">
                      <p id={`withdraw-${item.identifier}-heading`}>
                        Withdrawing asks {item.epr} to mark this note entered in error. Nothing replaces it: to change what it says, correct it instead. If the advice belongs in
                        another patient&rsquo;s record, file it for them afterwards.
                      </p>
                      <div className={`nhsuk-form-group${withdrawing.error ? ' nhsuk-form-group--error' : ''}`}>
                        <label className="nhsuk-label" htmlFor={`withdraw-${item.identifier}-reason`}>
                          Why is it withdrawn?
                        </label>
                        <div className="nhsuk-hint" id={`withdraw-${item.identifier}-hint`}>
                          For example, &ldquo;filed against the wrong patient&rdquo;. Kept with the note; the audit trail records who withdrew it and when.
                        </div>
                        {withdrawing.error && (
                          <span className="nhsuk-error-message" id={`withdraw-${item.identifier}-error`} role="alert">
                            {withdrawing.error}
                          </span>
                        )}
                        <textarea
                          className="nhsuk-textarea"
                          id={`withdraw-${item.identifier}-reason`}
                          autoFocus
                          rows={2}
                          maxLength={500}
                          value={withdrawing.reason}
                          aria-describedby={`withdraw-${item.identifier}-hint${withdrawing.error ? ` withdraw-${item.identifier}-error` : ''}`}
                          aria-invalid={withdrawing.error ? true : undefined}
                          onChange={(event) => {
                            const reason = event.target.value;
                            setWithdrawing((now) => (now ? { ...now, reason } : now));
                          }}
                        />
                      </div>
                      <button
                        type="button"
                        className="nhsuk-button nhsuk-button--warning nhsuk-button--small"
                        disabled={withdrawing.sending}
                        aria-disabled={withdrawing.sending || undefined}
                        onClick={() => void withdraw()}
                      >
                        {withdrawing.sending ? 'Withdrawing\u2026' : 'Withdraw this note'}
                      </button>{' '}
                      <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => closeWithdrawal(item.identifier, 'withdraw-open')}>
                        Cancel
                      </button>
                    </div>
                  )}
                  {item.canRetry && state.user.role === 'clinician' && (
                    <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => void retry(item.identifier)}>
                      Retry
                    </button>
                  )}
                  {(item.reason === 'identifier-search-unsupported' || item.reason === 'identifier-unproven') && state.user.role === 'clinician' && checking !== item.identifier && (
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
