import { useEffect, useMemo, useState } from 'react';
import { formatNhsNumber, parseNhsNumber } from '../../../shared/domain/nhs-number';
import type { ClinicianIdentity } from '../../../shared/domain/transcription';
import type { DraftView, FiledMarkView, MessageView } from '../../../shared/ipc/contract';
import { senderLabel } from '../components/format';
import { hostApi } from '../api';
import { useThreadWiped } from '../app/events';
import { useNavigation } from '../app/navigation';
import { useSignedIn } from '../app/session';
import { ErrorSummary, TextField } from '../components/forms';

type Identity = { name: string; role: string; body: '' | 'GMC' | 'NMC' | 'HCPC'; number: string };
const EMPTY_IDENTITY: Identity = { name: '', role: '', body: '', number: '' };
const NO_PATIENT = { nhsNumber: '', name: '', birthDate: '', confirmed: false };

/** "3 h 05 min" between the advice and now: the record states any delay in transcription. */
function delay(instant: string | null): string {
  if (!instant) return 'unknown (time not certain)';
  const minutes = Math.max(0, Math.round((Date.now() - Date.parse(instant)) / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  return `${days ? `${days} d ` : ''}${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/**
 * The composer: each selected excerpt attributed to an identified clinician with its original
 * time, zone and delay; the transcriber's summary; the patient by NHS number; a preview of
 * exactly what will be filed; and attestation by a clinician.
 */
export function ComposeScreen() {
  const navigation = useNavigation();
  const { state } = useSignedIn();
  const [draftId, setDraftId] = useState<string | undefined>(navigation.param?.startsWith('draft:') ? navigation.param.slice(6) : undefined);
  const [threadId, setThreadId] = useState('');
  const [messages, setMessages] = useState<MessageView[]>([]);
  const [identities, setIdentities] = useState<Record<string, Identity>>({});
  const [summary, setSummary] = useState('');
  const [patient, setPatient] = useState(NO_PATIENT);
  const [problems, setProblems] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [preview, setPreview] = useState<{ text: string; resources: string } | null>(null);
  const [wiped, setWiped] = useState(false);
  // Filings that already carry a chosen message, and the user's confirmation and reason to file again.
  const [alreadyFiled, setAlreadyFiled] = useState<FiledMarkView[]>([]);
  const [refile, setRefile] = useState({ confirmed: false, reason: '' });

  // The thread was wiped (its drafts with it): drop every copy of its messages and of the draft.
  useThreadWiped((wipedId) => {
    if (wipedId !== threadId) return;
    setDraftId(undefined);
    setThreadId('');
    setMessages([]);
    setIdentities({});
    setSummary('');
    setPatient(NO_PATIENT);
    setProblems([]);
    setPreview(null);
    setError(null);
    setWiped(true);
  });

  // Load the selection (new) or the saved draft.
  useEffect(() => {
    const api = hostApi()!;
    const load = async () => {
      let thread: string;
      let ids: string[] | null = null;
      let ordinals: number[] = [];
      let draft: DraftView | null = null;
      if (navigation.param?.startsWith('new:')) {
        const [, id, list] = navigation.param.split(':');
        thread = id!;
        ordinals = list!.split(',').map(Number);
      } else if (draftId) {
        const result = await api.transcriptions.get({ id: draftId });
        if (!result.ok) return setError(result.error.message);
        draft = result.value;
        thread = draft.threadId;
        ids = draft.messageIds;
      } else return setError('Select messages in a thread first.');
      setThreadId(thread);
      // Page through the thread until every chosen message is found: a thread that later exports
      // were merged into shows some messages out of ordinal order, so an ordinal is not an offset.
      const wanted = ids ? ids.length : ordinals.length;
      const chosen: MessageView[] = [];
      for (let offset = 0; chosen.length < wanted; offset += 2000) {
        const page = await api.threads.messages({ threadId: thread, offset, limit: 2000 });
        if (!page.ok) return setError(page.error.message);
        chosen.push(...page.value.messages.filter((message) => (ids ? ids.includes(message.id) : ordinals.includes(message.ordinal))));
        if (page.value.messages.length < 2000) break;
      }
      setMessages(chosen);
      const filed = await api.transcriptions.filedAlready({ messageIds: chosen.map((message) => message.id), ...(draft ? { draftId: draft.id } : {}) });
      setAlreadyFiled(filed.ok ? filed.value : []);
      const known: Partial<Record<string, ClinicianIdentity>> =
        draft?.advisers ?? (await api.transcriptions.knownAdvisers({ threadId: thread }).then((result) => (result.ok ? result.value : {})));
      const next: Record<string, Identity> = {};
      for (const sender of new Set(chosen.filter((message) => message.sender).map((message) => message.sender!))) {
        const identity = known[sender];
        next[sender] = identity
          ? { name: identity.name, role: identity.role, body: identity.registration?.body ?? '', number: identity.registration?.number ?? '' }
          : EMPTY_IDENTITY;
      }
      setIdentities(next);
      if (draft) {
        setSummary(draft.summary);
        setPatient(draft.patient);
        setProblems(draft.problems);
      }
    };
    void load();
  }, [navigation.param, draftId]);

  const nhs = useMemo(() => (patient.nhsNumber.trim() ? parseNhsNumber(patient.nhsNumber) : null), [patient.nhsNumber]);

  async function save(): Promise<DraftView | null> {
    setError(null);
    const advisers: Record<string, ClinicianIdentity> = {};
    for (const [sender, identity] of Object.entries(identities)) {
      if (!identity.name.trim() || !identity.role.trim()) {
        setError(`Say who ${sender} is: full name and role are needed for the record.`);
        return null;
      }
      advisers[sender] = {
        displayNameInChat: sender,
        name: identity.name.trim(),
        role: identity.role.trim(),
        ...(identity.body && identity.number.trim() ? { registration: { body: identity.body, number: identity.number.trim() } } : {}),
      };
    }
    const result = await hostApi()!.transcriptions.saveDraft({
      ...(draftId ? { id: draftId } : {}),
      threadId,
      messageIds: messages.map((message) => message.id),
      advisers,
      summary,
      patient,
      ...(alreadyFiled.length > 0 && refile.confirmed ? { refileReason: refile.reason } : {}),
    });
    if (!result.ok) {
      setError(result.error.issues?.map((issue) => issue.message).join(' ') || result.error.message);
      return null;
    }
    setDraftId(result.value.id);
    setProblems(result.value.problems);
    return result.value;
  }

  async function showPreview() {
    const draft = await save();
    if (!draft) return;
    const result = await hostApi()!.transcriptions.preview({ id: draft.id });
    if (!result.ok) return setError(result.error.message);
    setProblems(result.value.problems);
    setPreview({ text: result.value.text, resources: JSON.stringify({ documentReference: result.value.documentReference, provenance: result.value.provenance }, null, 2) });
  }

  async function attest() {
    const draft = await save();
    if (!draft) return;
    const result = await hostApi()!.transcriptions.attest({ id: draft.id });
    if (!result.ok) return setError(result.error.message);
    navigation.go('outbox');
  }

  const clinician = state.user.role === 'clinician';
  if (wiped) {
    return (
      <section aria-labelledby="compose-heading">
        <h1 id="compose-heading" tabIndex={-1}>
          Transcribe advice
        </h1>
        <div className="nhsuk-inset-text" role="status" data-testid="compose-wiped">
          <p>The chat this transcription came from has been wiped from Wardscribe, and its drafts with it.</p>
        </div>
        <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={() => navigation.go('threads')}>
          Go to threads
        </button>
      </section>
    );
  }
  return (
    <section aria-labelledby="compose-heading">
      <h1 id="compose-heading" tabIndex={-1}>
        Transcribe advice
      </h1>
      {error && (
        <ErrorSummary title="Not saved">
          <p data-testid="compose-error">{error}</p>
        </ErrorSummary>
      )}
      {alreadyFiled.length > 0 && (
        <div className="nhsuk-warning-callout" data-testid="refile-warning">
          <h2 className="nhsuk-warning-callout__label">Already filed</h2>
          <p>
            Some of this advice is already in the record:{' '}
            {alreadyFiled.map((mark) => `${mark.documentReferenceId ? `document ${mark.documentReferenceId}` : mark.identifier} (${mark.state})`).join(', ')}. Filing it again
            makes a second entry in the patient's record.
          </p>
          <div className="nhsuk-checkboxes__item">
            <input
              className="nhsuk-checkboxes__input"
              id="refile-confirm"
              type="checkbox"
              checked={refile.confirmed}
              onChange={(event) => setRefile((current) => ({ ...current, confirmed: event.target.checked }))}
            />
            <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor="refile-confirm">
              I mean to file this advice again
            </label>
          </div>
          {refile.confirmed && (
            <TextField
              id="refile-reason"
              label="Why it is filed again"
              hint="A correction, or more context (at least 10 characters). Kept with the transcription."
              value={refile.reason}
              onChange={(event) => setRefile((current) => ({ ...current, reason: event.target.value }))}
            />
          )}
        </div>
      )}
      <h2>Selected advice</h2>
      <ol className="nhsuk-list" data-testid="excerpts">
        {messages.map((message) => {
          const identity = message.sender ? identities[message.sender] : undefined;
          return (
            <li key={message.id} className="ws-message">
              <strong>{identity?.name ? `${identity.name} (${identity.role})` : senderLabel(message.sender)}</strong>, {message.localTime.replace('T', ' ')} {message.zone}
              <span className="nhsuk-body-s"> — delay {delay(message.instant)}</span>
              <p className="ws-message__text">{message.text}</p>
            </li>
          );
        })}
      </ol>

      <h2>Who gave the advice</h2>
      {Object.entries(identities).map(([sender, identity], index) => (
        <fieldset className="nhsuk-fieldset ws-adviser" key={sender}>
          <legend className="nhsuk-fieldset__legend">“{sender}” in the chat is</legend>
          <TextField id={`adviser-${index}-name`} label="Full name" value={identity.name} onChange={(event) => setIdentities({ ...identities, [sender]: { ...identity, name: event.target.value } })} />
          <TextField id={`adviser-${index}-role`} label="Role and grade" value={identity.role} onChange={(event) => setIdentities({ ...identities, [sender]: { ...identity, role: event.target.value } })} />
          <div className="nhsuk-form-group">
            <label className="nhsuk-label" htmlFor={`adviser-${index}-body`}>
              Registration body (optional)
            </label>
            <select className="nhsuk-select" id={`adviser-${index}-body`} value={identity.body} onChange={(event) => setIdentities({ ...identities, [sender]: { ...identity, body: event.target.value as Identity['body'] } })}>
              <option value="">None given</option>
              <option value="GMC">GMC</option>
              <option value="NMC">NMC</option>
              <option value="HCPC">HCPC</option>
            </select>
          </div>
          <TextField id={`adviser-${index}-number`} label="Registration number (optional)" value={identity.number} onChange={(event) => setIdentities({ ...identities, [sender]: { ...identity, number: event.target.value } })} />
        </fieldset>
      ))}

      <div className="nhsuk-form-group">
        <label className="nhsuk-label" htmlFor="summary">
          Your summary for the record
        </label>
        <textarea className="nhsuk-textarea" id="summary" rows={4} value={summary} onChange={(event) => setSummary(event.target.value)} />
      </div>

      <h2>Patient</h2>
      <TextField
        id="nhs-number"
        label="NHS number"
        inputMode="numeric"
        value={patient.nhsNumber}
        error={nhs && !nhs.ok ? nhs.message : null}
        hint={nhs?.ok ? `Checked: ${formatNhsNumber(nhs.value)}` : '10 digits; the check digit is verified.'}
        onChange={(event) => setPatient({ ...patient, nhsNumber: event.target.value })}
      />
      <TextField id="patient-name" label="Patient name" value={patient.name} onChange={(event) => setPatient({ ...patient, name: event.target.value })} />
      <TextField id="patient-dob" label="Date of birth (YYYY-MM-DD)" value={patient.birthDate} onChange={(event) => setPatient({ ...patient, birthDate: event.target.value })} />
      <div className="nhsuk-checkboxes__item">
        <input className="nhsuk-checkboxes__input" id="patient-confirmed" type="checkbox" checked={patient.confirmed} onChange={(event) => setPatient({ ...patient, confirmed: event.target.checked })} />
        <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor="patient-confirmed">
          I have checked the name and date of birth against the patient’s record
        </label>
      </div>

      {problems.length > 0 && (
        <div className="nhsuk-warning-callout" data-testid="draft-problems">
          <h3 className="nhsuk-warning-callout__label">Before this can be attested</h3>
          <ul>
            {problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        </div>
      )}

      <div className="ws-selection-bar">
        <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={() => void save()}>
          Save draft
        </button>
        <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={() => void showPreview()}>
          Preview
        </button>
        <button type="button" className="nhsuk-button" disabled={!clinician} onClick={() => void attest()}>
          Attest and file
        </button>
        {!clinician && <span className="nhsuk-body-s">A clinician attests and files; your draft is saved for them.</span>}
      </div>

      {preview && (
        <div data-testid="preview">
          <h2>What will be filed</h2>
          <pre className="ws-preview">{preview.text}</pre>
          <details className="nhsuk-details">
            <summary className="nhsuk-details__summary">
              <span className="nhsuk-details__summary-text">FHIR DocumentReference and Provenance</span>
            </summary>
            <pre className="ws-preview">{preview.resources}</pre>
          </details>
        </div>
      )}
    </section>
  );
}
