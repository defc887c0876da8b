import { useEffect, useState, type FormEvent } from 'react';
import { DATE_ORDERS, type DateOrder } from '../../../shared/domain/chat';
import { hostApi, newJobId } from '../api';
import { useNavigation } from '../app/navigation';
import { ErrorSummary, TextField } from '../components/forms';

const DATE_ORDER_LABELS: Record<DateOrder, string> = {
  dmy: 'Day, month, year (UK: 01/02/24 is 1 February 2024)',
  mdy: 'Month, day, year (US: 01/02/24 is 2 January 2024)',
  ymd: 'Year, month, day (2024-02-01)',
};

type Step =
  | { kind: 'choose' }
  | { kind: 'confirm'; source: string; title: string; provenOrder: DateOrder | null; needsDateOrder: boolean }
  | { kind: 'importing'; jobId: string; done: number; total: number | null }
  | { kind: 'done'; threadId: string; title: string; messageCount: number; duplicate: boolean };

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
  const [error, setError] = useState<string | null>(null);

  useEffect(
    () =>
      hostApi()!.events.subscribe((event) => {
        if (event.type !== 'job.progress') return;
        setStep((state) => (state.kind === 'importing' && state.jobId === event.jobId ? { ...state, done: event.done, total: event.total } : state));
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

  async function run(needsDateOrder: boolean) {
    if (needsDateOrder && !dateOrder) {
      setError('Choose how the dates in this file are ordered. The file does not prove it, and Wardscribe will not guess.');
      return;
    }
    setError(null);
    const jobId = newJobId();
    setStep({ kind: 'importing', jobId, done: 0, total: null });
    const result = await hostApi()!.imports.run({ jobId, ...source(), ...(dateOrder ? { dateOrder } : {}) });
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
            <button className="nhsuk-button" type="button" onClick={() => void run(step.needsDateOrder)}>
              Import this export
            </button>
          </div>
        </div>
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
            {step.duplicate ? 'This export was already imported: ' : 'Imported '}
            <strong>{step.title}</strong> ({step.messageCount} messages).
          </p>
          <button className="nhsuk-button" type="button" onClick={() => navigation.go('threads', step.threadId)}>
            Open thread
          </button>
        </div>
      )}
    </section>
  );
}
