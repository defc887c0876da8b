/**
 * The patients the embedded training EPR starts with, so that training filing finds the patient
 * in the EPR exactly as live filing does. Every one is made up: NHS numbers in the 999 range
 * (never issued to a person) with valid check digits, invented names and addresses, and a GP
 * practice code that no practice holds.
 */
import type { Encounter, Patient } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../../shared/domain/nhs-number';
import { ODS_ORGANISATION_SYSTEM } from './mapping';

interface SyntheticPatient {
  readonly nhsNumber: string;
  readonly family: string;
  readonly given: readonly string[];
  readonly birthDate: string;
  readonly gender: 'male' | 'female' | 'other' | 'unknown';
  readonly address: { readonly line: readonly string[]; readonly city: string; readonly postalCode: string };
}

const TRAINING_PRACTICE = { code: 'Y99901', name: 'Training Medical Practice (synthetic)' };

const PATIENTS: readonly SyntheticPatient[] = [
  { nhsNumber: '9991235671', family: 'Testpatient', given: ['Jane'], birthDate: '1954-07-12', gender: 'female', address: { line: ['1 Practice Row'], city: 'Leeds', postalCode: 'LS1 4AP' } },
  { nhsNumber: '9991236783', family: 'Trainee', given: ['Arthur', 'James'], birthDate: '1941-02-03', gender: 'male', address: { line: ['22 Example Street'], city: 'Leeds', postalCode: 'LS2 9JT' } },
  { nhsNumber: '9991237909', family: 'Example-Smith', given: ['Priya'], birthDate: '1988-11-30', gender: 'female', address: { line: ['Flat 3', '7 Sample Court'], city: 'Bradford', postalCode: 'BD1 1AA' } },
  { nhsNumber: '9991239014', family: 'Practice', given: ['Tomasz'], birthDate: '2015-05-05', gender: 'male', address: { line: ['9 Rehearsal Lane'], city: 'Wakefield', postalCode: 'WF1 2AB' } },
  { nhsNumber: '9991240128', family: 'Sample', given: ['Morgan'], birthDate: '1970-01-01', gender: 'unknown', address: { line: ['4 Drill Close'], city: 'York', postalCode: 'YO1 7HH' } },
  // The UK's placeholder name: short, for the keystroke test of the compose screen.
  { nhsNumber: '9991242341', family: 'Bloggs', given: ['Jo'], birthDate: '1950-01-31', gender: 'unknown', address: { line: ['5 Placeholder Road'], city: 'Leeds', postalCode: 'LS6 1AA' } },
];

/** The synthetic patients' NHS numbers, in order (the tests and the demo file against them). */
export const SYNTHETIC_NHS_NUMBERS: readonly string[] = PATIENTS.map((patient) => patient.nhsNumber);

/**
 * What a trainee is told when a number is not in the training EPR: which made-up patients it
 * holds (their details are invented, so they may be shown), with what to type for each.
 */
export function trainingPatientsSentence(): string {
  const listed = PATIENTS.slice(0, 3).map((patient) => {
    const [year, month, day] = patient.birthDate.split('-');
    return `${patient.nhsNumber.replace(/^(\d{3})(\d{3})(\d{4})$/, '$1 $2 $3')} (${[...patient.given, patient.family].join(' ')}, born ${Number(day)}/${Number(month)}/${year})`;
  });
  return `This is the training EPR: it holds only made-up patients, for example ${listed.join(', ')}.`;
}

/** The synthetic patients as FHIR Patients (without ids: the training server gives them). */
export function syntheticPatients(): Patient[] {
  return PATIENTS.map((patient) => ({
    resourceType: 'Patient',
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: patient.nhsNumber }],
    active: true,
    name: [{ use: 'official', family: patient.family, given: [...patient.given] }],
    gender: patient.gender,
    birthDate: patient.birthDate,
    address: [{ use: 'home', line: [...patient.address.line], city: patient.address.city, postalCode: patient.address.postalCode, country: 'GB' }],
    generalPractitioner: [{ identifier: { system: ODS_ORGANISATION_SYSTEM, value: TRAINING_PRACTICE.code }, display: TRAINING_PRACTICE.name }],
  }));
}

/**
 * The current encounters the training EPR holds, by NHS number: two of the made-up patients are
 * on a made-up ward, so linking a note to an encounter can be practised as in a live EPR.
 */
const CURRENT_ENCOUNTERS: readonly { readonly nhsNumber: string; readonly start: string; readonly ward: string }[] = [
  { nhsNumber: '9991235671', start: '2024-03-30T18:20:00Z', ward: 'Ward 7 (training)' },
  { nhsNumber: '9991236783', start: '2024-04-10T09:05:00Z', ward: 'Ward 12 (training)' },
];

/** The synthetic encounters for the patients as the server holds them (their ids known once created). */
export function syntheticEncounters(patients: readonly Patient[]): Encounter[] {
  return CURRENT_ENCOUNTERS.flatMap((planned) => {
    const patient = patients.find((candidate) => candidate.identifier?.some((identifier) => identifier.system === NHS_NUMBER_SYSTEM && identifier.value === planned.nhsNumber));
    if (!patient?.id) return [];
    return [
      {
        resourceType: 'Encounter',
        status: 'in-progress',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' },
        subject: { reference: `Patient/${patient.id}` },
        period: { start: planned.start },
        location: [{ location: { display: planned.ward }, status: 'active' }],
      } satisfies Encounter,
    ];
  });
}
