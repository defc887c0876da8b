/**
 * Which of the messages a wipe would destroy unfiled deserve a second look before the clinician
 * gives their reason (a cold trial: "Ondansetron 4 mg IV PRN, check her QTc", about the patient
 * just filed, sat unmarked among "Flat white please" and went on a one-line reason). A message is
 * marked when someone whose advice is in a filed note sent it, when it names a patient of a
 * filed note (their NHS number, or their family name), or when it gives the NHS number of a
 * patient no filed note is about (a second cold trial: another patient's advice went unmarked). Marks order and label the list; the gate
 * itself (wipe.ts) is unchanged: every unfiled message still needs the clinician's reason. Pure.
 */
import { findPatientHints } from './patient-hints';
import { nameWords } from './patient-record';

export type CloserLookReason = 'adviser' | 'patient' | 'other-patient';

/** What the filed notes of a thread say that the rule looks for. */
export interface FiledNoteFacts {
  /** Senders as the chat names them, whose advice a filed note carries. */
  readonly advisers: readonly string[];
  readonly patients: readonly { readonly name: string; readonly nhsNumber: string }[];
}

export interface CloserLook {
  (message: { readonly sender: string | null; readonly text: string }): CloserLookReason[];
}

/** The rule for one thread's filed notes. */
export function closerLook(facts: FiledNoteFacts): CloserLook {
  const advisers = new Set(facts.advisers);
  const numbers = facts.patients.map((patient) => patient.nhsNumber.replace(/\D/g, '')).filter((digits) => digits.length === 10);
  // A family name of three letters or more (a shorter one matches too many words).
  const families = facts.patients.flatMap((patient) => nameWords(patient.name).slice(-1)).filter((word) => word.length >= 3);
  return (message) => {
    const reasons: CloserLookReason[] = [];
    if (message.sender !== null && advisers.has(message.sender)) reasons.push('adviser');
    const digits = message.text.replace(/[\s-]/g, '');
    // A possessive ("Testpatient's sats") names the patient too.
    const words = new Set(nameWords(message.text.replace(/['\u2019]s\b/gi, '')));
    if (numbers.some((number) => digits.includes(number)) || families.some((family) => words.has(family))) reasons.push('patient');
    // A valid NHS number (check digit and all) of someone else: advice about a patient with no note.
    if (findPatientHints(message.text).some((hint) => hint.kind === 'nhs-number' && !numbers.includes(hint.value))) reasons.push('other-patient');
    return reasons;
  };
}
