import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Role } from '../../shared/domain/roles';
import { NO_STAFF_PROFILE, type UserRow, type UserSummary } from '../../shared/domain/users';
import type { Access } from '../../shared/ipc/channel';
import type { HostEvent } from '../../shared/ipc/events';
import { WardscribeError } from '../errors';
import type { Principal } from '../ipc/registry';
import type { Logger } from '../log';
import { DEFAULT_KDF, prepareSlot, readKeySlotFile, type KdfParams } from '../vault/key-slots';
import { getSetting, setSettings, SETTINGS } from '../settings/registry';
import {
  countActiveAdmins,
  getUserById,
  getUserByUsername,
  insertUser,
  listStaffProfiles,
  listUsers,
  setMustChangePassphrase,
  setUserDisabled,
} from '../vault/queries/users';
import {
  admitAttempt,
  clearAttempts,
  commitSlot,
  createVault,
  passphraseOpensSlot,
  removeSlot,
  rotateVaultKey,
  unlockVault,
  vaultPresence,
  withSignInTurn,
  SIGN_IN_TURN_WAIT_MS,
  type NewUser,
  type SignInTurnOptions,
  type OpenVault,
} from '../vault/vault';
import type { RotationHooks } from '../vault/key-rotation';
import type { VaultFiles } from '../vault/vault-files';
import { AuditLog, type AuditRecord } from '../audit/audit-log';
import { createVaultAuditStore } from '../vault/queries/audit-entries';
import type { AdminKey } from '../audit/trust-anchors';
import { bindKeystore, createFileKeystore, defaultKeystoreDir, type SecretKeystore } from '../security/keystore';
import { AuditTrust } from './audit-trust';
import { sealStoredSecrets } from '../settings/sealed-secrets';
import { bindKeyFileKeystore } from '../vault/key-file-keystore';
import type { AuditStore } from '../audit/store';
import type { AuditActor } from '../../shared/domain/audit';
import { backoffAfter, describeWait } from './backoff';
import { assessPassphrase } from './passphrase-strength';
import { LeaseBusyError, LeaseRevokedError, VaultLease, type LeaseMode } from './vault-lease';
import { IntegrityMonitor } from './integrity-monitor';
import type { VaultIntegrityView } from '../../shared/ipc/work-queue';
import { releaseHeldFiles } from '../vault/held-files';
import type { UnauditedFailures } from '../vault/unaudited-failures';
import { compactTime, failureCountReason } from '../../shared/domain/sign-in-failures';

export type LockReason = Extract<HostEvent, { type: 'session.locked' }>['reason'];

export type SessionState =
  | { readonly kind: 'first-run' }
  | { readonly kind: 'signed-out' }
  | { readonly kind: 'locked'; readonly reason: LockReason; readonly username: string }
  | { readonly kind: 'signed-in'; readonly user: UserSummary; readonly idleLockMinutes: number };

/** The idle lock when no administrator has set one (the settings registry's default). */
export const DEFAULT_IDLE_LOCK_MINUTES = SETTINGS['session.idleLockMinutes'].default;

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
  /** A monotonic clock in milliseconds for the sign-in backoff (default `performance.now`); tests move it. */
  readonly monotonicNow?: () => number;
  /** Wait after n failures (default backoff.ts); tests that count attempts pass `() => 0`. */
  readonly backoff?: (failures: number) => number;
  /** Longest wait for exclusive vault work (wipe, user changes) behind other work before refusing. Default 5 s. */
  readonly exclusiveWaitMs?: number;
  /** Longest wait of a sign-in for another process's sign-in as the same user (default vault.ts SIGN_IN_TURN_WAIT_MS). */
  readonly signInWaitMs?: number;
  /**
   * The vault folder's lock (main/config/vault-folder-lock.ts), asked right before and right after
   * each vault opening: its own watch looks only every 2 s, and a lock lost in between (its file
   * unlinked or replaced, so another Wardscribe may hold the folder) must not let a vault open.
   */
  readonly folderLock?: { stillHeld(): boolean };
}

/** Why exclusive vault work waits no longer: a long import must not stall a wipe request (and every read queued behind it). */
const DEFAULT_EXCLUSIVE_WAIT_MS = 5_000;
/** Usernames whose backoff is remembered in memory (made-up names included). */
const MAX_REMEMBERED_NAMES = 1_000;

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
  readonly #unknownFailures = new Map<string, number>();
  /**
   * When this process first saw each user's current failure count, on the monotonic clock. The
   * backoff runs from there: a wall clock moved either way, or a failure stamped in the future,
   * changes nothing, and a restart starts the full wait again (at most 15 minutes).
   */
  readonly #backoffSeen = new Map<string, { count: number; at: number }>();
  /** Sign-in attempts in progress per username: one at a time for each user, none blocking another. */
  readonly #attempts = new Map<string, Promise<unknown>>();
  /** The one concurrency model for the open vault (vault-lease.ts). */
  readonly #lease = new VaultLease();
  readonly #monotonic: () => number;
  readonly #backoff: (failures: number) => number;
  /** The full page check of the open vault, run in the background after each sign-in (integrity-monitor.ts). */
  readonly #integrity: IntegrityMonitor;

  constructor(options: SessionServiceOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    const keystore = options.keystore ?? createFileKeystore(defaultKeystoreDir(options.files.dir));
    // The key file's sealed vault keys are sealed by the keystore too: a stale copy of it is then
    // useless without this workstation's keystore (key-file-keystore.ts).
    bindKeyFileKeystore(options.files.keySlots, keystore);
    this.#trust = new AuditTrust(keystore, this.#now, options.log);
    this.#monotonic = options.monotonicNow ?? (() => performance.now());
    this.#backoff = options.backoff ?? backoffAfter;
    this.#integrity = new IntegrityMonitor({
      now: this.#now,
      damaged: (pageNumber) => {
        this.#options.log.error('vault.integrity-damaged', { pageNumber });
        try {
          this.#record({ action: 'vault-checked', outcome: { status: 'failure', reason: 'page-authentication-failed' } });
        } catch {
          this.#options.log.error('vault.integrity-not-audited');
        }
      },
      finished: (state) => this.#options.emit({ type: 'vault.integrity', state }),
      failed: (error) => this.#options.log.warn('vault.integrity-check-failed', { code: (error as { code?: string }).code ?? 'unexpected' }),
    });
  }

  /** Where the background page check of the open vault stands. */
  integrity(): VaultIntegrityView {
    return this.#integrity.status();
  }

  /** Resolves when the background page check has ended (tests, shutdown). */
  integritySettled(): Promise<void> {
    return this.#integrity.settled();
  }

  /**
   * Runs `work` holding the vault lease: `shared` for imports, filing and reads, `exclusive` for
   * wipes, key rotation and user or key-slot changes (see vault-lease.ts for the rules). Refused
   * with `locked`/`not-signed-in` when no vault is open, and with `conflict`, naming what holds
   * the vault, when exclusive work has waited `waitMs` (default 5 s). Locking revokes the lease:
   * work still running afterwards is refused by vault() and audit().
   */
  async withVault<T>(mode: LeaseMode, purpose: string, work: () => T | Promise<T>, options: { readonly waitMs?: number } = {}): Promise<T> {
    const unlocked = this.#requireUnlocked();
    const waitMs = options.waitMs ?? (mode === 'exclusive' ? (this.#options.exclusiveWaitMs ?? DEFAULT_EXCLUSIVE_WAIT_MS) : undefined);
    try {
      return await this.#lease.run(mode, { purpose, ...(waitMs === undefined ? {} : { waitMs }) }, () => {
        // Granted after a lock and a new sign-in: this work belonged to the session that ended.
        if (this.#unlocked !== unlocked) throw this.#closedError();
        return work();
      });
    } catch (error) {
      if (error instanceof LeaseBusyError) {
        throw new WardscribeError('conflict', `Wardscribe is busy: ${error.heldFor.join('; ') || 'other work is queued'}. Nothing was done; try again when it has finished.`);
      }
      if (error instanceof LeaseRevokedError) throw this.#closedError();
      throw error;
    }
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
    return this.#requireUnlocked().vault;
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
   * session, the right role, and (after an admin reset) a changed passphrase. A call is not
   * activity for the idle lock: screens refresh on main's events and save drafts before a lock on
   * their own, so only `session.activity` (the person's keys, pointer and wheel) restarts it.
   */
  readonly gate = (access: Access, channel: string): Principal | null => {
    if (access === 'public') return this.principal();
    const unlocked = this.#unlocked;
    if (!unlocked) throw this.#closedError();
    this.#requireStillAllowed(unlocked);
    if (unlocked.user.mustChangePassphrase && !channel.startsWith('wardscribe:session.')) {
      throw new WardscribeError('forbidden', 'Change your passphrase before continuing.');
    }
    if (access !== 'signed-in' && !access.includes(unlocked.user.role)) {
      throw new WardscribeError('forbidden', `Your role (${unlocked.user.role}) cannot do this.`);
    }
    return { userId: unlocked.user.id, role: unlocked.user.role };
  };

  /**
   * The signed-in user as the users table has them now, per request: a session keeps its user from
   * sign-in, and an account disabled or given another role elsewhere (another process on the same
   * vault) must not keep its rights until it signs out (#14 F5). One indexed read. A change ends the
   * session, audited, and the request is refused.
   */
  #requireStillAllowed(unlocked: Unlocked): void {
    const stored = getUserById(unlocked.vault.db, unlocked.user.id);
    if (stored && !stored.disabled && stored.role === unlocked.user.role) return;
    const reason = !stored ? 'account-removed' : stored.disabled ? 'account-disabled' : 'role-changed';
    try {
      this.#record({ action: 'sign-in-failed', objects: { subjectUserId: unlocked.user.id }, outcome: { status: 'failure', reason: `session-ended-${reason}` } });
    } finally {
      this.lock('sign-out');
    }
    throw new WardscribeError('forbidden', stored && !stored.disabled ? 'Your role was changed by an administrator. Sign in again.' : 'Your account was disabled by an administrator. You have been signed out.');
  }

  async createFirstAdmin(admin: NewUser): Promise<UserSummary> {
    if (this.state().kind !== 'first-run') throw new WardscribeError('conflict', 'This workstation already has an administrator.');
    this.#assertPassphrase(admin.passphrase, admin);
    this.#requireFolderLock();
    // createVault re-checks under the key file's lock: of two first runs at once, one is refused.
    const { vault, user } = await createVault(this.#options.files, admin, this.#now(), this.#options.kdf ?? DEFAULT_KDF);
    this.#requireFolderLock(vault);
    this.#begin(vault, user, null, { adminKey: this.#trust.establish(vault, user.id), rootCreated: true });
    this.#record({ action: 'user-created', objects: { subjectUserId: user.id }, outcome: { status: 'success', reason: 'first-run' } });
    this.#options.log.info('session.first-admin-created');
    return user;
  }

  /**
   * Signs a user in. Attempts for one username run one at a time (others are not held up); each
   * is counted as a failure before its KDF runs (vault.ts unlockVault) and only if the backoff
   * allows it, so parallel guesses are all counted or refused.
   */
  signIn(username: string, passphrase: string): Promise<UserSummary> {
    const turn = this.#signInTurn();
    return this.#oneAttemptAtATime(username.toLowerCase(), () => this.#signIn(username, passphrase, turn));
  }

  /** When an attempt asked for now stops waiting for another process's attempt for the same user (vault.ts withSignInTurn). */
  #signInTurn(): SignInTurnOptions {
    return { deadline: performance.now() + (this.#options.signInWaitMs ?? SIGN_IN_TURN_WAIT_MS) };
  }

  /** Queues passphrase attempts per username: one at a time for each user, none blocking another. */
  #oneAttemptAtATime<T>(key: string, attempt: () => Promise<T>): Promise<T> {
    const previous = this.#attempts.get(key) ?? Promise.resolve();
    const run = previous.then(attempt, attempt);
    const settled = run.catch(() => undefined);
    this.#attempts.set(key, settled);
    void settled.then(() => {
      if (this.#attempts.get(key) === settled) this.#attempts.delete(key);
    });
    return run;
  }

  async #signIn(username: string, passphrase: string, turn: SignInTurnOptions): Promise<UserSummary> {
    const key = username.toLowerCase();
    if (this.#unlocked) this.lock('sign-out');
    this.#requireFolderLock();
    const outcome = await unlockVault(this.#options.files, username, passphrase, this.#now(), (failures) => this.#remainingWait(key, failures?.count ?? 0), turn);
    if (outcome.kind === 'unlocked') {
      this.#unknownFailures.delete(key);
      this.#backoffSeen.delete(key);
      // Lost while the KDF ran: the vault opened is closed again before anything reads or writes it.
      this.#requireFolderLock(outcome.vault);
      // Admins open the administrators' key too (one more Argon2id run): see audit-trust.ts.
      const admin = outcome.user.role === 'admin' ? await this.#trust.adminSignedIn(outcome.vault, outcome.user, passphrase) : undefined;
      if (admin && !admin.vouched) {
        // The users row says admin, but no grant of the administrators' key that opens the root
        // and no roster under it says so: the row was written outside Wardscribe (#14 F3).
        admin.adminKey?.dispose();
        try {
          this.#auditLog(outcome.vault, createVaultAuditStore(outcome.vault.db)).record({
            action: 'sign-in-failed',
            actor: actorOf(outcome.user),
            outcome: { status: 'failure', reason: 'admin-role-not-vouched' },
          });
        } finally {
          outcome.vault.close();
        }
        this.#options.log.warn('session.admin-role-not-vouched');
        throw new WardscribeError(
          'forbidden',
          'This account is marked as an administrator, but the workstation’s administrators’ key does not confirm it, so it cannot be signed in. Ask another administrator to check this account’s role in the Users list.',
        );
      }
      this.#begin(outcome.vault, outcome.user, outcome.unauditedFailures, admin);
      if (admin?.adminKey && !this.#trust.holdsWorkingKey(outcome.vault, admin.adminKey)) {
        this.#record({ action: 'vault-checked', objects: {}, outcome: { status: 'failure', reason: 'admin-roster-altered' } });
      }
      this.#options.log.info('session.signed-in', { role: outcome.user.role });
      return outcome.user;
    }
    if (outcome.kind === 'wait') throw this.#backoffError(outcome.waitMs);
    let failures: number;
    if (outcome.kind === 'unknown-user') {
      // The same backoff as a real account, so the answer does not tell which names exist.
      const wait = this.#remainingWait(key, this.#unknownFailures.get(key) ?? 0);
      if (wait > 0) throw this.#backoffError(wait);
      failures = (this.#unknownFailures.get(key) ?? 0) + 1;
      this.#unknownFailures.delete(key);
      this.#unknownFailures.set(key, failures);
      if (this.#unknownFailures.size > MAX_REMEMBERED_NAMES) this.#unknownFailures.delete(this.#unknownFailures.keys().next().value!);
    } else {
      failures = outcome.failures;
    }
    this.#options.log.warn('session.sign-in-failed');
    throw this.#backoffError(this.#remainingWait(key, failures), true);
  }

  /** Ends the session and closes the vault. `sign-out` forgets who it was; other reasons keep the name for the lock screen. */
  lock(reason: LockReason): void {
    const unlocked = this.#unlocked;
    if (!unlocked) return;
    if (unlocked.idleTimer) clearTimeout(unlocked.idleTimer);
    this.#integrity.stop();
    this.#options.onLocking?.();
    // Locking does not wait: waiters are refused, work still holding the vault is cut off (vault-lease.ts).
    this.#lease.revokeAll();
    try {
      // Best effort: a lock must close the vault even when the trail cannot be written (a busy
      // or full disk). An unwritten entry is logged; an open vault on a shared PC would be worse.
      unlocked.audit.record({
        action: reason === 'sign-out' ? 'sign-out' : 'lock',
        actor: actorOf(unlocked.user),
        outcome: { status: 'success', reason },
      });
    } catch {
      this.#options.log.error('session.lock-not-audited', { reason });
    } finally {
      this.#unlocked = null;
      this.#locked = reason === 'sign-out' ? null : { reason, username: unlocked.user.username };
      unlocked.adminKey?.dispose();
      unlocked.vault.close();
      // SQLite has closed its own: the descriptors kept so reads would not drop its locks can go.
      releaseHeldFiles();
    }
    this.#options.log.info('session.locked', { reason });
    this.#options.emit({ type: 'session.locked', reason });
  }

  /**
   * Swaps the open vault for the one `replace` returns: a key rotation (main/wipe/) re-encrypts
   * the vault under a new key and hands it back open. The user stays signed in and the audit
   * trail carries on in the new file. Only work holding the vault lease exclusively may call
   * this: nothing else can be using the vault meanwhile. If `replace` fails having closed the
   * vault, the session locks: the next sign-in finishes the rotation.
   */
  async replaceVault(replace: (vault: OpenVault, install: (next: OpenVault) => void) => OpenVault | Promise<OpenVault>): Promise<void> {
    const unlocked = this.#requireUnlocked();
    const holder = this.#lease.current();
    if (!holder || holder.mode !== 'exclusive' || !this.#lease.isLive(holder)) throw new Error('replaceVault() needs the vault lease held exclusively.');
    // `install` lets `replace` hand over the new vault in the same synchronous step that closed
    // the old one: nothing (not even work outside the lease) ever gets the closed vault.
    const install = (next: OpenVault) => {
      if (unlocked.vault === next) return;
      unlocked.vault = next;
      unlocked.auditStore = createVaultAuditStore(next.db);
      unlocked.audit = this.#auditLog(next, unlocked.auditStore);
      // A new file under a new key: its pages are checked from the start.
      this.#checkInBackground(next);
    };
    // The file being checked is about to be replaced and its key zeroed.
    this.#integrity.stop();
    let next: OpenVault;
    try {
      next = await replace(unlocked.vault, install);
    } catch (error) {
      // Refused before the switch: the same file, still open, is checked again from the start.
      if (!unlocked.vault.closed && this.#unlocked === unlocked) this.#checkInBackground(unlocked.vault);
      if (unlocked.vault.closed && this.#unlocked === unlocked) {
        if (unlocked.idleTimer) clearTimeout(unlocked.idleTimer);
        this.#lease.revokeAll();
        this.#unlocked = null;
        this.#locked = { reason: 'manual', username: unlocked.user.username };
        this.#options.log.error('session.vault-replace-failed');
        this.#options.emit({ type: 'session.locked', reason: 'manual' });
      }
      throw error;
    }
    install(next);
  }

  /**
   * Re-encrypts the open vault under a new key (the cryptographic erase of a wipe) and carries
   * on in it. Only for work holding the vault lease exclusively.
   */
  rotateVaultKey(hooks: RotationHooks = {}): Promise<void> {
    return this.replaceVault((vault, install) => rotateVaultKey(vault, hooks, install));
  }

  /** Restarts the idle timer: called on every admitted call and on renderer activity. */
  touch(): void {
    const unlocked = this.#unlocked;
    if (!unlocked) return;
    if (unlocked.idleTimer) clearTimeout(unlocked.idleTimer);
    unlocked.idleTimer = setTimeout(() => this.lock('idle'), unlocked.idleLockMinutes * 60_000);
    unlocked.idleTimer.unref();
  }

  /**
   * User and key-slot changes: the slow Argon2id work first, with nothing held; then, holding the
   * vault lease exclusively and the key file's lock, the checks that decide (read again there),
   * the database change, its audit entry and the key file, together, with the vault key as it is
   * at that moment (vault.ts changeSlots).
   */
  async changePassphrase(current: string, next: string): Promise<void> {
    const unlocked = this.#requireUnlocked();
    const me = unlocked.user;
    this.#assertPassphrase(next, me);
    // Both Argon2id runs at once (one per core): the new slot is written only if the check passes.
    const [, prepared] = await Promise.all([this.#checkCurrentPassphrase(unlocked, current), prepareSlot(unlocked.vault.vaultId, me, next, this.#kdf())]);
    await this.#change(unlocked, 'a passphrase is being changed', () =>
      commitSlot(this.#options.files, prepared, () => this.vault(), (vault, unaudited) => {
        const stored = getUserById(vault.db, me.id);
        if (!stored || stored.disabled) throw new WardscribeError('forbidden', 'This account was disabled. Nothing was changed.');
        this.#recordUnauditedOf(me.id, unaudited);
        setMustChangePassphrase(vault.db, me.id, false, this.#now());
        // An administrator's own new slot key, vouched for with the key this session holds.
        if (me.role === 'admin' && this.#trust.holdsWorkingKey(vault, unlocked.adminKey)) this.#trust.vouchAdmin(vault, unlocked.adminKey, { userId: me.id, publicKey: prepared.publicKey }, true);
        this.#record({ action: 'password-changed', objects: { subjectUserId: me.id }, outcome: { status: 'success' } });
      }),
    );
    // A new passphrase is a new slot key pair: the administrators' key is sealed to it again.
    this.#trust.refreshGrants(this.vault(), this.#unlocked?.adminKey ?? null);
    unlocked.user = { ...unlocked.user, mustChangePassphrase: false };
  }

  /**
   * The current passphrase, checked like a sign-in: one attempt at a time, counted before the
   * KDF, under the same backoff. Without this, a session left open would let anyone guess the
   * passphrase at full KDF speed.
   */
  #checkCurrentPassphrase(unlocked: Unlocked, current: string): Promise<void> {
    const me = unlocked.user;
    const key = me.username.toLowerCase();
    // One at a time across processes too, like a sign-in (vault.ts withSignInTurn).
    const turn = this.#signInTurn();
    return this.#oneAttemptAtATime(key, () => withSignInTurn(this.#options.files, me.username, async () => {
      const admission = await admitAttempt(this.#options.files, me.username, this.#now().toISOString(), (failures) => this.#remainingWait(key, failures?.count ?? 0), { unaudited: false });
      if (admission.kind === 'wait') throw this.#backoffError(admission.waitMs);
      if (admission.kind === 'unknown-user') throw new WardscribeError('forbidden', 'This account was disabled. Nothing was changed.');
      if (await passphraseOpensSlot(unlocked.vault, me.id, current)) {
        this.#backoffSeen.delete(key);
        await clearAttempts(this.#options.files, me.username);
        return;
      }
      if (this.#unlocked === unlocked) this.#record({ action: 'sign-in-failed', objects: { subjectUserId: me.id }, outcome: { status: 'failure', reason: 'wrong-current-passphrase' } });
      const wait = this.#remainingWait(key, admission.failures);
      throw new WardscribeError('sign-in-failed', `Your current passphrase was not recognised.${wait > 0 ? ` Try again in ${describeWait(wait)}.` : ''}`, { retryAfterMs: wait });
    }, turn));
  }

  listUsers(): UserRow[] {
    const users = listUsers(this.vault().db);
    const keyed = new Set(readKeySlotFile(this.#options.files.keySlots)?.slots.map((slot) => slot.userId) ?? []);
    const profiles = listStaffProfiles(this.vault().db);
    return users.map((user) => ({ ...user, hasKey: keyed.has(user.id), profile: profiles.get(user.id) ?? NO_STAFF_PROFILE }));
  }

  async createUser(input: NewUser & { role: Role }): Promise<UserSummary> {
    const unlocked = this.#requireUnlocked();
    this.#requireStillAllowed(unlocked);
    const taken = () => new WardscribeError('conflict', `The username ${input.username} is already taken.`);
    if (getUserByUsername(unlocked.vault.db, input.username)) throw taken();
    this.#assertPassphrase(input.passphrase, input);
    const user: UserSummary = {
      id: randomUUID(),
      username: input.username,
      displayName: input.displayName,
      role: input.role,
      disabled: false,
      // The admin chose this passphrase; the user replaces it at first sign-in.
      mustChangePassphrase: true,
    };
    // Only a session holding the administrators' key can vouch for a new administrator (the roster):
    // without it the new admin's row would be just a users row, which anyone in the vault can write.
    if (user.role === 'admin' && !this.#trust.holdsWorkingKey(unlocked.vault, unlocked.adminKey)) {
      throw new WardscribeError('rejected', 'Your sign-in does not hold the administrators’ key, so it cannot add an administrator. Sign out and in again; if this persists, ask another administrator to do it.');
    }
    const prepared = await prepareSlot(unlocked.vault.vaultId, user, input.passphrase, this.#kdf());
    await this.#change(unlocked, 'a user is being added', () =>
      commitSlot(this.#options.files, prepared, () => this.vault(), (vault, unaudited) => {
        // Asked again here: another admin may have taken the name meanwhile.
        if (getUserByUsername(vault.db, input.username)) throw taken();
        insertUser(vault.db, user, this.#now());
        this.#recordUnauditedOf(user.id, unaudited);
        if (user.role === 'admin') this.#trust.vouchAdmin(vault, unlocked.adminKey!, { userId: user.id, publicKey: prepared.publicKey });
        this.#record({ action: 'user-created', objects: { subjectUserId: user.id }, outcome: { status: 'success', reason: `role-${user.role}` } });
      }),
    );
    this.#unknownFailures.delete(user.username.toLowerCase());
    this.#trust.refreshGrants(this.vault(), this.#unlocked?.adminKey ?? null);
    return user;
  }

  /** Disabling removes the user's key slot (their passphrase opens nothing); re-enabling needs a reset. */
  async setDisabled(userId: string, disabled: boolean): Promise<UserSummary> {
    const unlocked = this.#requireUnlocked();
    this.#requireStillAllowed(unlocked);
    let rotated: AdminKey | null = null;
    const decide = (vault: OpenVault, unaudited: UnauditedFailures | null = null) => {
      const db = vault.db;
      const user = getUserById(db, userId);
      if (!user) throw new WardscribeError('not-found', 'No such user.');
      if (disabled && userId === unlocked.user.id) throw new WardscribeError('rejected', 'You cannot disable your own account.');
      const leavingAdmin = disabled && user.role === 'admin' && !user.disabled;
      if (leavingAdmin && countActiveAdmins(db) <= 1) {
        throw new WardscribeError('rejected', 'The workstation must keep at least one active administrator.');
      }
      // An administrator leaving takes the administrators' key with them (a copy of their grant
      // and their passphrase open it): it is replaced in this same transaction, so this session
      // must hold it. Without it nothing is changed.
      if (leavingAdmin && !unlocked.adminKey) {
        throw new WardscribeError('rejected', 'Your sign-in does not hold the administrators’ key yet, so another administrator cannot be disabled from it. Sign out and in again; if this persists, ask another administrator to do it.');
      }
      setUserDisabled(db, userId, disabled, this.#now());
      // Guesses at their passphrase not yet audited: no sign-in of theirs will record them now.
      this.#recordUnauditedOf(userId, unaudited);
      if (leavingAdmin) rotated = this.#trust.rotateAdminKey(vault, unlocked.adminKey!);
      this.#record({
        action: disabled ? 'user-disabled' : 'user-changed',
        objects: { subjectUserId: userId },
        outcome: { status: 'success', ...(disabled ? (leavingAdmin ? { reason: 'admin-key-rotated' } : {}) : { reason: 'enabled' }) },
      });
    };
    // Checked before waiting, for a quick answer; decided again under the locks.
    if (!getUserById(unlocked.vault.db, userId)) throw new WardscribeError('not-found', 'No such user.');
    if (disabled && userId === unlocked.user.id) throw new WardscribeError('rejected', 'You cannot disable your own account.');
    // Disabling removed the user's key slot, so enabling alone would leave an account that cannot
    // sign in and is told only "not recognised". A reset gives a new slot and re-enables it.
    const target = getUserById(unlocked.vault.db, userId);
    if (!disabled && target?.disabled && !readKeySlotFile(this.#options.files.keySlots)?.slots.some((slot) => slot.userId === userId)) {
      throw new WardscribeError(
        'rejected',
        `${target.displayName} cannot be re-enabled on its own: disabling removed their key, so their old passphrase opens nothing. Use Reset passphrase to give them a new one; that re-enables the account.`,
      );
    }
    await this.#change(unlocked, 'a user is being changed', () =>
      disabled
        ? removeSlot(this.#options.files, userId, () => this.vault(), decide)
        : Promise.resolve(this.vault().db.transaction(() => decide(this.vault())).immediate()),
    );
    if (rotated) {
      unlocked.adminKey?.dispose();
      unlocked.adminKey = rotated;
    }
    this.#trust.refreshGrants(this.vault(), this.#unlocked?.adminKey ?? null);
    return getUserById(this.vault().db, userId)!;
  }

  async resetPassphrase(userId: string, passphrase: string): Promise<UserSummary> {
    const unlocked = this.#requireUnlocked();
    this.#requireStillAllowed(unlocked);
    const user = getUserById(unlocked.vault.db, userId);
    if (!user) throw new WardscribeError('not-found', 'No such user.');
    this.#assertPassphrase(passphrase, user);
    const prepared = await prepareSlot(unlocked.vault.vaultId, user, passphrase, this.#kdf());
    await this.#change(unlocked, 'a user is being changed', () =>
      commitSlot(this.#options.files, prepared, () => this.vault(), (vault, unaudited) => {
        if (!getUserById(vault.db, userId)) throw new WardscribeError('not-found', 'No such user.');
        // Guesses at the old passphrase, not yet audited: the new slot clears their count.
        this.#recordUnauditedOf(userId, unaudited);
        setUserDisabled(vault.db, userId, false, this.#now());
        setMustChangePassphrase(vault.db, userId, userId !== unlocked.user.id, this.#now());
        // An administrator's new slot key, vouched for by a key holder (only one the roster already knows).
        if (user.role === 'admin' && this.#trust.holdsWorkingKey(vault, unlocked.adminKey)) this.#trust.vouchAdmin(vault, unlocked.adminKey, { userId, publicKey: prepared.publicKey }, true);
        this.#record({ action: 'user-changed', objects: { subjectUserId: userId }, outcome: { status: 'success', reason: 'passphrase-reset' } });
      }),
    );
    // Failures counted while the account had no slot belong to the old passphrase.
    this.#unknownFailures.delete(user.username.toLowerCase());
    this.#trust.refreshGrants(this.vault(), this.#unlocked?.adminKey ?? null);
    return getUserById(this.vault().db, userId)!;
  }

  setIdleLockMinutes(minutes: number): void {
    const unlocked = this.#requireUnlocked();
    // The registry checks the value and the writer's role, and records setting-changed.
    setSettings(unlocked.vault.db, unlocked.audit, actorOf(unlocked.user), { 'session.idleLockMinutes': minutes }, this.#now());
    unlocked.idleLockMinutes = minutes;
    this.touch();
  }

  #begin(vault: OpenVault, user: UserSummary, unauditedFailures: UnauditedFailures | null, admin?: { readonly adminKey: AdminKey | null; readonly rootCreated: boolean }): void {
    // Another user's sign-in finished while this one's KDF ran: theirs ends first.
    if (this.#unlocked) this.lock('sign-out');
    const idleLockMinutes = getSetting(vault.db, 'session.idleLockMinutes');
    const auditStore = createVaultAuditStore(vault.db);
    const audit = this.#auditLog(vault, auditStore);
    if (admin?.rootCreated) audit.record({ action: 'workstation-key-created', actor: null, outcome: { status: 'success' } });
    // Failed attempts happened while the vault (and so the trail) was closed: recorded now.
    recordUnauditedFailures(audit, actorOf(user), unauditedFailures);
    audit.record({ action: 'sign-in', actor: actorOf(user), outcome: { status: 'success' } });
    this.#unlocked = {
      vault,
      audit,
      auditStore,
      user,
      adminKey: admin?.adminKey ?? null,
      idleTimer: null,
      idleLockMinutes,
    };
    this.#locked = null;
    this.touch();
    this.#checkInBackground(vault);
    this.#options.onUnlocked?.();
  }

  /** Starts the full page check of `vault` (sign-in checked only what it could afford: sqlcipher.ts OpeningCheck). */
  #checkInBackground(vault: OpenVault): void {
    const db = vault.db;
    this.#integrity.start({
      path: vault.files.database,
      key: vault.key,
      pageSize: db.pragma('page_size', { simple: true }) as number,
      // Pages still only in the -wal file (after a crash) are not in the file yet: SQLite authenticates those as it reads them.
      pageCount: Math.min(db.pragma('page_count', { simple: true }) as number, Math.floor(statSync(vault.files.database).size / (db.pragma('page_size', { simple: true }) as number))),
      settle: () => {
        if (!vault.closed) db.pragma('wal_checkpoint(PASSIVE)');
      },
    });
  }

  /** The trail over `vault`, signed with the certified signing key this keystore opens (audit-trust.ts). */
  #auditLog(vault: OpenVault, store: AuditStore): AuditLog {
    bindKeystore(vault.db, this.#trust.keystoreInUse);
    sealStoredSecrets(vault.db);
    const signing = this.#trust.signing(vault);
    return new AuditLog({ store, signer: signing.signer, trust: { rootPublicKeyPem: signing.rootPublicKeyPem, certificates: signing.certificates }, now: this.#now });
  }

  #record(record: Omit<AuditRecord, 'actor'>): void {
    const unlocked = this.#requireUnlocked();
    unlocked.audit.record({ ...record, actor: actorOf(unlocked.user) });
  }

  /** Another user's failed sign-ins handed over by a slot change (vault.ts SlotChangeInside), recorded by this session. */
  #recordUnauditedOf(subjectUserId: string, unaudited: UnauditedFailures | null): void {
    const unlocked = this.#requireUnlocked();
    recordUnauditedFailures(unlocked.audit, actorOf(unlocked.user), unaudited, subjectUserId);
  }

  #requireUnlocked(): Unlocked {
    if (!this.#unlocked) throw this.#closedError();
    // Work that held the lease of a session since locked is refused, even if someone has signed in again.
    const holder = this.#lease.current();
    if (holder && this.#lease.isRevoked(holder)) throw this.#closedError();
    return this.#unlocked;
  }

  /**
   * Refuses to open (or keep) a vault once the folder lock is lost: another Wardscribe may have the
   * folder, and two writers of one WAL database with two keys in memory is what the lock prevents.
   * `opened` is closed (its key zeroed) before the refusal.
   */
  #requireFolderLock(opened?: OpenVault): void {
    const lock = this.#options.folderLock;
    if (!lock || lock.stillHeld()) return;
    opened?.close();
    this.#options.log.error('session.folder-lock-lost');
    throw new WardscribeError(
      'conflict',
      'Wardscribe no longer holds the vault folder: its lock file was removed or replaced, so another Wardscribe may be using the vault. Nothing was opened. Close Wardscribe and start it again; if this happens again, ask IT to check the vault folder.',
    );
  }

  /** A user or key-slot change: exclusive, and only in the session that asked for it. */
  #change<T>(unlocked: Unlocked, purpose: string, work: () => Promise<T>): Promise<T> {
    if (this.#unlocked !== unlocked) throw this.#closedError();
    return this.withVault('exclusive', purpose, work);
  }

  #kdf(): KdfParams {
    return this.#options.kdf ?? DEFAULT_KDF;
  }

  #closedError(): WardscribeError {
    return this.#locked
      ? new WardscribeError('locked', 'Wardscribe is locked. Sign in to continue.')
      : new WardscribeError('not-signed-in', 'Sign in to continue.');
  }

  /**
   * Milliseconds still to wait before another attempt for this user, counted on the monotonic
   * clock from when this process first saw `failures` (see #backoffSeen).
   */
  #remainingWait(key: string, failures: number): number {
    if (failures <= 0) return 0;
    const now = this.#monotonic();
    let seen = this.#backoffSeen.get(key);
    if (!seen || seen.count !== failures) {
      seen = { count: failures, at: now };
      this.#backoffSeen.delete(key);
      this.#backoffSeen.set(key, seen);
      // Bounded, so a stream of made-up names cannot fill memory; a name forgotten waits in full again.
      if (this.#backoffSeen.size > MAX_REMEMBERED_NAMES) this.#backoffSeen.delete(this.#backoffSeen.keys().next().value!);
    }
    return Math.max(0, Math.ceil(this.#backoff(failures) - (now - seen.at)));
  }

  #backoffError(waitMs: number, justFailed = false): WardscribeError {
    const prefix = justFailed ? 'Username or passphrase not recognised.' : 'Too many attempts.';
    return new WardscribeError('sign-in-failed', waitMs > 0 ? `${prefix} Try again in ${describeWait(waitMs)}.` : prefix, { retryAfterMs: waitMs });
  }

  #assertPassphrase(passphrase: string, person: { readonly username: string; readonly displayName?: string }): void {
    const verdict = assessPassphrase(passphrase, person);
    if (verdict) throw new WardscribeError('rejected', verdict.message);
  }
}

function actorOf(user: UserSummary): AuditActor {
  return { userId: user.id, displayName: user.displayName, role: user.role };
}

/**
 * Failed sign-ins counted while the trail was closed: their true number and first and last times
 * in one entry, then each one whose time the key file kept, its time in the reason code.
 * `subjectUserId` when someone else's session records them (an administrator's reset or disabling).
 */
function recordUnauditedFailures(audit: AuditLog, actor: AuditActor, unaudited: UnauditedFailures | null, subjectUserId?: string): void {
  if (!unaudited) return;
  const objects = subjectUserId === undefined ? {} : { subjectUserId };
  audit.record({ action: 'sign-in-failures-counted', actor, objects, outcome: { status: 'failure', reason: failureCountReason(unaudited.count, unaudited.firstAt, unaudited.lastAt) } });
  for (const at of unaudited.stamps) {
    audit.record({ action: 'sign-in-failed', actor, objects, outcome: { status: 'failure', reason: `wrong-passphrase-at-${compactTime(at)}` } });
  }
}
