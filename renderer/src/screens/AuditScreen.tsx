import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { TableVirtuoso } from 'react-virtuoso';
import { AUDIT_ACTION_WORDS, AUDIT_ACTIONS, type AuditEntry, type AuditFilter } from '../../../shared/domain/audit';
import { reasonInWords } from '../../../shared/domain/sign-in-failures';
import { formatNhsNumber, parseNhsNumber } from '../../../shared/domain/nhs-number';
import { hostApi, newJobId } from '../api';
import { ExportedFilesSection } from '../components/ExportedFilesSection';
import { printPart } from '../components/print';
import { useProblem } from '../app/use-problem';
import { ErrorSummary, TextField } from '../components/forms';
import { errorSentence, type FieldProblem } from '../logic/describe-error';
import { displayTime, plural } from '../components/format';

type ExportState =
  | { kind: 'idle' }
  | { kind: 'running'; jobId: string; done: number; total: number | null }
  | { kind: 'done'; fileName: string; path: string; pageCount: number; verified: string | null }
  | { kind: 'failed'; message: string };

interface Person {
  readonly userId: string;
  readonly username: string;
  readonly displayName: string;
}

/** The request's fields as the form names them, so a refusal from main links to the right input. */
const FILTER_FIELDS = {
  'filter.fromUtc': { label: 'the From date', inputId: 'from' },
  'filter.toUtc': { label: 'the To date', inputId: 'to' },
  'filter.nhsNumber': { label: 'the NHS number', inputId: 'nhs' },
  'filter.threadId': { label: 'the thread id', inputId: 'thread' },
} as const;

/**
 * Builds the filter from the form, or says what is wrong with it; dates are whole days in the
 * workstation's zone. A username is looked up among the people who can appear in the trail: the
 * trail records user ids, and a name matching nobody is said, not shown as an empty trail.
 */
export function filterFrom(form: { get(name: string): unknown }, people: readonly Person[]): { filter: AuditFilter } | { problems: FieldProblem[] } {
  const text = (name: string) => String(form.get(name) ?? '').trim();
  const filter: { -readonly [K in keyof AuditFilter]: AuditFilter[K] } = {};
  const problems: FieldProblem[] = [];
  if (text('from')) filter.fromUtc = new Date(`${text('from')}T00:00:00`).toISOString();
  if (text('to')) filter.toUtc = new Date(new Date(`${text('to')}T00:00:00`).getTime() + 86_400_000).toISOString();
  // ISO dates compare as strings; the To day is included, so From on the same day is fine.
  if (text('from') && text('to') && text('from') > text('to')) problems.push({ text: 'The From date must be the same as or before the To date.', inputId: 'from' });
  if (text('action')) filter.actions = [text('action') as AuditEntry['action']];
  const username = text('user').replace(/^@/, '').toLowerCase();
  if (username) {
    const person = people.find((candidate) => candidate.username.toLowerCase() === username);
    if (person) filter.userId = person.userId;
    else problems.push({ text: `No one on this workstation has the username “${text('user')}”. Check the spelling, or leave it empty for everyone.`, inputId: 'user' });
  }
  if (text('nhs')) filter.nhsNumber = text('nhs').replace(/[\s-]/g, '');
  if (text('thread')) filter.threadId = text('thread');
  return problems.length > 0 ? { problems } : { filter };
}

/** 3-3-4 for a valid NHS number; anything else as stored. */
function displayNhsNumber(value: string): string {
  const parsed = parseNhsNumber(value);
  return parsed.ok ? formatNhsNumber(parsed.value) : value;
}

/** The audit trail for auditors: filters, a virtualised list, and the signed PDF export. */
export function AuditScreen() {
  const [filter, setFilter] = useState<AuditFilter>({});
  const [exportFolder, setExportFolder] = useState('');
  const [exportCount, setExportCount] = useState(0);
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [head, setHead] = useState<{ sequence: number; hash: string } | null>(null);
  const [keyFingerprint, setKeyFingerprint] = useState<string | null>(null);
  const [people, setPeople] = useState<readonly Person[]>([]);
  const { problem, fromHost, fromChecks, clear, fieldError } = useProblem(FILTER_FIELDS);
  const [exporting, setExporting] = useState<ExportState>({ kind: 'idle' });
  // Printing draws every entry shown (the list on screen draws only those in view), then prints that.
  const [printing, setPrinting] = useState(false);
  const printRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!printing || !printRef.current) return;
    printPart(printRef.current);
    setPrinting(false);
  }, [printing]);

  const load = useCallback(async (next: AuditFilter) => {
    const result = await hostApi()!.audit.query({ filter: next, limit: 5000 });
    if (result.ok) {
      setEntries(result.value.entries);
      setHead(result.value.head);
      setKeyFingerprint(result.value.keyFingerprint);
      clear();
    } else fromHost(result.error);
  }, [clear, fromHost]);
  useEffect(() => void load({}), [load]);
  useEffect(() => {
    void hostApi()!
      .audit.people({})
      .then((result) => result.ok && setPeople(result.value));
  }, []);

  useEffect(
    () =>
      hostApi()!.events.subscribe((event) => {
        if (event.type !== 'job.progress') return;
        setExporting((state) => (state.kind === 'running' && state.jobId === event.jobId ? { ...state, done: event.done, total: event.total } : state));
      }),
    [],
  );

  function applyFilters(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const built = filterFrom(new FormData(event.currentTarget), people);
    if ('problems' in built) {
      fromChecks(built.problems);
      return;
    }
    setFilter(built.filter);
    void load(built.filter);
  }

  async function exportPdf() {
    const jobId = newJobId();
    setExporting({ kind: 'running', jobId, done: 0, total: null });
    const result = await hostApi()!.audit.export({ jobId, filter, ...(exportFolder.trim() ? { folder: exportFolder } : {}) });
    if (!result.ok) {
      setExporting({ kind: 'failed', message: errorSentence(result.error) });
      return;
    }
    setExporting({ kind: 'done', ...result.value, verified: null });
    setExportCount((count) => count + 1);
    void load(filter); // the export itself is now in the trail
  }

  async function verify(fileName: string, form: FormData) {
    const registered = String(form.get('registered-fingerprint') ?? '').trim();
    const trustEmbeddedKey = form.get('trust-embedded-key') === 'on';
    const result = await hostApi()!.audit.verify({ fileName, ...(registered ? { expectedKeyFingerprint: registered } : {}), ...(trustEmbeddedKey && !registered ? { trustEmbeddedKey } : {}) });
    const describe = (value: { ok: boolean; entryCount: number; problems: string[]; trust: string }) => {
      if (!value.ok) return `NOT VERIFIED: ${value.problems.join(' ')}`;
      if (value.trust === 'embedded-key-trusted') {
        return `Consistent, but NOT checked against the registered key: the file agrees with the key it carries (${plural(value.entryCount, 'entry', 'entries')}). A PDF forged with a new key would pass this too.`;
      }
      return `Verified: the trail is intact and signed under the registered workstation key (${plural(value.entryCount, 'entry', 'entries')}).`;
    };
    setExporting((state) => (state.kind === 'done' ? { ...state, verified: result.ok ? describe(result.value) : errorSentence(result.error) } : state));
  }

  return (
    <section aria-labelledby="audit-heading">
      <h1 id="audit-heading" tabIndex={-1}>
        Audit trail
      </h1>
      {head && (
        <p className="nhsuk-body-s" data-testid="chain-head">
          Chain head: entry {head.sequence}, {head.hash.slice(0, 16)}…
        </p>
      )}
      {keyFingerprint ? (
        <p className="nhsuk-body-s" data-testid="key-fingerprint">
          Workstation key: <code>{keyFingerprint.match(/.{1,4}/g)?.join(' ')}</code>. Register it once for this workstation, away from it (the
          ward&apos;s key register); check exports with <code>wardscribe verify-trail FILE.pdf --expect-key</code> and the registered
          fingerprint, not this one: this screen shows what the vault says, which a forger could change.
        </p>
      ) : (
        <p className="nhsuk-body-s" data-testid="key-fingerprint-missing">
          This workstation has no root key yet: an administrator must sign in once before exports can be verified.
        </p>
      )}
      {problem && <ErrorSummary title="There is a problem" problems={problem.problems} attempt={problem.attempt} listTestId="filter-problems" />}
      <form onSubmit={applyFilters} className="ws-filters" aria-label="Filter the audit trail">
        <TextField id="from" label="From (date)" type="date" error={fieldError('from')} />
        <TextField id="to" label="To (date)" type="date" error={fieldError('to')} />
        <div className="nhsuk-form-group">
          <label className="nhsuk-label" htmlFor="action">
            Action
          </label>
          <select className="nhsuk-select" id="action" name="action" defaultValue="">
            <option value="">Any action</option>
            {[...AUDIT_ACTIONS].sort((a, b) => AUDIT_ACTION_WORDS[a].localeCompare(AUDIT_ACTION_WORDS[b], 'en-GB')).map((action) => (
              <option key={action} value={action}>
                {AUDIT_ACTION_WORDS[action]}
              </option>
            ))}
          </select>
        </div>
        <TextField id="user" label="Username" hint="The name they sign in with, for example jsmith." autoComplete="off" list="audit-usernames" error={fieldError('user')} />
        <datalist id="audit-usernames">
          {people.map((person) => (
            <option key={person.userId} value={person.username}>
              {person.displayName}
            </option>
          ))}
        </datalist>
        <TextField id="nhs" label="NHS number" inputMode="numeric" autoComplete="off" error={fieldError('nhs')} />
        <TextField id="thread" label="Thread id" autoComplete="off" error={fieldError('thread')} />
        <TextField
          id="export-folder"
          label="Save the PDF in folder (optional)"
          hint="The full path of a folder on this workstation; empty for Wardscribe's exports folder. Saved PDFs are listed under Exported files on the Certificates screen, where they can be removed."
          autoComplete="off"
          value={exportFolder}
          onChange={(event) => setExportFolder(event.target.value)}
        />
        <div className="ws-filter-buttons">
          <button className="nhsuk-button nhsuk-button--secondary" type="submit">
            Apply filters
          </button>
          <button className="nhsuk-button" type="button" onClick={() => void exportPdf()} disabled={exporting.kind === 'running'}>
            Export PDF
          </button>
          <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={() => setPrinting(true)} disabled={entries.length === 0}>
            Print the entries shown
          </button>
        </div>
      </form>

      {exporting.kind === 'running' && (
        <p role="status">
          Exporting… {exporting.total ? `page ${exporting.done} of ${exporting.total}` : ''}{' '}
          <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => void hostApi()!.jobs.cancel({ jobId: exporting.jobId })}>
            Cancel
          </button>
        </p>
      )}
      {exporting.kind === 'failed' && (
        <ErrorSummary title="The export did not finish">
          <p>{exporting.message}</p>
        </ErrorSummary>
      )}
      {exporting.kind === 'done' && (
        <div className="nhsuk-inset-text" data-testid="export-result">
          <p>
            Exported {exporting.pageCount} page{exporting.pageCount === 1 ? '' : 's'} to <code>{exporting.path}</code>
          </p>
          <form
            aria-label="Verify the exported file"
            onSubmit={(event) => {
              event.preventDefault();
              void verify(exporting.fileName, new FormData(event.currentTarget));
            }}
          >
            <TextField id="registered-fingerprint" label="Registered workstation key fingerprint (from the key register)" autoComplete="off" />
            <div className="nhsuk-checkboxes__item">
              <input className="nhsuk-checkboxes__input" id="trust-embedded-key" name="trust-embedded-key" type="checkbox" />
              <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor="trust-embedded-key">
                I have no registered fingerprint: check the file against the key it carries (weaker)
              </label>
            </div>
            <button type="submit" className="nhsuk-button nhsuk-button--secondary">
              Verify the exported file
            </button>
          </form>
          {exporting.verified && <p data-testid="verify-result">{exporting.verified}</p>}
        </div>
      )}

      <p data-testid="entry-count">
        {entries.length} entr{entries.length === 1 ? 'y' : 'ies'} shown, newest first
      </p>
      <TableVirtuoso
        className="ws-audit-table"
        // A scrolling region of its own: named and reachable by Tab (a cold trial found it unnamed).
        aria-label="Audit entries, newest first"
        role="region"
        tabIndex={0}
        style={{ height: 'max(480px, calc(100vh - 260px))' }}
        data={entries}
        fixedHeaderContent={() => (
          <tr>
            <th>#</th>
            <th>Time (local)</th>
            <th>User</th>
            <th>Action</th>
            <th>Objects</th>
            <th>Outcome</th>
          </tr>
        )}
        itemContent={(_index, entry) => <AuditCells entry={entry} people={people} />}
      />
      {printing && (
        <div className="ws-print-only" ref={printRef} data-testid="audit-print">
          <h2>Audit trail</h2>
          <p>
            {entries.length} entr{entries.length === 1 ? 'y' : 'ies'}, newest first. Printed {displayTime(new Date().toISOString())}. A printout is not signed: the exported PDF is the verifiable copy.
          </p>
          <table>
            <thead>
              <tr>
                <th>#</th>
                <th>Time (local)</th>
                <th>User</th>
                <th>Action</th>
                <th>Objects</th>
                <th>Outcome</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.sequence}>
                  <AuditCells entry={entry} people={people} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ExportedFilesSection refreshKey={exportCount} />
    </section>
  );
}

/** One entry's cells, on screen and in print. */
/** What each identifier in an entry is, in words (a cold trial found "subjectUserId: de9c…"). */
const OBJECT_WORDS: Readonly<Record<keyof AuditEntry['objects'], string>> = {
  threadId: 'Thread',
  transcriptionId: 'Transcription',
  documentId: 'Note',
  importId: 'Import',
  subjectUserId: 'Person',
  setting: 'Setting',
  nhsNumber: 'NHS number',
  wipeId: 'Wipe',
  attachmentId: 'Attachment',
};

/** An entry's identifiers in words: a person by name, an NHS number spaced, anything else by its first characters (the whole in its tooltip and in the PDF). */
function AuditObjectsCell({ objects, people }: { objects: AuditEntry['objects']; people: readonly Person[] }) {
  const parts = (Object.entries(objects) as [keyof AuditEntry['objects'], string][]).map(([key, value]) => {
    const person = key === 'subjectUserId' ? people.find((candidate) => candidate.userId === value) : undefined;
    const shown = key === 'nhsNumber' ? displayNhsNumber(value) : person ? `${person.displayName} (${person.username})` : key === 'setting' || value.length <= 13 ? value : `${value.slice(0, 8)}…`;
    return (
      <span key={key} className="ws-block" title={`${key}: ${value}`}>
        {OBJECT_WORDS[key] ?? key}: {shown}
      </span>
    );
  });
  return <>{parts}</>;
}

function AuditCells({ entry, people }: { entry: AuditEntry; people: readonly Person[] }) {
  return (
    <>
      <td>{entry.sequence}</td>
      <td>{displayTime(entry.time.utc, { timeZone: entry.time.zone, seconds: true })}</td>
      <td>{entry.actor ? `${entry.actor.displayName} (${entry.actor.role})` : 'Wardscribe'}</td>
      <td title={entry.action}>{AUDIT_ACTION_WORDS[entry.action]}</td>
      <td>
        <AuditObjectsCell objects={entry.objects} people={people} />
      </td>
      <td>
        {entry.outcome.status}
        {entry.outcome.reason ? ` (${reasonInWords(entry.action, entry.outcome.reason)})` : ''}
      </td>
    </>
  );
}
