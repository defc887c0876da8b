import type { InputHTMLAttributes, ReactNode } from 'react';

/** A labelled NHS.UK text input with an optional hint and error. */
export function TextField({
  id,
  label,
  hint,
  error,
  ...input
}: { id: string; label: string; hint?: string; error?: string | null } & InputHTMLAttributes<HTMLInputElement>) {
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`nhsuk-form-group${error ? ' nhsuk-form-group--error' : ''}`}>
      <label className="nhsuk-label" htmlFor={id}>
        {label}
      </label>
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
      <input className={`nhsuk-input${error ? ' nhsuk-input--error' : ''}`} id={id} name={id} aria-describedby={describedBy} {...input} />
    </div>
  );
}

/** The NHS.UK error summary: announced at once, and focusable so keyboard users land on it. */
export function ErrorSummary({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="nhsuk-error-summary" role="alert" tabIndex={-1}>
      <h2 className="nhsuk-error-summary__title">{title}</h2>
      <div className="nhsuk-error-summary__body">{children}</div>
    </div>
  );
}
