import { z } from 'zod';
import { ROLES } from './roles';

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
export const UserRowSchema = UserSummarySchema.extend({ hasKey: z.boolean() });
export type UserRow = z.infer<typeof UserRowSchema>;
