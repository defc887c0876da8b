import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import type { AuditCheckpoint, AuditCheckpointBody } from '../../shared/domain/audit';
import { canonicalJson } from './canonical';
import { sha256Hex } from './hash';

/**
 * The workstation's Ed25519 key signs checkpoints. The private key lives in the vault (the
 * caller stores the PEM); the public key travels in every export so the PDF verifies alone, and
 * its fingerprint is printed so an auditor can compare it with the one registered for the ward.
 */
export interface WorkstationKeyPair {
  /** PKCS#8 PEM: store it encrypted (in the vault), never in a log or a file. */
  readonly privateKeyPem: string;
  /** SPKI PEM: safe to publish. */
  readonly publicKeyPem: string;
  /** SHA-256 of the public key's SPKI DER, hex. */
  readonly fingerprint: string;
}

/** Signs checkpoints with the workstation key. */
export interface CheckpointSigner {
  readonly publicKeyPem: string;
  readonly fingerprint: string;
  /** Ed25519 signature of the bytes, base64. */
  sign(message: Uint8Array): string;
}

/** Creates a new workstation key pair (once per workstation; the lead stores it in the vault). */
export function createWorkstationKey(): WorkstationKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: publicKeyFingerprint(publicKey),
  };
}

/** SHA-256 of the key's SPKI DER, hex: the same value whichever PEM wrapping carried it. */
export function publicKeyFingerprint(publicKey: KeyObject): string {
  return sha256Hex(publicKey.export({ type: 'spki', format: 'der' }));
}

/** Groups a fingerprint for reading aloud and printing: `ab12 cd34 …`. */
export function formatFingerprint(fingerprint: string): string {
  return fingerprint.match(/.{1,4}/g)?.join(' ') ?? fingerprint;
}

/** A signer over a stored private key; refuses anything that is not an Ed25519 key. */
export function createCheckpointSigner(privateKeyPem: string): CheckpointSigner {
  const privateKey = createPrivateKey(privateKeyPem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('The workstation key must be an Ed25519 key.');
  const publicKey = createPublicKey(privateKey);
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: publicKeyFingerprint(publicKey),
    sign: (message) => sign(null, message, privateKey).toString('base64'),
  };
}

/** Reads a published public key; refuses anything that is not Ed25519. */
export function loadPublicKey(publicKeyPem: string | Uint8Array): KeyObject {
  const key = createPublicKey(typeof publicKeyPem === 'string' ? publicKeyPem : Buffer.from(publicKeyPem));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('The public key is not an Ed25519 key.');
  return key;
}

/** The bytes a checkpoint's signature covers: the canonical form of its body. */
export function checkpointSigningBytes(body: AuditCheckpointBody): Uint8Array {
  const { signature: _ignored, ...rest } = body as AuditCheckpointBody & { signature?: string };
  return Buffer.from(canonicalJson(rest), 'utf8');
}

/** Signs a checkpoint body; the body must name the signer's own key. */
export function signCheckpoint(body: AuditCheckpointBody, signer: CheckpointSigner): AuditCheckpoint {
  if (body.keyFingerprint !== signer.fingerprint) throw new Error('The checkpoint names a different key than the signer.');
  return { ...body, signature: signer.sign(checkpointSigningBytes(body)) };
}

/** True when the signature is the named key's signature over exactly this body. */
export function verifyCheckpointSignature(checkpoint: AuditCheckpoint, publicKey: KeyObject): boolean {
  if (checkpoint.keyFingerprint !== publicKeyFingerprint(publicKey)) return false;
  return verify(null, checkpointSigningBytes(checkpoint), publicKey, Buffer.from(checkpoint.signature, 'base64'));
}
