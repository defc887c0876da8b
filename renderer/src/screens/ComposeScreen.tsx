import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { DOCUMENT_TYPE_OPTIONS, documentTypeOption } from '../../../shared/domain/document-types';
import { formatNhsNumber, parseNhsNumber } from '../../../shared/domain/nhs-number';
import { describeRestriction, SENSITIVITY, SENSITIVITY_KINDS, suggestSensitivity, type SensitivityKind } from '../../../shared/domain/sensitivity';
import { formatDelay, type DraftAdviser, type RegistrationBody } from '../../../shared/domain/transcription';
import type { DraftView, FiledMarkView, MessageView } from '../../../shared/ipc/contract';
import { displayNhsNumber, displayTime, displayWallClock, plural, senderLabel } from '../components/format';
import { hostApi } from '../api';
import { useHostQuery } from '../app/data';
import { plainText, type FieldLabels, type FieldProblem } from '../logic/describe-error';
import { useThreadWiped } from '../app/events';
import { useSaveBeforeLock } from '../app/idle';
import { useNavigation, useRoute } from '../app/navigation';
import { useSignedIn } from '../app/session';
import { isShortcut, SHORTCUTS } from '../app/shortcuts';
import { useProblem } from '../app/use-problem';
import { ErrorSummary, SuccessBanner, TextField } from '../components/forms';
import { DateInput, joinDate, splitDate, type DateParts } from '../components/DateInput';
import { displayName, type PatientLookup } from '../../../shared/domain/patient-record';
import { confirmationFor, PatientRecordPanel, PatientSuggestions } from './PatientFromRecord';
import { describeCounts } from '../logic/patient-details';
import { choiceProblems, chosenImages, ImageChoices, initialChoices, type ImageChoiceState } from '../components/ImageChoices';

type Identity = { name: string; role: string; body: '' | RegistrationBody; number: string };
/** Why the draft is saved: by the user (`draft`), before preview or attest (`file`), or before the idle lock (`lock`). */
type SavePurpose = 'draft' | 'file' | 'lock';
const EMPTY_IDENTITY: Identity = { name: '', role: '', body: '', number: '' };
const NO_PATIENT = { nhsNumber: '', name: '', confirmed: false };
const NO_DATE: DateParts = { day: '', month: '', year: '' };

/** The request's fields as this screen shows them, so each refusal is linked to its input. */
const FIELDS: FieldLabels = {
  'patient.nhsNumber': { label: 'the NHS number', inputId: 'nhs-number' },
  'patient.name': { label: 'the patient’s name', inputId: 'patient-name' },
  'patient.birthDate': { label: 'the date of birth', inputId: 'patient-dob-day' },
  'patient.confirmed': { label: 'the confirmation of the patient', inputId: 'patient-confirmed' },
  summary: { label: 'the summary', inputId: 'summary' },
  refileReason: { label: 'the reason for filing again', inputId: 'refile-reason' },
  messageIds: { label: 'the selected messages' },
};

/** "3 h 05 min" between the advice and now, in the same words the filed record uses. */
function delay(instant: string): string {
  return formatDelay(Date.now() - Date.parse(instant));
}

/**
 * The composer: each selected excerpt attributed to an identified clinician with its original
 * time, zone and delay; the transcriber's summary; the patient by NHS number; a preview of
 * exactly what will be filed (required, and shown just above the Attest button); and
 * attestation by a clinician. Opened without a selection or draft, it lists the saved drafts.
 */
/** Gaps of a draft the drafts list names; the draft itself lists them all. */
const STILL_NEEDED_SHOWN = 3;

export function ComposeScreen() {
  const route = useRoute('compose');
  if (!route.selection && !route.draftId) return <DraftsList />;
  return <Composer selection={route.selection} initialDraftId={route.draftId} />;
}

function Composer({ selection, initialDraftId }: { selection: { threadId: string; ordinals: readonly number[] } | undefined; initialDraftId: string | undefined }) {
  const navigation = useNavigation();
  const { state } = useSignedIn();
  const [draftId, setDraftId] = useState<string | undefined>(initialDraftId);
  /**
   * The draft's id as the last save answered, and the save still under way: a save begun while
   * another is (leaving the screen during Save draft, the idle warning's save) waits for it and
   * updates the draft it made, rather than making a second one.
   */
  const savedDraftId = useRef<string | undefined>(initialDraftId);
  const saving = useRef<Promise<unknown>>(Promise.resolve());
  const [threadId, setThreadId] = useState('');
  const [messages, setMessages] = useState<MessageView[]>([]);
  const [identities, setIdentities] = useState<Record<string, Identity>>({});
  const [summary, setSummary] = useState('');
  // Selected messages that are the question asked or a reply: filed as context, never as advice.
  const [context, setContext] = useState<ReadonlySet<string>>(new Set());
  // Images of the selected messages, and which are to be filed with the note and with what consent (#19).
  const [images, setImages] = useState<ImageChoiceState[]>([]);
  /** The type chosen on this draft; null until chosen (the administrator's default is shown). */
  const [documentType, setDocumentType] = useState<string | null>(null);
  const [sensitivity, setSensitivity] = useState<SensitivityKind | null>(null);
  /** The filed note this draft corrects, if it is a correction. */
  const [corrects, setCorrects] = useState<DraftView['corrects']>(null);
  /** The patient's EPR encounter the note is linked to (null: none). */
  const [encounter, setEncounter] = useState<DraftView['encounter']>(null);
  /** Asking whether to discard the draft. */
  const [discarding, setDiscarding] = useState(false);
  /** Set once the draft is discarded: nothing is saved after that, on leaving or at a lock. */
  const discarded = useRef(false);
  const discardRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (discarding) discardRef.current?.focus();
  }, [discarding]);
  const eprDefaults = useHostQuery('epr.mode', {});
  const [patient, setPatient] = useState(NO_PATIENT);
  const [birth, setBirth] = useState<DateParts>(NO_DATE);
  // The patient as the EPR holds them, for what was typed; any change to what was typed drops it.
  const [lookup, setLookup] = useState<PatientLookup | null>(null);
  const [patientDetails, setPatientDetails] = useState<string | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const { problem, fromHost, fromChecks, clear, fieldError } = useProblem(FIELDS);
  const [preview, setPreview] = useState<{ text: string; resources: string; filedAs: readonly (readonly [string, string])[]; version: number } | null>(null);
  /** The last save: at which edit, when, and whether the user asked for it (only then is it announced). */
  const [saved, setSaved] = useState<{ version: number; at: string; byUser: boolean } | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [wiped, setWiped] = useState(false);
  // Filings that already carry a chosen message, and the user's confirmation and reason to file again.
  const [alreadyFiled, setAlreadyFiled] = useState<FiledMarkView[]>([]);
  const [refile, setRefile] = useState({ confirmed: false, reason: '' });
  // Each edit bumps `version`: a preview or a save is current only for the version it saw.
  const [version, setVersion] = useState(0);
  const edit = useCallback(() => setVersion((current) => current + 1), []);
  const previewRef = useRef<HTMLHeadingElement>(null);
  const busy = useRef(false);

  // The thread was wiped (its drafts with it): drop every copy of its messages and of the draft.
  useThreadWiped((wipedId) => {
    if (wipedId !== threadId) return;
    setDraftId(undefined);
    savedDraftId.current = undefined;
    setThreadId('');
    setMessages([]);
    setIdentities({});
    setSummary('');
    setImages([]);
    setPatient(NO_PATIENT);
    setBirth(NO_DATE);
    setLookup(null);
    setProblems([]);
    setPreview(null);
    clear();
    setWiped(true);
  });

  // Load the selection (new) or the saved draft.
  useEffect(() => {
    const api = hostApi()!;
    const load = async () => {
      let thread: string;
      let ids: string[] | null = null;
      let draft: DraftView | null = null;
      if (initialDraftId) {
        const result = await api.transcriptions.get({ id: initialDraftId });
        if (!result.ok) return fromHost(result.error);
        draft = result.value;
        thread = draft.threadId;
        ids = draft.messageIds;
      } else thread = selection!.threadId;
      const ordinals = new Set(selection?.ordinals ?? []);
      setThreadId(thread);
      // Page through the thread until every chosen message is found: a thread that later exports
      // were merged into shows some messages out of ordinal order, so an ordinal is not an offset.
      const wanted = ids ? ids.length : ordinals.size;
      const chosen: MessageView[] = [];
      for (let offset = 0; chosen.length < wanted; offset += 2000) {
        const page = await api.threads.messages({ threadId: thread, offset, limit: 2000 });
        if (!page.ok) return fromHost(page.error);
        chosen.push(...page.value.messages.filter((message) => (ids ? ids.includes(message.id) : ordinals.has(message.ordinal))));
        if (page.value.messages.length < 2000) break;
      }
      setMessages(chosen);
      const chosenIds = new Set(chosen.map((message) => message.id));
      const media = await api.media.list({ threadId: thread });
      const ofChosen = media.ok ? media.value.filter((item) => item.kind === 'image' && item.messageId !== null && chosenIds.has(item.messageId)) : [];
      setImages(initialChoices(ofChosen, draft?.images ?? []));
      const filed = await api.transcriptions.filedAlready({ messageIds: chosen.map((message) => message.id), ...(draft ? { draftId: draft.id } : {}) });
      setAlreadyFiled(filed.ok ? filed.value : []);
      // Who this thread's senders are known to be, then what the draft says (it may name fewer, or differ).
      const remembered = await api.transcriptions.knownAdvisers({ threadId: thread }).then((result) => (result.ok ? result.value : {}));
      const known: Partial<Record<string, DraftAdviser>> = { ...remembered, ...draft?.advisers };
      const next: Record<string, Identity> = {};
      for (const sender of new Set(chosen.filter((message) => message.sender).map((message) => message.sender!))) {
        const identity = known[sender];
        next[sender] = identity
          ? { name: identity.name, role: identity.role, body: identity.registration?.body ?? '', number: identity.registration?.number ?? '' }
          : EMPTY_IDENTITY;
      }
      setIdentities(next);
      // How much patient-identifiable data the chat holds (counts only): the guidance asks staff to keep it out.
      const details = await api.patients.inThread({ threadId: thread });
      setPatientDetails(details.ok && details.value.total > 0 ? describeCounts(details.value.counts) : null);
      if (draft) {
        setSummary(draft.summary);
        setContext(new Set(draft.contextMessageIds));
        setDocumentType(draft.documentType);
        setSensitivity(draft.sensitivity);
        setCorrects(draft.corrects);
        setEncounter(draft.encounter);
        setBirth(splitDate(draft.patient.birthDate));
        // A saved confirmation stands only for the record the EPR holds now: it is looked up again.
        const found = draft.patient.nhsNumber ? await api.patients.lookUp({ nhsNumber: draft.patient.nhsNumber, name: draft.patient.name, birthDate: draft.patient.birthDate, threadId: thread }) : null;
        const current = found?.ok ? found.value : null;
        setLookup(current);
        setPatient({ nhsNumber: draft.patient.nhsNumber, name: draft.patient.name, confirmed: draft.patient.confirmed && confirmationFor(current, true) !== null });
        setProblems(draft.problems);
        setSaved({ version: 0, at: draft.updatedAt, byUser: false });
      }
      setLoaded(true);
    };
    void load();
  }, [selection, initialDraftId, fromHost]);

  // Once loaded, the first thing still to fill in takes focus: known advisers need no keystrokes.
  useEffect(() => {
    if (!loaded) return;
    const firstEmpty = Object.values(identities).findIndex((identity) => !identity.name.trim() || !identity.role.trim());
    const target = firstEmpty >= 0 ? `adviser-${firstEmpty}-${identities[Object.keys(identities)[firstEmpty]!]!.name.trim() ? 'role' : 'name'}` : !summary.trim() ? 'summary' : !patient.nhsNumber ? 'nhs-number' : null;
    if (target) document.getElementById(target)?.focus();
    // Only when the work is first loaded.
  }, [loaded]);

  const nhs = useMemo(() => (patient.nhsNumber.trim() ? parseNhsNumber(patient.nhsNumber) : null), [patient.nhsNumber]);
  const birthDate = joinDate(birth);
  const excerptTexts = useMemo(() => messages.map((message) => message.text), [messages]);
  // Offered beside the question, never chosen for the clinician (a cold trial filed safeguarding advice unrestricted).
  const sensitivityHints = useMemo(() => suggestSensitivity(excerptTexts), [excerptTexts]);

  /** What was typed changed: the record found for it, and its confirmation, no longer stand. */
  function patientTyped(next: typeof patient) {
    setPatient({ ...next, confirmed: false });
    setLookup(null);
    edit();
  }

  async function findPatient() {
    if (!nhs?.ok) {
      fromChecks([{ text: nhs ? nhs.message : 'Enter the NHS number to find the patient in the EPR.', inputId: 'nhs-number' }]);
      return;
    }
    clear();
    const result = await hostApi()!.patients.lookUp({ nhsNumber: nhs.value, name: patient.name, birthDate: birthDate.kind === 'date' ? birthDate.value : '', ...(threadId ? { threadId } : {}) });
    if (!result.ok) return fromHost(result.error);
    setLookup(result.value);
    setPatient({ ...patient, confirmed: false });
    edit();
  }

  /**
   * The screen's own checks, before anything is sent: each linked to the input to fix. A draft
   * may leave advisers unknown (a clerk often does not know a registrar's grade): the saved
   * draft lists them as problems, and preview and attest ask for them here.
   */
  function check(purpose: SavePurpose): FieldProblem[] {
    const found: FieldProblem[] = [];
    if (purpose === 'lock') return found;
    if (purpose === 'file') {
      Object.entries(identities).forEach(([sender, identity], index) => {
        if (!identity.name.trim()) found.push({ text: `Enter the full name of “${sender}”.`, inputId: `adviser-${index}-name` });
        if (!identity.role.trim()) found.push({ text: `Enter the role and grade of “${sender}”.`, inputId: `adviser-${index}-role` });
      });
    }
    if (birthDate.kind === 'invalid') found.push({ text: birthDate.message, inputId: birthDate.inputId });
    found.push(...choiceProblems(images));
    if (alreadyFiled.length > 0 && refile.confirmed && refile.reason.trim().length < 10) found.push({ text: 'Say why this advice is filed again (at least 10 characters).', inputId: 'refile-reason' });
    return found;
  }

  /**
   * Saves the draft. `lock`: the idle lock is about to close the session, so whatever can be kept
   * is kept and nothing is asked (a date of birth half typed is saved as none).
   */
  async function save(purpose: SavePurpose = 'draft'): Promise<DraftView | null> {
    const found = check(purpose);
    if (found.length > 0) {
      fromChecks(found);
      return null;
    }
    if (purpose !== 'lock') clear();
    const advisers: Record<string, DraftAdviser> = {};
    for (const [sender, identity] of Object.entries(identities)) {
      // Nothing given yet: left out, so the draft says "Say who … is" rather than "incomplete".
      if (!identity.name.trim() && !identity.role.trim() && !identity.number.trim()) continue;
      advisers[sender] = {
        displayNameInChat: sender,
        name: identity.name.trim(),
        role: identity.role.trim(),
        ...(identity.body && identity.number.trim() ? { registration: { body: identity.body, number: identity.number.trim() } } : {}),
      };
    }
    const savingVersion = version;
    const previous = saving.current;
    let done = () => {};
    saving.current = new Promise<void>((resolve) => (done = resolve));
    await previous;
    const id = savedDraftId.current ?? draftId;
    const result = await hostApi()!
      .transcriptions.saveDraft({
        ...(id ? { id } : {}),
        threadId,
        messageIds: messages.map((message) => message.id),
        advisers,
        summary,
        patient: { ...patient, birthDate: birthDate.kind === 'date' ? birthDate.value : '' },
        images: chosenImages(images),
        contextMessageIds: messages.filter((message) => context.has(message.id)).map((message) => message.id),
        ...(documentType ? { documentType } : {}),
        sensitivity,
        encounter,
        ...(alreadyFiled.length > 0 && refile.confirmed ? { refileReason: refile.reason } : {}),
      })
      .finally(done);
    if (!result.ok) {
      fromHost(result.error);
      return null;
    }
    savedDraftId.current = result.value.id;
    setDraftId(result.value.id);
    setProblems(result.value.problems);
    setSaved({ version: savingVersion, at: result.value.updatedAt, byUser: purpose === 'draft' });
    return result.value;
  }

  /** Saved unless nothing changed since the last save: before a lock, and from Save draft. */
  const dirty = loaded && messages.length > 0 && (saved === null || saved.version !== version);
  useSaveBeforeLock(() => (dirty && !discarded.current ? save('lock') : undefined));
  // Leaving the screen with changes not saved (another tab, a shortcut): kept as a draft, listed
  // under Transcribe, rather than lost. Only after an edit: a selection merely looked at is not saved.
  const leaving = useRef<() => void>(() => undefined);
  leaving.current = () => {
    if (dirty && version > 0 && !discarded.current) void save('lock');
  };
  useEffect(() => () => leaving.current(), []);

  // Discarding is asked for twice (the button, then the confirmation): nothing of the draft is kept.
  async function discard() {
    const id = savedDraftId.current ?? draftId;
    if (!id) return;
    const result = await hostApi()!.transcriptions.discard({ id });
    if (!result.ok) return fromHost(result.error);
    // Nothing left to save when the screen closes.
    discarded.current = true;
    navigation.go('compose', { notice: 'The draft was discarded. The chat is unchanged.' });
  }

  async function showPreview() {
    const previewVersion = version;
    const draft = await save('file');
    if (!draft) return;
    const confirmed = confirmationFor(lookup, patient.confirmed);
    const result = await hostApi()!.transcriptions.preview({ id: draft.id, ...(confirmed ? { patient: confirmed } : {}) });
    if (!result.ok) return fromHost(result.error);
    setProblems(result.value.problems);
    setPreview({
      text: result.value.text,
      resources: JSON.stringify({ documentReference: result.value.documentReference, provenance: result.value.provenance }, null, 2),
      filedAs: filedAs(result.value.documentReference),
      version: previewVersion,
    });
    // What still stops attesting comes first, in the error summary, each linked to its field (a
    // cold trial: focus went to an empty preview while the reason sat far above it).
    if (result.value.problems.length > 0) fromChecks(result.value.problems.map((text) => ({ text, inputId: problemInput(text) })));
  }

  // The preview is the step before attesting: once shown (and nothing stops it) it comes into view, its heading focused.
  useEffect(() => {
    if (!preview || problems.length > 0) return;
    previewRef.current?.focus({ preventScroll: true });
    previewRef.current?.scrollIntoView({ block: 'start' });
  }, [preview]);

  const previewCurrent = preview !== null && preview.version === version && problems.length === 0;
  const shownDocumentType = documentType ?? eprDefaults.data?.documentType ?? DOCUMENT_TYPE_OPTIONS[0]!.code;

  async function attest() {
    if (!previewCurrent) {
      // Say which: the problems themselves when there are some (an empty summary), else that it changed.
      if (preview && problems.length > 0) fromChecks(problems.map((text) => ({ text, inputId: 'preview-button' })));
      else fromChecks([{ text: preview ? 'The transcription changed after the preview. Preview it again, then attest.' : 'Preview what will be filed before attesting it.', inputId: 'preview-button' }]);
      return;
    }
    const draft = await save('file');
    if (!draft) return;
    const confirmation = confirmationFor(lookup, patient.confirmed);
    if (!confirmation) {
      fromChecks([{ text: lookup ? 'Confirm the patient the EPR found before attesting.' : 'Find the patient in the EPR before attesting.', inputId: lookup ? 'patient-confirmed' : 'find-patient' }]);
      return;
    }
    const result = await hostApi()!.transcriptions.attest({ id: draft.id, patient: confirmation });
    if (!result.ok) return fromHost(result.error);
    navigation.go('outbox', { notice: `Attested. The transcription for NHS number ${displayNhsNumber(result.value.nhsNumber)} is queued for filing in ${result.value.epr}.` });
  }

  const clinician = state.user.role === 'clinician';
  // Shortcuts while this screen is shown (the legend lists them); one action at a time.
  const actions = useRef({ save, showPreview, attest });
  actions.current = { save, showPreview, attest };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const run = isShortcut(event, 'save') ? actions.current.save : isShortcut(event, 'preview') ? actions.current.showPreview : isShortcut(event, 'attest') && clinician ? actions.current.attest : null;
      if (!run) return;
      event.preventDefault();
      if (busy.current) return;
      busy.current = true;
      void Promise.resolve(run()).finally(() => (busy.current = false));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [clinician]);

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
  /** A chat sender as this screen names them: the identity given, else the chat's own name. */
  const describeSender = (sender: string | null) => {
    const identity = sender ? identities[sender] : undefined;
    if (!identity?.name) return senderLabel(sender);
    return identity.role.trim() ? `${identity.name} (${identity.role})` : `${identity.name} (role and grade not known yet)`;
  };
  const setIdentity = (sender: string, change: Partial<Identity>) => {
    setIdentities({ ...identities, [sender]: { ...identities[sender]!, ...change } });
    edit();
  };
  // Nothing can be typed until the selection or draft has loaded: what is typed earlier would be
  // replaced by the draft as it arrives, or left unsaved on leaving (a slow vault loses no words).
  // The heading is the same element either way, so the focus on it stays.
  if (!loaded) {
    return (
      <section aria-labelledby="compose-heading">
        <h1 id="compose-heading" tabIndex={-1}>
          Transcribe advice
        </h1>
        {problem ? <ErrorSummary problems={problem.problems} listTestId="compose-error" attempt={problem.attempt} /> : <p role="status">Loading the selected messages…</p>}
      </section>
    );
  }
  return (
    <section aria-labelledby="compose-heading">
      <h1 id="compose-heading" tabIndex={-1}>
        Transcribe advice
      </h1>
      {problem && (
        <ErrorSummary problems={problem.problems} listTestId="compose-error" attempt={problem.attempt} />
      )}
      {saved?.byUser && saved.version === version && !preview && (
        <SuccessBanner title="Draft saved" testId="draft-saved">
          <p>Saved at {displayTime(saved.at)}. It is listed under Transcribe, where {clinician ? 'you or another clinician' : 'a clinician'} can open it again.</p>
        </SuccessBanner>
      )}
      {corrects && (
        <div className="nhsuk-inset-text" data-testid="correcting">
          <p>
            You are correcting the note attested <time dateTime={corrects.attestedAt}>{displayTime(corrects.attestedAt)}</time>. Change what was wrong
            {clinician ? ', confirm the patient again and attest' : ' and save the draft: a clinician confirms the patient again and attests'}. The correction is filed
            replacing that note, and then the record is asked to mark that note entered in error.
          </p>
        </div>
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
              onChange={(event) => {
                setRefile((current) => ({ ...current, confirmed: event.target.checked }));
                edit();
              }}
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
              error={fieldError('refile-reason')}
              onChange={(event) => {
                setRefile((current) => ({ ...current, reason: event.target.value }));
                edit();
              }}
            />
          )}
        </div>
      )}
      <h2>Selected messages</h2>
      <p className="nhsuk-body-s">Each is filed as advice unless you mark it as the question it answers or a reply; a question or reply is filed in its place for context, never as advice.</p>
      <ol className="nhsuk-list" data-testid="excerpts">
        {messages.map((message) => {
          return (
            <li key={message.id} className="ws-message">
              <strong>{describeSender(message.sender)}</strong>, {displayWallClock(message.localTime, { seconds: true })} {message.zone}
              <span className="nhsuk-body-s" data-testid="excerpt-delay">
                {' '}
                — {message.instant ? `sent ${delay(message.instant)} ago` : 'the time it was sent is not certain (a clock change)'}
              </span>
              <p className="ws-message__text">{message.text}</p>
              <div className="nhsuk-checkboxes__item ws-context-choice">
                <input
                  className="nhsuk-checkboxes__input"
                  id={`context-${message.id}`}
                  type="checkbox"
                  checked={context.has(message.id)}
                  onChange={(event) => {
                    const next = new Set(context);
                    if (event.target.checked) next.add(message.id);
                    else next.delete(message.id);
                    setContext(next);
                    edit();
                  }}
                />
                <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={`context-${message.id}`}>
                  A question or reply, not advice <span className="nhsuk-u-visually-hidden">({senderLabel(message.sender)}, {displayWallClock(message.localTime)})</span>
                </label>
              </div>
            </li>
          );
        })}
      </ol>
      <ImageChoices
        choices={images}
        messages={messages}
        describeSender={describeSender}
        fieldError={fieldError}
        onChange={(next) => {
          setImages(next);
          edit();
        }}
      />

      <h2>Who sent the selected messages</h2>
      {Object.entries(identities).map(([sender, identity], index) => (
        <fieldset className="nhsuk-fieldset ws-adviser" key={sender}>
          <legend className="nhsuk-fieldset__legend">“{sender}” in the chat is</legend>
          <TextField id={`adviser-${index}-name`} label="Full name" value={identity.name} error={fieldError(`adviser-${index}-name`)} onChange={(event) => setIdentity(sender, { name: event.target.value })} />
          <TextField id={`adviser-${index}-role`} label="Role and grade" value={identity.role} error={fieldError(`adviser-${index}-role`)} onChange={(event) => setIdentity(sender, { role: event.target.value })} />
          <div className="nhsuk-form-group">
            <label className="nhsuk-label" htmlFor={`adviser-${index}-body`}>
              Registration body (optional)
            </label>
            <select className="nhsuk-select" id={`adviser-${index}-body`} value={identity.body} onChange={(event) => setIdentity(sender, { body: event.target.value as Identity['body'] })}>
              <option value="">None given</option>
              <option value="GMC">GMC</option>
              <option value="NMC">NMC</option>
              <option value="HCPC">HCPC</option>
              <option value="GPhC">GPhC</option>
            </select>
          </div>
          <TextField id={`adviser-${index}-number`} label="Registration number (optional)" value={identity.number} onChange={(event) => setIdentity(sender, { number: event.target.value })} />
        </fieldset>
      ))}

      <div className={`nhsuk-form-group${fieldError('summary') ? ' nhsuk-form-group--error' : ''}`}>
        <label className="nhsuk-label" htmlFor="summary">
          Your summary for the record
        </label>
        {fieldError('summary') && (
          <span className="nhsuk-error-message" id="summary-error">
            <span className="nhsuk-u-visually-hidden">Error:</span> {fieldError('summary')}
          </span>
        )}
        <textarea
          className="nhsuk-textarea"
          id="summary"
          rows={4}
          value={summary}
          aria-describedby={fieldError('summary') ? 'summary-error' : undefined}
          onChange={(event) => {
            setSummary(event.target.value);
            edit();
          }}
        />
      </div>

      <h2>Patient</h2>
      {patientDetails && (
        <p className="nhsuk-body-s" data-testid="thread-patient-details">
          This chat holds patient-identifiable details ({patientDetails}). The guidance asks staff to keep them out of instant messages.
        </p>
      )}
      <PatientSuggestions
        texts={excerptTexts}
        onNhsNumber={(value) => patientTyped({ ...patient, nhsNumber: value })}
        onBirthDate={(value) => {
          setBirth(splitDate(value));
          patientTyped(patient);
        }}
      />
      <TextField
        id="nhs-number"
        label="NHS number"
        inputMode="numeric"
        value={patient.nhsNumber}
        error={fieldError('nhs-number') ?? (nhs && !nhs.ok ? nhs.message : null)}
        hint={
          corrects
            ? 'A correction is about the patient of the note it corrects, so the number cannot be changed here. If that note is about the wrong patient, discard this draft, withdraw the note from the outbox (it is marked entered in error in the record), and file the advice for the right patient as a new note.'
            : nhs?.ok
              ? `Checked: ${formatNhsNumber(nhs.value)}`
              : '10 digits; the check digit is verified.'
        }
        readOnly={corrects !== null}
        onChange={(event) => patientTyped({ ...patient, nhsNumber: event.target.value })}
      />
      <TextField
        id="patient-name"
        label="Patient name"
        value={patient.name}
        error={fieldError('patient-name')}
        onChange={(event) => patientTyped({ ...patient, name: event.target.value })}
      />
      <DateInput
        id="patient-dob"
        legend="Date of birth"
        hint="For example, 31 3 1950"
        value={birth}
        error={fieldError('patient-dob-day') ?? fieldError('patient-dob-month') ?? fieldError('patient-dob-year')}
        onChange={(next) => {
          setBirth(next);
          patientTyped(patient);
        }}
      />
      <button type="button" id="find-patient" className="nhsuk-button nhsuk-button--secondary" onClick={() => void findPatient()}>
        Find the patient in the EPR
      </button>
      {lookup && (
        <PatientRecordPanel
          lookup={lookup}
          confirmed={patient.confirmed}
          error={fieldError('patient-confirmed')}
          onConfirm={(confirmed) => {
            // Confirmed, the note names the patient as the record does, not as typed (a ward
            // trial filed "jane testpatient"): the record's name and date of birth replace what
            // was typed, which matched them (the look-up checked it; attesting checks again).
            const held = confirmed ? lookup.record : null;
            setPatient({ ...patient, ...(held?.names[0] ? { name: displayName(held.names[0]) } : {}), confirmed });
            if (held?.birthDate) setBirth(splitDate(held.birthDate));
            edit();
          }}
        />
      )}

      {patient.confirmed && lookup?.record?.source === 'epr' && (
        <EncounterChoice
          patientId={lookup.record.id}
          chosen={encounter}
          onChoose={(next) => {
            setEncounter(next);
            edit();
          }}
        />
      )}

      <h2>The record</h2>
      <div className="nhsuk-form-group">
        <label className="nhsuk-label" htmlFor="document-type">
          Document type
        </label>
        <div className="nhsuk-hint" id="document-type-hint">
          {documentTypeOption(shownDocumentType)?.hint ?? 'What kind of note this is in the record.'}
        </div>
        <select
          className="nhsuk-select"
          id="document-type"
          aria-describedby="document-type-hint"
          value={shownDocumentType}
          onChange={(event) => {
            setDocumentType(event.target.value);
            edit();
          }}
        >
          {DOCUMENT_TYPE_OPTIONS.map((option) => (
            <option key={option.code} value={option.code}>
              {option.display}
            </option>
          ))}
        </select>
      </div>
      <div className="nhsuk-form-group">
        <label className="nhsuk-label" htmlFor="sensitivity">
          Is this advice sensitive?
        </label>
        <div className="nhsuk-hint" id="sensitivity-hint">
          A sensitive note is filed as restricted, with the reason, so the record can limit who reads it.
        </div>
        {sensitivity === null && sensitivityHints.length > 0 && (
          <div className="nhsuk-inset-text" id="sensitivity-suggested" data-testid="sensitivity-suggested">
            <p>
              The selected messages mention{' '}
              {sensitivityHints.map((hint) => `${hint.words.map((word) => `“${word}”`).join(', ')} (${SENSITIVITY[hint.kind].words.toLowerCase()})`).join('; ')}. If the advice is
              sensitive, choose why below; Wardscribe does not decide it for you.
            </p>
          </div>
        )}
        <select
          className="nhsuk-select"
          id="sensitivity"
          aria-describedby={sensitivity === null && sensitivityHints.length > 0 ? 'sensitivity-hint sensitivity-suggested' : 'sensitivity-hint'}
          value={sensitivity ?? ''}
          onChange={(event) => {
            setSensitivity(event.target.value === '' ? null : (event.target.value as SensitivityKind));
            edit();
          }}
        >
          <option value="">No</option>
          {SENSITIVITY_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              Yes: {SENSITIVITY[kind].words}
            </option>
          ))}
        </select>
      </div>

      {problems.length > 0 && (
        <div className="nhsuk-warning-callout" data-testid="draft-problems">
          <h3 className="nhsuk-warning-callout__label">Before this can be attested</h3>
          <ul>
            {problems.map((item) => (
              <li key={item}>{plainText(item, FIELDS)}</li>
            ))}
          </ul>
        </div>
      )}

      {discarding && (
        <div className="nhsuk-warning-callout" role="group" aria-labelledby="discard-heading" data-testid="discard-confirm">
          <h3 className="nhsuk-warning-callout__label" id="discard-heading" tabIndex={-1} ref={discardRef}>
            Discard this draft?
          </h3>
          <p>
            What was typed and chosen here is deleted{corrects ? ', and the note it was to correct stays in the record as it is' : ''}. The chat and anything already filed are not
            changed.
          </p>
          <button type="button" className="nhsuk-button nhsuk-button--warning" onClick={() => void discard()}>
            Discard the draft
          </button>{' '}
          <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={() => setDiscarding(false)}>
            Keep it
          </button>
        </div>
      )}

      <div className="ws-selection-bar">
        {(draftId ?? savedDraftId.current) && !discarding && (
          <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={() => setDiscarding(true)}>
            Discard draft
          </button>
        )}
        <button type="button" className="nhsuk-button nhsuk-button--secondary" aria-keyshortcuts="Alt+S" onClick={() => void save()}>
          Save draft <span className="ws-shortcut-hint">({SHORTCUTS.save.label})</span>
        </button>
        <button type="button" id="preview-button" className="nhsuk-button nhsuk-button--secondary" aria-keyshortcuts="Alt+P" onClick={() => void showPreview()}>
          Preview <span className="ws-shortcut-hint">({SHORTCUTS.preview.label})</span>
        </button>
      </div>

      {preview && (
        <section data-testid="preview" aria-labelledby="preview-heading" className={previewCurrent ? 'ws-preview-panel' : 'ws-preview-panel ws-preview-panel--stale'}>
          <h2 id="preview-heading" tabIndex={-1} ref={previewRef}>
            What will be filed
          </h2>
          {preview.version !== version && <p className="nhsuk-body-s">Changed since this preview: preview again before attesting.</p>}
          <p className="nhsuk-body-s" data-testid="preview-provisional">
            The identifier and the attestation time shown here are provisional: the note gets its own when you attest. Everything else is filed as shown.
          </p>
          {preview.filedAs.length > 0 && (
            <dl className="nhsuk-summary-list" data-testid="preview-filed-as">
              {preview.filedAs.map(([label, value]) => (
                <div className="nhsuk-summary-list__row" key={label}>
                  <dt className="nhsuk-summary-list__key">{label}</dt>
                  <dd className="nhsuk-summary-list__value">{value}</dd>
                </div>
              ))}
            </dl>
          )}
          {/* Focusable, so keyboard users can scroll a long record. */}
          <pre className="ws-preview" tabIndex={0} aria-label="Text that will be filed">
            {preview.text}
          </pre>
          <details className="nhsuk-details">
            <summary className="nhsuk-details__summary">
              <span className="nhsuk-details__summary-text">Technical view: the FHIR resources sent to the EPR</span>
            </summary>
            <pre className="ws-preview" tabIndex={0} aria-label="FHIR resources that will be filed">
              {preview.resources}
            </pre>
          </details>
        </section>
      )}

      <div className="ws-selection-bar">
        <button type="button" className="nhsuk-button" disabled={!clinician} aria-keyshortcuts="Alt+A" aria-describedby="attest-hint" onClick={() => void attest()}>
          Attest and file <span className="ws-shortcut-hint">({SHORTCUTS.attest.label})</span>
        </button>
        <span className="nhsuk-body-s" id="attest-hint">
          {clinician ? (previewCurrent ? 'You attest what the preview shows (with its own identifier and time).' : 'Preview first: you attest what the preview shows.') : 'A clinician attests and files; your draft is saved for them.'}
        </span>
      </div>
    </section>
  );
}

/**
 * Saved drafts, newest first: where a clerk's prepared transcription is found again, and where a
 * clinician opens it to check and attest.
 */
function DraftsList() {
  const navigation = useNavigation();
  const { state } = useSignedIn();
  const drafts = useHostQuery('transcriptions.list', {}, { refetchOn: ['drafts.changed', 'thread.wiped'] });
  const open = (drafts.data ?? []).filter((draft) => draft.status === 'draft').sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  return (
    <section aria-labelledby="compose-heading">
      <h1 id="compose-heading" tabIndex={-1}>
        Transcribe advice
      </h1>
      {drafts.problem && <ErrorSummary title="The drafts could not be read" problems={drafts.problem.problems} />}
      <p>To start a transcription, select messages in a thread (Threads, Alt+3) and choose Transcribe selected.</p>
      <h2>Saved drafts</h2>
      {drafts.data && open.length === 0 && <p data-testid="no-drafts">No drafts are waiting.</p>}
      {open.length > 0 && (
        <table className="nhsuk-table" data-testid="drafts-table">
          <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Drafts not yet attested, newest first</caption>
          <thead className="nhsuk-table__head">
            <tr>
              <th scope="col">Thread</th>
              <th scope="col">Patient</th>
              <th scope="col">Advice</th>
              <th scope="col">Prepared by</th>
              <th scope="col">Saved</th>
              <th scope="col">Still needed</th>
              <th scope="col">
                <span className="nhsuk-u-visually-hidden">Open</span>
              </th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {open.map((draft) => (
              <tr key={draft.id} data-testid="draft-row">
                <td>
                  {draft.threadTitle ?? 'Untitled chat'}
                  {draft.corrects && (
                    <strong className="nhsuk-tag nhsuk-tag--orange ws-block" data-testid="draft-is-correction">
                      Correction of a filed note
                    </strong>
                  )}
                </td>
                <td>
                  {draft.patient.name.trim() && <span className="ws-block">{draft.patient.name}</span>}
                  {draft.patient.nhsNumber ? displayNhsNumber(draft.patient.nhsNumber) : 'NHS number not given yet'}
                </td>
                <td>{plural(draft.messageIds.length, 'message')}</td>
                <td>{draft.createdBy?.displayName ?? 'not known'}</td>
                <td>
                  {displayTime(draft.updatedAt)}
                  {draft.updatedBy && draft.updatedBy.userId !== draft.createdBy?.userId ? ` by ${draft.updatedBy.displayName}` : ''}
                </td>
                <td data-testid="draft-still-needed">
                  {draft.problems.length === 0 ? (
                    state.user.role === 'clinician' ? 'Ready for you to attest' : 'Ready for a clinician, who confirms the patient again and attests'
                  ) : (
                    <ul className="nhsuk-list nhsuk-body-s">
                      {draft.problems.slice(0, STILL_NEEDED_SHOWN).map((problem) => (
                        <li key={problem}>{problem}</li>
                      ))}
                      {draft.problems.length > STILL_NEEDED_SHOWN && <li>…and {plural(draft.problems.length - STILL_NEEDED_SHOWN, 'more thing', 'more things')}</li>}
                    </ul>
                  )}
                </td>
                <td>
                  <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => navigation.go({ screen: 'compose', draftId: draft.id })}>
                    Open <span className="nhsuk-u-visually-hidden">the draft from {draft.threadTitle ?? 'an untitled chat'} saved {displayTime(draft.updatedAt)}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The input a preview problem is about, for the error summary's link (the Preview button when none is). */
function problemInput(problem: string): string {
  // The confirmation box exists once the patient has been found; before that, the NHS number.
  if (/right patient/.test(problem)) return document.getElementById('patient-confirmed') ? 'patient-confirmed' : 'nhs-number';
  if (/summary/i.test(problem)) return 'summary';
  if (/NHS number/.test(problem)) return 'nhs-number';
  return 'preview-button';
}

/**
 * The confirmed patient's current encounters in the EPR, to link the note to one (or none, the
 * default): asked of the EPR when the patient is confirmed, checked again at attestation.
 */
function EncounterChoice({ patientId, chosen, onChoose }: { patientId: string; chosen: DraftView['encounter']; onChoose: (encounter: DraftView['encounter']) => void }) {
  const found = useHostQuery('patients.encounters', { patientId });
  const encounters = found.data?.kind === 'found' ? found.data.encounters : [];
  const name = 'encounter';
  return (
    <div className="nhsuk-form-group" data-testid="encounter-choice">
      <fieldset className="nhsuk-fieldset" aria-describedby="encounter-hint">
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Link the note to an encounter (optional)</legend>
        <div className="nhsuk-hint" id="encounter-hint">
          {found.loading
            ? 'Asking the EPR for this patient’s current encounters…'
            : found.data?.kind === 'unavailable'
              ? found.data.message
              : encounters.length === 0
                ? 'The EPR holds no current encounter for this patient.'
                : 'The patient’s current encounters in the EPR. Link the note to the one the advice was given in, if any.'}
        </div>
        <div className="nhsuk-radios nhsuk-radios--small">
          <div className="nhsuk-radios__item">
            <input className="nhsuk-radios__input" id="encounter-none" name={name} type="radio" checked={chosen === null} onChange={() => onChoose(null)} />
            <label className="nhsuk-label nhsuk-radios__label" htmlFor="encounter-none">
              Not linked to an encounter
            </label>
          </div>
          {encounters.map((item) => {
            const display = item.start ? `${item.description}, since ${displayTime(item.start)}` : item.description;
            return (
              <div className="nhsuk-radios__item" key={item.id}>
                <input
                  className="nhsuk-radios__input"
                  id={`encounter-${item.id}`}
                  name={name}
                  type="radio"
                  checked={chosen?.id === item.id}
                  onChange={() => onChoose({ id: item.id, display })}
                />
                <label className="nhsuk-label nhsuk-radios__label" htmlFor={`encounter-${item.id}`}>
                  {display}
                </label>
              </div>
            );
          })}
          {/* Chosen before and no longer listed: still shown, so it is not dropped unseen (attesting checks it again). */}
          {chosen && !found.loading && !encounters.some((item) => item.id === chosen.id) && (
            <p className="nhsuk-body-s">The encounter chosen before ({chosen.display}) is no longer listed as current: choose again.</p>
          )}
        </div>
      </fieldset>
    </div>
  );
}

/**
 * What the record files the note as, beside its text: its type, care setting, encounter and
 * restriction, read from the DocumentReference the preview returned (the text itself names none).
 */
function filedAs(documentReference: unknown): [string, string][] {
  const document = documentReference as {
    type?: { text?: string };
    context?: { practiceSetting?: { text?: string }; encounter?: { display?: string }[] };
    securityLabel?: { coding?: { system?: string; code?: string }[] }[];
  } | null;
  if (!document) return [];
  const rows: [string, string][] = [];
  if (document.type?.text) rows.push(['Document type', document.type.text]);
  if (document.context?.practiceSetting?.text) rows.push(['Care setting', document.context.practiceSetting.text]);
  const encounter = document.context?.encounter?.[0]?.display;
  rows.push(['Encounter', encounter ?? 'Not linked to an encounter']);
  rows.push(['Access', describeRestriction((document.securityLabel ?? []).flatMap((label) => label.coding ?? [])) ?? 'Not restricted']);
  return rows;
}
