/**
 * The encounter a note belongs to (issue #15): the patient's current encounters in the EPR the
 * note is filed in (`Encounter?patient=Patient/{id}&status=in-progress`), for the clinician to
 * choose from, and the check at attestation that the one chosen is still that patient's and
 * still current. Never a reason to hold a note back: an EPR that cannot be asked has none to offer.
 */
import type { Encounter } from '@medplum/fhirtypes';
import { FHIR_ID } from '../../shared/domain/patient-record';
import { EprRequestError } from './epr-errors';
import type { EprConnection, RequestContext } from './fhir-client';

/** An encounter as the clinician chooses it: its id and a description with no clinical detail. */
export interface EncounterChoice {
  readonly id: string;
  /** "Inpatient, Ward 7": its class, type and where; the screen adds when it began. */
  readonly description: string;
  /** When it began (as the EPR gives it), or null. */
  readonly start: string | null;
}

/** The statuses of an encounter still going on (FHIR R4 encounter-status). */
const CURRENT = new Set(['in-progress', 'arrived', 'triaged', 'onleave']);

export type EncountersFound = { readonly kind: 'found'; readonly encounters: readonly EncounterChoice[] } | { readonly kind: 'unavailable'; readonly message: string };

/** The patient's current encounters, newest first; `unavailable` (in words) when the EPR cannot be asked. */
export async function currentEncounters(connection: EprConnection, patientId: string, context?: RequestContext): Promise<EncountersFound> {
  if (!FHIR_ID.test(patientId)) return { kind: 'found', encounters: [] };
  let results;
  try {
    results = await connection.search('Encounter', { patient: `Patient/${patientId}`, status: 'in-progress' }, context);
  } catch (error) {
    if (!(error instanceof EprRequestError)) throw error;
    return { kind: 'unavailable', message: 'The EPR did not list this patient’s encounters, so the note cannot be linked to one. It can be filed without.' };
  }
  // Only this patient's current encounters: an EPR that ignored a parameter answers with others.
  const encounters = results
    .filter((resource): resource is Encounter => resource.resourceType === 'Encounter' && typeof resource.id === 'string' && FHIR_ID.test(resource.id))
    .filter((encounter) => isCurrentFor(encounter, patientId))
    .map((encounter) => ({ id: encounter.id!, description: describeEncounter(encounter), start: encounter.period?.start ?? null }))
    .sort((a, b) => (b.start ?? '').localeCompare(a.start ?? ''));
  return { kind: 'found', encounters };
}

/**
 * At attestation: the encounter chosen, read again, is this patient's and still current. Returns
 * a sentence saying why not, or null when it is. A failed request is thrown (attesting waits).
 */
export async function encounterProblem(connection: EprConnection, patientId: string, encounterId: string, context?: RequestContext): Promise<string | null> {
  let encounter: Encounter;
  try {
    encounter = (await connection.read('Encounter', encounterId, context)) as Encounter;
  } catch (error) {
    if (error instanceof EprRequestError && error.kind === 'http' && (error.status === 404 || error.status === 410)) return 'The encounter chosen is no longer in the EPR. Choose the encounter again, or none.';
    throw error;
  }
  if (!isCurrentFor(encounter, patientId)) return 'The encounter chosen is not a current encounter of this patient in the EPR. Choose the encounter again, or none.';
  return null;
}

function isCurrentFor(encounter: Encounter, patientId: string): boolean {
  const subject = encounter.subject?.reference ?? '';
  return encounter.resourceType === 'Encounter' && CURRENT.has(encounter.status) && (subject === `Patient/${patientId}` || subject.endsWith(`/Patient/${patientId}`));
}

/** Its class, type and place, as the EPR names them; never its reason or diagnosis. */
export function describeEncounter(encounter: Encounter): string {
  // Our words for the classes FHIR defines; the EPR's own for any other.
  const kind = CLASS_WORDS[encounter.class?.code ?? ''] ?? encounter.class?.display ?? encounter.class?.code;
  const type = encounter.type?.[0]?.text ?? encounter.type?.[0]?.coding?.[0]?.display;
  const place = encounter.location?.find((location) => location.status !== 'completed')?.location.display ?? encounter.serviceProvider?.display;
  const parts = [kind, type, place].filter((part): part is string => typeof part === 'string' && part.trim() !== '');
  return parts.length > 0 ? [...new Set(parts)].join(', ') : 'An encounter with no description';
}

/** FHIR's v3 ActCode encounter classes, in words. */
const CLASS_WORDS: Readonly<Record<string, string>> = {
  IMP: 'Inpatient',
  AMB: 'Outpatient or clinic',
  EMER: 'Emergency',
  ACUTE: 'Inpatient (acute)',
  SS: 'Day case',
  HH: 'Home visit',
  VR: 'Virtual',
};
