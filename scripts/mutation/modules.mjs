/**
 * The safety modules `npm run mutation` mutates, the hazard each one controls, and the tests that
 * judge its mutants. Each module's tests are named, not found: the ones that state its behaviour,
 * fast enough that the whole run stays short on two cores. (Stryker's vitest runner sets the test
 * name filter itself, per mutant, so tests cannot be left out by name: a file is in or out.)
 *
 * `pending: true` marks a module whose mutation testing is not finished: it is listed (and the
 * hazards it carries cannot be "controlled"), but not yet run by default or held to THRESHOLD.
 *
 * A module joins this list when a change makes it carry a hazard's control; its report then lives
 * in docs/clinical-safety/mutation/<name>.json (committed: it is the incremental baseline and the
 * evidence the safety case cites).
 */
export const THRESHOLD = 90;

/** @type {readonly { name: string; file: string; hazards: readonly string[]; control: string; tests: readonly string[]; ranges?: readonly (readonly [string, string | null])[]; pending?: boolean; project: 'shared' | 'node' }[]} */
export const SAFETY_MODULES = [
  {
    name: 'nhs-number',
    file: 'shared/domain/nhs-number.ts',
    hazards: ['H-014'],
    control: 'Modulus 11 check of the NHS number before anything is filed',
    project: 'shared',
    tests: ['tests/unit/domain/nhs-number.test.ts', 'tests/unit/domain/nhs-number.mutation.test.ts'],
  },
  {
    name: 'wipe-gate',
    file: 'shared/domain/wipe.ts',
    hazards: ['H-013', 'H-028', 'H-031', 'H-032'],
    control: 'The wipe gate: only verified filings, in-flight refused, overrides only with a reason; unfiled media of filed messages destroyed only when a clinician acknowledges each',
    project: 'shared',
    tests: ['tests/unit/domain/wipe-certificate-view.test.ts', 'tests/unit/domain/wipe.mutation.test.ts'],
  },
  {
    name: 'audit-chain',
    file: 'main/audit/chain.ts',
    hazards: ['H-016'],
    control: 'SHA-256 hash chain over the audit entries, verified against the expected head',
    project: 'node',
    tests: ['tests/unit/audit/chain.test.ts', 'tests/unit/audit/chain.mutation.test.ts'],
  },
  {
    name: 'local-time',
    file: 'main/importers/local-time.ts',
    hazards: ['H-008'],
    control: 'Wall-clock times converted in a named zone; DST gaps and repeats flagged, never chosen',
    project: 'node',
    tests: ['tests/unit/importers/local-time.test.ts', 'tests/unit/importers/local-time.mutation.test.ts'],
  },
  {
    name: 'date-order',
    file: 'main/importers/date-order.ts',
    hazards: ['H-008'],
    control: 'Day/month order only when the file proves it; contradictions and no proof refused',
    project: 'node',
    tests: ['tests/unit/importers/date-order.mutation.test.ts'],
  },
  {
    name: 'whatsapp-head',
    file: 'main/importers/whatsapp-head.ts',
    hazards: ['H-008', 'H-009'],
    control: 'One head grammar for the layouts phones write (digits, day periods, 12-hour hour 0)',
    project: 'node',
    tests: ['tests/unit/importers/whatsapp-head.test.ts', 'tests/unit/importers/whatsapp-head.mutation.test.ts'],
  },
  {
    name: 'markers',
    file: 'main/importers/markers.ts',
    hazards: ['H-009'],
    control: 'Media, deletion and edit markers recognised; unknown U+200E-led forms flagged, sender kept',
    project: 'node',
    tests: ['tests/unit/importers/markers.mutation.test.ts'],
  },
  {
    name: 'head-line-parser',
    file: 'main/importers/head-line-parser.ts',
    hazards: ['H-008', 'H-009'],
    control: 'Heads of the file\'s own layout start messages; embedded heads, senders and group events decided',
    project: 'node',
    // The head, sender and marker decisions (the rest of the file is reading and bookkeeping,
    // judged through the real-export corpus): the head branch of the line loop, the sender
    // helpers, and buildMessage.
    ranges: [
      ['if (isHead && head.signature === signature) {', 'if (continuation) {'],
      ['function quotesLikeSystemLine(', 'function hasBidiBytes('],
      ['function buildMessage(', null],
    ],
    tests: ['tests/unit/importers/whatsapp.test.ts', 'tests/unit/importers/head-line-parser.mutation.test.ts'],
  },
  {
    name: 'filing',
    file: 'main/epr/filing.ts',
    hazards: ['H-012', 'H-013', 'H-029', 'H-031', 'H-032'],
    control: 'Search before any resend, one document per identifier; only a matching read-back is verified',
    project: 'node',
    tests: ['tests/unit/epr/filing.mutation.test.ts', 'tests/unit/epr/filing-own-id.test.ts'],
  },
  {
    name: 'outbox-runner',
    file: 'main/epr/outbox-runner.ts',
    hazards: ['H-012', 'H-031', 'H-032'],
    control: 'One push in flight per identifier; retries with backoff; refusals end in a state a clinician can act on; a Retry never makes a second document',
    project: 'node',
    tests: ['tests/unit/epr/outbox-runner.mutation.test.ts'],
  },
  {
    name: 'chat-identity',
    file: 'main/imports/chat-identity.ts',
    hazards: ['H-024'],
    control: 'Keyed per-message fingerprints that recognise a re-export (merged once) and a wiped chat (never back)',
    project: 'node',
    tests: ['tests/unit/imports/chat-identity.mutation.test.ts'],
  },
  {
    name: 'export-matcher',
    file: 'main/imports/export-matcher.ts',
    hazards: ['H-012', 'H-024'],
    control: 'A later export merged only into the thread it shares its overlap with; each message here, wiped (never back) or new',
    project: 'node',
    tests: ['tests/unit/imports/export-matcher.mutation.test.ts'],
  },
  {
    name: 'key-file-lock',
    file: 'main/vault/key-file-lock.ts',
    hazards: ['H-005', 'H-022'],
    control: 'One writer of the key file at a time, within the process and across processes; a long hold refused, never waited out silently',
    project: 'node',
    tests: ['tests/unit/vault/key-file-lock.mutation.test.ts'],
  },
];
