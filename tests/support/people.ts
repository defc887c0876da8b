/** The people and the patient the transcription, filing and wipe tests share. */

export const CLINICIAN = { username: 'priya', displayName: 'Dr Priya Shah', passphrase: 'clinician passphrase for the ward pc', role: 'clinician' as const };
export const CLERK = { username: 'sam', displayName: 'Sam Clerk', passphrase: 'clerk passphrase for the ward pc 42', role: 'clerk' as const };

/** Who the senders of the test chats are, as a transcriber would identify them. */
export const ADVISERS = {
  'Dr Ada Shah': { displayNameInChat: 'Dr Ada Shah', name: 'Dr Ada Shah-Whitfield', role: 'Consultant cardiologist', registration: { body: 'GMC' as const, number: '7123456' } },
  'Ben Okafor': { displayNameInChat: 'Ben Okafor', name: 'Benjamin Okafor', role: 'Ward sister', registration: { body: 'NMC' as const, number: '12A3456E' } },
};

/** A patient with a valid NHS number (a published test number), typed with spaces as a clerk would. */
export const PATIENT = { nhsNumber: '943 476 5919', name: 'Jane Testpatient', birthDate: '1954-07-12', confirmed: true };
