/** The people and the patient the transcription, filing and wipe tests share. */

export const CLINICIAN = { username: 'priya', displayName: 'Dr Priya Shah', passphrase: 'clinician passphrase for the ward pc', role: 'clinician' as const };
export const CLERK = { username: 'sam', displayName: 'Sam Clerk', passphrase: 'clerk passphrase for the ward pc 42', role: 'clerk' as const };

/** Who the senders of the test chats are, as a transcriber would identify them. */
export const ADVISERS = {
  'Dr Ada Shah': { displayNameInChat: 'Dr Ada Shah', name: 'Dr Ada Shah-Whitfield', role: 'Consultant cardiologist', registration: { body: 'GMC' as const, number: '7123456' } },
  'Ben Okafor': { displayNameInChat: 'Ben Okafor', name: 'Benjamin Okafor', role: 'Ward sister', registration: { body: 'NMC' as const, number: '12A3456E' } },
};

/**
 * A patient the training EPR holds (one of its synthetic patients, main/epr/synthetic-patients.ts),
 * typed with spaces as a clerk would: filing finds them in the EPR by NHS number.
 */
export const PATIENT = { nhsNumber: '999 123 5671', name: 'Jane Testpatient', birthDate: '1954-07-12', confirmed: true };
