import { useEffect, useRef, useState, type DragEvent, type FormEvent, type ReactNode } from 'react';
import { DATE_ORDERS, FLAG_NOTES, MESSAGE_FLAGS, type DateOrder } from '../../../shared/domain/chat';
import type { ExportComparisonView } from '../../../shared/ipc/contract';
import { hostApi, newJobId } from '../api';
import { useNavigation } from '../app/navigation';
import { FileBrowser } from '../components/FileBrowser';
import { ErrorSummary, SuccessBanner, TextField } from '../components/forms';
import { displayDay, plural, senderLabel } from '../components/format';
import type { FieldLabels } from '../logic/describe-error';
import { useProblem } from '../app/use-problem';
import { useJobs } from '../app/data';
import { ProgressBar } from '../components/ProgressBar';
import { defaultImportZone } from '../logic/default-zone';
import { SOURCE_NAMES } from '../components/format';


const FIELDS: FieldLabels = {
  path: { label: 'the export file', inputId: 'import-path' },
  zone: { label: 'the time zone', inputId: 'import-zone' },
  password: { label: 'the export password', inputId: 'import-password' },
};

/**
 * A path as people paste it: Windows Explorer's "Copy as path" wraps it in double quotes, and a
 * copied line may carry spaces or a line break at either end.
 */
export function cleanPath(typed: string): string {
  const trimmed = typed.trim();
  const quoted = /^"(.*)"$/s.exec(trimmed) ?? /^'(.*)'$/s.exec(trimmed);
  return (quoted ? quoted[1]! : trimmed).trim();
}


/** Flag counts in words: "2 edited, 1 deleted". */
function describeFlags(counts: Partial<Record<string, number>>): string {
  // "2 messages (group event)": a flag's label is a word, not a countable noun.
  const parts = MESSAGE_FLAGS.filter((flag) => flag !== 'system' && (counts[flag] ?? 0) > 0).map((flag) => `${counts[flag]} ${counts[flag] === 1 ? 'message' : 'messages'} (${FLAG_NOTES[flag].label})`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

const DATE_ORDER_LABELS: Record<DateOrder, string> = {
  dmy: 'Day, month, year (UK: 01/02/24 is 1 February 2024)',
  mdy: 'Month, day, year (US: 01/02/24 is 2 January 2024)',
  ymd: 'Year, month, day (2024-02-01)',
};
const DATE_ORDER_WORDS: Record<DateOrder, string> = { dmy: 'day, month, year', mdy: 'month, day, year', ymd: 'year, month, day' };

type Step =
  | { kind: 'choose' }
  | { kind: 'confirm'; source: keyof typeof SOURCE_NAMES; title: string; provenOrder: DateOrder | null; needsDateOrder: boolean; remembered: { order: DateOrder; threadTitle: string } | null }
  | { kind: 'comparing'; jobId: string; done: number; total: number | null; unit: string | null }
  | { kind: 'compared'; comparison: ExportComparisonView }
  | { kind: 'importing'; jobId: string; done: number; total: number | null; unit: string | null }
  | { kind: 'done'; threadId: string; title: string; messageCount: number; duplicate: boolean; comparison: ExportComparisonView };

/** A date for the import summary: the day, as the ward reads it. */
/** "4 Dec 2026": the day of an instant on the workstation's clock, as every screen writes dates. */
function day(instant: string): string {
  const date = new Date(instant);
  return Number.isNaN(date.getTime()) ? instant.slice(0, 10) : date.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
}

/** "This is Ward 7, already imported on …: N new, M already here, K wiped on …" */
/** The check's result in a heading: what there is to do with this export. */
function comparisonHeading(comparison: ExportComparisonView): string {
  if (comparison.newMessages === 0) return comparison.wiped > 0 && comparison.alreadyHere === 0 ? 'Every message in this export was wiped' : 'Nothing new in this export';
  if (comparison.knownThread) return 'This chat is already in the vault';
  return comparison.wiped > 0 ? 'Part of this chat was wiped' : 'Check the export before importing it';
}

function describeComparison(comparison: ExportComparisonView): string {
  const parts: string[] = [];
  if (comparison.knownThread) {
    const merged = comparison.knownThread.mergedAt.length > 0 ? ` (later exports added on ${[...new Set(comparison.knownThread.mergedAt.map(day))].join(', ')})` : '';
    parts.push(`This is “${comparison.knownThread.title}”, already imported on ${day(comparison.knownThread.importedAt)}${merged}:`);
    parts.push(`${plural(comparison.newMessages, 'new message')}, ${comparison.alreadyHere} already here`);
  } else {
    parts.push(`${plural(comparison.newMessages, 'new message')}`);
  }
  if (comparison.wiped > 0) parts.push(`${comparison.wiped} securely wiped on ${[...new Set(comparison.wipedOn.map(day))].join(', ')} (never imported again)`);
  let sentence = parts.length > 1 && comparison.knownThread ? `${parts[0]} ${parts.slice(1).join(', ')}.` : `${parts.join(', ')}.`;
  if (comparison.placedBetween > 0) sentence += ` ${plural(comparison.placedBetween, 'new message falls', 'new messages fall')} between messages already here: shown in place by time and flagged “arrived later”.`;
  if (comparison.knownThread && comparison.exportTitle && comparison.exportTitle !== comparison.knownThread.title) sentence += ` The export calls the chat “${comparison.exportTitle}” (renamed?).`;
  if (comparison.identicalFile) sentence += ' This very file was imported before.';
  if (comparison.newMessages === 0) sentence += ' There is nothing to import.';
  return sentence;
}

/**
 * Import: choose the export, check what Wardscribe detected (source, zone, day/month order —
 * never guessed silently), then import with progress and cancel.
 */
export function ImportScreen() {
  const navigation = useNavigation();
  const jobs = useJobs();
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const [path, setPath] = useState('');
  const [zone, setZone] = useState(() => defaultImportZone(Intl.DateTimeFormat().resolvedOptions().timeZone));
  const [password, setPassword] = useState('');
  const [dateOrder, setDateOrder] = useState<DateOrder | ''>('');
  const [step, setStep] = useState<Step>({ kind: 'choose' });
  const [placement, setPlacement] = useState<'merge' | 'separate'>('merge');
  const { problem, fromHost, fromChecks, clear, fieldError } = useProblem(FIELDS);
  // The file that "Check file" read: what is compared and imported, whatever the field says later.
  const [checked, setChecked] = useState<string | null>(null);
  const [browsing, setBrowsing] = useState(false);
  const [dropNote, setDropNote] = useState<string | null>(null);
  const pathRef = useRef<HTMLInputElement>(null);

  /** A path from the dialog, the browser or a drop: into the field, ready for "Check file". */
  function takePath(chosen: string) {
    setPath(chosen);
    setBrowsing(false);
    setDropNote(null);
    pathRef.current?.focus();
  }

  // Electron's system dialog where there is one; the Chromium shell browses the home folder instead.
  async function chooseFile() {
    const result = await hostApi()!.files.choose({});
    if (!result.ok) return fromHost(result.error);
    if (!result.value.supported) setBrowsing(true);
    else if (result.value.path) takePath(result.value.path);
  }

  // Only Electron can say where a dropped file is (the page is never told); the shell says so.
  function drop(event: DragEvent<HTMLFormElement>) {
    event.preventDefault();
    if (checked !== null) return;
    const file = event.dataTransfer.files[0];
    if (!file) return;
    const dropped = window.wardscribeFiles?.pathOf(file);
    if (dropped) takePath(dropped);
    else setDropNote('This window cannot tell where a dropped file is. Use “Choose file…”, or type or paste its path.');
  }

  useEffect(
    () =>
      hostApi()!.events.subscribe((event) => {
        if (event.type !== 'job.progress') return;
        setStep((state) => ((state.kind === 'importing' || state.kind === 'comparing') && state.jobId === event.jobId ? { ...state, done: event.done, total: event.total, unit: event.unit } : state));
      }),
    [],
  );

  const source = (chosen: string = checked ?? cleanPath(path)) => ({ path: chosen, zone: zone.trim(), ...(password ? { password } : {}) });

  async function inspect(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    clear();
    const chosen = cleanPath(path);
    if (!chosen) return fromChecks([{ text: 'Enter the full path of the export file.', inputId: 'import-path' }]);
    if (!zone.trim()) return fromChecks([{ text: 'Enter the time zone of the phone that exported the chat, for example Europe/London.', inputId: 'import-zone' }]);
    const result = await hostApi()!.imports.inspect(source(chosen));
    if (!result.ok) {
      fromHost(result.error);
      return;
    }
    setPath(chosen);
    setChecked(chosen);
    // A remembered order is pointed out, never chosen for the user: this export may come from a phone set up differently.
    setDateOrder(result.value.dateOrder ?? '');
    setStep({ kind: 'confirm', source: result.value.source, title: result.value.title, provenOrder: result.value.dateOrder, needsDateOrder: result.value.needsDateOrder, remembered: result.value.rememberedOrder });
  }

  /** Reads the whole export against the vault first: a chat already here (or wiped) is shown before anything is written. */
  async function compare(needsDateOrder: boolean) {
    if (needsDateOrder && !dateOrder) {
      fromChecks([{ text: 'Choose how the dates in this file are ordered. The file does not prove it, and Wardscribe will not guess.', inputId: `order-${DATE_ORDERS[0]}` }]);
      return;
    }
    clear();
    const jobId = newJobId();
    setStep({ kind: 'comparing', jobId, done: 0, total: null, unit: null });
    const title = step.kind === 'confirm' ? step.title : 'the export';
    const result = await jobs.track(jobId, `Checking ${title}`, () => hostApi()!.imports.compare({ jobId, ...source(), ...(dateOrder ? { dateOrder } : {}) }), () => 'Checked.');
    // Shown on this screen when it is still open; the header keeps it only for someone who left.
    if (mounted.current) jobs.dismiss(jobId);
    if (!result.ok) {
      fromHost(result.error);
      setStep({ kind: 'choose' });
      return;
    }
    // Always shown before anything is written: what the export holds and what importing it adds.
    setPlacement('merge');
    setStep({ kind: 'compared', comparison: result.value });
  }

  /** Another file: the checked one is let go, and the person starts again at "Check file". */
  function chooseAnother() {
    clear();
    setChecked(null);
    setStep({ kind: 'choose' });
  }

  async function run(chosen: 'merge' | 'separate') {
    clear();
    const jobId = newJobId();
    setStep({ kind: 'importing', jobId, done: 0, total: null, unit: null });
    const result = await jobs.track(
      jobId,
      'Importing a chat',
      () => hostApi()!.imports.run({ jobId, ...source(), ...(dateOrder ? { dateOrder } : {}), placement: chosen }),
      (value) => `Imported ${value.title} (${plural(value.messageCount, 'message')}).`,
    );
    if (mounted.current) jobs.dismiss(jobId);
    if (!result.ok) {
      fromHost(result.error);
      setStep({ kind: 'choose' });
      return;
    }
    setStep({ kind: 'done', ...result.value });
    setChecked(null);
    setPath('');
    setPassword('');
  }

  return (
    <section aria-labelledby="import-heading">
      <h1 id="import-heading" tabIndex={-1}>
        Import a chat export
      </h1>
      {problem && (
        <ErrorSummary title={step.kind === 'choose' && checked === null ? 'There is a problem' : 'The export was not imported'} problems={problem.problems} listTestId="import-error" attempt={problem.attempt} />
      )}
      {step.kind === 'done' && (
        <SuccessBanner title="Import finished" testId="import-result">
          <p>
            {step.duplicate ? 'This export was already imported: ' : step.comparison.knownThread && step.comparison.newMessages >= 0 && !step.comparison.identicalFile && step.comparison.alreadyHere > 0 ? `Added ${plural(step.comparison.newMessages, 'new message')} to ` : 'Imported '}
            <strong>{step.title}</strong> ({plural(step.messageCount, 'message')}).
          </p>
          {step.comparison.wiped > 0 && (
            <p data-testid="import-wiped-skipped">
              {plural(step.comparison.wiped, 'message was', 'messages were')} left out: securely wiped on {[...new Set(step.comparison.wipedOn.map(day))].join(', ')}.
            </p>
          )}
          <button className="nhsuk-button" type="button" onClick={() => navigation.go({ screen: 'threads', threadId: step.threadId })}>
            Open thread
          </button>
        </SuccessBanner>
      )}
      {(step.kind === 'choose' || step.kind === 'confirm' || step.kind === 'done') && (
        <form onSubmit={inspect} noValidate onDragOver={(event) => event.preventDefault()} onDrop={drop} data-testid="import-form">
          <TextField
            id="import-path"
            label="Export file"
            hint={checked ? 'This is the file that was checked. To import a different one, choose another file.' : 'The full path of the .txt, .zip or .json export on this computer. A path copied with “Copy as path” (in quotes) is fine.'}
            value={path}
            readOnly={checked !== null}
            error={fieldError('import-path')}
            onChange={(event) => setPath(event.target.value)}
            autoComplete="off"
            ref={pathRef}
          />
          {checked === null && (
            <p className="ws-choose-file">
              <button className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button" onClick={() => void chooseFile()}>
                Choose file…
              </button>{' '}
              <span className="nhsuk-body-s">or drag the file here</span>
            </p>
          )}
          {dropNote && (
            <p className="nhsuk-inset-text" role="status" data-testid="drop-note">
              {dropNote}
            </p>
          )}
          {browsing && checked === null && (
            <FileBrowser
              onChoose={takePath}
              onClose={() => {
                setBrowsing(false);
                pathRef.current?.focus();
              }}
            />
          )}
          <TextField
            id="import-zone"
            label="Time zone of the phone that exported it"
            hint="Chat exports carry wall-clock times without a zone: give the zone the phone was set to (phones in the UK: Europe/London)."
            value={zone}
            readOnly={checked !== null}
            error={fieldError('import-zone')}
            onChange={(event) => setZone(event.target.value)}
            autoComplete="off"
          />
          <TextField id="import-password" label="Export password (Threema only)" type="password" value={password} readOnly={checked !== null} error={fieldError('import-password')} onChange={(event) => setPassword(event.target.value)} />
          {checked === null ? (
            <button className="nhsuk-button nhsuk-button--secondary" type="submit">
              Check file
            </button>
          ) : (
            <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={chooseAnother}>
              Choose another file
            </button>
          )}
        </form>
      )}
      {step.kind === 'confirm' && (
        <div className="nhsuk-card">
          <div className="nhsuk-card__content" data-testid="import-confirm">
            <h2 className="nhsuk-card__heading">{step.title}</h2>
            <p>
              Detected: <strong data-testid="import-source">{SOURCE_NAMES[step.source] ?? 'a chat export'}</strong>. Times will be read in <strong>{zone}</strong>.
            </p>
            {(step.needsDateOrder || step.provenOrder) && (
            <fieldset className="nhsuk-fieldset">
              <legend className="nhsuk-fieldset__legend">
                {step.provenOrder ? 'Date order (proved by the file)' : 'Date order: the file does not prove it, so choose'}
              </legend>
              {step.remembered && !step.provenOrder && (
                <div className="nhsuk-hint" data-testid="remembered-order">
                  “{step.remembered.threadTitle}” in the vault was read as {DATE_ORDER_WORDS[step.remembered.order]}. Choose that if this export came from the same phone; the next step shows whether its messages match that chat.
                </div>
              )}
              <div className="nhsuk-radios">
                {DATE_ORDERS.map((order) => (
                  <div className="nhsuk-radios__item" key={order}>
                    <input className="nhsuk-radios__input" id={`order-${order}`} type="radio" name="date-order" value={order} checked={dateOrder === order} onChange={() => setDateOrder(order)} />
                    <label className="nhsuk-label nhsuk-radios__label" htmlFor={`order-${order}`}>
                      {DATE_ORDER_LABELS[order]}
                      {step.remembered?.order === order && !step.provenOrder ? ` — as “${step.remembered.threadTitle}” was read` : ''}
                    </label>
                  </div>
                ))}
              </div>
            </fieldset>
            )}
            <button className="nhsuk-button" type="button" onClick={() => void compare(step.needsDateOrder)}>
              Import this export
            </button>
            <p className="nhsuk-body-s">Wardscribe reads the whole export first and shows what it holds. Nothing is written until you confirm.</p>
          </div>
        </div>
      )}
      {step.kind === 'compared' && (
        <div className="nhsuk-card">
          <div className="nhsuk-card__content" data-testid="import-comparison">
            <h2 className="nhsuk-card__heading">{comparisonHeading(step.comparison)}</h2>
            <p data-testid="import-comparison-summary">{describeComparison(step.comparison)}</p>
            <ExportFactsList comparison={step.comparison} />
            {step.comparison.knownThread && step.comparison.newMessages > 0 && (
              <fieldset className="nhsuk-fieldset">
                <legend className="nhsuk-fieldset__legend">Where should it go?</legend>
                <div className="nhsuk-radios">
                  <div className="nhsuk-radios__item">
                    <input className="nhsuk-radios__input" id="placement-merge" type="radio" name="placement" checked={placement === 'merge'} onChange={() => setPlacement('merge')} />
                    <label className="nhsuk-label nhsuk-radios__label" htmlFor="placement-merge">
                      Add the {plural(step.comparison.newMessages, 'new message')} to “{step.comparison.knownThread.title}” (recommended)
                    </label>
                  </div>
                  <div className="nhsuk-radios__item">
                    <input className="nhsuk-radios__input" id="placement-separate" type="radio" name="placement" checked={placement === 'separate'} onChange={() => setPlacement('separate')} />
                    <label className="nhsuk-label nhsuk-radios__label" htmlFor="placement-separate">
                      Import as a separate thread (its messages will appear twice in the vault; wiped messages are still left out)
                    </label>
                  </div>
                </div>
              </fieldset>
            )}
            {step.comparison.newMessages > 0 ? (
              <>
                <button className="nhsuk-button" type="button" onClick={() => void run(placement)}>
                  {placement === 'merge' && step.comparison.knownThread ? 'Add the new messages' : 'Import the new messages'}
                </button>{' '}
                <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={chooseAnother}>
                  Do not import
                </button>
              </>
            ) : (
              // Nothing to import (a ward trial was offered "Import the new messages" for none).
              <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={chooseAnother}>
                Choose another export
              </button>
            )}
          </div>
        </div>
      )}
      {step.kind === 'comparing' && (
        <ProgressBar label="Checking the export against the vault" done={step.done} total={step.total} unit={step.unit} onCancel={() => void hostApi()!.jobs.cancel({ jobId: step.jobId })} />
      )}
      {step.kind === 'importing' && (
        <ProgressBar label="Importing the chat" done={step.done} total={step.total} unit={step.unit} onCancel={() => void hostApi()!.jobs.cancel({ jobId: step.jobId })} />
      )}
    </section>
  );
}

/** What the export itself holds, as far as the check read it: its size, dates, senders and flags. */
function ExportFactsList({ comparison }: { comparison: ExportComparisonView }) {
  return (
    <dl className="nhsuk-summary-list" data-testid="import-facts">
      {comparison.exportMessages !== null && <Fact label="Messages in the export">{comparison.exportMessages}</Fact>}
      {comparison.newFirstInstant !== undefined && (
        <Fact label="New messages sent">
          {comparison.newFirstInstant ? `${displayDay(comparison.newFirstInstant)} to ${displayDay(comparison.newLastInstant ?? comparison.newFirstInstant)}` : comparison.newMessages > 0 ? 'no certain times' : 'none'}
        </Fact>
      )}
      {comparison.newSenders !== undefined && <Fact label="Sent by">{comparison.newSenders.length > 0 ? comparison.newSenders.map(senderLabel).join(', ') : 'nobody named'}</Fact>}
      {comparison.newFlagCounts !== undefined && <Fact label="Marked for a closer look">{describeFlags(comparison.newFlagCounts)}</Fact>}
    </dl>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="nhsuk-summary-list__row">
      <dt className="nhsuk-summary-list__key">{label}</dt>
      <dd className="nhsuk-summary-list__value">{children}</dd>
    </div>
  );
}
