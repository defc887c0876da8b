/**
 * Finds the patient a note is about in the EPR it will be filed in (`Patient?identifier=
 * https://fhir.nhs.uk/Id/nhs-number|…`), and where configured in NHS England's PDS instead or as
 * well, and says whether the record found may be confirmed: exactly one record, current, whose
 * name and date of birth match what the clinician typed (hazard H-014). Everything else (none,
 * several, merged, superseded, a mismatch, no answer) blocks attestation with a sentence the
 * ward can act on. Attestation runs the same look-up again and compares (transcription-service).
 */
import type { CapabilityStatement, Patient } from '@medplum/fhirtypes';
import { formatNhsNumber, NHS_NUMBER_SYSTEM, type NhsNumber } from '../../shared/domain/nhs-number';
import { displayName, FHIR_ID, recordMismatches, type PatientLookup, type PatientRecord, type RecordName, type TypedPatient } from '../../shared/domain/patient-record';
import { EprRequestError } from './epr-errors';
import type { EprConnection, RequestContext } from './fhir-client';
import type { PdsClient } from './pds-client';

const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

/** How a patient is found: the EPR alone, PDS alone, or both (which must agree). */
export type PatientSources = { readonly epr: EprConnection; readonly pds?: undefined } | { readonly epr?: EprConnection; readonly pds: PdsClient; readonly use: 'instead' | 'also' };

/** The record as shown: names in use, one-line address and GP, location hidden for a restricted patient. */
export function patientRecord(patient: Patient, source: PatientRecord['source'], nhsNumber: string, versionId?: string | null): PatientRecord | undefined {
  if (!patient.id || !FHIR_ID.test(patient.id)) return undefined;
  const restricted = (patient.meta?.security ?? []).some((label) => (label.system === undefined || label.system === CONFIDENTIALITY) && (label.code === 'R' || label.code === 'V'));
  const current = (patient.name ?? []).filter((name) => name.use !== 'old' && name.use !== 'maiden' && !name.period?.end);
  const names: RecordName[] = (current.length > 0 ? current : []).map((name) => ({ family: name.family ?? '', given: [...(name.given ?? [])] }));
  const address = patient.address?.find((candidate) => candidate.use !== 'old' && !candidate.period?.end) ?? patient.address?.[0];
  const gp = patient.generalPractitioner?.[0];
  const gpCode = gp?.identifier?.value;
  return {
    source,
    id: patient.id,
    versionId: versionId ?? patient.meta?.versionId ?? null,
    lastUpdated: patient.meta?.lastUpdated ?? null,
    nhsNumber,
    names,
    birthDate: patient.birthDate ?? null,
    gender: patient.gender ?? null,
    // A restricted patient's whereabouts are never shown, even if a record holds them.
    address: restricted || !address ? null : [...(address.line ?? []), address.city, address.postalCode].filter((part): part is string => !!part && part.trim() !== '').join(', ') || null,
    gp: restricted || !gp ? null : [gp.display, gpCode ? `(${gpCode})` : undefined].filter(Boolean).join(' ') || null,
    restricted,
  };
}

/**
 * Whether the EPR says it can search patients by NHS number: undefined (no statement) means
 * "try"; a statement that lists no Patient search, or Patient search parameters without
 * `identifier`, means it cannot.
 */
export function canSearchPatients(statement: CapabilityStatement | undefined): boolean {
  if (!statement) return true;
  const rest = statement.rest?.find((entry) => entry.mode === 'server');
  const patient = rest?.resource?.find((entry) => entry.type === 'Patient');
  if (!patient || !(patient.interaction ?? []).some((interaction) => interaction.code === 'search-type')) return false;
  return patient.searchParam === undefined || patient.searchParam.some((param) => param.name === 'identifier');
}

/** Searches the EPR; never throws for an EPR's answer (each becomes a status). */
export async function lookUpInEpr(connection: EprConnection, nhsNumber: NhsNumber, typed: TypedPatient, context?: RequestContext): Promise<PatientLookup> {
  const shown = formatNhsNumber(nhsNumber);
  let statement: CapabilityStatement | undefined;
  try {
    statement = await connection.capabilityStatement(context);
  } catch {
    statement = undefined; // the search says for itself whether the EPR can be reached
  }
  if (!canSearchPatients(statement)) return cannotSearch('its capability statement does not offer a patient search by NHS number');
  let found: Patient[];
  try {
    const resources = await connection.search('Patient', { identifier: `${NHS_NUMBER_SYSTEM}|${nhsNumber}` }, context);
    const patients = resources.filter((resource): resource is Patient => resource.resourceType === 'Patient');
    found = patients.filter((patient) => (patient.identifier ?? []).some((identifier) => identifier.system === NHS_NUMBER_SYSTEM && identifier.value?.replace(/\s/g, '') === nhsNumber));
    // Patients came back, none with this number: the EPR ignored the search parameter.
    if (patients.length > 0 && found.length === 0) return cannotSearch('it answered the search with other patients, so it does not search by NHS number');
  } catch (error) {
    if (error instanceof EprRequestError && error.kind === 'http' && [400, 404, 405, 501].includes(error.status ?? 0)) return cannotSearch('it refused the search');
    if (error instanceof EprRequestError && (error.kind === 'auth' || error.status === 401 || error.status === 403)) {
      return blocked('unavailable', 'The EPR refused the patient search: this workstation is not allowed to search patients. Ask an administrator to check the EPR connection.');
    }
    return blocked('unavailable', 'The EPR did not answer the patient search, so the patient could not be checked. Try again in a moment.');
  }
  if (found.length === 0) {
    return blocked('not-found', `No patient with NHS number ${shown} is in the EPR. Check the number against the patient's wristband or notes: advice cannot be filed against a patient the EPR does not hold.`);
  }
  if (found.length > 1) {
    return blocked('several', `The EPR holds ${found.length} patient records with NHS number ${shown}, so Wardscribe cannot tell which one is this patient. Ask the records team to resolve the duplicate; file once only one record is left.`);
  }
  const patient = found[0]!;
  const record = patientRecord(patient, 'epr', nhsNumber);
  if (!record) return blocked('unavailable', "The EPR's answer to the patient search could not be read. Try again, or ask an administrator.");
  if (patient.active === false || (patient.link ?? []).some((link) => link.type === 'replaced-by')) {
    return { ...blocked('merged', `The EPR's record for NHS number ${shown} is no longer in use (it was merged into another or closed). Find the patient's current record before filing.`), record };
  }
  return judged(record, typed, 'Found in the EPR.');
}

/** Retrieves the patient from PDS. */
export async function lookUpInPds(pds: PdsClient, nhsNumber: NhsNumber, typed: TypedPatient, context?: RequestContext): Promise<PatientLookup> {
  const shown = formatNhsNumber(nhsNumber);
  const result = await pds.retrieve(nhsNumber, context);
  switch (result.kind) {
    case 'not-found':
      return blocked('not-found', `The national record (PDS) holds no patient with NHS number ${shown}. Check the number against the patient's wristband or notes.`);
    case 'invalidated':
      return blocked('invalidated', `The national record (PDS) says NHS number ${shown} was made invalid and not replaced. Do not file against it; ask the records team.`);
    case 'invalid-nhs-number':
      return blocked('not-found', `The national record (PDS) does not accept ${shown} as an NHS number. Check the number.`);
    case 'unavailable':
      return blocked('unavailable', 'The national record (PDS) did not answer, so the patient could not be checked. Try again in a moment.');
    case 'found': {
      const record = patientRecord(result.patient, 'pds', result.patient.id ?? '', result.versionId);
      if (!record) return blocked('unavailable', "The national record's (PDS) answer could not be read. Try again, or ask an administrator.");
      if (record.id !== nhsNumber) {
        const replacement = /^\d{10}$/.test(record.id) ? formatNhsNumber(record.id as NhsNumber) : 'another number';
        return {
          ...blocked('superseded', `NHS number ${shown} has been replaced: the national record (PDS) now holds this patient under ${replacement}. Use the current number (and check the EPR holds it).`),
          national: record,
        };
      }
      return judged(record, typed, 'Found in the national record (PDS).');
    }
  }
}

/** The look-up the configured sources give. With PDS as well, the EPR's record is the one filed against and PDS must agree with it. */
export async function lookUpPatient(sources: PatientSources, nhsNumber: NhsNumber, typed: TypedPatient, context?: RequestContext): Promise<PatientLookup> {
  if (!sources.pds) return lookUpInEpr(sources.epr, nhsNumber, typed, context);
  if (sources.use === 'instead' || !sources.epr) return lookUpInPds(sources.pds, nhsNumber, typed, context);
  const [local, national] = await Promise.all([lookUpInEpr(sources.epr, nhsNumber, typed, context), lookUpInPds(sources.pds, nhsNumber, typed, context)]);
  if (local.status !== 'found') return { ...local, national: national.record ?? national.national };
  // PDS's refusal (and its words) stands; the EPR's record is still shown beside the national one.
  if (national.status !== 'found') return { ...national, record: local.record, national: national.record ?? national.national };
  const problems = local.record && national.record && local.record.birthDate !== national.record.birthDate ? ['The EPR and the national record (PDS) hold different dates of birth for this NHS number. Ask the records team to correct one before filing.'] : [];
  if (problems.length > 0) return { status: 'mismatch', confirmable: false, message: problems[0]!, problems, record: local.record, national: national.record };
  return { ...local, message: 'Found in the EPR and in the national record (PDS).', national: national.record };
}

function judged(record: PatientRecord, typed: TypedPatient, foundMessage: string): PatientLookup {
  const problems = typedProblems(typed) ?? recordMismatches(typed, record);
  if (problems.length > 0) return { status: 'mismatch', confirmable: false, message: problems.join(' '), problems, record, national: null };
  const name = record.names[0] ? displayName(record.names[0]) : 'the patient';
  return { status: 'found', confirmable: true, message: `${foundMessage} Check that ${name} is the patient this advice is about before you confirm.`, problems: [], record, national: null };
}

/** What the clinician has not typed yet: nothing can be compared without it. */
function typedProblems(typed: TypedPatient): string[] | undefined {
  const problems: string[] = [];
  if (typed.name.trim() === '') problems.push("Enter the patient's name from their wristband or notes, to compare with the record.");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(typed.birthDate.trim())) problems.push("Enter the patient's date of birth from their wristband or notes, to compare with the record.");
  return problems.length > 0 ? problems : undefined;
}

function blocked(status: PatientLookup['status'], message: string): PatientLookup {
  return { status, confirmable: false, message, problems: [message], record: null, national: null };
}

function cannotSearch(why: string): PatientLookup {
  return blocked(
    'cannot-search',
    `This EPR cannot be searched for patients by NHS number (${why}), so Wardscribe cannot check the patient against it. ` +
      "Check the NHS number, name and date of birth against the patient's wristband or notes, and say that you did, to attest.",
  );
}
