/**
 * Who may do what on a shared ward workstation. Roles are enforced by main at the IPC
 * boundary; the renderer only uses them to decide what to show.
 */
export const ROLES = ['clerk', 'clinician', 'auditor', 'admin'] as const;

export type Role = (typeof ROLES)[number];

/** What each role is for, in the words the administration screen uses. */
export const ROLE_DESCRIPTIONS: Readonly<Record<Role, string>> = {
  clerk: 'Imports chat exports and prepares draft transcriptions',
  clinician: 'Attests and files transcriptions, wipes originals',
  auditor: 'Reads the audit trail and exports it; never sees message content',
  admin: 'Manages users and workstation settings',
};
