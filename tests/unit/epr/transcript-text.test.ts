import { describe, expect, test } from 'vitest';
import { AttestedTranscriptionSchema, formatDelay, renderTranscriptText } from '../../../shared/domain/transcription';
import { sampleTranscription } from './support/transcriptions';

// shared/domain/transcription.ts is tested here, beside the mapping that files its text.
describe('renderTranscriptText', () => {
  const transcription = sampleTranscription();
  const text = renderTranscriptText(transcription);

  test('attributes each excerpt: who, role, registration, local time with zone, delay', () => {
    expect(text).toContain('From: Dr Amir Khan, Specialty registrar ST5, cardiology, GMC 7123456 (shown in the chat as "Amir (cardio reg)")');
    // 00:45 on the night the clocks go forward is still GMT; 09:05 the same morning is BST.
    expect(text).toContain('Sent: 2024-03-31 00:45 Europe/London (2024-03-31 00:45 UTC)');
    expect(text).toContain('Sent: 2024-03-31 09:05 Europe/London (2024-03-31 08:05 UTC)');
    // Delays come from UTC instants, so the clock change does not distort them.
    expect(text).toContain('Recorded: 10 h 27 min after it was sent');
    expect(text).toContain('Recorded: 3 h 07 min after it was sent');
    expect(text).toContain('> Start bisoprolol 2.5 mg once daily.\n> Repeat ECG in the morning.');
  });

  test('names the patient, the summary and the attester on the 24-hour clock', () => {
    expect(text).toContain('NHS number 943 476 5919, born 1954-07-12');
    expect(text).toContain('Summary by the transcriber:\nBisoprolol started');
    expect(text).toContain('Attested by: Dr Priya Shah, Foundation doctor FY1, 2024-03-31 12:12 Europe/London (2024-03-31 11:12 UTC)');
    expect(text).not.toMatch(/\b(am|pm)\b/i);
  });

  test.each(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT'])('a chat read in %s says each time once, not "10:04 UTC (10:04 UTC)"', (zone) => {
    const inUtc = { ...transcription, excerpts: transcription.excerpts.map((excerpt) => ({ ...excerpt, zone, originalLocalTime: excerpt.utcInstant.slice(0, 19) })) };
    const said = renderTranscriptText(inUtc);
    expect(said).toContain('Sent: 2024-03-31 00:45 UTC\n');
    expect(said).toContain('Sent: 2024-03-31 08:05 UTC\n');
    expect(said).toContain('Attested by: Dr Priya Shah, Foundation doctor FY1, 2024-03-31 11:12 UTC\n');
    expect(said).not.toMatch(/UTC \(/);
  });

  test('is deterministic', () => {
    expect(renderTranscriptText(structuredClone(transcription))).toBe(text);
  });

  test('shows bidirectional control characters instead of obeying them', () => {
    const tricky = sampleTranscription({ summary: 'Give 5\u202Egm 01\u202C mg' });
    const rendered = renderTranscriptText(tricky);
    expect(rendered).toContain('Give 5[U+202E]gm 01[U+202C] mg');
    expect(rendered).not.toMatch(/[\u202a-\u202e]/);
  });

  test('formatDelay', () => {
    expect(formatDelay(12 * 60_000 + 59_000)).toBe('12 min');
    expect(formatDelay(26 * 3_600_000 + 5 * 60_000)).toBe('26 h 05 min');
  });
});

describe('AttestedTranscriptionSchema', () => {
  test.each([
    ['an invalid NHS number', { patient: { nhsNumber: '943 476 5918', name: 'X', birthDate: '1954-07-12' } }, 'patient.nhsNumber'],
    ['advice later than its attestation', { attestedAt: '2024-03-31T08:00:00Z' }, 'excerpts.1.utcInstant'],
    ['an unknown zone', { excerpts: [{ ...sampleTranscription().excerpts[0]!, zone: 'Mars/Olympus' }] }, 'excerpts.0.zone'],
    ['a GMC number of the wrong shape', { excerpts: [{ ...sampleTranscription().excerpts[0]!, adviser: { ...sampleTranscription().excerpts[0]!.adviser, registration: { body: 'GMC', number: '12' } } }] }, 'excerpts.0.adviser.registration.number'],
    ['no excerpts', { excerpts: [] }, 'excerpts'],
  ])('rejects %s', (_name, override, path) => {
    const result = AttestedTranscriptionSchema.safeParse({ ...sampleTranscription(), ...override });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });
});

describe('a reply or question filed as context, not advice (a cold trial: a nurse\'s "thanks" was filed as her advice)', () => {
  const base = sampleTranscription();
  const withContext = { ...base, excerpts: base.excerpts.map((excerpt, index) => (index === 1 ? { ...excerpt, kind: 'context' as const } : excerpt)) };

  test('the text numbers only the advice and labels the rest as context, in its place', () => {
    const text = renderTranscriptText(withContext);
    expect(text).toContain('Advice 1 of 1\nFrom: Dr Amir Khan');
    expect(text).toContain('Context (a question or reply, not advice)\nFrom: Ola Adeyemi, Ward sister, NMC 12A3456E');
    expect(text).not.toContain('Advice 2 of');
    expect(text.indexOf('Advice 1 of 1')).toBeLessThan(text.indexOf('Context (a question'));
    // A note attested before excerpts had a kind reads exactly as it did.
    expect(renderTranscriptText(base)).toContain('Advice 2 of 2\nFrom: Ola Adeyemi');
  });

  test('a note of context only is refused: there is no advice to file', () => {
    const none = { ...base, excerpts: base.excerpts.map((excerpt) => ({ ...excerpt, kind: 'context' as const })) };
    const parsed = AttestedTranscriptionSchema.safeParse(none);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message)).toContain('Mark at least one message as advice: a note of questions and replies only has nothing to file.');
    expect(AttestedTranscriptionSchema.safeParse(withContext).success).toBe(true);
  });

  test('the Provenance names the adviser as author and the one who asked as informant, never as author', async () => {
    const { toProvenance, toDocumentReference } = await import('../../../main/epr/mapping');
    const provenance = toProvenance(withContext, { reference: 'DocumentReference/abc' });
    const byType = (code: string) => (provenance.agent ?? []).filter((agent) => agent.type?.coding?.[0]?.code === code).map((agent) => agent.who?.display);
    expect(byType('author')).toEqual(['Dr Amir Khan']);
    expect(byType('informant')).toEqual(['Ola Adeyemi']);
    expect(toDocumentReference(withContext).description).toBe('Advice by Dr Amir Khan (Specialty registrar ST5, cardiology) received by instant message, transcribed by Sam Clerk and attested by Dr Priya Shah');
  });
});
