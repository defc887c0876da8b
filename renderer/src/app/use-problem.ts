import { useCallback, useState } from 'react';
import { describeError, type DescribedError, type FieldLabels, type FieldProblem } from '../logic/describe-error';

export interface Problem extends DescribedError {
  /** Counts refusals, so the error summary takes focus again after each one. */
  readonly attempt: number;
}

/**
 * A screen's current problem: set from a host error (described with the screen's field names)
 * or from the screen's own checks; `fieldError(id)` is the text to show beside an input.
 */
export function useProblem(fields: FieldLabels = {}) {
  const [problem, setProblem] = useState<Problem | null>(null);
  const show = useCallback((described: DescribedError) => setProblem((current) => ({ ...described, attempt: (current?.attempt ?? 0) + 1 })), []);
  const fromHost = useCallback((error: unknown) => show(describeError(error, fields)), [show, fields]);
  /** The screen's own check refused: each problem, optionally linked to its input. */
  const fromChecks = useCallback((problems: readonly FieldProblem[]) => show({ message: problems.map((item) => item.text).join(' '), problems }), [show]);
  const clear = useCallback(() => setProblem(null), []);
  const fieldError = (inputId: string): string | undefined => problem?.problems.find((item) => item.inputId === inputId)?.text;
  return { problem, fromHost, fromChecks, clear, fieldError };
}
