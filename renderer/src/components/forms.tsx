import { useEffect, useId, useRef, useState, type InputHTMLAttributes, type ReactNode, type Ref } from 'react';
import type { FieldProblem } from '../logic/describe-error';

/** A labelled NHS.UK text input with an optional hint and error. */
export function TextField({
  id,
  label,
  hint,
  error,
  ref,
  ...input
}: { id: string; label: string; hint?: string; error?: string | null | undefined; ref?: Ref<HTMLInputElement> } & InputHTMLAttributes<HTMLInputElement>) {
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
      <input className={`nhsuk-input${error ? ' nhsuk-input--error' : ''}`} id={id} name={id} aria-describedby={describedBy} aria-invalid={error ? true : undefined} ref={ref} {...input} />
    </div>
  );
}

/** Moves focus to an input named in the error summary and brings its label into view. */
function focusInput(inputId: string): void {
  const input = document.getElementById(inputId);
  if (!input) return;
  input.focus({ preventScroll: true });
  const group = input.closest('.nhsuk-form-group, fieldset') ?? input;
  group.scrollIntoView({ block: 'center' });
}

/**
 * The NHS.UK error summary. It takes focus and scrolls into view each time it appears (and each
 * time a new attempt is refused: pass `attempt`), so the person sees why at once, and each
 * problem linked to its input is a link that moves there.
 */
export function ErrorSummary({
  title = 'There is a problem',
  problems,
  attempt,
  listTestId,
  children,
}: {
  title?: string;
  /** A test id for the list of problems. */
  listTestId?: string;
  problems?: readonly FieldProblem[];
  /** Changes with every refused attempt, so a second refusal with the same text is announced and focused again. */
  attempt?: number;
  children?: ReactNode;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    element.focus({ preventScroll: true });
    element.scrollIntoView?.({ block: 'start' });
  }, [attempt]);
  return (
    <div className="nhsuk-error-summary" role="alert" tabIndex={-1} ref={ref} aria-labelledby={titleId} data-testid="error-summary">
      <h2 className="nhsuk-error-summary__title" id={titleId}>
        {title}
      </h2>
      <div className="nhsuk-error-summary__body">
        {problems && problems.length > 0 && (
          <ul className="nhsuk-list nhsuk-error-summary__list" data-testid={listTestId}>
            {problems.map((problem) => (
              <li key={`${problem.inputId ?? ''}${problem.text}`}>
                {problem.inputId ? (
                  <a
                    href={`#${problem.inputId}`}
                    onClick={(event) => {
                      event.preventDefault();
                      focusInput(problem.inputId!);
                    }}
                  >
                    {problem.text}
                  </a>
                ) : (
                  problem.text
                )}
              </li>
            ))}
          </ul>
        )}
        {children}
      </div>
    </div>
  );
}

/** A success message after something was saved, attested, imported or exported: announced, and in view. */
/**
 * `takeFocus`: after an action whose button has gone (a confirmation answered, a form emptied),
 * focus moves to the banner, so keyboard and screen-reader users land on what happened rather
 * than at the top of the page. Not where the user may still be typing (a draft saved by Alt+S).
 */
export function SuccessBanner({ title, children, testId, takeFocus = false }: { title: string; children?: ReactNode; testId?: string; takeFocus?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  // Braces: Chromium's scrollIntoView now answers a promise, which React would take for a cleanup.
  useEffect(() => {
    if (takeFocus) ref.current?.focus({ preventScroll: true });
    ref.current?.scrollIntoView?.({ block: 'nearest' });
  }, [takeFocus]);
  return (
    <div className="ws-success" role="status" ref={ref} tabIndex={takeFocus ? -1 : undefined} data-testid={testId ?? 'success-banner'}>
      <h2 className="ws-success__title">{title}</h2>
      {children}
    </div>
  );
}

/**
 * Asks before a destructive or access-changing action. The question replaces the button that
 * asked it; Cancel (or Escape) puts it back, and focus moves to the question so it is read out.
 */
export function ConfirmAction({
  label,
  question,
  confirmLabel,
  onConfirm,
  warning = true,
  buttonClassName = 'nhsuk-button nhsuk-button--secondary nhsuk-button--small',
}: {
  /** The button that starts it (may hold visually hidden words naming what it acts on). */
  label: ReactNode;
  question: ReactNode;
  confirmLabel: string;
  onConfirm: () => void | Promise<void>;
  warning?: boolean;
  buttonClassName?: string;
}) {
  const [asking, setAsking] = useState(false);
  const questionRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (asking) questionRef.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" className={buttonClassName} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <div
      className="ws-confirm"
      role="group"
      aria-label="Confirm"
      tabIndex={-1}
      ref={questionRef}
      onKeyDown={(event) => {
        if (event.key === 'Escape') setAsking(false);
      }}
    >
      <p className="ws-confirm__question">{question}</p>
      <button
        type="button"
        className={`nhsuk-button nhsuk-button--small${warning ? ' nhsuk-button--warning' : ''}`}
        onClick={() => {
          setAsking(false);
          void onConfirm();
        }}
      >
        {confirmLabel}
      </button>{' '}
      <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </div>
  );
}
