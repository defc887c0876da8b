/** An auditor for the export tests (the shared people have none). */
export const AUDITOR = { username: 'olga', displayName: 'Olga Auditor', passphrase: 'auditor passphrase for the ward pc', role: 'auditor' as const };
