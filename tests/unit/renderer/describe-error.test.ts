import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { contract } from '../../../shared/ipc/contract';
import { ERROR_CODES, type IpcError } from '../../../shared/ipc/result';
import { describeError } from '../../../renderer/src/logic/describe-error';

/** What main's registry sends for a request its schema refused (main/ipc/registry.ts). */
function refusal(schema: z.ZodType, payload: unknown): IpcError {
  const parsed = schema.safeParse(payload);
  if (parsed.success) throw new Error('expected the schema to refuse the payload');
  return {
    code: 'invalid-request',
    message: 'The request was not in the expected form.',
    issues: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
  };
}

/** Zod's wording, dotted paths and format jargon that must never reach a ward user. */
const JARGON = /too small|too big|expected|received|>=|<=|invalid input|\w+\.\w+:|regex|ISO|hex\b|undefined/i;

describe('describeError', () => {
  it('turns an empty import path into "Enter the export file." linked to its input, with no zod text', () => {
    const error = refusal(contract.imports.inspect.request, { path: '', zone: 'Europe/London' });
    expect(error.issues![0]!.message).toMatch(/Too small/);
    const described = describeError(error, { path: { label: 'the export file', inputId: 'import-path' } });
    expect(described.problems).toEqual([{ text: 'Enter the export file.', inputId: 'import-path' }]);
    expect(described.message).not.toMatch(JARGON);
  });

  it('names an audit filter field in words, not as filter.nhsNumber', () => {
    const error = refusal(contract.audit.query.request, { filter: { nhsNumber: '943 476' }, limit: 10 });
    const described = describeError(error, { 'filter.nhsNumber': { label: 'the NHS number', inputId: 'audit-nhs' } });
    expect(described.problems.length).toBeGreaterThan(0);
    for (const problem of described.problems) {
      expect(problem.text).not.toMatch(JARGON);
      expect(problem.text).toMatch(/^The NHS number /);
      expect(problem.inputId).toBe('audit-nhs');
    }
  });

  it('keeps a sentence a schema wrote for people ("Enter a passphrase.")', () => {
    const error = refusal(contract.session.signIn.request, { username: 'ada', passphrase: '' });
    expect(describeError(error).problems.map((problem) => problem.text)).toContain('Enter a passphrase.');
  });

  it('never shows zod text for any field of a request, even one the screen did not name', () => {
    const error = refusal(contract.transcriptions.saveDraft.request, { threadId: '', messageIds: [], advisers: {}, summary: 1, patient: { nhsNumber: 5 } });
    const described = describeError(error);
    expect(described.problems.length).toBeGreaterThan(2);
    for (const problem of described.problems) expect(problem.text).not.toMatch(JARGON);
    expect(described.problems.map((problem) => problem.text)).toContain('Select at least one message.');
  });

  it('keeps main’s own sentence for a refusal, and has a plain one for every code when main gave none', () => {
    expect(describeError({ code: 'rejected', message: 'This file is not a chat export Wardscribe can read.' }).message).toBe('This file is not a chat export Wardscribe can read.');
    for (const code of ERROR_CODES) {
      const message = describeError({ code, message: '' }).message;
      expect(message).toMatch(/^[A-Z].*\.$/);
      expect(message).not.toMatch(JARGON);
    }
    // A developer's text in the message slot is not shown either.
    expect(describeError({ code: 'internal', message: 'TypeError: cannot read properties of undefined' }).message).not.toMatch(/TypeError|undefined/);
  });

  it('links a refusal main says is about one field to the input the screen names for it, and to nothing it does not name', () => {
    const refusal = { code: 'rejected' as const, message: 'An ODS code is 3 to 10 capital letters or digits.', field: 'odsCode' };
    expect(describeError(refusal, { odsCode: { label: 'the ODS code', inputId: 'epr-ods' } }).problems).toEqual([{ text: 'An ODS code is 3 to 10 capital letters or digits.', inputId: 'epr-ods' }]);
    expect(describeError(refusal, {}).problems).toEqual([{ text: 'An ODS code is 3 to 10 capital letters or digits.' }]);
  });

  it('reads the typed error inside a thrown HostError, and does not show a bridge exception', () => {
    const hostError = Object.assign(new Error('x'), { error: { code: 'locked', message: 'Wardscribe is locked.' } });
    expect(describeError(hostError).message).toBe('Wardscribe is locked.');
    expect(describeError(new Error('Target page, context or browser has been closed')).message).toMatch(/could not reach/);
  });
});

describe('plainText', () => {
  it('names the fields main lists by path in a draft problem, and leaves file names alone', async () => {
    const { plainText } = await import('../../../renderer/src/logic/describe-error');
    expect(plainText('Some details are missing or malformed (patient.birthDate, patient.nhsNumber).')).toBe('Some details are missing or malformed (the date of birth, the NHS number).');
    expect(plainText('The file chat.txt was not found.')).toBe('The file chat.txt was not found.');
  });
});
