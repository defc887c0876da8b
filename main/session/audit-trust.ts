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
  type AdminKey,
  type AdminSlot,
  type SessionSigning,
} from '../audit/trust-anchors';
import type { SigningKeyCertificate } from '../audit/signing-certificates';
import type { Logger } from '../log';
import type { SecretKeystore } from '../security/keystore';
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
   * lack it. Returns null when this admin holds no grant yet (another admin's sign-in gives one).
   */
  async adminSignedIn(vault: OpenVault, user: UserSummary, passphrase: string): Promise<{ adminKey: AdminKey | null; rootCreated: boolean }> {
    const store = createVaultTrustAnchorStore(vault.db);
    const slot = this.#slot(vault, user.id);
    if (!slot) return { adminKey: null, rootCreated: false };
    if (!store.root()) return { adminKey: this.establish(vault, user.id), rootCreated: true };
    const slotFile = readKeySlotFile(vault.files.keySlots);
    const fullSlot = slotFile?.slots.find((candidate) => candidate.userId === user.id);
    const privateKey = fullSlot ? await openPrivateKey(vault.vaultId, fullSlot, passphrase) : null;
    const adminKey = privateKey ? openAdminKey(store, privateKey, slot, vault.vaultId) : null;
    if (!adminKey) {
      this.log.warn('audit.admin-key-not-granted');
      return { adminKey: null, rootCreated: false };
    }
    if (ensureSigningKey(store, this.keystore, adminKey, vault.vaultId, this.now())) this.log.info('audit.signing-key-certified');
    this.refreshGrants(vault, adminKey);
    return { adminKey, rootCreated: false };
  }

  /** Grants the administrators' key to every active admin whose grant is missing or sealed to an old slot key. */
  refreshGrants(vault: OpenVault, adminKey: AdminKey | null): void {
    const store = createVaultTrustAnchorStore(vault.db);
    const admins = this.#activeAdmins(vault);
    // A grant for someone no longer an active admin goes at once, key or no key (what they
    // could have copied while they held it is a documented limit).
    for (const grant of store.grants()) if (!admins.some((admin) => admin.userId === grant.userId)) store.removeGrant(grant.userId);
    if (!adminKey) return;
    // A key rotated away by another session (an admin disabled there) must not be granted to anyone.
    if (!adminKeyOpensRoot(store, adminKey, vault.vaultId)) {
      this.log.warn('audit.admin-key-stale');
      return;
    }
    for (const admin of adminsNeedingGrant(store, admins)) grantAdminKey(store, adminKey, admin, vault.vaultId, this.now());
  }

  /**
   * An administrator was disabled (or removed), inside the same transaction: the administrators'
   * key is replaced, the root key sealed under the new one, and only the admins still active are
   * granted it (trust-anchors.ts rotateAdminKey). Returns the new key for this session.
   */
  rotateAdminKey(vault: OpenVault, adminKey: AdminKey): AdminKey {
    return rotateAdminKey(createVaultTrustAnchorStore(vault.db), adminKey, this.#activeAdmins(vault), vault.vaultId, this.now());
  }

  #activeAdmins(vault: OpenVault): AdminSlot[] {
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
