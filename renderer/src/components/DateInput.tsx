import type { DateParts } from '../logic/date-parts';

export type { DateParts } from '../logic/date-parts';
export { joinDate, splitDate } from '../logic/date-parts';

/** The NHS.UK three-field date input (day, month, year), with one error for the whole date. */
export function DateInput({
  id,
  legend,
  hint,
  value,
  error,
  onChange,
}: {
  id: string;
  legend: string;
  hint?: string;
  value: DateParts;
  error?: string | undefined;
  onChange: (next: DateParts) => void;
}) {
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const part = (name: keyof DateParts, label: string, width: 2 | 4) => (
    <div className="nhsuk-date-input__item">
      <div className="nhsuk-form-group">
        <label className="nhsuk-label nhsuk-date-input__label" htmlFor={`${id}-${name}`}>
          {label}
        </label>
        <input
          className={`nhsuk-input nhsuk-date-input__input nhsuk-input--width-${width}${error ? ' nhsuk-input--error' : ''}`}
          id={`${id}-${name}`}
          name={`${id}-${name}`}
          type="text"
          inputMode="numeric"
          autoComplete="off"
          value={value[name]}
          onChange={(event) => onChange({ ...value, [name]: event.target.value })}
        />
      </div>
    </div>
  );
  return (
    <div className={`nhsuk-form-group${error ? ' nhsuk-form-group--error' : ''}`}>
      <fieldset className="nhsuk-fieldset" role="group" aria-describedby={describedBy}>
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{legend}</legend>
        {hint && (
          <div className="nhsuk-hint" id={`${id}-hint`}>
            {hint}
          </div>
        )}
        {error && (
          <span className="nhsuk-error-message" id={`${id}-error`}>
            <span className="nhsuk-u-visually-hidden">Error:</span> {error}
          </span>
        )}
        <div className="nhsuk-date-input" id={id}>
          {part('day', 'Day', 2)}
          {part('month', 'Month', 2)}
          {part('year', 'Year', 4)}
        </div>
      </fieldset>
    </div>
  );
}
