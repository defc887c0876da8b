import { z } from 'zod';
import { ROLES } from './roles';
import { RegistrationSchema } from './transcription';

/** Usernames: short, lower-case, easy to type on a shared keyboard. */
export const UsernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z0-9._-]{1,31}$/, 'Use 2 to 32 letters, digits, dots, dashes or underscores, starting with a letter.');

export const DisplayNameSchema = z
  .string()
  .trim()
  .min(1, 'Enter a name.')
  .max(100, 'Use at most 100 characters.')
  // Control and bidi formatting characters could disguise a name in the audit trail.
  .regex(/^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u, 'Use letters, spaces and punctuation only.');

export const RoleSchema = z.enum(ROLES);

/** The number on an NHS smartcard (the Spine Directory Service's user ID): 12 digits. */
export const SdsUserIdSchema = z
  .string()
  .trim()
  .regex(/^\d{12}$/, 'An SDS user ID (the number under the photo on an NHS smartcard) is 12 digits.');

/**
 * What a filed note says of a user who transcribed or attested it: their job title and grade
 * ("Consultant physician", "Ward clerk") and the national identifiers the record keys staff on.
 * Set by an administrator; each part may be missing (a clerk has no registration).
 */
export const StaffProfileSchema = z.object({
  jobTitle: z
    .string()
    .trim()
    .max(100, 'Use at most 100 characters for the job title.')
    .regex(/^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$/u, 'Use letters, spaces and punctuation only in the job title.'),
  registration: RegistrationSchema.nullable(),
  sdsUserId: SdsUserIdSchema.nullable(),
});
export type StaffProfile = z.infer<typeof StaffProfileSchema>;
export const NO_STAFF_PROFILE: StaffProfile = { jobTitle: '', registration: null, sdsUserId: null };

export const UserSummarySchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: RoleSchema,
  disabled: z.boolean(),
  mustChangePassphrase: z.boolean(),
});
export type UserSummary = z.infer<typeof UserSummarySchema>;

/**
 * A row of the administrators' Users list: the person, and whether a key slot of theirs is in
 * the key file. Without one their passphrase opens nothing (disabling removes it), so the list
 * says a reset is needed rather than leaving them to be told "not recognised".
 */
export const UserRowSchema = UserSummarySchema.extend({ hasKey: z.boolean(), profile: StaffProfileSchema });
export type UserRow = z.infer<typeof UserRowSchema>;
