import { describe, expect, it } from 'vitest';
import type { ThreadQueueRow } from '../../../shared/ipc/work-queue';
import { joinDate, splitDate } from '../../../renderer/src/logic/date-parts';
import { queueLabel, sortRows } from '../../../renderer/src/logic/work-queue';

const row = (id: string, title: string, status: ThreadQueueRow['status'], lastActivityAt: string, extra: Partial<ThreadQueueRow> = {}): ThreadQueueRow => ({
  id,
  status,
  title,
  source: 'whatsapp-ios',
  messageCount: 3,
  firstInstant: '2024-04-13T20:14:02.000Z',
  lastInstant: '2024-04-13T21:00:00.000Z',
  zone: 'Europe/London',
  importedAt: '2024-04-14T07:00:00.000Z',
  importedBy: { userId: 'u1', displayName: 'Carl Clerk' },
  lastActivityAt,
  openDrafts: status === 'drafted' ? 1 : 0,
  outbox: { pending: 0, filed: 0, verified: 0, stopped: 0 },
  messagesInNotes: status === 'filed' ? 3 : 0,
  messagesForNotes: 3,
  wipedAt: null,
  wipeId: null,
  ...extra,
});

describe('work queue', () => {
  const rows = [
    row('a', 'Ward 7', 'drafted', '2024-04-14T10:00:00.000Z', { openDrafts: 2 }),
    row('b', 'ward 3', 'filed', '2024-04-14T09:40:00.000Z', { messageCount: 10, messagesInNotes: 10, messagesForNotes: 10, importedBy: { userId: 'u2', displayName: 'Ada Admin' } }),
    row('c', 'Ward 9', 'queued', '2024-04-14T07:45:00.000Z', { outbox: { pending: 0, filed: 0, verified: 0, stopped: 1 } }),
  ];

  it('says where each thread stands in words, a stopped filing above all', () => {
    expect(rows.map(queueLabel)).toEqual(['Draft waiting (2)', 'Filed and verified', 'Filing stopped: needs attention']);
  });

  it('a filed thread with messages in no note says how many of its messages are in notes', () => {
    expect(queueLabel(row('d', 'Ward 2', 'filed', '2024-04-14T09:00:00.000Z', { messageCount: 32, messagesInNotes: 3, messagesForNotes: 30 }))).toBe('Filed and verified (3 of 30 messages in notes)');
    // System lines ("Ada added Ben") are in no note and never need to be: all advice in notes says so plainly.
    expect(queueLabel(row('e', 'Ward 2', 'filed', '2024-04-14T09:00:00.000Z', { messageCount: 32, messagesInNotes: 30, messagesForNotes: 30 }))).toBe('Filed and verified');
  });

  it('sorts by any column either way', () => {
    expect(sortRows(rows, { key: 'status', descending: false }).map((item) => item.id)).toEqual(['c', 'a', 'b']);
    expect(sortRows(rows, { key: 'title', descending: false }).map((item) => item.title)).toEqual(['ward 3', 'Ward 7', 'Ward 9']);
    expect(sortRows(rows, { key: 'messages', descending: true })[0]!.id).toBe('b');
    expect(sortRows(rows, { key: 'importedBy', descending: false })[0]!.id).toBe('b');
    expect(sortRows(rows, { key: 'lastActivity', descending: true }).map((item) => item.id)).toEqual(['a', 'b', 'c']);
  });
});

describe('date of birth parts', () => {
  const today = new Date('2026-12-02T00:00:00Z');
  it('joins day, month and year into an ISO date and says which part is wrong', () => {
    expect(joinDate({ day: '31', month: '1', year: '1950' }, 'dob', 'Date of birth', today)).toEqual({ kind: 'date', value: '1950-01-31' });
    expect(joinDate({ day: '', month: '', year: '' })).toEqual({ kind: 'empty' });
    expect(joinDate({ day: '31', month: '', year: '1950' }, 'dob')).toMatchObject({ kind: 'invalid', message: 'Date of birth must include a month.', inputId: 'dob-month' });
    expect(joinDate({ day: '30', month: '2', year: '1950' }, 'dob')).toMatchObject({ kind: 'invalid', inputId: 'dob-day' });
    expect(joinDate({ day: '1', month: '13', year: '1950' }, 'dob')).toMatchObject({ kind: 'invalid', inputId: 'dob-month' });
    expect(joinDate({ day: '1', month: '1', year: '50' }, 'dob')).toMatchObject({ kind: 'invalid', inputId: 'dob-year' });
    expect(joinDate({ day: '1', month: '1', year: '2030' }, 'dob', 'Date of birth', today)).toMatchObject({ kind: 'invalid', message: 'Date of birth must be in the past.' });
  });
  it('splits a stored date back into its parts', () => {
    expect(splitDate('1950-01-31')).toEqual({ day: '31', month: '1', year: '1950' });
    expect(splitDate('')).toEqual({ day: '', month: '', year: '' });
  });
});
