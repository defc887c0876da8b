import { describe, expect, test } from 'vitest';
import {
  certificateForRole,
  decideUnfiledMedia,
  decideWipe,
  describeUnfiledMedia,
  markRefiled,
  MIN_OVERRIDE_REASON,
  SOURCE_FILE_OUTCOMES,
  WipeCertificateSchema,
  WipeVerificationSchema,
  WITHHELD,
  wipeLevel,
  type GateTranscription,
  type MediaTranscription,
  unfiledMedia,
  untranscribedMessages,
  type WipeCertificate,
  type WipeVerification,
} from '../../../shared/domain/wipe';

/**
 * H-013 (originals wiped while the record is missing or altered): every branch of the wipe gate,
 * with the exact words the confirmation screen shows, and the certificate's rules.
 */
const WITHDRAWN_ONE = '1 note filed from this chat was withdrawn from the record, and what it carried is in no note there now. If the advice belongs in another patient\u2019s record, file it for them from this chat first.';
const carrying = (state: GateTranscription['state'], messageIds: string[]): MediaTranscription => ({ state, messageIds, filedAttachmentIds: [] });
const item = (state: GateTranscription['state'], extra: Partial<GateTranscription> = {}): GateTranscription => ({
  draftId: `d-${state}`,
  identifier: state === 'draft' ? null : `urn:uuid:${state}`,
  state,
  nhsNumber: '9434765919',
  documentReferenceId: state === 'verified' ? 'doc-1' : null,
  ...extra,
});

describe('the wipe gate', () => {
  test('every transcription verified: allowed, with no problems', () => {
    expect(decideWipe([item('verified')], 0)).toEqual({ kind: 'allowed' });
    expect(decideWipe([item('verified'), item('verified', { draftId: 'd-2' })], 0)).toEqual({ kind: 'allowed' });
  });

  test.each(['queued', 'sending', 'filed'] as const)('one transcription %s: refused outright, even beside a verified one', (state) => {
    expect(decideWipe([item('verified'), item(state)], 0)).toEqual({
      kind: 'refused',
      problems: ['1 transcription is still being filed in the record. Wait until it is verified, then wipe.'],
    });
  });

  test('several in flight: counted, in the plural', () => {
    expect(decideWipe([item('queued'), item('sending'), item('filed'), item('draft')], 0)).toEqual({
      kind: 'refused',
      problems: ['3 transcriptions are still being filed in the record. Wait until they are verified, then wipe.'],
    });
  });

  test('a read-back that found the record changed refuses, whatever else the thread holds', () => {
    expect(decideWipe([item('verified'), item('failed', { readBackMismatch: true })], 0)).toEqual({
      kind: 'refused',
      problems: ['The record differs from what was filed for 1 transcription (see the outbox). Keep the chat until the record is corrected and verified.'],
    });
    expect(decideWipe([item('needs-attention', { readBackMismatch: true }), item('failed', { readBackMismatch: true })], 0)).toEqual({
      kind: 'refused',
      problems: ['The record differs from what was filed for 2 transcriptions (see the outbox). Keep the chat until the record is corrected and verified.'],
    });
    // An explicit false is not a mismatch.
    expect(decideWipe([item('verified', { readBackMismatch: false })], 0)).toEqual({ kind: 'allowed' });
  });

  test('a correction not yet verified, or still marking the note it replaces, refuses outright, counted, before any mismatch', () => {
    expect(decideWipe([item('verified'), item('failed', { correction: 'filing' })], 0)).toEqual({
      kind: 'refused',
      problems: ['1 correction of a filed note is not yet verified in the record. Wait until it is (see the outbox), then wipe.'],
    });
    expect(decideWipe([item('verified', { correction: 'marking' }), item('needs-attention', { correction: 'filing', readBackMismatch: true })], 0)).toEqual({
      kind: 'refused',
      problems: ['2 corrections of filed notes are not yet verified in the record. Wait until they are (see the outbox), then wipe.'],
    });
    // In flight is said first, as for any filing.
    expect(decideWipe([item('sending', { correction: 'filing' })], 0)).toEqual({
      kind: 'refused',
      problems: ['1 transcription is still being filed in the record. Wait until it is verified, then wipe.'],
    });
  });

  test('a correction started and not attested is said as such, apart from other drafts, and needs a clinician’s reason', () => {
    expect(decideWipe([item('verified'), item('draft', { correction: 'drafted' })], 0)).toEqual({
      kind: 'needs-override',
      problems: ['1 correction of a filed note was started and not attested: the note in the record may be wrong, and this chat may be the only record of what was said.'],
    });
    expect(decideWipe([item('verified'), item('draft', { correction: 'drafted' }), item('draft', { correction: 'drafted', draftId: 'd-2' }), item('draft', { draftId: 'd-3' })], 0)).toEqual({
      kind: 'needs-override',
      problems: [
        '2 corrections of filed notes were started and not attested: the note in the record may be wrong, and this chat may be the only record of what was said.',
        '1 draft has not been attested and filed.',
      ],
    });
  });

  test('a verified correction whose replaced note was marked is like any verified note; one the EPR would not mark needs an override', () => {
    expect(decideWipe([item('verified', { correction: 'done' })], 0)).toEqual({ kind: 'allowed' });
    expect(decideWipe([item('verified', { correction: 'not-marked' })], 0)).toEqual({
      kind: 'needs-override',
      problems: ['The record was not made to mark 1 corrected note entered in error, so it is still current there beside the correction (see the outbox).'],
    });
    expect(decideWipe([item('verified', { correction: 'not-marked' }), item('verified', { correction: 'not-marked', draftId: 'd-2' })], 0)).toEqual({
      kind: 'needs-override',
      problems: ['The record was not made to mark 2 corrected notes entered in error, so they are still current there beside the correction (see the outbox).'],
    });
  });

  test('a withdrawal the record has not settled refuses outright, counted, after corrections and before a mismatch', () => {
    expect(decideWipe([item('verified'), item('verified', { withdrawal: 'withdrawing', draftId: 'd-2' })], 0)).toEqual({
      kind: 'refused',
      problems: ['1 withdrawn note is still being marked entered in error in the record. Wait until the outbox says how that ended, then wipe.'],
    });
    expect(decideWipe([item('verified', { withdrawal: 'withdrawing' }), item('verified', { withdrawal: 'withdrawing', draftId: 'd-2' }), item('failed', { readBackMismatch: true })], 0)).toEqual({
      kind: 'refused',
      problems: ['2 withdrawn notes are still being marked entered in error in the record. Wait until the outbox says how that ended, then wipe.'],
    });
    expect(decideWipe([item('verified', { withdrawal: 'withdrawing' }), item('failed', { correction: 'filing' })], 0)).toMatchObject({ kind: 'refused', problems: [expect.stringMatching(/^1 correction/)] });
  });

  test('a withdrawn note files nothing: said, with nothing filed; one the record would not mark needs an override too', () => {
    expect(decideWipe([item('withdrawn')], 3)).toEqual({
      kind: 'needs-override',
      problems: [WITHDRAWN_ONE, 'Nothing from this chat has been filed in the record.'],
    });
    expect(decideWipe([item('withdrawn'), item('withdrawn', { draftId: 'd-2' }), item('verified')], 2)).toEqual({
      kind: 'needs-override',
      problems: ['2 notes filed from this chat were withdrawn from the record, and what they carried is in no note there now. If the advice belongs in another patient\u2019s record, file it for them from this chat first.', '2 messages in this chat are in no note filed in the record.'],
    });
    expect(decideWipe([item('verified', { withdrawal: 'not-marked' })], 0)).toEqual({
      kind: 'needs-override',
      problems: ['The record was not made to mark 1 withdrawn note entered in error, so it is still current there (see the outbox).'],
    });
    expect(decideWipe([item('verified', { withdrawal: 'not-marked' }), item('verified', { withdrawal: 'not-marked', draftId: 'd-2' })], 0)).toEqual({
      kind: 'needs-override',
      problems: ['The record was not made to mark 2 withdrawn notes entered in error, so they are still current there (see the outbox).'],
    });
  });

  test('a withdrawn note whose messages are all filed again (for the right patient) is no longer a problem; one only partly filed again is', () => {
    expect(decideWipe([item('withdrawn', { refiled: true }), item('verified')], 0)).toEqual({ kind: 'allowed' });
    expect(decideWipe([item('withdrawn', { refiled: true }), item('withdrawn', { draftId: 'd-2' }), item('verified')], 0)).toEqual({ kind: 'needs-override', problems: [WITHDRAWN_ONE] });
    // Filed again means in a verified note: a withdrawn note alone still says nothing was filed.
    expect(decideWipe([item('withdrawn', { refiled: true })], 0)).toEqual({ kind: 'needs-override', problems: ['Nothing from this chat has been filed in the record.'] });
  });

  test('refiled: a withdrawn note every message of which a verified note carries; never one with no messages, nor any other state', () => {
    const gate = [item('withdrawn'), item('withdrawn', { draftId: 'd-2' }), item('verified'), item('withdrawn', { draftId: 'd-3' }), item('failed'), item('withdrawn', { draftId: 'd-5' })];
    const carried = [carrying('withdrawn', ['2', '3']), carrying('withdrawn', ['2', '4']), carrying('verified', ['2', '3']), carrying('withdrawn', []), carrying('failed', ['2']), carrying('withdrawn', ['3'])];
    expect(markRefiled(gate, carried).map((transcription) => transcription.refiled ?? false)).toEqual([true, false, false, false, false, true]);
    // Messages another withdrawn note or a failed one carries are not filed.
    expect(markRefiled([item('withdrawn'), item('failed')], [carrying('withdrawn', ['2']), carrying('failed', ['2'])]).map((transcription) => transcription.refiled ?? false)).toEqual([false, false]);
    expect(markRefiled([item('withdrawn'), item('withdrawn', { draftId: 'd-2' })], [carrying('withdrawn', ['2'])])[1]).toEqual(item('withdrawn', { draftId: 'd-2' }));
    expect(markRefiled(gate, carried)[0]).toEqual({ ...item('withdrawn'), refiled: true });
  });

  test('in flight is checked before a mismatch', () => {
    expect(decideWipe([item('queued'), item('failed', { readBackMismatch: true })], 0)).toEqual({
      kind: 'refused',
      problems: ['1 transcription is still being filed in the record. Wait until it is verified, then wipe.'],
    });
  });

  test('an unattested draft beside a verified filing needs a clinician override', () => {
    expect(decideWipe([item('verified'), item('draft')], 0)).toEqual({ kind: 'needs-override', problems: ['1 draft has not been attested and filed.'] });
    expect(decideWipe([item('verified'), item('draft'), item('draft', { draftId: 'd-2' })], 0)).toEqual({
      kind: 'needs-override',
      problems: ['2 drafts have not been attested and filed.'],
    });
  });

  test.each(['failed', 'needs-attention'] as const)('a %s filing beside a verified one needs a clinician override', (state) => {
    expect(decideWipe([item('verified'), item(state)], 0)).toEqual({
      kind: 'needs-override',
      problems: ['1 transcription could not be filed (see the outbox).'],
    });
  });

  test('failed and needs-attention are counted together', () => {
    expect(decideWipe([item('verified'), item('failed'), item('needs-attention')], 0)).toEqual({
      kind: 'needs-override',
      problems: ['2 transcriptions could not be filed (see the outbox).'],
    });
  });

  test('nothing filed at all, or nothing verified, needs an override and says so', () => {
    expect(decideWipe([], 0)).toEqual({ kind: 'needs-override', problems: ['Nothing from this chat has been filed in the record.'] });
    expect(decideWipe([item('draft'), item('failed')], 0)).toEqual({
      kind: 'needs-override',
      problems: ['1 draft has not been attested and filed.', '1 transcription could not be filed (see the outbox).', 'Nothing from this chat has been filed in the record.'],
    });
  });

  test('one verified note with other messages of the chat in no note needs an override, and counts them', () => {
    // The ward trial: one patient's advice filed, two other patients' advice never transcribed.
    expect(decideWipe([item('verified')], 29)).toEqual({ kind: 'needs-override', problems: ['29 messages in this chat are in no note filed in the record.'] });
    expect(decideWipe([item('verified')], 1)).toEqual({ kind: 'needs-override', problems: ['1 message in this chat is in no note filed in the record.'] });
    expect(decideWipe([item('verified'), item('draft')], 2)).toEqual({
      kind: 'needs-override',
      problems: ['1 draft has not been attested and filed.', '2 messages in this chat are in no note filed in the record.'],
    });
  });

  test('untranscribed messages never soften a refusal, and are not said twice when nothing was filed', () => {
    expect(decideWipe([item('verified'), item('queued')], 5).kind).toBe('refused');
    expect(decideWipe([item('verified'), item('failed', { readBackMismatch: true })], 5).kind).toBe('refused');
    expect(decideWipe([], 12)).toEqual({ kind: 'needs-override', problems: ['Nothing from this chat has been filed in the record.'] });
  });

  test('a clinician reason must be at least twenty characters', () => {
    expect(MIN_OVERRIDE_REASON).toBe(20);
  });
});

/** H-013: which messages of the thread are in no verified note (what the gate counts). */
describe('untranscribed messages', () => {
  const messages = [
    { messageId: '1', kind: 'system' as const, label: 'Sam added Tom' },
    { messageId: '2', kind: 'message' as const, label: 'oramorph PRN bed 9' },
    { messageId: '3', kind: 'message' as const, label: 'start co-amoxiclav bed 4' },
    { messageId: '4', kind: 'message' as const, label: 'thanks' },
  ];

  test('a message is carried only by a verified note; system lines are never counted; each keeps what it came with, in order', () => {
    expect(untranscribedMessages([carrying('verified', ['3'])], messages)).toEqual([messages[1], messages[3]]);
    expect(untranscribedMessages([], messages).map((message) => message.messageId)).toEqual(['2', '3', '4']);
  });

  test.each(['draft', 'queued', 'sending', 'filed', 'failed', 'needs-attention', 'withdrawn'] as const)('a %s transcription carries nothing yet', (state) => {
    expect(untranscribedMessages([carrying(state, ['2', '3', '4'])], messages).map((message) => message.messageId)).toEqual(['2', '3', '4']);
  });

  test('notes together cover the thread', () => {
    expect(untranscribedMessages([carrying('verified', ['2']), carrying('verified', ['3', '4'])], messages)).toEqual([]);
  });
});

/**
 * H-028 (unfiled clinical media destroyed by the wipe): which attachments of the filed messages
 * are not in the record, and that only a clinician's acknowledgement of each lets the wipe destroy them.
 */
const note = (state: MediaTranscription['state'], messageIds: string[], filedAttachmentIds: string[] = []): MediaTranscription => ({ state, messageIds, filedAttachmentIds });
const file = (attachmentId: string, messageId: string | null) => ({ attachmentId, messageId });

describe('the media a wipe would destroy unfiled', () => {
  test('an attachment of a message filed in a verified note, not filed with it (a PDF ECG beside a filed photo)', () => {
    const ecg = file('a-ecg', 'm-1');
    const photo = file('a-photo', 'm-1');
    expect(unfiledMedia([note('verified', ['m-1', 'm-2'], ['a-photo'])], [ecg, photo])).toEqual([ecg]);
    // The objects themselves come back, in the thread's order, whatever else they carry.
    const described = { ...file('a-2', 'm-2'), fileName: 'ECG.pdf' };
    const first = { ...file('a-1', 'm-1'), fileName: 'IMG-0001.jpg' };
    expect(unfiledMedia([note('verified', ['m-2', 'm-1'])], [first, described])).toEqual([first, described]);
  });

  test('attachments of messages in no verified note are not this rule\'s: drafts, failures and filings on their way are the gate\'s', () => {
    for (const state of ['draft', 'queued', 'sending', 'filed', 'failed', 'needs-attention'] as const) {
      expect(unfiledMedia([note(state, ['m-1'])], [file('a-1', 'm-1')]), state).toEqual([]);
    }
    // A message no verified note carries, beside one that it does.
    expect(unfiledMedia([note('verified', ['m-1']), note('draft', ['m-2'])], [file('a-1', 'm-1'), file('a-2', 'm-2')])).toEqual([file('a-1', 'm-1')]);
  });

  test('a file no message names is never of a filed message', () => {
    expect(unfiledMedia([note('verified', ['m-1'])], [file('a-1', null)])).toEqual([]);
  });

  test('an attachment another verified note filed is in the record', () => {
    expect(unfiledMedia([note('verified', ['m-1']), note('verified', ['m-1'], ['a-1'])], [file('a-1', 'm-1')])).toEqual([]);
  });

  test('an image only a note that is not verified carries is not in the record', () => {
    for (const state of ['failed', 'needs-attention', 'draft'] as const) {
      expect(unfiledMedia([note('verified', ['m-1']), note(state, ['m-1'], ['a-1'])], [file('a-1', 'm-1')]), state).toEqual([file('a-1', 'm-1')]);
    }
  });

  test('nothing transcribed, or no attachments: none', () => {
    expect(unfiledMedia([], [file('a-1', 'm-1')])).toEqual([]);
    expect(unfiledMedia([note('verified', ['m-1'])], [])).toEqual([]);
  });
});

describe('destroying unfiled media', () => {
  const one = [{ attachmentId: 'a-1' }];
  const two = [{ attachmentId: 'a-1' }, { attachmentId: 'a-2' }];
  const ONE = '1 attachment sent with the advice filed in the record is not in the record itself: only pictures chosen for a note are filed with it. The wipe destroys it for good.';
  const TWO = '2 attachments sent with the advice filed in the record are not in the record themselves: only pictures chosen for a note are filed with it. The wipe destroys them for good.';

  test('the sentence, in the singular and the plural', () => {
    expect(describeUnfiledMedia(1)).toBe(ONE);
    expect(describeUnfiledMedia(2)).toBe(TWO);
  });

  test('none: nothing to acknowledge, whoever wipes', () => {
    for (const by of ['clinician', 'clerk', 'retention'] as const) {
      expect(decideUnfiledMedia([], by, undefined), by).toEqual({ kind: 'none' });
      expect(decideUnfiledMedia([], by, []), by).toEqual({ kind: 'none' });
      expect(decideUnfiledMedia([], by, ['a-1']), by).toEqual({ kind: 'none' });
    }
  });

  test('the retention policy never destroys them, acknowledged or not', () => {
    const expected = { kind: 'refused', reason: 'unfiled-media-clinician-only', problem: `${ONE} The automatic wipe never destroys what is not in the record: a clinician must wipe this thread.` };
    expect(decideUnfiledMedia(one, 'retention', undefined)).toEqual(expected);
    expect(decideUnfiledMedia(one, 'retention', ['a-1'])).toEqual(expected);
  });

  test.each(['clerk', 'admin', 'auditor'] as const)('a %s cannot acknowledge them, even naming each', (role) => {
    expect(decideUnfiledMedia(one, role, ['a-1'])).toEqual({
      kind: 'refused',
      reason: 'unfiled-media-clinician-only',
      problem: `${ONE} Only a clinician can wipe it without filing: file what matters first, or ask a clinician.`,
    });
    expect(decideUnfiledMedia(two, role, ['a-1', 'a-2'])).toEqual({
      kind: 'refused',
      reason: 'unfiled-media-clinician-only',
      problem: `${TWO} Only a clinician can wipe them without filing: file what matters first, or ask a clinician.`,
    });
  });

  test('a clinician who has not acknowledged them (nothing sent, or an empty list) is refused', () => {
    for (const acknowledged of [undefined, []]) {
      expect(decideUnfiledMedia(one, 'clinician', acknowledged)).toEqual({
        kind: 'refused',
        reason: 'unfiled-media-not-acknowledged',
        problem: `${ONE} Confirm that it is to be destroyed without being filed, then wipe.`,
      });
      expect(decideUnfiledMedia(two, 'clinician', acknowledged)).toEqual({
        kind: 'refused',
        reason: 'unfiled-media-not-acknowledged',
        problem: `${TWO} Confirm that they are to be destroyed without being filed, then wipe.`,
      });
    }
  });

  test('an acknowledgement that misses one (the thread changed since the screen showed it) is refused', () => {
    const changed = { kind: 'refused', reason: 'unfiled-media-changed', problem: `${TWO} The attachments not in the record have changed since you confirmed: look at the list again, then confirm and wipe.` };
    expect(decideUnfiledMedia(two, 'clinician', ['a-1'])).toEqual(changed);
    expect(decideUnfiledMedia(two, 'clinician', ['a-2'])).toEqual(changed);
    expect(decideUnfiledMedia(two, 'clinician', ['a-3'])).toEqual(changed);
  });

  test('a clinician who acknowledges each, in any order, may wipe them; ids no longer unfiled do no harm', () => {
    expect(decideUnfiledMedia(one, 'clinician', ['a-1'])).toEqual({ kind: 'acknowledged' });
    expect(decideUnfiledMedia(two, 'clinician', ['a-2', 'a-1'])).toEqual({ kind: 'acknowledged' });
    expect(decideUnfiledMedia(one, 'clinician', ['a-9', 'a-1'])).toEqual({ kind: 'acknowledged' });
  });
});

const verification: WipeVerification = {
  status: 'passed',
  pagesDecrypted: 12,
  filesScanned: [{ name: 'vault.db', bytes: 4096 }],
  needles: 3,
  textSampled: true,
  hits: [],
  problems: [],
};

const certificate: WipeCertificate = {
  format: 'wardscribe-wipe-certificate/1',
  wipeId: 'w-1',
  threadId: 't-1',
  source: 'whatsapp-ios',
  sourceFileName: 'WhatsApp Chat - Mrs Jones.zip',
  sourceSha256: 'a'.repeat(64),
  messageCount: 2,
  attachmentCount: 0,
  draftCount: 0,
  firstInstant: '2026-11-30T08:00:00Z',
  lastInstant: '2026-11-30T08:00:00.250Z',
  trigger: 'user',
  requestedBy: { userId: 'u-1', displayName: 'Dr Ada Shah', role: 'clinician' },
  overrideReason: null,
  filed: [{ identifier: 'urn:uuid:1', documentReferenceId: null, nhsNumber: '943 476 5919' }],
  startedAt: '2026-11-30T20:00:00Z',
  finishedAt: null,
  keyRotated: true,
  sourceFile: 'not-requested',
  verification,
  level: null,
};

describe('the wipe certificate', () => {
  test('the level: purge only when the key rotated and verification passed, clear without rotation, failed otherwise', () => {
    expect(wipeLevel(true, verification)).toBe('purge');
    expect(wipeLevel(false, verification)).toBe('clear');
    expect(wipeLevel(true, { ...verification, status: 'failed' })).toBe('failed');
    expect(wipeLevel(false, { ...verification, status: 'failed' })).toBe('failed');
  });

  test('auditors see the last four digits of each NHS number, separators removed', () => {
    const view = certificateForRole(certificate, 'auditor');
    expect(view.filed).toEqual([{ identifier: 'urn:uuid:1', documentReferenceId: null, nhsNumber: '••• ••• 5919' }]);
    // No reason was needed: auditors see that none was given, not "withheld".
    expect(view.overrideReason).toBeNull();
    expect(view.sourceFileName).toBe(WITHHELD);
    expect(WITHHELD).toBe('withheld from this role');
    // Whatever separators the number was written with, before or after: the last four digits.
    expect(certificateForRole({ ...certificate, filed: [{ identifier: 'u', documentReferenceId: null, nhsNumber: '943-476-5919 ' }] }, 'auditor').filed[0]!.nhsNumber).toBe('••• ••• 5919');
  });

  test('the schema takes UTC instants only, with optional fractions', () => {
    expect(WipeCertificateSchema.parse(certificate)).toEqual(certificate);
    for (const bad of ['2026-11-30T20:00:00', '2026-11-30T20:00:00+00:00', ' 2026-11-30T20:00:00Z', '2026-11-30T20:00:00Zx', '2026-11-30 20:00:00Z', '2026-11-30T20:00:00.Z']) {
      expect(WipeCertificateSchema.safeParse({ ...certificate, startedAt: bad }).success, bad).toBe(false);
    }
    expect(WipeCertificateSchema.safeParse({ ...certificate, firstInstant: null, lastInstant: null, verification: null }).success).toBe(true);
  });

  test('a filed note may say only that its withdrawal was not marked; the problems overridden are kept as written', () => {
    const note = certificate.filed[0]!;
    expect(WipeCertificateSchema.parse({ ...certificate, filed: [{ ...note, withdrawal: 'not-marked' }] }).filed[0]).toEqual({ ...note, withdrawal: 'not-marked' });
    for (const withdrawal of ['', 'withdrawing', 'withdrawn']) expect(WipeCertificateSchema.safeParse({ ...certificate, filed: [{ ...note, withdrawal }] }).success, withdrawal).toBe(false);
    expect(WipeCertificateSchema.parse({ ...certificate, overriddenProblems: ['Nothing from this chat has been filed in the record.'] }).overriddenProblems).toEqual(['Nothing from this chat has been filed in the record.']);
    expect(WipeCertificateSchema.safeParse({ ...certificate, overriddenProblems: [3] }).success).toBe(false);
  });

  test('counts are whole and never negative', () => {
    for (const field of ['messageCount', 'attachmentCount', 'imageCount', 'imagesFiled', 'unfiledMediaDestroyed', 'unfiledMessagesDestroyed', 'draftCount', 'fingerprintsKept'] as const) {
      expect(WipeCertificateSchema.safeParse({ ...certificate, [field]: -1 }).success, field).toBe(false);
      expect(WipeCertificateSchema.safeParse({ ...certificate, [field]: 1.5 }).success, field).toBe(false);
      expect(WipeCertificateSchema.safeParse({ ...certificate, [field]: 0 }).success, field).toBe(true);
      expect(WipeCertificateSchema.safeParse({ ...certificate, [field]: 7 }).success, field).toBe(true);
    }
    for (const field of ['pagesDecrypted', 'needles'] as const) {
      expect(WipeVerificationSchema.safeParse({ ...verification, [field]: -1 }).success, field).toBe(false);
      expect(WipeVerificationSchema.safeParse({ ...verification, [field]: 0.5 }).success, field).toBe(false);
      expect(WipeVerificationSchema.safeParse({ ...verification, [field]: 0 }).success, field).toBe(true);
    }
    expect(WipeVerificationSchema.safeParse({ ...verification, filesScanned: [{ name: 'x', bytes: -1 }] }).success).toBe(false);
    expect(WipeVerificationSchema.safeParse({ ...verification, filesScanned: [{ name: 'x', bytes: 0 }] }).success).toBe(true);
  });

  test('the source-file outcomes are the ones the wipe service writes', () => {
    expect(SOURCE_FILE_OUTCOMES).toEqual(['not-requested', 'requested', 'overwriting', 'overwritten', 'not-found', 'changed', 'replaced-by-link', 'failed']);
    expect(WipeCertificateSchema.safeParse({ ...certificate, sourceFile: 'deleted' }).success).toBe(false);
    expect(WipeCertificateSchema.safeParse({ ...certificate, format: 'wardscribe-wipe-certificate/2' }).success).toBe(false);
    expect(WipeCertificateSchema.safeParse({ ...certificate, level: 'partial' }).success).toBe(false);
    expect(WipeCertificateSchema.safeParse({ ...certificate, trigger: 'admin' }).success).toBe(false);
    expect(WipeVerificationSchema.safeParse({ ...verification, status: 'unknown' }).success).toBe(false);
    expect(WipeVerificationSchema.safeParse({ ...verification, status: 'failed' }).success).toBe(true);
    expect(WipeCertificateSchema.safeParse({ ...certificate, trigger: 'retention', requestedBy: null }).success).toBe(true);
    for (const level of ['purge', 'clear', 'failed', null]) expect(WipeCertificateSchema.safeParse({ ...certificate, level }).success, String(level)).toBe(true);
  });
});
