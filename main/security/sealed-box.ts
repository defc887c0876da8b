/**
 * Small authenticated encryption helpers for secrets that are not the vault key: a 32-byte secret
 * sealed to a user's key-slot X25519 public key (ephemeral X25519 + HKDF-SHA256 + AES-256-GCM),
 * and bytes sealed under a symmetric key. Each use passes its own label, so a blob made for one
 * purpose never opens as another.
 */
import { createCipheriv, createDecipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { z } from 'zod';

const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);

export const SymmetricSealSchema = z.object({ nonce: Base64, ciphertext: Base64, tag: Base64 });
export type SymmetricSeal = z.infer<typeof SymmetricSealSchema>;

export const SlotSealSchema = SymmetricSealSchema.extend({ ephemeralPublicKey: Base64 });
export type SlotSeal = z.infer<typeof SlotSealSchema>;

/** AES-256-GCM under `key`, authenticated with `label` and `context`. */
export function sealSymmetric(key: Uint8Array, plaintext: Uint8Array, label: string, context: readonly string[]): SymmetricSeal {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(associatedData(label, context));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { nonce: nonce.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/** Opens sealSymmetric's output; null when the key, label or context is wrong or it was altered. */
export function openSymmetric(key: Uint8Array, sealed: SymmetricSeal, label: string, context: readonly string[]): Buffer | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.nonce, 'base64'));
    decipher.setAAD(associatedData(label, context));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
  } catch {
    return null;
  }
}

/** Seals `secret` to an X25519 public key (SPKI DER, base64): no private key or passphrase needed. */
export function sealToPublicKey(recipientPublicKey: string, secret: Uint8Array, label: string, context: readonly string[]): SlotSeal {
  const ephemeral = generateKeyPairSync('x25519');
  const ephemeralPublicKey = ephemeral.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const recipient = createPublicKey({ key: Buffer.from(recipientPublicKey, 'base64'), format: 'der', type: 'spki' });
  const key = boxKey(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient }), ephemeralPublicKey, recipientPublicKey, label);
  try {
    return { ...sealSymmetric(key, secret, label, [...context, ephemeralPublicKey]), ephemeralPublicKey };
  } finally {
    key.fill(0);
  }
}

/** Opens sealToPublicKey's output with the recipient's private key; null when it does not authenticate. */
export function openWithPrivateKey(privateKey: KeyObject, recipientPublicKey: string, sealed: SlotSeal, label: string, context: readonly string[]): Buffer | null {
  let key: Buffer | undefined;
  try {
    const ephemeral = createPublicKey({ key: Buffer.from(sealed.ephemeralPublicKey, 'base64'), format: 'der', type: 'spki' });
    key = boxKey(diffieHellman({ privateKey, publicKey: ephemeral }), sealed.ephemeralPublicKey, recipientPublicKey, label);
    return openSymmetric(key, sealed, label, [...context, sealed.ephemeralPublicKey]);
  } catch {
    return null;
  } finally {
    key?.fill(0);
  }
}

function boxKey(sharedSecret: Buffer, ephemeralPublicKey: string, recipientPublicKey: string, label: string): Buffer {
  try {
    const salt = Buffer.concat([Buffer.from(ephemeralPublicKey, 'base64'), Buffer.from(recipientPublicKey, 'base64')]);
    return Buffer.from(hkdfSync('sha256', sharedSecret, salt, label, 32));
  } finally {
    sharedSecret.fill(0);
  }
}

function associatedData(label: string, context: readonly string[]): Buffer {
  return Buffer.from(JSON.stringify([label, ...context]), 'utf8');
}
