import { randomUUID } from 'node:crypto';
import type { Role } from '../../shared/domain/roles';
import type { UserSummary } from '../../shared/domain/users';
import { checkPassphrase, PASSPHRASE_PROBLEM_MESSAGES } from '../../shared/domain/passphrase';
import type { Access } from '../../shared/ipc/channel';
import type { HostEvent } from '../../shared/ipc/events';
import { WardscribeError } from '../errors';
import type { Principal } from '../ipc/registry';
import type { Logger } from '../log';
import { DEFAULT_KDF, type KdfParams } from '../vault/key-slots';
import { readSetting, writeSetting } from '../vault/queries/settings';
import {
  countActiveAdmins,
  getUserById,
  getUserByUsername,
  insertUser,
  listUsers,
  setMustChangePassphrase,
  setUserDisabled,
} from '../vault/queries/users';
import {
  createVault,
  passphraseOpensSlot,
  putSlot,
  removeSlot,
  signInFailures,
  unlockVault,
  vaultPresence,
  type NewUser,
  type OpenVault,
} from '../vault/vault';
import type { VaultFiles } from '../vault/vault-files';
import { AuditLog, type AuditRecord } from '../audit/audit-log';
import { createVaultAuditStore } from '../vault/queries/audit-entries';
import type { AdminKey } from '../audit/trust-anchors';
import { bindKeystore, createFileKeystore, defaultKeystoreDir, type SecretKeystore } from '../security/keystore';
import { AuditTrust } from './audit-trust';
import type { AuditStore } from '../audit/store';
import type { AuditActor } from '../../shared/domain/audit';
import { describeWait, remainingBackoff } from './backoff';

export type LockReason = Extract<HostEvent, { type: 'session.locked' }>['reason'];

export type SessionState =
  | { readonly kind: 'first-run' }
  | { readonly kind: 'signed-out' }
  | { readonly kind: 'locked'; readonly reason: LockReason; readonly username: string }
  | { readonly kind: 'signed-in'; readonly user: UserSummary; readonly idleLockMinutes: number };

export const DEFAULT_IDLE_LOCK_MINUTES = 5;
const IDLE_SETTING = 'session.idleLockMinutes';

export interface SessionServiceOptions {
  readonly files: VaultFiles;
  readonly emit: (event: HostEvent) => void;
  readonly log: Logger;
  readonly now?: () => Date;
  /** Argon2id cost for new key slots; tests use the minimum. */
  readonly kdf?: KdfParams;
  /** Runs each time a vault is opened, after the session has begun (e.g. to clear interrupted imports). */
  readonly onUnlocked?: () => void;
  /** Runs just before the vault closes, so background work stops writing first. */
  readonly onLocking?: () => void;
  /**
   * Seals the audit signing key, EPR credentials and erase secret (main/security/keystore.ts):
   * the OS keystore in Electron; by default a key file beside (not inside) the vault folder.
   */
  readonly keystore?: SecretKeystore;
}

interface Unlocked {
  /** Replaced (not just closed) only by a key rotation: see replaceVault(). */
  vault: OpenVault;
  /** The audit trail in this vault; every action of the session is recorded here. */
  audit: AuditLog;
  auditStore: AuditStore;
  user: UserSummary;
  /** Administrators only: certifies signing keys and grants itself to other admins; zeroed on lock. */
  adminKey: AdminKey | null;
  idleTimer: NodeJS.Timeout | null;
  idleLockMinutes: number;
}

/**
 * Who is using the workstation, and the vault that only they have opened. Locking (idle, OS
 * lock, suspend, sign-out) closes the vault and zeroes its key; every data channel then answers
 * `locked` or `not-signed-in` until someone signs in again.
 */
export class SessionService {
  readonly #options: SessionServiceOptions;
  readonly #now: () => Date;
  #unlocked: Unlocked | null = null;
  #locked: { reason: LockReason; username: string } | null = null;
  /** The audit trail's trust anchors: who signs checkpoints (audit-trust.ts). */
  readonly #trust: AuditTrust;
  /** Failures for usernames with no key slot, kept in memory so they look like real ones. */
  readonly #unknownFailures = new Map<string, { count: number; lastAt: Date }>();

  constructor(options: SessionServiceOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#trust = new AuditTrust(options.keystore ?? createFileKeystore(defaultKeystoreDir(options.files.dir)), this.#now, options.log);
  }

  /** The keystore this workstation seals its secrets with. */
  get keystore(): SecretKeystore {
    return this.#trust.keystoreInUse;
  }

  state(): SessionState {
    if (this.#unlocked) return { kind: 'signed-in', user: this.#unlocked.user, idleLockMinutes: this.#unlocked.idleLockMinutes };
    if (vaultPresence(this.#options.files) === 'absent') return { kind: 'first-run' };
    if (this.#locked) return { kind: 'locked', ...this.#locked };
    return { kind: 'signed-out' };
  }

  /** The open vault, for services working on behalf of the signed-in user. */
  vault(): OpenVault {
    if (!this.#unlocked) throw this.#closedError();
    return this.#unlocked.vault;
  }

  /** The audit trail of the open vault, for services recording what the user did. */
  audit(): { log: AuditLog; store: AuditStore; actor: AuditActor } {
    const unlocked = this.#requireUnlocked();
    return { log: unlocked.audit, store: unlocked.auditStore, actor: actorOf(unlocked.user) };
  }

  principal(): Principal | null {
    return this.#unlocked ? { userId: this.#unlocked.user.id, role: this.#unlocked.user.role } : null;
  }

  /**
   * The access gate for the IPC registry. Public channels always pass; others need an unlocked
   * session, the right role, and (after an admin reset) a changed passphrase. Each admitted call
   * counts as activity for the idle lock.
   */
  readonly gate = (access: Access, channel: string): Principal | null => {
    if (access === 'public') return this.principal();
    const unlocked = this.#unlocked;
    if (!unlocked) throw this.#closedError();
    if (unlocked.user.mustChangePassphrase && !channel.startsWith('wardscribe:session.')) {
      throw new WardscribeError('forbidden', 'Change your passphrase before continuing.');
    }
    if (access !== 'signed-in' && !access.includes(unlocked.user.role)) {
      throw new WardscribeError('forbidden', `Your role (${unlocked.user.role}) cannot do this.`);
    }
    this.touch();
    return { userId: unlocked.user.id, role: unlocked.user.role };
  };

  async createFirstAdmin(admin: NewUser): Promise<UserSummary> {
    if (this.state().kind !== 'first-run') throw new WardscribeError('conflict', 'This workstation already has an administrator.');
    this.#assertPassphrase(admin.passphrase, admin.username);
    const { vault, user } = await createVault(this.#options.files, admin, this.#now(), this.#options.kdf ?? DEFAULT_KDF);
    this.#begin(vault, user, [], { adminKey: this.#trust.establish(vault, user.id), rootCreated: true });
    this.#record({ action: 'user-created', objects: { subjectUserId: user.id }, outcome: { status: 'success', reason: 'first-run' } });
    this.#options.log.info('session.first-admin-created');
    return user;
  }

  async signIn(username: string, passphrase: string): Promise<UserSummary> {
    if (this.#unlocked) this.lock('sign-out');
    const wait = this.#remainingWait(username);
    if (wait > 0) throw this.#backoffError(wait);
    const outcome = await unlockVault(this.#options.files, username, passphrase, this.#now());
    if (outcome.kind === 'unlocked') {
      this.#unknownFailures.delete(username.toLowerCase());
      // Admins open the administrators' key too (one more Argon2id run): see audit-trust.ts.
      const admin = outcome.user.role === 'admin' ? await this.#trust.adminSignedIn(outcome.vault, outcome.user, passphrase) : undefined;
      this.#begin(outcome.vault, outcome.user, outcome.unauditedFailures, admin);
      this.#options.log.info('session.signed-in', { role: outcome.user.role });
      return outcome.user;
    }
    if (outcome.kind === 'unknown-user') {
      const previous = this.#unknownFailures.get(username.toLowerCase());
      this.#unknownFailures.set(username.toLowerCase(), { count: (previous?.count ?? 0) + 1, lastAt: this.#now() });
    }
    this.#options.log.warn('session.sign-in-failed');
    throw this.#backoffError(this.#remainingWait(username), true);
  }

  /** Ends the session and closes the vault. `sign-out` forgets who it was; other reasons keep the name for the lock screen. */
  lock(reason: LockReason): void {
    const unlocked = this.#unlocked;
    if (!unlocked) return;
    if (unlocked.idleTimer) clearTimeout(unlocked.idleTimer);
    this.#options.onLocking?.();
    unlocked.audit.record({
      action: reason === 'sign-out' ? 'sign-out' : 'lock',
      actor: actorOf(unlocked.user),
      outcome: { status: 'success', reason },
    });
    this.#unlocked = null;
    this.#locked = reason === 'sign-out' ? null : { reason, username: unlocked.user.username };
    unlocked.adminKey?.dispose();
    unlocked.vault.close();
    this.#options.log.info('session.locked', { reason });
    this.#options.emit({ type: 'session.locked', reason });
  }

  /**
   * Swaps the open vault for the one `replace` returns: a key rotation (main/wipe/) re-encrypts
   * the vault under a new key and hands it back open. The user stays signed in and the audit
   * trail carries on in the new file. The caller stops background writers first. If `replace`
   * fails having closed the vault, the session locks: the next sign-in finishes the rotation.
   */
  replaceVault(replace: (vault: OpenVault) => OpenVault): void {
    const unlocked = this.#requireUnlocked();
    let next: OpenVault;
    try {
      next = replace(unlocked.vault);
    } catch (error) {
      if (unlocked.vault.closed) {
        if (unlocked.idleTimer) clearTimeout(unlocked.idleTimer);
        this.#unlocked = null;
        this.#locked = { reason: 'manual', username: unlocked.user.username };
        this.#options.log.error('session.vault-replace-failed');
        this.#options.emit({ type: 'session.locked', reason: 'manual' });
      }
      throw error;
    }
    unlocked.vault = next;
    unlocked.auditStore = createVaultAuditStore(next.db);
    unlocked.audit = this.#auditLog(next, unlocked.auditStore);
  }

  /** Restarts the idle timer: called on every admitted call and on renderer activity. */
  touch(): void {
    const unlocked = this.#unlocked;
    if (!unlocked) return;
    if (unlocked.idleTimer) clearTimeout(unlocked.idleTimer);
    unlocked.idleTimer = setTimeout(() => this.lock('idle'), unlocked.idleLockMinutes * 60_000);
    unlocked.idleTimer.unref();
  }

  async changePassphrase(current: string, next: string): Promise<void> {
    const unlocked = this.#requireUnlocked();
    if (!(await passphraseOpensSlot(unlocked.vault, unlocked.user.id, current))) {
      throw new WardscribeError('sign-in-failed', 'Your current passphrase was not recognised.');
    }
    this.#assertPassphrase(next, unlocked.user.username);
    await putSlot(unlocked.vault, unlocked.user, next, this.#options.kdf ?? DEFAULT_KDF);
    setMustChangePassphrase(unlocked.vault.db, unlocked.user.id, false, this.#now());
    // A new passphrase is a new slot key pair: the administrators' key is sealed to it again.
    this.#trust.refreshGrants(this.vault(), this.#unlocked?.adminKey ?? null);
    unlocked.user = { ...unlocked.user, mustChangePassphrase: false };
    this.#record({ action: 'password-changed', objects: { subjectUserId: unlocked.user.id }, outcome: { status: 'success' } });
  }

  listUsers(): UserSummary[] {
    return listUsers(this.vault().db);
  }

  async createUser(input: NewUser & { role: Role }): Promise<UserSummary> {
    const vault = this.vault();
    if (getUserByUsername(vault.db, input.username)) throw new WardscribeError('conflict', `The username ${input.username} is already taken.`);
    this.#assertPassphrase(input.passphrase, input.username);
    const user: UserSummary = {
      id: randomUUID(),
      username: input.username,
      displayName: input.displayName,
      role: input.role,
      disabled: false,
      // The admin chose this passphrase; the user replaces it at first sign-in.
      mustChangePassphrase: true,
    };
    insertUser(vault.db, user, this.#now());
    await putSlot(vault, user, input.passphrase, this.#options.kdf ?? DEFAULT_KDF);
    this.#unknownFailures.delete(user.username);
    this.#record({ action: 'user-created', objects: { subjectUserId: user.id }, outcome: { status: 'success', reason: `role-${user.role}` } });
    this.#trust.refreshGrants(this.vault(), this.#unlocked?.adminKey ?? null);
    return user;
  }

  /** Disabling removes the user's key slot (their passphrase opens nothing); re-enabling needs a reset. */
  setDisabled(userId: string, disabled: boolean): UserSummary {
    const unlocked = this.#requireUnlocked();
    const { db } = unlocked.vault;
    const user = getUserById(db, userId);
    if (!user) throw new WardscribeError('not-found', 'No such user.');
    if (disabled && userId === unlocked.user.id) throw new WardscribeError('rejected', 'You cannot disable your own account.');
    if (disabled && user.role === 'admin' && !user.disabled && countActiveAdmins(db) <= 1) {
      throw new WardscribeError('rejected', 'The workstation must keep at least one active administrator.');
    }
    setUserDisabled(db, userId, disabled, this.#now());
    if (disabled) removeSlot(unlocked.vault, userId);
    this.#record({
      action: disabled ? 'user-disabled' : 'user-changed',
      objects: { subjectUserId: userId },
      outcome: { status: 'success', ...(disabled ? {} : { reason: 'enabled' }) },
    });
    this.#trust.refreshGrants(this.vault(), this.#unlocked?.adminKey ?? null);
    return getUserById(db, userId)!;
  }

  async resetPassphrase(userId: string, passphrase: string): Promise<UserSummary> {
    const unlocked = this.#requireUnlocked();
    const { db } = unlocked.vault;
    const user = getUserById(db, userId);
    if (!user) throw new WardscribeError('not-found', 'No such user.');
    this.#assertPassphrase(passphrase, user.username);
    await putSlot(unlocked.vault, user, passphrase, this.#options.kdf ?? DEFAULT_KDF);
    // Failures counted while the account had no slot belong to the old passphrase.
    this.#unknownFailures.delete(user.username);
    setUserDisabled(db, userId, false, this.#now());
    setMustChangePassphrase(db, userId, userId !== unlocked.user.id, this.#now());
    this.#record({ action: 'user-changed', objects: { subjectUserId: userId }, outcome: { status: 'success', reason: 'passphrase-reset' } });
    this.#trust.refreshGrants(this.vault(), this.#unlocked?.adminKey ?? null);
    return getUserById(db, userId)!;
  }

  setIdleLockMinutes(minutes: number): void {
    const unlocked = this.#requireUnlocked();
    writeSetting(unlocked.vault.db, IDLE_SETTING, minutes, unlocked.user.id, this.#now());
    unlocked.idleLockMinutes = minutes;
    this.#record({ action: 'setting-changed', objects: { setting: IDLE_SETTING }, outcome: { status: 'success' } });
    this.touch();
  }

  #begin(vault: OpenVault, user: UserSummary, unauditedFailures: readonly string[], admin?: { readonly adminKey: AdminKey | null; readonly rootCreated: boolean }): void {
    const stored = readSetting(vault.db, IDLE_SETTING);
    const auditStore = createVaultAuditStore(vault.db);
    const audit = this.#auditLog(vault, auditStore);
    if (admin?.rootCreated) audit.record({ action: 'workstation-key-created', actor: null, outcome: { status: 'success' } });
    // Failed attempts happened while the vault (and so the trail) was closed; each is recorded
    // now, its time kept in the reason code.
    for (const at of unauditedFailures) {
      audit.record({ action: 'sign-in-failed', actor: actorOf(user), outcome: { status: 'failure', reason: `wrong-passphrase-at-${compactTime(at)}` } });
    }
    audit.record({ action: 'sign-in', actor: actorOf(user), outcome: { status: 'success' } });
    this.#unlocked = {
      vault,
      audit,
      auditStore,
      user,
      adminKey: admin?.adminKey ?? null,
      idleTimer: null,
      idleLockMinutes: typeof stored === 'number' ? stored : DEFAULT_IDLE_LOCK_MINUTES,
    };
    this.#locked = null;
    this.touch();
    this.#options.onUnlocked?.();
  }

  /** The trail over `vault`, signed with the certified signing key this keystore opens (audit-trust.ts). */
  #auditLog(vault: OpenVault, store: AuditStore): AuditLog {
    bindKeystore(vault.db, this.#trust.keystoreInUse);
    const signing = this.#trust.signing(vault);
    return new AuditLog({ store, signer: signing.signer, trust: { rootPublicKeyPem: signing.rootPublicKeyPem, certificates: signing.certificates }, now: this.#now });
  }

  #record(record: Omit<AuditRecord, 'actor'>): void {
    const unlocked = this.#requireUnlocked();
    unlocked.audit.record({ ...record, actor: actorOf(unlocked.user) });
  }

  #requireUnlocked(): Unlocked {
    if (!this.#unlocked) throw this.#closedError();
    return this.#unlocked;
  }

  #closedError(): WardscribeError {
    return this.#locked
      ? new WardscribeError('locked', 'Wardscribe is locked. Sign in to continue.')
      : new WardscribeError('not-signed-in', 'Sign in to continue.');
  }

  #remainingWait(username: string): number {
    const recorded = signInFailures(this.#options.files, username) ?? this.#unknownFailures.get(username.toLowerCase()) ?? null;
    return recorded ? remainingBackoff(recorded.count, recorded.lastAt, this.#now()) : 0;
  }

  #backoffError(waitMs: number, justFailed = false): WardscribeError {
    const prefix = justFailed ? 'Username or passphrase not recognised.' : 'Too many attempts.';
    return new WardscribeError('sign-in-failed', waitMs > 0 ? `${prefix} Try again in ${describeWait(waitMs)}.` : prefix, { retryAfterMs: waitMs });
  }

  #assertPassphrase(passphrase: string, username: string): void {
    const problem = checkPassphrase(passphrase, username);
    if (problem) throw new WardscribeError('rejected', PASSPHRASE_PROBLEM_MESSAGES[problem]);
  }
}

function actorOf(user: UserSummary): AuditActor {
  return { userId: user.id, displayName: user.displayName, role: user.role };
}

/** `2026-11-24T10:00:00.000Z` → `20261124t100000z`, a form a reason code may hold. */
function compactTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '').toLowerCase();
}
