/**
 * Who may sign checkpoints. The workstation's *root* key (its fingerprint is what auditors pin)
 * is kept under the administrators' key, which a clerk's passphrase does not open; it never signs
 * checkpoints itself in normal use. It certifies a *signing key* that the workstation's OS
 * keystore protects and that every session uses. A verifier trusts a checkpoint only when it is
 * signed by the pinned root, or by a key that the pinned root certified.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from './canonical';
import { loadPublicKey, publicKeyFingerprint } from './signing';

export const SIGNING_KEY_CERTIFICATE_FORMAT = 'wardscribe-signing-key-certificate/1';

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const SigningKeyCertificateSchema = z.strictObject({
  format: z.literal(SIGNING_KEY_CERTIFICATE_FORMAT),
  /** What the certified key may sign. */
  purpose: z.literal('audit-checkpoints'),
  /** SHA-256 of the certified key's SPKI DER. */
  keyFingerprint: Hex64,
  /** The certified Ed25519 public key, SPKI PEM. */
  publicKeyPem: z.string().min(1).max(1000),
  /** Where its private half is kept: says how far a signature by it can be trusted. */
  protection: z.enum(['os-keystore', 'user-file']),
  /** The root key that signed this certificate. */
  rootFingerprint: Hex64,
  issuedUtc: z.string().datetime(),
  /** Ed25519 signature by the root key over the canonical form of everything else, base64. */
  signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/),
});
export type SigningKeyCertificate = z.infer<typeof SigningKeyCertificateSchema>;
export type SigningKeyCertificateBody = Omit<SigningKeyCertificate, 'signature'>;

function certificateBytes(body: SigningKeyCertificateBody): Buffer {
  const { signature: _ignored, ...rest } = body as SigningKeyCertificate;
  return Buffer.from(canonicalJson(rest), 'utf8');
}

/** The root key certifies a signing key. */
export function issueSigningKeyCertificate(
  root: { readonly privateKey: KeyObject; readonly fingerprint: string },
  signing: { readonly publicKeyPem: string; readonly protection: SigningKeyCertificate['protection'] },
  issued: Date,
): SigningKeyCertificate {
  const body: SigningKeyCertificateBody = {
    format: SIGNING_KEY_CERTIFICATE_FORMAT,
    purpose: 'audit-checkpoints',
    keyFingerprint: publicKeyFingerprint(loadPublicKey(signing.publicKeyPem)),
    publicKeyPem: signing.publicKeyPem,
    protection: signing.protection,
    rootFingerprint: root.fingerprint,
    issuedUtc: issued.toISOString(),
  };
  return { ...body, signature: sign(null, certificateBytes(body), root.privateKey).toString('base64') };
}

/** True when the certificate is the root's signature over a key whose fingerprint it states truly. */
export function verifySigningKeyCertificate(certificate: SigningKeyCertificate, rootPublicKey: KeyObject): boolean {
  try {
    if (certificate.rootFingerprint !== publicKeyFingerprint(rootPublicKey)) return false;
    const certified = loadPublicKey(certificate.publicKeyPem);
    if (publicKeyFingerprint(certified) !== certificate.keyFingerprint) return false;
    return verify(null, certificateBytes(certificate), rootPublicKey, Buffer.from(certificate.signature, 'base64'));
  } catch {
    return false;
  }
}

/**
 * The keys a verifier may accept checkpoint signatures from: the root itself, and each key the
 * root certified. Certificates that do not verify are returned separately, to be reported.
 */
export function trustedCheckpointKeys(rootPublicKey: KeyObject, certificates: readonly SigningKeyCertificate[]): { keys: Map<string, KeyObject>; rejected: SigningKeyCertificate[] } {
  const keys = new Map<string, KeyObject>([[publicKeyFingerprint(rootPublicKey), rootPublicKey]]);
  const rejected: SigningKeyCertificate[] = [];
  for (const certificate of certificates) {
    if (verifySigningKeyCertificate(certificate, rootPublicKey)) keys.set(certificate.keyFingerprint, createPublicKey(certificate.publicKeyPem));
    else rejected.push(certificate);
  }
  return { keys, rejected };
}
