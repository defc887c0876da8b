/**
 * A wipe in the trail PDF reads as the certificate does (issue #16): counts in words, times on the
 * workstation's clock with the zone, how many messages went without being in a note.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { displayTimeSpan } from '../../../shared/wording/times';
import { tempDir } from '../../support/temp';
import { exportFixture } from './support/export';
import { makeTrail, USERS } from './support/fixtures';

describe('a wipe in the trail PDF', () => {
  const folder = tempDir('wardscribe-audit-wipe-');
  afterAll(() => folder.remove());

  it('says what went, what was filed and how it ended, in words', async () => {
    const trail = makeTrail(2);
    const wipe = {
      messageCount: 17,
      attachmentCount: 1,
      draftCount: 4,
      firstInstant: '2024-03-30T08:00:00Z',
      lastInstant: '2024-03-31T09:30:00Z',
      documentIds: ['doc-81'],
      level: 'purge' as const,
      verification: 'passed' as const,
      sourceFile: 'overwritten',
      override: true,
      keyRotated: true,
      unfiledMedia: 1,
      unfiledMessages: 3,
    };
    trail.log.record({ action: 'wipe-verified', actor: USERS[1]!, objects: { threadId: 'thread-1' }, outcome: { status: 'success', reason: 'purge' }, hashes: {}, wipe });
    const exported = await exportFixture(trail, folder.path);
    const text = execFileSync('/usr/bin/pdftotext', [exported.path, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain(`17 messages, 1 attachment, 4 transcriptions sent ${displayTimeSpan(wipe.firstInstant, wipe.lastInstant)}`);
    expect(text).toContain('filed as record references doc-81');
    expect(text).toContain('wiped and checked (passed), vault key changed; export file: overwritten and deleted');
    expect(text).toContain('3 messages in no filed note destroyed on the clinician’s reason');
    expect(text).toContain('1 attachment of the filed messages destroyed unfiled');
    expect(text).not.toMatch(/level purge|drafts/);
  });
});
