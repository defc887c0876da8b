/**
 * The professional details of Wardscribe's users (issue #15): job title and grade, registration
 * (GMC, NMC, HCPC, GPhC) and SDS user ID, which a filed note carries for whoever transcribed and
 * attested it. Set by administrators only; each change audited as `user-changed` with reason
 * `professional-details` (the values themselves stay in the vault, never in the trail).
 */
import { StaffProfileSchema, type StaffProfile } from '../../shared/domain/users';
import { WardscribeError } from '../errors';
import type { SessionService } from '../session/session-service';
import { getStaffProfile, setStaffProfile } from '../vault/queries/users';

export class StaffProfiles {
  readonly #session: SessionService;
  readonly #now: () => Date;

  constructor(options: { session: SessionService; now?: () => Date }) {
    this.#session = options.session;
    this.#now = options.now ?? (() => new Date());
  }

  /** Sets a user's professional details; answers them as stored. */
  set(userId: string, profile: StaffProfile): StaffProfile {
    const principal = this.#session.principal();
    if (principal?.role !== 'admin') throw new WardscribeError('forbidden', 'Only an administrator can change a person’s professional details.');
    const parsed = StaffProfileSchema.safeParse(profile);
    if (!parsed.success) throw new WardscribeError('rejected', parsed.error.issues.map((issue) => issue.message).join(' '));
    const db = this.#session.vault().db;
    const { log, actor } = this.#session.audit();
    db.transaction(() => {
      if (!setStaffProfile(db, userId, parsed.data, this.#now())) throw new WardscribeError('not-found', 'No such user.');
      log.record({ action: 'user-changed', actor, objects: { subjectUserId: userId }, outcome: { status: 'success', reason: 'professional-details' } });
    })();
    return getStaffProfile(db, userId)!;
  }
}
