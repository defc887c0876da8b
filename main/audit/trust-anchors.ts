/**
 * The audit trail's trust anchors, kept out of the shared vault key's reach.
 *
 *   administrators' key (random, 32 bytes)  sealed to each active admin's key-slot X25519 public
 *     │                                     key: only an admin's passphrase opens it
 *     └─ root key (Ed25519)                 private half under the administrators' key, in the
 *          │                                vault; its fingerprint is what auditors pin
 *          └─ certifies the signing key     private half sealed by the OS keystore, in the vault;
 *                                           every session signs checkpoints with it
 *
 * A clerk (or anyone with one non-admin passphrase and a copy of the data folder) can read the
 * vault but can open neither private key, so cannot re-sign a rewritten trail under a key the
 * pinned root vouches for. Limits (docs/architecture.md): code running as the workstation's OS
 * account can use the keystore, and so the signing key; the external publication of chain heads
 * (head-publisher.ts) is what catches a rewrite from there.
 */
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { KeystoreError, type SecretKeystore } from '../security/keystore';
import { openSymmetric, openWithPrivateKey, sealSymmetric, sealToPublicKey, type SlotSeal, type SymmetricSeal } from '../security/sealed-box';
import { issueSigningKeyCertificate, type SigningKeyCertificate } from './signing-certificates';
import { createCheckpointSigner, publicKeyFingerprint, type CheckpointSigner } from './signing';

const ADMIN_KEY_LABEL = 'wardscribe-admin-key/1';
const ROOT_KEY_LABEL = 'wardscribe-audit-root-key/1';
const ROSTER_LABEL = 'wardscribe-admin-roster/1';

export interface StoredRootKey {
  readonly publicKeyPem: string;
  readonly fingerprint: string;
  /** PKCS#8 DER of the root private key, under the administrators' key. */
  readonly sealedPrivateKey: SymmetricSeal;
}

export interface StoredAdminGrant {
  readonly userId: string;
  /** The key-slot public key it is sealed to: a new passphrase makes a new slot key pair. */
  readonly recipientPublicKey: string;
  readonly sealed: SlotSeal;
}

export interface StoredSigningKey {
  readonly fingerprint: string;
  readonly publicKeyPem: string;
  /** PKCS#8 PEM sealed by the keystore. */
  readonly keystoreSealedPrivateKey: Buffer;
  readonly certificate: SigningKeyCertificate;
}

/**
 * Who the administrators are, as the administrators' key vouches: `users.role` alone is a column
 * any vault user can write, so it never decides who is granted the key (migration 0013).
 */
export interface StoredAdminRoster {
  /**
   * Each administrator and the key-slot public key the administrators' key may be sealed to: a
   * slot swapped into the key file by anyone holding the vault key is not theirs. An empty key is
   * an administrator with no slot now (disabled), still known as one for a re-enabling reset.
   */
  readonly members: readonly AdminSlot[];
  /** HMAC-SHA256 (hex) over the vault id and the sorted members, under a key derived from the administrators' key. */
  readonly mac: string;
}

/** Where the anchors are kept (the vault: main/vault/queries/workstation-key.ts). */
export interface TrustAnchorStore {
  root(): StoredRootKey | null;
  insertRoot(root: StoredRootKey, now: Date): void;
  /** The root private key sealed again, under a new administrators' key (the key pair is unchanged). */
  replaceRootSeal(sealed: SymmetricSeal): void;
  grants(): StoredAdminGrant[];
  putGrant(grant: StoredAdminGrant, now: Date): void;
  removeGrant(userId: string): void;
  /** The newest signing key. */
  currentSigningKey(): StoredSigningKey | null;
  insertSigningKey(key: StoredSigningKey, now: Date): void;
  /** Every certificate ever issued (old ones still vouch for old checkpoints). */
  certificates(): SigningKeyCertificate[];
  roster(): StoredAdminRoster | null;
  putRoster(roster: StoredAdminRoster, now: Date): void;
}

/** An administrator's slot: who, and the X25519 public key the administrators' key is sealed to. */
export interface AdminSlot {
  readonly userId: string;
  readonly publicKey: string;
}

/** The administrators' key, held only in an admin's session; `dispose()` zeroes it. */
export class AdminKey {
  #key: Buffer | null;
  constructor(key: Buffer) {
    this.#key = key;
  }
  get bytes(): Buffer {
    if (!this.#key) throw new Error('The administrators’ key has been disposed.');
    return this.#key;
  }
  dispose(): void {
    this.#key?.fill(0);
    this.#key = null;
  }
}

/**
 * First run (or the first admin sign-in of a vault made before trust anchors): a new
 * administrators' key granted to `admin`, a new root key under it, and a certified signing key.
 * Returns the administrators' key for the admin's session.
 */
export function establishTrustAnchors(store: TrustAnchorStore, keystore: SecretKeystore, admin: AdminSlot, vaultId: string, now: Date): AdminKey {
  if (store.root()) throw new Error('The workstation already has a root key.');
  const adminKey = new AdminKey(randomBytes(32));
  const root = generateKeyPairSync('ed25519');
  const publicKeyPem = root.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const fingerprint = publicKeyFingerprint(root.publicKey);
  const der = root.privateKey.export({ type: 'pkcs8', format: 'der' });
  try {
    store.insertRoot({ publicKeyPem, fingerprint, sealedPrivateKey: sealSymmetric(adminKey.bytes, der, ROOT_KEY_LABEL, [vaultId, fingerprint]) }, now);
  } finally {
    der.fill(0);
  }
  grantAdminKey(store, adminKey, admin, vaultId, now);
  writeAdminRoster(store, adminKey, [admin], vaultId, now);
  certifyNewSigningKey(store, keystore, { privateKey: root.privateKey, fingerprint }, now);
  return adminKey;
}

/** Opens the administrators' key with an admin's slot private key; null when they hold no valid grant. */
export function openAdminKey(store: TrustAnchorStore, slotPrivateKey: KeyObject, admin: AdminSlot, vaultId: string): AdminKey | null {
  const grant = store.grants().find((candidate) => candidate.userId === admin.userId && candidate.recipientPublicKey === admin.publicKey);
  if (!grant) return null;
  const key = openWithPrivateKey(slotPrivateKey, admin.publicKey, grant.sealed, ADMIN_KEY_LABEL, [vaultId, admin.userId]);
  return key && key.length === 32 ? new AdminKey(key) : null;
}

/** Seals the administrators' key to an admin's current slot (a new admin, or a new passphrase). */
export function grantAdminKey(store: TrustAnchorStore, adminKey: AdminKey, admin: AdminSlot, vaultId: string, now: Date): void {
  store.putGrant({ userId: admin.userId, recipientPublicKey: admin.publicKey, sealed: sealToPublicKey(admin.publicKey, adminKey.bytes, ADMIN_KEY_LABEL, [vaultId, admin.userId]) }, now);
}

/** True when `adminKey` opens the current root key's seal: a key rotated away (held by another session since) does not. */
export function adminKeyOpensRoot(store: TrustAnchorStore, adminKey: AdminKey, vaultId: string): boolean {
  const root = store.root();
  const der = root ? openSymmetric(adminKey.bytes, root.sealedPrivateKey, ROOT_KEY_LABEL, [vaultId, root.fingerprint]) : null;
  der?.fill(0);
  return der !== null;
}

/**
 * A new administrators' key when an administrator is disabled or removed: the root private key is
 * sealed again under it and it is granted to `admins` (the remaining active ones) only. Removing
 * the leaver's grant is not enough: a copy of it (a backup of the data folder, a key file kept
 * aside) with their old passphrase would still open the unchanged administrators' key, and with it
 * the root key. After this, what they hold opens nothing current. The root key pair itself is kept
 * (its fingerprint is what auditors pin): a root private key the leaver copied out in the clear
 * while an admin is beyond any rotation short of a new root (docs/architecture.md).
 */
export function rotateAdminKey(store: TrustAnchorStore, current: AdminKey, admins: readonly AdminSlot[], vaultId: string, now: Date, leavers: readonly string[] = []): AdminKey {
  const root = store.root();
  if (!root) throw new Error('The workstation has no root key.');
  const der = openSymmetric(current.bytes, root.sealedPrivateKey, ROOT_KEY_LABEL, [vaultId, root.fingerprint]);
  if (!der) throw new KeystoreError('Your sign-in holds an administrators’ key that no longer opens the workstation root key (another administrator changed it). Sign out and in again, then retry.');
  const next = new AdminKey(randomBytes(32));
  try {
    store.replaceRootSeal(sealSymmetric(next.bytes, der, ROOT_KEY_LABEL, [vaultId, root.fingerprint]));
  } finally {
    der.fill(0);
  }
  for (const grant of store.grants()) store.removeGrant(grant.userId);
  for (const admin of admins) grantAdminKey(store, next, admin, vaultId, now);
  writeAdminRoster(store, next, [...leavers.map((userId) => ({ userId, publicKey: '' })), ...admins], vaultId, now);
  return next;
}

function sortedMembers(members: readonly AdminSlot[]): AdminSlot[] {
  const byUser = new Map(members.map((member) => [member.userId, member.publicKey]));
  return [...byUser.keys()].sort().map((userId) => ({ userId, publicKey: byUser.get(userId)! }));
}

function rosterMac(adminKey: AdminKey, members: readonly AdminSlot[], vaultId: string): string {
  // A key of its own for the roster (not the administrators' key itself, which also seals the root).
  const key = createHmac('sha256', adminKey.bytes).update(ROSTER_LABEL).digest();
  try {
    const body = sortedMembers(members).map((member) => [member.userId, member.publicKey]);
    return createHmac('sha256', key).update(JSON.stringify([ROSTER_LABEL, vaultId, body])).digest('hex');
  } finally {
    key.fill(0);
  }
}

/** Records who the administrators are and their slot keys, vouched for by `adminKey`: only a session holding it can. */
export function writeAdminRoster(store: TrustAnchorStore, adminKey: AdminKey, members: readonly AdminSlot[], vaultId: string, now: Date): void {
  const sorted = sortedMembers(members);
  store.putRoster({ members: sorted, mac: rosterMac(adminKey, sorted, vaultId) }, now);
}

/**
 * The administrators the roster lists (user id to slot public key), when `adminKey` vouches for
 * it; `missing` on a vault from before the roster; `invalid` when it was written without the key.
 */
export function verifiedAdminRoster(store: TrustAnchorStore, adminKey: AdminKey, vaultId: string): ReadonlyMap<string, string> | 'missing' | 'invalid' {
  const roster = store.roster();
  if (!roster) return 'missing';
  const expected = Buffer.from(rosterMac(adminKey, roster.members, vaultId), 'hex');
  const stored = Buffer.from(roster.mac, 'hex');
  if (stored.length !== expected.length || !timingSafeEqual(stored, expected)) return 'invalid';
  return new Map(roster.members.map((member) => [member.userId, member.publicKey]));
}

/** Admins whose grant is missing or sealed to a slot key they no longer have (`admins` already checked against the roster). */
export function adminsNeedingGrant(store: TrustAnchorStore, admins: readonly AdminSlot[]): AdminSlot[] {
  const grants = store.grants();
  return admins.filter((admin) => !grants.some((grant) => grant.userId === admin.userId && grant.recipientPublicKey === admin.publicKey));
}

/**
 * Makes sure the current signing key opens with this workstation's keystore; if not (none yet, a
 * new OS account or machine), a new one is made and certified by the root. Needs the
 * administrators' key. Returns true when a key was certified.
 */
export function ensureSigningKey(store: TrustAnchorStore, keystore: SecretKeystore, adminKey: AdminKey, vaultId: string, now: Date): boolean {
  if (openSigningKey(store, keystore)) return false;
  const root = store.root();
  if (!root) throw new Error('The workstation has no root key.');
  const der = openSymmetric(adminKey.bytes, root.sealedPrivateKey, ROOT_KEY_LABEL, [vaultId, root.fingerprint]);
  if (!der) throw new KeystoreError('The administrators’ key does not open the workstation root key. Contact IT support.');
  try {
    const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    if (publicKeyFingerprint(createPublicKey(privateKey)) !== root.fingerprint) throw new KeystoreError('The workstation root key does not match its fingerprint. Contact IT support.');
    certifyNewSigningKey(store, keystore, { privateKey, fingerprint: root.fingerprint }, now);
    return true;
  } finally {
    der.fill(0);
  }
}

function certifyNewSigningKey(store: TrustAnchorStore, keystore: SecretKeystore, root: { privateKey: KeyObject; fingerprint: string }, now: Date): void {
  const pair = generateKeyPairSync('ed25519');
  const publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const privatePem = Buffer.from(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'utf8');
  try {
    const certificate = issueSigningKeyCertificate(root, { publicKeyPem, protection: keystore.protection }, now);
    store.insertSigningKey({ fingerprint: certificate.keyFingerprint, publicKeyPem, keystoreSealedPrivateKey: keystore.seal(privatePem), certificate }, now);
  } finally {
    privatePem.fill(0);
  }
}

function openSigningKey(store: TrustAnchorStore, keystore: SecretKeystore): CheckpointSigner | null {
  const current = store.currentSigningKey();
  if (!current) return null;
  let pem: Buffer | undefined;
  try {
    pem = keystore.open(current.keystoreSealedPrivateKey);
    const signer = createCheckpointSigner(pem.toString('utf8'));
    return signer.fingerprint === current.fingerprint ? signer : null;
  } catch {
    return null;
  } finally {
    pem?.fill(0);
  }
}

/** What a session signs checkpoints with, and whether the pinned root vouches for it. */
export interface SessionSigning {
  readonly signer: CheckpointSigner;
  /** False: no certified key opens here yet, so checkpoints are signed by a throwaway key no verifier trusts. */
  readonly certified: boolean;
  readonly rootPublicKeyPem: string | null;
}

/**
 * The signer for a session. Without a certified signing key this keystore can open (an upgraded
 * vault before an admin has signed in, or the vault moved to another OS account), a throwaway
 * key signs: the trail keeps its checkpoints, and verification says plainly that they are not
 * vouched for by the workstation key.
 */
export function sessionSigning(store: TrustAnchorStore, keystore: SecretKeystore): SessionSigning {
  const rootPublicKeyPem = store.root()?.publicKeyPem ?? null;
  const signer = openSigningKey(store, keystore);
  if (signer) return { signer, certified: true, rootPublicKeyPem };
  const throwaway = generateKeyPairSync('ed25519');
  return { signer: createCheckpointSigner(throwaway.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()), certified: false, rootPublicKeyPem };
}
