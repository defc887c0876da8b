/**
 * Main's log. It records what happened (channel names, error classes, counts) and never the
 * content of requests, messages or errors from data: those may hold patient information, and a
 * shared ward PC's logs are read by many.
 */
export interface Logger {
  info(event: string, fields?: Readonly<Record<string, string | number | boolean>>): void;
  warn(event: string, fields?: Readonly<Record<string, string | number | boolean>>): void;
  error(event: string, fields?: Readonly<Record<string, string | number | boolean>>): void;
}

type Level = 'info' | 'warn' | 'error';

export function createConsoleLogger(write: (line: string) => void = (line) => process.stderr.write(line + '\n')): Logger {
  const log = (level: Level) => (event: string, fields: Readonly<Record<string, string | number | boolean>> = {}) => {
    write(JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }));
  };
  return { info: log('info'), warn: log('warn'), error: log('error') };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/**
 * Describes an unexpected error without its message: the class and the code location only.
 * A message can quote data (an SQL value, a file line), a stack frame cannot.
 */
export function describeUnexpected(error: unknown): Record<string, string> {
  if (!(error instanceof Error)) return { errorType: typeof error };
  const frames = (error.stack ?? '').split('\n').slice(1, 4).map((frame) => frame.trim());
  return { errorType: error.name, at: frames.join(' | ') };
}
