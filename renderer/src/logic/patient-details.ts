import { PATIENT_HINT_KINDS, type PatientHintKind } from '../../../shared/domain/patient-hints';

const KIND_WORDS: Readonly<Record<PatientHintKind, string>> = {
  'nhs-number': 'an NHS number',
  'date-of-birth': 'a date of birth',
  age: 'an age',
  'hospital-number': 'a hospital number',
  bed: 'a bed number',
  postcode: 'a postcode',
};

/**
 * "2 mentions of an NHS number, 1 of a date of birth": what a count of patient details says. The
 * detector counts mentions, not patients or beds (a ward trial read "8 beds" as eight patients).
 */
export function describeCounts(counts: Readonly<Record<PatientHintKind, number>>): string {
  return PATIENT_HINT_KINDS.filter((kind) => counts[kind] > 0)
    .map((kind, index) => `${counts[kind]}${index === 0 ? (counts[kind] === 1 ? ' mention' : ' mentions') : ''} of ${KIND_WORDS[kind]}`)
    .join(', ');
}
