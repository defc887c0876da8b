import { useEffect, useRef, useState } from 'react';
import { formatBytes } from '../../../shared/domain/clinical-image';
import { describeUnfiledMedia, MIN_OVERRIDE_REASON, type WipeCertificate } from '../../../shared/domain/wipe';
import { saysEnough, writtenReason } from '../../../shared/domain/written-reason';
import type { WipePlanView } from '../../../shared/ipc/contract';
import { hostApi, newJobId } from '../api';
import { useThreadWiped } from '../app/events';
import { useNavigation } from '../app/navigation';
import { useSignedIn } from '../app/session';
import { ErrorSummary } from '../components/forms';
import { displayNhsNumber, displayTime, displayWallClock, plural, SOURCE_NAMES, TRANSCRIPTION_STATE_LABELS } from '../components/format';
import { WipeCertificateView } from '../components/WipeCertificateView';
import { errorSentence } from '../logic/describe-error';

const SOURCE_FILE_STATUS: Readonly<Record<WipePlanView['sourceFile']['status'], string>> = {
  matches: 'Still where it was imported from, unchanged.',
  'not-found': 'No longer where it was imported from, so Wardscribe cannot overwrite it.',
  changed: 'The file at that place has changed since it was imported, so Wardscribe will not touch it.',
  unknown: 'Wardscribe did not record where it was imported from, so it cannot overwrite it.',
};

type Step =
  | { kind: 'loading' }
  | { kind: 'unavailable'; message: string }
  | { kind: 'confirm'; plan: WipePlanView }
  | { kind: 'running'; plan: WipePlanView; jobId: string; progress: string | null }
  | { kind: 'done'; certificate: WipeCertificate };

/**
 * The wipe confirmation: what will go and what was filed from the thread, the gate's decision
 * (main enforces the same rule), the optional overwrite of the export file, progress, and the
 * certificate. `onWiped` is called once the thread is gone so that the screen drops its copies.
 */
export function WipeConfirmation({ threadId, title, onClose, onWiped }: { threadId: string; title: string; onClose: () => void; onWiped: (threadId: string) => void }) {
  const { state } = useSignedIn();
  const navigation = useNavigation();
  const [step, setStep] = useState<Step>({ kind: 'loading' });
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [overwrite, setOverwrite] = useState(false);
  /** The clinician's acknowledgement that the unfiled media listed are destroyed without being filed. */
  const [acknowledged, setAcknowledged] = useState(false);
  const [acknowledgeError, setAcknowledgeError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const clinician = state.user.role === 'clinician';

  const loadPlan = async () => {
    const result = await hostApi()!.wipes.plan({ threadId });
    if (result.ok) {
      setStep({ kind: 'confirm', plan: result.value });
      // A new plan may list other media: what was acknowledged was the list shown before.
      setAcknowledged(false);
      if (result.value.sourceFile.status !== 'matches') setOverwrite(false);
    } else setStep({ kind: 'unavailable', message: errorSentence(result.error) });
  };

  useEffect(() => {
    void loadPlan();
    // Loaded once per thread; a new plan is asked for after a refusal.
  }, [threadId]);

  useEffect(() => {
    headingRef.current?.focus();
  }, [step.kind]);

  useEffect(
    () =>
      hostApi()!.events.subscribe((event) => {
        if (event.type !== 'job.progress') return;
        setStep((current) =>
          current.kind === 'running' && current.jobId === event.jobId
            ? { ...current, progress: event.total ? `${event.done} of ${event.total} ${event.unit}` : `${event.done} ${event.unit}` }
            : current,
        );
      }),
    [],
  );

  // Wiped by someone or something else (the retention policy) while this was open: the plan is stale.
  useThreadWiped((wiped) => {
    if (wiped !== threadId) return;
    setStep((current) => (current.kind === 'confirm' || current.kind === 'loading' ? { kind: 'unavailable', message: 'This thread has already been wiped.' } : current));
  });

  async function confirm(plan: WipePlanView) {
    setError(null);
    setReasonError(null);
    setAcknowledgeError(null);
    const needsReason = plan.decision.kind === 'needs-override';
    // Counted as main keeps it: invisible characters are not part of a reason.
    const written = writtenReason(reason);
    const reasonProblem =
      needsReason && !saysEnough(written, MIN_OVERRIDE_REASON)
        ? written === ''
          ? 'Say why this chat can be wiped anyway.'
          : written.length >= MIN_OVERRIDE_REASON
            ? 'Give the reason in words: mostly letters, and not one or two letters over and over.'
            : `Give a fuller reason, in words: at least ${MIN_OVERRIDE_REASON} characters (${written.length} so far).`
        : null;
    const unfiled = plan.unfiledMedia;
    const acknowledgeProblem =
      unfiled.length > 0 && !acknowledged
        ? `Confirm that the wipe destroys ${unfiled.length === 1 ? 'the attachment' : `the ${unfiled.length} attachments`} not in the record, or cancel and file what matters first.`
        : null;
    if (reasonProblem || acknowledgeProblem) {
      setReasonError(reasonProblem);
      setAcknowledgeError(acknowledgeProblem);
      setAttempt((count) => count + 1);
      return;
    }
    const jobId = newJobId();
    setStep({ kind: 'running', plan, jobId, progress: null });
    const result = await hostApi()!.wipes.run({
      jobId,
      threadId,
      overwriteSourceFile: overwrite && plan.sourceFile.status === 'matches',
      ...(needsReason ? { overrideReason: reason.trim() } : {}),
      ...(unfiled.length > 0 ? { acknowledgedUnfiledMedia: unfiled.map((medium) => medium.attachmentId) } : {}),
      // The plan this person read: main refuses a reason given for it if the thread changed since.
      planned: { messageCount: plan.messageCount, attachmentCount: plan.attachmentCount },
    });
    if (!result.ok) {
      setError(errorSentence(result.error));
      // The thread may have changed meanwhile (a filing verified, a draft saved): show it as it is now.
      await loadPlan();
      return;
    }
    setStep({ kind: 'done', certificate: result.value });
    onWiped(threadId);
  }

  if (step.kind === 'done') {
    const passed = step.certificate.level === 'purge' || step.certificate.level === 'clear';
    return (
      <section aria-labelledby="wipe-heading" className="ws-wipe">
        <h2 id="wipe-heading" tabIndex={-1} ref={headingRef}>
          {passed ? 'Originals wiped' : 'Wiped, but verification found remnants'}
        </h2>
        <p role="status">
          {passed
            ? 'The thread has gone from this workstation. Keep the certificate with your records if your organisation asks for it.'
            : 'The thread was deleted, but the check afterwards found traces of it. Report this to your administrator and keep the certificate.'}
        </p>
        <WipeCertificateView certificate={step.certificate} headingLevel={3} />
        <div className="ws-selection-bar">
          <button type="button" className="nhsuk-button" onClick={onClose}>
            Back to threads
          </button>
          <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={() => navigation.go({ screen: 'certificates', wipeId: step.certificate.wipeId })}>
            All wipe certificates
          </button>
        </div>
      </section>
    );
  }

  const plan = step.kind === 'confirm' || step.kind === 'running' ? step.plan : null;
  const decision = plan?.decision;
  const unfiled = plan?.unfiledMedia ?? [];
  // Media not in the record are destroyed only on a clinician's acknowledgement (main enforces it too).
  const canConfirm = decision !== undefined && (decision.kind === 'allowed' || (decision.kind === 'needs-override' && clinician)) && (unfiled.length === 0 || clinician);
  return (
    <section aria-labelledby="wipe-heading" className="ws-wipe">
      <h2 id="wipe-heading" tabIndex={-1} ref={headingRef}>
        Wipe the originals of “{title}”
      </h2>
      {step.kind === 'loading' && <p role="status">Working out what a wipe would remove…</p>}
      {step.kind === 'unavailable' && (
        <>
          <ErrorSummary title="This thread cannot be wiped">
            <p data-testid="wipe-error">{step.message}</p>
          </ErrorSummary>
          <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={onClose}>
            Back to threads
          </button>
        </>
      )}
      {error && (
        <ErrorSummary title="Nothing was wiped">
          <p data-testid="wipe-error">{error}</p>
        </ErrorSummary>
      )}
      {(reasonError || acknowledgeError) && (
        <ErrorSummary
          title="There is a problem"
          attempt={attempt}
          listTestId="wipe-problems"
          problems={[...(reasonError ? [{ text: reasonError, inputId: 'wipe-reason' }] : []), ...(acknowledgeError ? [{ text: acknowledgeError, inputId: 'wipe-unfiled-acknowledge' }] : [])]}
        />
      )}
      {plan && decision && (
        <>
          {decision.kind === 'refused' && (
            <div className="nhsuk-error-summary" role="alert" data-testid="wipe-gate">
              <h3 className="nhsuk-error-summary__title">This thread cannot be wiped yet</h3>
              <ul className="nhsuk-list nhsuk-error-summary__list">
                {decision.problems.map((problem) => (
                  <li key={problem}>{problem}</li>
                ))}
              </ul>
            </div>
          )}
          {decision.kind === 'needs-override' && (
            <div className="nhsuk-warning-callout" data-testid="wipe-gate">
              <h3 className="nhsuk-warning-callout__label">
                <span role="text">
                  <span className="nhsuk-u-visually-hidden">Important: </span>
                  Not everything from this chat is in the record
                </span>
              </h3>
              <ul>
                {decision.problems.map((problem) => (
                  <li key={problem}>{problem}</li>
                ))}
              </ul>
              {clinician ? (
                <p>You can wipe it anyway if nothing above still needs this chat: what was not filed holds no clinical content, and no note listed needs filing again from it. Your reason goes on the certificate with what is listed here, and into the audit trail.</p>
              ) : (
                <p>Only a clinician can wipe this thread anyway, by recording why nothing above still needs it. File the advice first, or ask a clinician.</p>
              )}
            </div>
          )}
          {decision.kind === 'allowed' && (
            <p className="nhsuk-inset-text" data-testid="wipe-gate">
              Everything transcribed from this chat is verified in the patient’s record, so its originals can be wiped.
            </p>
          )}

          <h3>What will be wiped</h3>
          <dl className="nhsuk-summary-list" data-testid="wipe-plan">
            <div className="nhsuk-summary-list__row">
              <dt className="nhsuk-summary-list__key">Messages</dt>
              <dd className="nhsuk-summary-list__value">{plural(plan.messageCount, 'message')}</dd>
            </div>
            <div className="nhsuk-summary-list__row">
              <dt className="nhsuk-summary-list__key">Attachments</dt>
              <dd className="nhsuk-summary-list__value">{plural(plan.attachmentCount, 'attachment')}</dd>
            </div>
            <div className="nhsuk-summary-list__row">
              <dt className="nhsuk-summary-list__key">Drafts</dt>
              <dd className="nhsuk-summary-list__value">{plural(plan.draftCount, 'draft')} made from it</dd>
            </div>
            <div className="nhsuk-summary-list__row">
              <dt className="nhsuk-summary-list__key">Sent between</dt>
              <dd className="nhsuk-summary-list__value">
                {displayTime(plan.firstInstant)} and {displayTime(plan.lastInstant)}
              </dd>
            </div>
            <div className="nhsuk-summary-list__row">
              <dt className="nhsuk-summary-list__key">Imported from</dt>
              <dd className="nhsuk-summary-list__value" data-testid="wipe-source-file">
                {plan.sourceFile.name} ({SOURCE_NAMES[plan.source]} export). {SOURCE_FILE_STATUS[plan.sourceFile.status]}
              </dd>
            </div>
          </dl>
          <p className="nhsuk-body-s">
            Transcriptions already verified in the record stay there: the wipe removes this workstation’s copies of the chat, not what was filed.
          </p>

          <h3>What was filed from it</h3>
          {plan.transcriptions.length === 0 ? (
            <p data-testid="wipe-filed">Nothing has been transcribed from this chat.</p>
          ) : (
            <table className="nhsuk-table" data-testid="wipe-filed">
              <thead className="nhsuk-table__head">
                <tr>
                  <th scope="col">NHS number</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody className="nhsuk-table__body">
                {plan.transcriptions.map((transcription) => (
                  <tr key={transcription.draftId}>
                    <td>{transcription.nhsNumber ? displayNhsNumber(transcription.nhsNumber) : 'not given'}</td>
                    <td>
                      {TRANSCRIPTION_STATE_LABELS[transcription.state]}
                      {transcription.withdrawal === 'not-marked' && ' \u2013 withdrawn, but the record would not mark it entered in error'}
                      {transcription.withdrawal === 'withdrawing' && ' \u2013 being withdrawn'}
                      {transcription.refiled && ' (its messages are filed again in another note)'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}

          {plan.untranscribed.count > 0 && plan.transcriptions.some((transcription) => transcription.state === 'verified') && (
            <UntranscribedMessages untranscribed={plan.untranscribed} />
          )}

          {unfiled.length > 0 && (
            <div className={`nhsuk-warning-callout${acknowledgeError ? ' nhsuk-form-group--error' : ''}`} data-testid="wipe-unfiled-media">
              <h3 className="nhsuk-warning-callout__label">
                <span role="text">
                  <span className="nhsuk-u-visually-hidden">Important: </span>
                  {unfiled.length === 1 ? 'An attachment that is not in the record' : 'Attachments that are not in the record'}
                </span>
              </h3>
              <p>{describeUnfiledMedia(unfiled.length)}</p>
              <table className="nhsuk-table">
                <caption className="nhsuk-u-visually-hidden">Attachments of the filed messages that the wipe destroys without filing</caption>
                <thead className="nhsuk-table__head">
                  <tr>
                    <th scope="col">File</th>
                    <th scope="col">Type</th>
                    <th scope="col">Size</th>
                    <th scope="col">Sent by</th>
                    <th scope="col">Sent</th>
                  </tr>
                </thead>
                <tbody className="nhsuk-table__body">
                  {unfiled.map((medium) => (
                    <tr key={medium.attachmentId} data-testid="wipe-unfiled-row">
                      <td className="ws-wipe__file-name">{medium.fileName}</td>
                      <td>{medium.typeLabel}</td>
                      <td>{formatBytes(medium.byteLength)}</td>
                      <td>{medium.sender ?? 'not named'}</td>
                      <td>{medium.sentAt ? displayTime(medium.sentAt) : `${displayWallClock(medium.localTime)} (as the chat showed it)`}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {clinician ? (
                canConfirm && (
                  <div className="nhsuk-checkboxes">
                    {acknowledgeError && (
                      <span className="nhsuk-error-message" id="wipe-unfiled-acknowledge-error">
                        <span className="nhsuk-u-visually-hidden">Error:</span> {acknowledgeError}
                      </span>
                    )}
                    <div className="nhsuk-checkboxes__item">
                      <input
                        className="nhsuk-checkboxes__input"
                        id="wipe-unfiled-acknowledge"
                        type="checkbox"
                        checked={acknowledged}
                        disabled={step.kind === 'running'}
                        aria-describedby={`wipe-unfiled-acknowledge-hint${acknowledgeError ? ' wipe-unfiled-acknowledge-error' : ''}`}
                        onChange={(event) => setAcknowledged(event.target.checked)}
                      />
                      <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor="wipe-unfiled-acknowledge">
                        {unfiled.length === 1
                          ? 'I understand that the wipe destroys this attachment and that it is not in the patient’s record'
                          : `I understand that the wipe destroys these ${unfiled.length} attachments and that they are not in the patient’s record`}
                      </label>
                      <div className="nhsuk-hint nhsuk-checkboxes__hint" id="wipe-unfiled-acknowledge-hint">
                        {unfiled.length === 1
                          ? 'If it matters clinically, cancel and file it first: a picture can be added to a note; for a PDF or another file, write what it shows in a note. Your confirmation is recorded in the audit trail (by the file’s fingerprint, not its name) and the certificate counts it.'
                          : 'If any of them matters clinically, cancel and file it first: a picture can be added to a note; for a PDF or another file, write what it shows in a note. Your confirmation is recorded in the audit trail (by each file’s fingerprint, not its name) and the certificate counts them.'}
                      </div>
                    </div>
                  </div>
                )
              ) : (
                <p>Only a clinician can wipe this thread, by confirming that these attachments may be destroyed without being filed. File what matters first, or ask a clinician.</p>
              )}
            </div>
          )}

          {canConfirm && (
            <>
              {decision.kind === 'needs-override' && (
                <div className={`nhsuk-form-group${reasonError ? ' nhsuk-form-group--error' : ''}`}>
                  <label className="nhsuk-label" htmlFor="wipe-reason">
                    Why can this chat be wiped anyway?
                  </label>
                  <div className="nhsuk-hint" id="wipe-reason-hint">
                    For example, &ldquo;the other messages are greetings only&rdquo;. At least {MIN_OVERRIDE_REASON} characters, in words. Recorded on the certificate and in the audit trail.
                  </div>
                  {reasonError && (
                    <span className="nhsuk-error-message" id="wipe-reason-error">
                      <span className="nhsuk-u-visually-hidden">Error:</span> {reasonError}
                    </span>
                  )}
                  <textarea
                    className={`nhsuk-textarea${reasonError ? ' nhsuk-textarea--error' : ''}`}
                    id="wipe-reason"
                    name="wipe-reason"
                    rows={3}
                    maxLength={2000}
                    value={reason}
                    aria-describedby={`wipe-reason-hint${reasonError ? ' wipe-reason-error' : ''}`}
                    disabled={step.kind === 'running'}
                    onChange={(event) => setReason(event.target.value)}
                  />
                </div>
              )}
              <div className="nhsuk-form-group">
                <div className="nhsuk-checkboxes">
                  <div className="nhsuk-checkboxes__item">
                    <input
                      className="nhsuk-checkboxes__input"
                      id="wipe-overwrite"
                      type="checkbox"
                      checked={overwrite}
                      disabled={plan.sourceFile.status !== 'matches' || step.kind === 'running'}
                      aria-describedby="wipe-overwrite-hint"
                      onChange={(event) => setOverwrite(event.target.checked)}
                    />
                    <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor="wipe-overwrite">
                      Also overwrite and delete the export file {plan.sourceFile.name}
                    </label>
                    <div className="nhsuk-hint nhsuk-checkboxes__hint" id="wipe-overwrite-hint">
                      {plan.sourceFile.status === 'matches'
                        ? 'Wardscribe writes over the file, then deletes it. On modern drives this is best effort: the drive may keep an old copy where no program can reach it. The wipe of the vault itself is thorough: its key is changed, so no old copy of it can be opened.'
                        : `Not available: ${SOURCE_FILE_STATUS[plan.sourceFile.status].charAt(0).toLowerCase()}${SOURCE_FILE_STATUS[plan.sourceFile.status].slice(1)} Delete any copy of the export yourself.`}
                    </div>
                  </div>
                </div>
              </div>
            </>
          )}

          {step.kind === 'running' ? (
            <p role="status" data-testid="wipe-progress" className="ws-wipe__progress">
              Wiping… deleting, changing the vault key and checking that nothing remains{step.progress ? ` (${step.progress})` : ''}. This can take a minute; keep Wardscribe open.
            </p>
          ) : (
            <div className="ws-selection-bar">
              {canConfirm && (
                <button type="button" className="nhsuk-button nhsuk-button--warning" onClick={() => void confirm(plan)}>
                  Wipe originals
                </button>
              )}
              <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={onClose}>
                {canConfirm ? 'Cancel' : 'Back to threads'}
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}

/** Why a message is marked for a second look (shared/domain/closer-look.ts), as the tag says it. */
const LOOK_AGAIN_WORDS: Readonly<Record<string, string>> = {
  adviser: 'From an adviser in the note',
  patient: 'Names the note’s patient',
  'other-patient': 'Another patient’s NHS number: nothing filed for them',
};

/** The tag for a marked message: each reason, joined. */
function lookAgainWords(reasons: readonly string[]): string {
  return reasons.map((reason) => LOOK_AGAIN_WORDS[reason] ?? reason).join('; ');
}

/**
 * The messages a wipe would destroy that are in no note verified in the record: a ward chat
 * often carries several patients' advice, and one filed note says nothing of the rest. Listed so
 * that the clinician sees what the reason they give covers.
 */
function UntranscribedMessages({ untranscribed }: { untranscribed: WipePlanView['untranscribed'] }) {
  const more = untranscribed.count - untranscribed.shown.length;
  return (
    <div data-testid="wipe-untranscribed">
      <h3>Messages in no note in the record</h3>
      <p>
        {untranscribed.count === 1
          ? '1 message in this chat is not in any note filed in the record. If it is advice about a patient, cancel and transcribe it first.'
          : `${untranscribed.count} messages in this chat are not in any note filed in the record. If any of them is advice about a patient, cancel and transcribe it first.`}
      </p>
      {untranscribed.marked > 0 && (
        <div className="nhsuk-warning-callout" data-testid="wipe-untranscribed-marked">
          <h4 className="nhsuk-warning-callout__label">Check these first</h4>
          <p>
            {untranscribed.marked === 1 ? '1 of them was' : `${untranscribed.marked} of them were`} sent by someone whose advice is in the filed note, or{' '}
            {untranscribed.marked === 1 ? 'names' : 'name'} its patient or another patient. {untranscribed.marked === 1 ? 'It is' : 'They are'} listed first and marked.
          </p>
        </div>
      )}
      <table className="nhsuk-table">
        <caption className="nhsuk-u-visually-hidden">Messages the wipe destroys that are in no note</caption>
        <thead className="nhsuk-table__head">
          <tr>
            <th scope="col">Sent</th>
            <th scope="col">From</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody className="nhsuk-table__body">
          {untranscribed.shown.map((message) => (
            <tr key={message.messageId} data-testid="wipe-untranscribed-row">
              <td className="ws-nowrap">{displayWallClock(message.localTime)}</td>
              <td>{message.sender ?? 'not named'}</td>
              <td>
                {message.lookAgain.length > 0 && (
                  <strong className="nhsuk-tag nhsuk-tag--orange ws-look-again" data-testid="wipe-look-again">
                    {lookAgainWords(message.lookAgain)}
                  </strong>
                )}{' '}
                {message.text || (message.attachment ? '' : '(no text: a picture or file the export left out)')}
                {message.attachment && <span className="nhsuk-body-s"> {message.text ? '(with ' : '('}attachment {message.attachment})</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {more > 0 && <p className="nhsuk-body-s">…and {plural(more, 'more message')}, not listed here. Open the thread to read them all.</p>}
    </div>
  );
}
