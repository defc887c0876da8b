import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { UserSummary } from '../../shared/domain/users';
import { WardscribeError } from '../errors';
import {
  DEFAULT_KDF,
  newKeySlotFile,
  openPrivateKey,
  openSealedVaultKey,
  openSlot,
  prepareSlot,
  readKeySlotFile,
  sealSlot,
  slotsGeneration,
  spendKdf,
  updateKeySlotFile,
  writeKeySlotFile,
  type KdfParams,
  type KeySlotFile,
  type PreparedSlot,
} from './key-slots';
import { type KeyFileLockOptions, withKeyFileLock } from './key-file-lock';
import { finishInterruptedRotation, prepareRotation, staleVaultError, type RotationHooks } from './key-rotation';
import { migrate } from './migrate';
import { getUserByUsername, insertUser } from './queries/users';
import { getVaultMeta, setVaultMeta } from './queries/vault-meta';
import { checkpointTruncate, openEncryptedDatabase, VAULT_KEY_BYTES, type Db } from './sqlcipher';
import { unauditedBesides, unauditedFailures, withCountCleared, withFailureCounted, withRightAttemptUncounted, type UnauditedFailures } from './unaudited-failures';
import { companionFiles, type VaultFiles } from './vault-files';

/** An unlocked vault. Whoever holds it must `close()` it, which zeroes the key. */
export class OpenVault {
  #closed = false;

  constructor(
    readonly db: Db,
    readonly vaultId: string,
    readonly files: VaultFiles,
    /** The raw vault key; zeroed on close. Needed to add users' key slots. */
    readonly key: Buffer,
    /**
     * The key's generation (key rotations count up). Slot changes compare it with the key file
     * at write time: another process that re-encrypted the vault makes this key stale.
     */
    readonly generation: number,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      checkpointTruncate(this.db);
    } finally {
      this.db.close();
      this.key.fill(0);
    }
  }
}

export type VaultPresence = 'absent' | 'present';

/**
 * Whether a vault exists here. Reads only: a first run interrupted before the vault was renamed
 * into place (a `.creating` database) counts as absent and is cleaned up by the next first run,
 * and an interrupted key rotation is finished by the next sign-in, both under the key file's
 * lock, so that another process's first run or rotation under way is never mistaken for one.
 */
export function vaultPresence(files: VaultFiles): VaultPresence {
  const hasDatabase = existsSync(files.database);
  const hasSlots = existsSync(files.keySlots);
  if (hasDatabase && hasSlots) return 'present';
  if (hasDatabase) {
    throw new WardscribeError('vault-damaged', 'The vault key file is missing, so the vault cannot be opened. It has not been changed; contact IT support.');
  }
  if (existsSync(files.creating)) return 'absent';
  if (hasSlots) {
    throw new WardscribeError('vault-damaged', `The vault file is missing from ${files.dir}. Nothing has been changed; contact IT support.`);
  }
  return 'absent';
}

export interface NewUser {
  readonly username: string;
  readonly displayName: string;
  readonly passphrase: string;
}

/**
 * First run: a new vault with a random key, its schema, and the first administrator. The
 * database is built under a temporary name and renamed into place only after its key slot is
 * on disk, so a crash never leaves a vault nobody can open. The Argon2id step comes first; the
 * rest runs under the key file's lock, so two first runs at once make one vault, not two halves.
 */
export async function createVault(files: VaultFiles, admin: NewUser, now: Date, kdf: KdfParams = DEFAULT_KDF): Promise<{ vault: OpenVault; user: UserSummary }> {
  if (vaultPresence(files) === 'present') throw alreadySetUp();
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  const vaultId = randomUUID();
  const user: UserSummary = {
    id: randomUUID(),
    username: admin.username,
    displayName: admin.displayName,
    role: 'admin',
    disabled: false,
    mustChangePassphrase: false,
  };
  const prepared = await prepareSlot(vaultId, user, admin.passphrase, kdf);
  return withKeyFileLock(files.keySlots, () => {
    if (vaultPresence(files) === 'present') throw alreadySetUp();
    // What an interrupted first run left: no data was ever stored in it.
    for (const path of [files.creating, ...companionFiles(files.creating), files.keySlots]) rmSync(path, { force: true });
    const key = randomBytes(VAULT_KEY_BYTES);
    try {
      const db = openEncryptedDatabase(files.creating, key, { create: true });
      try {
        migrate(db);
        db.transaction(() => {
          setVaultMeta(db, 'vault_id', vaultId);
          insertUser(db, user, now);
        })();
        checkpointTruncate(db);
      } finally {
        db.close();
      }
      const slots = newKeySlotFile(vaultId);
      slots.slots.push(sealSlot(vaultId, prepared, key, 1));
      writeKeySlotFile(files.keySlots, slots);
      renameSync(files.creating, files.database);
      return { vault: openVault(files, key, vaultId, 1), user };
    } catch (error) {
      key.fill(0);
      throw error;
    }
  });
}

function alreadySetUp(): WardscribeError {
  return new WardscribeError('conflict', 'This workstation already has a vault.');
}

/**
 * Opens the vault with a key already unwrapped from a slot, and checks the pair belong together.
 * Checks the file as sign-in can afford (sqlcipher.ts OpeningCheck); whoever keeps it open runs
 * the full page check in the background (main/session/integrity-monitor.ts).
 */
export function openVault(files: VaultFiles, key: Buffer, vaultId: string, generation: number): OpenVault {
  // The opening check only: the session checks every page in the background after sign-in.
  const db = openEncryptedDatabase(files.database, key, { create: false, check: 'opening' });
  try {
    migrate(db);
    if (getVaultMeta(db, 'vault_id') !== vaultId) {
      throw new WardscribeError('vault-damaged', 'The vault key file belongs to a different vault. Nothing has been changed; contact IT support.');
    }
  } catch (error) {
    db.close();
    throw error;
  }
  return new OpenVault(db, vaultId, files, key, generation);
}

export type UnlockOutcome =
  | {
      readonly kind: 'unlocked';
      readonly vault: OpenVault;
      readonly user: UserSummary;
      /** Failures counted while the vault was closed, for the caller to audit now that it is open. */
      readonly unauditedFailures: UnauditedFailures | null;
    }
  | { readonly kind: 'wrong-passphrase'; readonly failures: number }
  | { readonly kind: 'unknown-user' }
  /** The backoff (`waitFor`) refused the attempt before anything was tried. */
  | { readonly kind: 'wait'; readonly waitMs: number };

/** How long a user must still wait, given their recorded failures; 0 lets the attempt go ahead. */
export type BackoffCheck = (failures: { readonly count: number; readonly lastAt: Date } | null) => number;

/**
 * Tries a user's passphrase. The attempt is counted as a failure in the key file *before* the
 * slow KDF runs, under the key file's lock, after `waitFor` has let it through: parallel
 * attempts each count, and a crash mid-attempt counts against the attacker. A right
 * passphrase then clears the count. The vault file is not even opened for a wrong one.
 */
export function unlockVault(files: VaultFiles, username: string, passphrase: string, now: Date, waitFor: BackoffCheck = () => 0, turn: SignInTurnOptions = {}): Promise<UnlockOutcome> {
  // One deadline for every lock the attempt waits for: the user's turn and the key file's, so a
  // hung holder of either keeps the person waiting SIGN_IN_TURN_WAIT_MS at most, not one wait per lock.
  const deadline = turn.deadline ?? performance.now() + SIGN_IN_TURN_WAIT_MS;
  return withSignInTurn(files, username, () => tryPassphrase(files, username, passphrase, now, waitFor, deadline), { deadline });
}

/**
 * How long a sign-in attempt waits for its turn while another process holds the user's turn
 * (a few Argon2id runs of the attempts ahead, at most, when all is well), before it is refused in
 * words. A holder that hung (stopped, or stuck in a debugger) must not leave the next person
 * looking at "Signing in…" with no end; a holder that died never holds anyone up, as the OS
 * drops its lock with it.
 */
export const SIGN_IN_TURN_WAIT_MS = 10_000;

/** What an attempt that waited SIGN_IN_TURN_WAIT_MS for another process's attempt is told. */
export const SIGN_IN_TURN_BUSY_MESSAGE = 'Another sign-in for this user is still in progress on this PC; try again in a moment. Nothing was tried, so this does not count as a failed attempt.';

/** What an attempt that waited SIGN_IN_TURN_WAIT_MS for the key file, before trying the passphrase, is told. */
export const SIGN_IN_KEY_FILE_BUSY_MESSAGE = 'Another Wardscribe on this PC is changing the vault keys; try again in a moment. Nothing was tried, so this does not count as a failed attempt.';

/** What a right passphrase that then waited SIGN_IN_TURN_WAIT_MS for the key file is told (the attempt stays counted, as it was before its KDF). */
export const SIGN_IN_UNFINISHED_MESSAGE = 'Another Wardscribe on this PC is changing the vault keys, so signing in could not finish; try again in a moment.';

export interface SignInTurnOptions {
  /**
   * `performance.now()` after which the attempt no longer waits for another process's turn
   * (default SIGN_IN_TURN_WAIT_MS from the call). Taken when the attempt is asked for, so
   * attempts queued in this process behind one waiting for a hung holder are refused with it,
   * not one wait after another; once past, the turn is still taken if it is free.
   */
  readonly deadline?: number;
}

/**
 * Runs one passphrase attempt for `username` (its admission, its Argon2id and its outcome) while no
 * other process on this vault folder runs one for the same user: a second Wardscribe instance,
 * or another OS account of a machine-wide vault. Without this, an attempt counted in advance
 * (admitAttempt) looks to another process like a failure it must back off from, so of four right
 * passphrases at once three were told "too many attempts"; and a right one that cleared the count
 * took with it the stamps of attempts still in their KDF, recording right ones as failures.
 *
 * The lock is the key file's kind (key-file-lock.ts: an OS lock the OS drops with a crashed
 * process), one file per user so one user's attempts never hold up another's. A name with no
 * slot takes none (there is nothing to count across processes, and made-up names must not
 * create files). Slow work is inside by design: the turn is the whole attempt.
 */
export function withSignInTurn<T>(files: VaultFiles, username: string, attempt: () => Promise<T>, options: SignInTurnOptions = {}): Promise<T> {
  const deadline = options.deadline ?? performance.now() + SIGN_IN_TURN_WAIT_MS;
  let slot: { userId: string } | undefined;
  try {
    slot = findSlot(requireSlots(files), username);
  } catch {
    // No key file or a damaged one: the attempt itself reports that, under the key file's lock.
    slot = undefined;
  }
  if (!slot) return attempt();
  return withKeyFileLock(signInTurnPath(files, slot.userId), attempt, {
    timeoutMs: Math.max(0, deadline - performance.now()),
    busyMessage: SIGN_IN_TURN_BUSY_MESSAGE,
  });
}

/** One lock file per user, named by a digest of the id: the id comes from the key file, never from a path. */
export function signInTurnPath(files: VaultFiles, userId: string): string {
  return join(files.dir, `wardscribe.sign-in-${createHash('sha256').update(userId).digest('hex').slice(0, 16)}`);
}

async function tryPassphrase(files: VaultFiles, username: string, passphrase: string, now: Date, waitFor: BackoffCheck, deadline: number): Promise<UnlockOutcome> {
  const stamp = now.toISOString();
  const admission = await admitAttempt(files, username, stamp, waitFor, { lock: { timeoutMs: remainingMs(deadline), busyMessage: SIGN_IN_KEY_FILE_BUSY_MESSAGE } });
  if (admission.kind === 'unknown-user') {
    // As slow as a real attempt, so the answer's timing does not tell which names exist.
    await spendKdf(passphrase, admission.kdf);
    return { kind: 'unknown-user' };
  }
  if (admission.kind !== 'counted') return admission;

  const privateKey = await openPrivateKey(admission.vaultId, admission.slot, passphrase);
  if (!privateKey) return { kind: 'wrong-passphrase', failures: admission.failures };

  return withKeyFileLock(files.keySlots, () => {
    // Read again: the vault key is taken as it is now (a rotation may have run meanwhile).
    finishInterruptedRotation(files);
    const slotFile = requireSlots(files);
    const slot = slotFile.slots.find((candidate) => candidate.userId === admission.slot.userId);
    if (!slot) throw disabledError();
    // The passphrase was changed meanwhile: the one given opens a key pair the slot no longer has.
    if (slot.publicKey !== admission.slot.publicKey) return { kind: 'wrong-passphrase' as const, failures: admission.failures };
    const key = openSealedVaultKey(slotFile.vaultId, slot, privateKey, slot.vaultKey);
    if (!key) throw new WardscribeError('vault-damaged', 'Your key slot no longer opens the vault key. Nothing has been changed; contact IT support.');
    let vault: OpenVault;
    try {
      vault = openVault(files, key, slotFile.vaultId, slot.vaultKey.generation);
    } catch (error) {
      key.fill(0);
      // The passphrase was right but the vault file is held by another program: this attempt is
      // no failure, and left counted it would be audited as one and lock the person out on retry.
      if (error instanceof WardscribeError && error.code === 'conflict') {
        const rest = withRightAttemptUncounted(slotFile.failures[slot.username], stamp);
        if (rest) slotFile.failures[slot.username] = rest;
        else delete slotFile.failures[slot.username];
        writeKeySlotFile(files.keySlots, slotFile);
      }
      throw error;
    }
    const user = getUserByUsername(vault.db, slot.username);
    if (!user || user.id !== slot.userId || user.disabled) {
      vault.close();
      throw disabledError();
    }
    const entry = slotFile.failures[slot.username];
    // This attempt was counted in advance; the ones before it are audited now that the trail is open.
    const unauditedFailures = unauditedBesides(entry, stamp);
    if (entry) {
      delete slotFile.failures[slot.username];
      writeKeySlotFile(files.keySlots, slotFile);
    }
    return { kind: 'unlocked' as const, vault, user, unauditedFailures };
  }, { timeoutMs: remainingMs(deadline), busyMessage: SIGN_IN_UNFINISHED_MESSAGE });
}

/** What is left of a deadline on the monotonic clock; once past, a free lock is still taken. */
function remainingMs(deadline: number): number {
  return Math.max(0, deadline - performance.now());
}

export type AttemptAdmission =
  | { readonly kind: 'unknown-user'; readonly kdf: KeySlotFile['slots'][number]['kdf'] | null }
  | { readonly kind: 'wait'; readonly waitMs: number }
  | { readonly kind: 'counted'; readonly slot: KeySlotFile['slots'][number]; readonly vaultId: string; readonly failures: number };

/**
 * Lets a passphrase attempt go ahead if the backoff allows, counting it as a failure first, under
 * the key file's lock: whatever happens next (a wrong passphrase, a crash, a kill), it counted.
 * `unaudited: false` for attempts made while the trail is open (the caller audits them itself).
 */
export function admitAttempt(files: VaultFiles, username: string, stamp: string, waitFor: BackoffCheck, options: { readonly unaudited?: boolean; readonly lock?: KeyFileLockOptions } = {}): Promise<AttemptAdmission> {
  return withKeyFileLock(files.keySlots, (): AttemptAdmission => {
    finishInterruptedRotation(files);
    const slotFile = requireSlots(files);
    const slot = findSlot(slotFile, username);
    if (!slot) return { kind: 'unknown-user', kdf: slotFile.slots[0]?.kdf ?? null };
    const previous = slotFile.failures[slot.username];
    const waitMs = waitFor(previous ? { count: previous.count, lastAt: new Date(previous.lastAt) } : null);
    if (waitMs > 0) return { kind: 'wait', waitMs };
    const counted = withFailureCounted(previous, stamp, options.unaudited === false);
    slotFile.failures[slot.username] = counted;
    writeKeySlotFile(files.keySlots, slotFile);
    return { kind: 'counted', slot, vaultId: slotFile.vaultId, failures: counted.count };
  }, options.lock);
}

/** After a right passphrase outside sign-in: the count starts again; failures not yet audited stay for the next sign-in. */
export function clearAttempts(files: VaultFiles, username: string): Promise<void> {
  return updateKeySlotFile(files.keySlots, (current) => {
    const entry = current?.failures[username];
    if (!current || !entry) return { result: undefined };
    const failures = { ...current.failures };
    const cleared = withCountCleared(entry);
    if (cleared) failures[username] = cleared;
    else delete failures[username];
    return { write: { ...current, failures }, result: undefined };
  });
}

/** The recorded failures for a username (for the backoff check before trying a passphrase). */
export function signInFailures(files: VaultFiles, username: string): { count: number; lastAt: Date } | null {
  const slotFile = requireSlots(files);
  const entry = Object.entries(slotFile.failures).find(([name]) => name.toLowerCase() === username.toLowerCase())?.[1];
  return entry ? { count: entry.count, lastAt: new Date(entry.lastAt) } : null;
}

/**
 * Re-encrypts the vault under a new random key (main/vault/key-rotation.ts) and returns it open
 * under that key; `vault` is closed and its key zeroed. If the rotation fails before the switch,
 * `vault` is still open and unchanged; if it fails after (the disk refused a rename), `vault` is
 * closed and the rotation is finished at the next sign-in. Holds the key file's lock throughout,
 * so no slot change can be made from the key file of before, and no other process finishes it.
 * `opened` receives the new vault in the step that closed the old one.
 */
export function rotateVaultKey(vault: OpenVault, hooks: RotationHooks = {}, opened: (next: OpenVault) => void = () => undefined): Promise<OpenVault> {
  return withKeyFileLock(vault.files.keySlots, () => {
    // Locked while waiting for the key file: nothing has been done, and nothing will be.
    if (vault.closed) throw new WardscribeError('locked', 'Wardscribe locked before the vault key was changed. Sign in to continue.');
    const newKey = prepareRotation(vault, hooks);
    try {
      vault.close();
      hooks.afterStep?.('closed');
      finishInterruptedRotation(vault.files, hooks);
      const next = openVault(vault.files, newKey, vault.vaultId, vault.generation + 1);
      // In the same synchronous step as the close: whoever holds `vault` never sees it closed with no successor.
      opened(next);
      return next;
    } catch (error) {
      newKey.fill(0);
      throw error;
    }
  });
}

/**
 * Changes the slots under the key file's lock, checked against the vault open *now* (`current()`
 * is asked at write time, so a key rotated meanwhile is the one used): refused if the vault is
 * closed, is not the vault the key file belongs to, was re-encrypted by another process, or is
 * in the middle of a rotation. `inside` runs first in the same vault transaction (database
 * changes that go with the slot change, such as the user's row), given the key file as read
 * under the lock; if the key file cannot be written the transaction rolls back, so the two never
 * disagree.
 */
export function changeSlots<T>(
  files: VaultFiles,
  current: () => OpenVault,
  change: (slotFile: KeySlotFile, vault: OpenVault) => KeySlotFile,
  inside: (vault: OpenVault, slotFile: KeySlotFile) => T = () => undefined as T,
): Promise<T> {
  return withKeyFileLock(files.keySlots, () => {
    const vault = current();
    if (vault.closed) throw new WardscribeError('locked', 'Wardscribe locked before the change was saved. Nothing was changed; sign in and try again.');
    const slotFile = requireSlots(files);
    if (slotFile.vaultId !== vault.vaultId) throw new WardscribeError('vault-damaged', 'The vault key file belongs to a different vault. Nothing has been changed; contact IT support.');
    if (slotFile.rotation) throw new WardscribeError('conflict', 'The vault is being re-encrypted. Nothing was changed; try again in a moment.');
    if (slotsGeneration(slotFile) !== vault.generation) throw staleVaultError();
    return vault.db.transaction(() => {
      const result = inside(vault, slotFile);
      writeKeySlotFile(files.keySlots, change(slotFile, vault));
      return result;
    }).immediate();
  });
}

/**
 * What the trail has not yet been told of a user's failed sign-ins, as the key file read under
 * its lock holds them: a slot change that clears them (commitSlot, removeSlot) hands them to its
 * `inside`, which audits them in the same transaction, so that a reset or a disabling never
 * takes a run of guesses out of the auditors' sight.
 */
export type SlotChangeInside<T> = (vault: OpenVault, unaudited: UnauditedFailures | null) => T;

/**
 * Adds or replaces a prepared slot, sealing to it the vault key of the vault open at write time.
 * The user's failure count goes (a new passphrase owes no backoff); what of it was not yet
 * audited is handed to `inside` to audit.
 */
export function commitSlot<T>(files: VaultFiles, prepared: PreparedSlot, current: () => OpenVault, inside: SlotChangeInside<T> = () => undefined as T): Promise<T> {
  return changeSlots(
    files,
    current,
    (slotFile, vault) => {
      const failures = { ...slotFile.failures };
      delete failures[prepared.username];
      return {
        ...slotFile,
        slots: [...slotFile.slots.filter((existing) => existing.userId !== prepared.userId), sealSlot(vault.vaultId, prepared, vault.key, vault.generation)],
        failures,
      };
    },
    (vault, slotFile) => inside(vault, unauditedFailures(slotFile.failures[prepared.username])),
  );
}

/** Adds or replaces a user's key slot. Changing one passphrase rewraps only that slot. */
export async function putSlot(vault: OpenVault, user: Pick<UserSummary, 'id' | 'username'>, passphrase: string, kdf: KdfParams = DEFAULT_KDF): Promise<void> {
  const prepared = await prepareSlot(vault.vaultId, user, passphrase, kdf);
  await commitSlot(vault.files, prepared, () => vault);
}

/**
 * Removes a user's key slot: a disabled user's passphrase no longer opens anything. Their failure
 * count goes with it (a name with no slot is not counted in the key file); what of it was not yet
 * audited is handed to `inside` to audit, as no sign-in of theirs will.
 */
export function removeSlot<T>(files: VaultFiles, userId: string, current: () => OpenVault, inside: SlotChangeInside<T> = () => undefined as T): Promise<T> {
  const usernameIn = (slotFile: KeySlotFile) => slotFile.slots.find((slot) => slot.userId === userId)?.username;
  return changeSlots(
    files,
    current,
    (slotFile) => {
      const failures = { ...slotFile.failures };
      const username = usernameIn(slotFile);
      if (username !== undefined) delete failures[username];
      return { ...slotFile, slots: slotFile.slots.filter((slot) => slot.userId !== userId), failures };
    },
    (vault, slotFile) => {
      const username = usernameIn(slotFile);
      return inside(vault, username === undefined ? null : unauditedFailures(slotFile.failures[username]));
    },
  );
}

/** Checks a user's current passphrase without touching the failure count. */
export async function passphraseOpensSlot(vault: OpenVault, userId: string, passphrase: string): Promise<boolean> {
  const slot = requireSlots(vault.files).slots.find((candidate) => candidate.userId === userId);
  if (!slot) return false;
  const key = await openSlot(vault.vaultId, slot, passphrase);
  key?.fill(0);
  return key !== null;
}

function findSlot(slotFile: KeySlotFile, username: string) {
  return slotFile.slots.find((candidate) => candidate.username.toLowerCase() === username.toLowerCase());
}

function disabledError(): WardscribeError {
  return new WardscribeError('forbidden', 'This account is disabled. Ask an administrator to re-enable it.');
}

function requireSlots(files: VaultFiles): KeySlotFile {
  const slotFile = readKeySlotFile(files.keySlots);
  if (!slotFile) throw new WardscribeError('not-signed-in', 'No vault has been set up on this workstation yet.');
  return slotFile;
}
