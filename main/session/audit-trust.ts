/**
 * The session's side of the audit trust anchors (main/audit/trust-anchors.ts): which key signs
 * this session's checkpoints, and, for administrators, the administrators' key that lets them
 * certify a signing key and grant the key to other administrators.
 */
import type { UserSummary } from '../../shared/domain/users';
import {
  adminKeyOpensRoot,
  adminsNeedingGrant,
  ensureSigningKey,
  establishTrustAnchors,
  grantAdminKey,
  openAdminKey,
  rotateAdminKey,
  sessionSigning,
  verifiedAdminRoster,
  writeAdminRoster,
  type AdminKey,
  type AdminSlot,
  type SessionSigning,
} from '../audit/trust-anchors';
import type { SigningKeyCertificate } from '../audit/signing-certificates';
import type { Logger } from '../log';
import { KeystoreError, type SecretKeystore } from '../security/keystore';
import { openPrivateKey, readKeySlotFile } from '../vault/key-slots';
import { listUsers } from '../vault/queries/users';
import { createVaultTrustAnchorStore } from '../vault/queries/workstation-key';
import type { OpenVault } from '../vault/vault';

export interface AuditSigningForSession extends SessionSigning {
  readonly certificates: () => readonly SigningKeyCertificate[];
}

export class AuditTrust {
  constructor(
    private readonly keystore: SecretKeystore,
    private readonly now: () => Date,
    private readonly log: Logger,
  ) {}

  get keystoreInUse(): SecretKeystore {
    return this.keystore;
  }

  /** The signer (and what vouches for it) for a session over `vault`. */
  signing(vault: OpenVault): AuditSigningForSession {
    const store = createVaultTrustAnchorStore(vault.db);
    const signing = sessionSigning(store, this.keystore);
    if (!signing.certified) this.log.warn('audit.signing-key-uncertified');
    return { ...signing, certificates: () => store.certificates() };
  }

  /** First run: the administrators' key, the root key and a certified signing key, for the first admin. */
  establish(vault: OpenVault, adminUserId: string): AdminKey {
    const slot = this.#slot(vault, adminUserId);
    if (!slot) throw new Error('The first administrator has no key slot.');
    return vault.db.transaction(() => establishTrustAnchors(createVaultTrustAnchorStore(vault.db), this.keystore, slot, vault.vaultId, this.now()))();
  }

  /**
   * An administrator signed in: opens the administrators' key with their passphrase (one more
   * Argon2id run, admins only), makes the anchors on a vault from before them, certifies a new
   * signing key if this keystore cannot open the current one, and grants the key to admins who
   * lack it. `vouched` says whether anything but `users.role` (which every vault user can write)
   * shows this user is an administrator: a key that opens the root and a roster, under that key,
   * that lists them. Before the roster existed (an upgraded vault) an admin without a grant is let
   * in as before; once it exists, an admin row with no working grant is refused at sign-in.
   */
  async adminSignedIn(vault: OpenVault, user: UserSummary, passphrase: string): Promise<{ adminKey: AdminKey | null; rootCreated: boolean; vouched: boolean }> {
    const store = createVaultTrustAnchorStore(vault.db);
    const slot = this.#slot(vault, user.id);
    if (!slot) return { adminKey: null, rootCreated: false, vouched: false };
    if (!store.root()) return { adminKey: this.establish(vault, user.id), rootCreated: true, vouched: true };
    const slotFile = readKeySlotFile(vault.files.keySlots);
    const fullSlot = slotFile?.slots.find((candidate) => candidate.userId === user.id);
    const privateKey = fullSlot ? await openPrivateKey(vault.vaultId, fullSlot, passphrase) : null;
    let adminKey = privateKey ? openAdminKey(store, privateKey, slot, vault.vaultId) : null;
    // A grant anyone could have sealed to this slot (with a key of their own) proves nothing unless it opens the root.
    if (adminKey && !adminKeyOpensRoot(store, adminKey, vault.vaultId)) {
      adminKey.dispose();
      adminKey = null;
    }
    if (!adminKey) {
      this.log.warn('audit.admin-key-not-granted');
      return { adminKey: null, rootCreated: false, vouched: store.roster() === null };
    }
    let roster = verifiedAdminRoster(store, adminKey, vault.vaultId);
    if (roster === 'missing') {
      // First sign-in after the upgrade: the administrators are those who hold a grant now (grants
      // were only ever sealed by a key holder), not whoever the users table calls one.
      const grants = store.grants();
      const granted = this.#usersTableAdmins(vault).filter((admin) => grants.some((grant) => grant.userId === admin.userId && grant.recipientPublicKey === admin.publicKey));
      writeAdminRoster(store, adminKey, granted, vault.vaultId, this.now());
      this.log.info('audit.admin-roster-created');
      roster = verifiedAdminRoster(store, adminKey, vault.vaultId);
    }
    // An edited roster: this admin's key still proves them (it opens the root), but nobody new is granted.
    if (roster !== 'invalid' && roster !== 'missing' && roster.get(user.id) !== slot.publicKey) {
      adminKey.dispose();
      return { adminKey: null, rootCreated: false, vouched: false };
    }
    if (ensureSigningKey(store, this.keystore, adminKey, vault.vaultId, this.now())) this.log.info('audit.signing-key-certified');
    this.refreshGrants(vault, adminKey);
    return { adminKey, rootCreated: false, vouched: true };
  }

  /**
   * Grants the administrators' key to every active admin the roster lists whose grant is missing
   * or sealed to an old slot key. Returns false when the roster does not check under the key (it
   * was written without it): then nobody is granted anything.
   */
  refreshGrants(vault: OpenVault, adminKey: AdminKey | null): boolean {
    const store = createVaultTrustAnchorStore(vault.db);
    // A grant for someone the users table no longer calls an active admin goes at once, key or no
    // key: removing needs no proof (what they could have copied while they held it is a documented limit).
    const listed = this.#usersTableAdmins(vault);
    for (const grant of store.grants()) if (!listed.some((admin) => admin.userId === grant.userId)) store.removeGrant(grant.userId);
    if (!adminKey) return true;
    // A key rotated away by another session (an admin disabled there) must not be granted to anyone.
    if (!adminKeyOpensRoot(store, adminKey, vault.vaultId)) {
      this.log.warn('audit.admin-key-stale');
      return true;
    }
    const admins = this.#vouchedAdmins(vault, adminKey);
    if (!admins) return false;
    for (const admin of adminsNeedingGrant(store, admins)) grantAdminKey(store, adminKey, admin, vault.vaultId, this.now());
    return true;
  }

  /** True when `adminKey` opens the root and the roster it vouches for checks. */
  holdsWorkingKey(vault: OpenVault, adminKey: AdminKey | null): adminKey is AdminKey {
    if (!adminKey) return false;
    const store = createVaultTrustAnchorStore(vault.db);
    return adminKeyOpensRoot(store, adminKey, vault.vaultId) && verifiedAdminRoster(store, adminKey, vault.vaultId) !== 'invalid';
  }

  /**
   * An administrator action vouches for `admin` with their slot key: a new admin, an admin's new
   * passphrase (their own or a reset). `knownOnly`: only if the roster already lists them (a
   * reset must not turn a users row someone wrote into an administrator).
   */
  vouchAdmin(vault: OpenVault, adminKey: AdminKey, admin: AdminSlot, knownOnly = false): void {
    const store = createVaultTrustAnchorStore(vault.db);
    const roster = verifiedAdminRoster(store, adminKey, vault.vaultId);
    if (roster === 'invalid') throw new KeystoreError('The list of administrators has been changed outside Wardscribe, so no administrator can be added or changed. Contact IT support.');
    const current = roster === 'missing' ? new Map<string, string>() : new Map(roster);
    if (knownOnly && !current.has(admin.userId)) return;
    current.set(admin.userId, admin.publicKey);
    writeAdminRoster(store, adminKey, [...current].map(([userId, publicKey]) => ({ userId, publicKey })), vault.vaultId, this.now());
  }

  /**
   * An administrator was disabled (or removed), inside the same transaction: the administrators'
   * key is replaced, the root key sealed under the new one, and only the admins still active and
   * on the roster are granted it, and the roster written under it (trust-anchors.ts rotateAdminKey).
   * Returns the new key for this session.
   */
  rotateAdminKey(vault: OpenVault, adminKey: AdminKey): AdminKey {
    const admins = this.#vouchedAdmins(vault, adminKey);
    if (!admins) throw new KeystoreError('The list of administrators has been changed outside Wardscribe, so the administrators’ key cannot be handed on. Nothing was changed. Contact IT support.');
    const roster = verifiedAdminRoster(createVaultTrustAnchorStore(vault.db), adminKey, vault.vaultId);
    const leavers = roster instanceof Map ? [...roster.keys()].filter((userId) => !admins.some((admin) => admin.userId === userId)) : [];
    return rotateAdminKey(createVaultTrustAnchorStore(vault.db), adminKey, admins, vault.vaultId, this.now(), leavers);
  }

  /** Active admins the users table lists and the roster (under `adminKey`) vouches for; null when the roster does not check. */
  #vouchedAdmins(vault: OpenVault, adminKey: AdminKey): AdminSlot[] | null {
    const roster = verifiedAdminRoster(createVaultTrustAnchorStore(vault.db), adminKey, vault.vaultId);
    if (roster === 'invalid' || roster === 'missing') {
      this.log.warn('audit.admin-roster-invalid');
      return null;
    }
    // The slot key must be the one the roster vouches for: a slot swapped into the key file is not the admin's.
    return this.#usersTableAdmins(vault).filter((admin) => roster.get(admin.userId) === admin.publicKey);
  }

  #usersTableAdmins(vault: OpenVault): AdminSlot[] {
    return listUsers(vault.db)
      .filter((user) => user.role === 'admin' && !user.disabled)
      .map((user) => this.#slot(vault, user.id))
      .filter((slot): slot is AdminSlot => slot !== null);
  }

  #slot(vault: OpenVault, userId: string): AdminSlot | null {
    const slot = readKeySlotFile(vault.files.keySlots)?.slots.find((candidate) => candidate.userId === userId);
    return slot ? { userId, publicKey: slot.publicKey } : null;
  }
}
