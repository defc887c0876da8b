import { readFile } from 'node:fs/promises';
import { verifyTrailPdf, type TrailReport, type VerifyTrailOptions } from '../audit/verify-trail';
import type { CliCommand, CliIo } from './command';

const USAGE =
  'usage: wardscribe verify-trail FILE.pdf (--expect-key FINGERPRINT | --trust-embedded-key) [--witness SEQUENCE:SHA256] [--json]\n' +
  '  --expect-key          the workstation key fingerprint registered for the ward (hex, spaces allowed)\n' +
  '  --trust-embedded-key  trust whatever key the PDF carries: proves only that the file agrees with itself\n' +
  '  --witness     a chain head recorded elsewhere, e.g. in an EPR filing\n' +
  '  --json        print the full report as JSON\n' +
  'exit status: 0 verified, 1 verification failed, 2 usage or file error';

interface ParsedArgs {
  readonly file: string;
  readonly options: VerifyTrailOptions;
  readonly json: boolean;
}

function parseArgs(args: readonly string[]): ParsedArgs | string {
  let file: string | undefined;
  let json = false;
  let expectedKeyFingerprint: string | undefined;
  let trustEmbeddedKey = false;
  let witness: VerifyTrailOptions['witness'];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--json') json = true;
    else if (arg === '--trust-embedded-key') trustEmbeddedKey = true;
    else if (arg === '--expect-key') {
      const value = args[++index]?.replace(/[\s:]/g, '').toLowerCase();
      if (!value || !/^[0-9a-f]{64}$/.test(value)) return '--expect-key needs a 64-digit hex fingerprint';
      expectedKeyFingerprint = value;
    } else if (arg === '--witness') {
      const match = /^(\d+):([0-9a-f]{64})$/.exec(args[++index] ?? '');
      if (!match) return '--witness needs SEQUENCE:SHA256 (64 lower-case hex digits)';
      witness = { sequence: Number(match[1]), hash: match[2]! };
    } else if (arg.startsWith('-')) return `unknown option ${arg}`;
    else if (file === undefined) file = arg;
    else return 'give exactly one PDF file';
  }
  if (file === undefined) return 'give the exported PDF to verify';
  if (expectedKeyFingerprint && trustEmbeddedKey) return 'give either --expect-key or --trust-embedded-key, not both';
  if (!expectedKeyFingerprint && !trustEmbeddedKey) {
    return 'give --expect-key with the fingerprint registered for this workstation (a PDF forged with a new key passes without it), or --trust-embedded-key to accept the key the PDF carries';
  }
  return {
    file,
    json,
    options: { ...(expectedKeyFingerprint ? { expectedKeyFingerprint } : {}), ...(trustEmbeddedKey ? { trustEmbeddedKey } : {}), ...(witness ? { witness } : {}) },
  };
}

/** Human-readable verdict: one OK line, or FAILED and each problem with the entry or page at fault. */
export function formatTrailReport(report: TrailReport): string {
  const range = report.entryCount ? `entries ${report.firstSequence}–${report.lastSequence}` : 'no entries';
  const head = report.head ? `head ${report.head.sequence} ${report.head.hash}` : 'no sealed head';
  const summary = `${report.entryCount} ${report.filtered ? 'filtered ' : ''}entries (${range}), ${report.pageCount} pages, ${head}, ${report.checkpointsVerified} signed checkpoints, key ${report.keyFingerprint ?? 'unreadable'}`;
  const witness = report.witness === 'not-checked' ? '' : `\nwitness: ${report.witness}`;
  const trust =
    report.trust === 'embedded-key-trusted'
      ? '\nWARNING: the key embedded in the PDF was trusted without checking it against the registered fingerprint; a PDF forged from scratch with a new key would also pass.'
      : report.trust === 'pinned' && report.problems.some((problem) => problem.kind === 'key-not-expected')
        ? '\nkey: does NOT match the registered fingerprint (see key-not-expected above)'
        : report.trust === 'pinned'
        ? `\nkey: matches the registered fingerprint${report.signingKeyProtection ? `; checkpoints signed by a key it certified, held in ${report.signingKeyProtection === 'os-keystore' ? 'the OS keystore' : 'a key file outside the data folder'}` : ''}`
        : '';
  if (report.ok) return `OK: ${summary}${trust}${witness}`;
  const lines = report.problems.map((problem) => {
    const where = [
      problem.sequence !== undefined ? `entry ${problem.sequence}` : '',
      problem.page !== undefined ? `page ${problem.page}` : '',
      problem.line !== undefined ? `line ${problem.line}` : '',
    ].filter(Boolean);
    return `  ${problem.kind}${where.length ? ` (${where.join(', ')})` : ''}: ${problem.message}`;
  });
  return `FAILED: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} in ${summary}\n${lines.join('\n')}${trust}${witness}`;
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    io.stderr.write(`wardscribe verify-trail: ${parsed}\n${USAGE}\n`);
    return 2;
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(parsed.file);
  } catch (error) {
    io.stderr.write(`wardscribe verify-trail: cannot read ${parsed.file} (${(error as NodeJS.ErrnoException).code ?? 'error'})\n`);
    return 2;
  }
  const report = await verifyTrailPdf(bytes, parsed.options);
  io.stdout.write((parsed.json ? JSON.stringify(report, null, 2) : formatTrailReport(report)) + '\n');
  return report.ok ? 0 : 1;
}

/** `wardscribe verify-trail FILE.pdf`: verifies an exported audit trail from the PDF alone. */
export const verifyTrailCommand: CliCommand = {
  summary: 'Verify an exported audit-trail PDF (chain, signatures, page manifest)',
  run,
};
