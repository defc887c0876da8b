import { describe, expect, it } from 'vitest';
import { draftProblems } from '../../../main/transcriptions/transcription-service';
import type { StoredDraft } from '../../../main/vault/queries/transcription-drafts';
import type { StoredMessage } from '../../../main/vault/queries/messages';

const message = (id: string, sender: string | null): StoredMessage =>
  ({ id, threadId: 't', ordinal: Number(id), sender, kind: 'message', text: 'Stop the heparin', head: '', localTime: '2026-11-30T09:00:00', zone: 'Europe/London', instant: '2026-11-30T09:00:00Z', flags: [], warnings: [], attachmentName: null, line: 1 }) as unknown as StoredMessage;

const draft = (messageIds: string[], advisers: StoredDraft['advisers'] = {}): StoredDraft =>
  ({
    id: 'd',
    threadId: 't',
    messageIds,
    advisers,
    summary: 'Heparin stopped.',
    images: [],
    contextMessageIds: [],
    patient: { nhsNumber: '9434765919', name: 'Jane Jones', birthDate: '1950-03-12', confirmed: true },
    status: 'draft',
    createdBy: 'u',
    createdAt: '2026-11-30T10:00:00Z',
    updatedBy: 'u',
    updatedAt: '2026-11-30T10:00:00Z',
  }) as unknown as StoredDraft;

describe('advice from a contact saved without a name', () => {
  it('cannot be attested, and the clinician is told why and what to do', () => {
    const problems = draftProblems(draft(['1']), [message('1', '')]);
    expect(problems).toContainEqual(expect.stringContaining('has no name in the export'));
    expect(problems.some((problem) => problem.includes('Say who ""'))).toBe(false);
  });

  it('leaves a named sender to be identified as usual', () => {
    const adviser = { displayNameInChat: 'Ada', name: 'Dr Ada Shah', role: 'Registrar' };
    expect(draftProblems(draft(['1'], { Ada: adviser }), [message('1', 'Ada')]).filter((problem) => problem.includes('name in the export'))).toEqual([]);
  });
});

describe('senders whose names are also names of built-in properties', () => {
  it.each(['constructor', 'toString', 'hasOwnProperty'])('"%s" is a sender like any other: not identified, it says so; identified, it can be attested', (name) => {
    const unidentified = draftProblems(draft(['1']), [message('1', name)]);
    expect(unidentified).toContainEqual(expect.stringContaining(`Say who "${name}"`));
    const adviser = { displayNameInChat: name, name: 'Dr Ada Shah', role: 'Registrar' };
    const identified = draftProblems(draft(['1'], { [name]: adviser }), [message('1', name)]);
    expect(identified.filter((problem) => problem.includes(`"${name}"`))).toEqual([]);
  });
});
