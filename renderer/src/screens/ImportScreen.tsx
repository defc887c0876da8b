import { useEffect, useState, type FormEvent } from 'react';
import { DATE_ORDERS, type DateOrder } from '../../../shared/domain/chat';
import type { ExportComparisonView } from '../../../shared/ipc/contract';
import { hostApi, newJobId } from '../api';
import { useNavigation } from '../app/navigation';
import { ErrorSummary, TextField } from '../components/forms';
import { plural } from '../components/format';

const DATE_ORDER_LABELS: Record<DateOrder, string> = {
  dmy: 'Day, month, year (UK: 01/02/24 is 1 February 2024)',
  mdy: 'Month, day, year (US: 01/02/24 is 2 January 2024)',
  ymd: 'Year, month, day (2024-02-01)',
};

type Step =
  | { kind: 'choose' }
  | { kind: 'confirm'; source: string; title: string; provenOrder: DateOrder | null; needsDateOrder: boolean }
  | { kind: 'comparing'; jobId: string; done: number; total: number | null }
  | { kind: 'compared'; comparison: ExportComparisonView }
  | { kind: 'importing'; jobId: string; done: number; total: number | null }
  | { kind: 'done'; threadId: string; title: string; messageCount: number; duplicate: boolean; comparison: ExportComparisonView };

/** A date for the import summary: the day, as the ward reads it. */
function day(instant: string): string {
  return instant.slice(0, 10);
}

/** "This is Ward 7, already imported on …: N new, M already here, K wiped on …" */
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
  return sentence;
}

/**
 * Import: choose the export, check what Wardscribe detected (source, zone, day/month order —
 * never guessed silently), then import with progress and cancel.
 */
export function ImportScreen() {
  const navigation = useNavigation();
  const [path, setPath] = useState('');
  const [zone, setZone] = useState(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  const [password, setPassword] = useState('');
  const [dateOrder, setDateOrder] = useState<DateOrder | ''>('');
  const [step, setStep] = useState<Step>({ kind: 'choose' });
  const [placement, setPlacement] = useState<'merge' | 'separate'>('merge');
  const [error, setError] = useState<string | null>(null);

  useEffect(
    () =>
      hostApi()!.events.subscribe((event) => {
        if (event.type !== 'job.progress') return;
        setStep((state) => ((state.kind === 'importing' || state.kind === 'comparing') && state.jobId === event.jobId ? { ...state, done: event.done, total: event.total } : state));
      }),
    [],
  );

  const source = () => ({ path: path.trim(), zone: zone.trim(), ...(password ? { password } : {}) });
  const describe = (result: { error: { message: string; issues?: readonly { path: string; message: string }[] } }) =>
    result.error.issues?.map((issue) => `${issue.path}: ${issue.message}`).join(' ') || result.error.message;

  async function inspect(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    const result = await hostApi()!.imports.inspect(source());
    if (!result.ok) {
      setError(describe(result));
      return;
    }
    setDateOrder(result.value.dateOrder ?? '');
    setStep({ kind: 'confirm', source: result.value.source, title: result.value.title, provenOrder: result.value.dateOrder, needsDateOrder: result.value.needsDateOrder });
  }

  /** Reads the whole export against the vault first: a chat already here (or wiped) is shown before anything is written. */
  async function compare(needsDateOrder: boolean) {
    if (needsDateOrder && !dateOrder) {
      setError('Choose how the dates in this file are ordered. The file does not prove it, and Wardscribe will not guess.');
      return;
    }
    setError(null);
    const jobId = newJobId();
    setStep({ kind: 'comparing', jobId, done: 0, total: null });
    const result = await hostApi()!.imports.compare({ jobId, ...source(), ...(dateOrder ? { dateOrder } : {}) });
    if (!result.ok) {
      setError(describe(result));
      setStep({ kind: 'choose' });
      return;
    }
    const comparison = result.value;
    // A chat the vault has never seen, with nothing wiped: nothing to decide, import it.
    if (!comparison.knownThread && comparison.wiped === 0) await run('merge');
    else {
      setPlacement('merge');
      setStep({ kind: 'compared', comparison });
    }
  }

  async function run(chosen: 'merge' | 'separate') {
    setError(null);
    const jobId = newJobId();
    setStep({ kind: 'importing', jobId, done: 0, total: null });
    const result = await hostApi()!.imports.run({ jobId, ...source(), ...(dateOrder ? { dateOrder } : {}), placement: chosen });
    if (!result.ok) {
      setError(describe(result));
      setStep({ kind: 'choose' });
      return;
    }
    setStep({ kind: 'done', ...result.value });
  }

  return (
    <section aria-labelledby="import-heading">
      <h1 id="import-heading" tabIndex={-1}>
        Import a chat export
      </h1>
      {error && (
        <ErrorSummary title="The export was not imported">
          <p data-testid="import-error">{error}</p>
        </ErrorSummary>
      )}
      {(step.kind === 'choose' || step.kind === 'confirm') && (
        <form onSubmit={inspect} noValidate>
          <TextField id="import-path" label="Export file" hint="The full path of the .txt, .zip or .json export on this computer." value={path} onChange={(event) => setPath(event.target.value)} autoComplete="off" />
          <TextField id="import-zone" label="Time zone of the phone that exported it" hint="Chat exports carry wall-clock times without a zone." value={zone} onChange={(event) => setZone(event.target.value)} autoComplete="off" />
          <TextField id="import-password" label="Export password (Threema only)" type="password" value={password} onChange={(event) => setPassword(event.target.value)} />
          <button className="nhsuk-button nhsuk-button--secondary" type="submit">
            Check file
          </button>
        </form>
      )}
      {step.kind === 'confirm' && (
        <div className="nhsuk-card">
          <div className="nhsuk-card__content" data-testid="import-confirm">
            <h2 className="nhsuk-card__heading">{step.title}</h2>
            <p>
              Detected: <strong>{step.source}</strong>. Times will be read in <strong>{zone}</strong>.
            </p>
            {(step.needsDateOrder || step.provenOrder) && (
            <fieldset className="nhsuk-fieldset">
              <legend className="nhsuk-fieldset__legend">
                {step.provenOrder ? 'Date order (proved by the file)' : 'Date order: the file does not prove it, so choose'}
              </legend>
              <div className="nhsuk-radios">
                {DATE_ORDERS.map((order) => (
                  <div className="nhsuk-radios__item" key={order}>
                    <input className="nhsuk-radios__input" id={`order-${order}`} type="radio" name="date-order" value={order} checked={dateOrder === order} onChange={() => setDateOrder(order)} />
                    <label className="nhsuk-label nhsuk-radios__label" htmlFor={`order-${order}`}>
                      {DATE_ORDER_LABELS[order]}
                    </label>
                  </div>
                ))}
              </div>
            </fieldset>
            )}
            <button className="nhsuk-button" type="button" onClick={() => void compare(step.needsDateOrder)}>
              Import this export
            </button>
          </div>
        </div>
      )}
      {step.kind === 'compared' && (
        <div className="nhsuk-card">
          <div className="nhsuk-card__content" data-testid="import-comparison">
            <h2 className="nhsuk-card__heading">{step.comparison.knownThread ? 'This chat is already in the vault' : 'Part of this chat was wiped'}</h2>
            <p data-testid="import-comparison-summary">{describeComparison(step.comparison)}</p>
            {step.comparison.knownThread && (
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
            <button className="nhsuk-button" type="button" onClick={() => void run(placement)}>
              {placement === 'merge' && step.comparison.knownThread ? 'Add the new messages' : 'Import the new messages'}
            </button>{' '}
            <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={() => setStep({ kind: 'choose' })}>
              Do not import
            </button>
          </div>
        </div>
      )}
      {step.kind === 'comparing' && (
        <p role="status">
          Checking the export against the vault… {step.total ? `${Math.floor((100 * step.done) / step.total)}%` : ''}{' '}
          <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => void hostApi()!.jobs.cancel({ jobId: step.jobId })}>
            Cancel
          </button>
        </p>
      )}
      {step.kind === 'importing' && (
        <p role="status">
          Importing… {step.total ? `${Math.floor((100 * step.done) / step.total)}%` : ''}{' '}
          <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => void hostApi()!.jobs.cancel({ jobId: step.jobId })}>
            Cancel
          </button>
        </p>
      )}
      {step.kind === 'done' && (
        <div className="nhsuk-inset-text" data-testid="import-result">
          <p>
            {step.duplicate ? 'This export was already imported: ' : step.comparison.knownThread && step.comparison.newMessages >= 0 && !step.comparison.identicalFile && step.comparison.alreadyHere > 0 ? `Added ${plural(step.comparison.newMessages, 'new message')} to ` : 'Imported '}
            <strong>{step.title}</strong> ({step.messageCount} messages).
          </p>
          {step.comparison.wiped > 0 && (
            <p data-testid="import-wiped-skipped">
              {plural(step.comparison.wiped, 'message was', 'messages were')} left out: securely wiped on {[...new Set(step.comparison.wipedOn.map(day))].join(', ')}.
            </p>
          )}
          <button className="nhsuk-button" type="button" onClick={() => navigation.go('threads', step.threadId)}>
            Open thread
          </button>
        </div>
      )}
    </section>
  );
}
