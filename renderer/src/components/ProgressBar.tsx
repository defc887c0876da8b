import { useId } from 'react';

/** What a job counts, in the words shown under the bar. */
const UNIT_WORDS: Readonly<Record<string, string>> = { bytes: 'of the file read', attachments: 'attachments stored', messages: 'messages', entries: 'entries' };

/**
 * A long job's progress in the NHS.UK style: what is happening, a bar with the percentage, what
 * has been counted, and Cancel. Announced politely to screen readers as it moves (in steps of ten
 * per cent, so a reader is not flooded).
 */
export function ProgressBar({ label, done, total, unit, onCancel }: { label: string; done: number; total: number | null; unit: string | null; onCancel: () => void }) {
  const labelId = useId();
  const percent = total ? Math.min(100, Math.floor((100 * done) / total)) : null;
  const announced = percent === null ? null : Math.floor(percent / 10) * 10;
  const counted = unit === 'bytes' ? `${percent ?? 0}% ${UNIT_WORDS.bytes}` : total ? `${done.toLocaleString('en-GB')} of ${total.toLocaleString('en-GB')} ${UNIT_WORDS[unit ?? ''] ?? unit ?? ''}` : 'Starting…';
  return (
    <div className="ws-progress" data-testid="job-progress">
      <p className="nhsuk-body ws-progress__label" id={labelId}>
        {label}
      </p>
      <div className="ws-progress__row">
        <progress className="ws-progress__bar" aria-labelledby={labelId} max={100} {...(percent !== null ? { value: percent } : {})}>
          {percent !== null ? `${percent}%` : 'Starting'}
        </progress>
        <span className="ws-progress__percent" aria-hidden="true">
          {percent !== null ? `${percent}%` : ''}
        </span>
      </div>
      <p className="nhsuk-body-s ws-progress__counted">{counted}</p>
      <p className="nhsuk-u-visually-hidden" role="status" aria-live="polite">
        {announced === null ? `${label}: starting.` : `${label}: ${announced}% done.`}
      </p>
      <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
