import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createCheckpointSigner,
  createWorkstationKey,
  formatFingerprint,
  loadPublicKey,
  signCheckpoint,
  verifyCheckpointSignature,
} from '../../../main/audit/signing';
import type { AuditCheckpoint, AuditCheckpointBody } from '../../../shared/domain/audit';

const KEY = createWorkstationKey();
const SIGNER = createCheckpointSigner(KEY.privateKeyPem);
const PUBLIC = loadPublicKey(KEY.publicKeyPem);
const BODY: AuditCheckpointBody = {
  kind: 'interval',
  sequence: 100,
  entryHash: 'ab'.repeat(32),
  createdUtc: '2024-03-31T10:00:00.000Z',
  keyFingerprint: KEY.fingerprint,
};

describe('workstation key and checkpoint signatures', () => {
  it('creates an Ed25519 key whose signer and public key agree on the fingerprint', () => {
    expect(SIGNER.fingerprint).toBe(KEY.fingerprint);
    expect(SIGNER.publicKeyPem).toBe(KEY.publicKeyPem);
    expect(KEY.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(formatFingerprint(KEY.fingerprint).split(' ')).toHaveLength(16);
    expect(createWorkstationKey().fingerprint).not.toBe(KEY.fingerprint);
  });

  it('verifies a genuine checkpoint', () => {
    expect(verifyCheckpointSignature(signCheckpoint(BODY, SIGNER), PUBLIC)).toBe(true);
  });

  it('detects any change to a signed checkpoint body', () => {
    const signed = signCheckpoint(BODY, SIGNER);
    const changes: ((checkpoint: AuditCheckpoint) => AuditCheckpoint)[] = [
      (checkpoint) => ({ ...checkpoint, sequence: checkpoint.sequence + 1 }),
      (checkpoint) => ({ ...checkpoint, entryHash: 'cd'.repeat(32) }),
      (checkpoint) => ({ ...checkpoint, kind: 'export' }),
      (checkpoint) => ({ ...checkpoint, createdUtc: '2024-03-31T10:00:00.001Z' }),
    ];
    for (const change of changes) expect(verifyCheckpointSignature(change(signed), PUBLIC)).toBe(false);
  });

  it('detects forged signatures: random bytes, a flipped bit, another key', () => {
    const signed = signCheckpoint(BODY, SIGNER);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (bytes) => {
        expect(verifyCheckpointSignature({ ...signed, signature: Buffer.from(bytes).toString('base64') }, PUBLIC)).toBe(false);
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.nat(511), (bit) => {
        const signature = Buffer.from(signed.signature, 'base64');
        signature[bit >> 3] = signature[bit >> 3]! ^ (1 << (bit & 7));
        expect(verifyCheckpointSignature({ ...signed, signature: signature.toString('base64') }, PUBLIC)).toBe(false);
      }),
      { numRuns: 200 },
    );
    const attacker = createWorkstationKey();
    const forged = signCheckpoint({ ...BODY, keyFingerprint: attacker.fingerprint }, createCheckpointSigner(attacker.privateKeyPem));
    expect(verifyCheckpointSignature(forged, PUBLIC)).toBe(false);
    // Claiming the genuine fingerprint while signing with another key fails too.
    const claimed = { ...forged, keyFingerprint: KEY.fingerprint };
    expect(verifyCheckpointSignature(claimed, PUBLIC)).toBe(false);
  });

  it('refuses keys that are not Ed25519, and a body naming another key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => createCheckpointSigner(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).toThrow(/Ed25519/);
    expect(() => loadPublicKey(rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString())).toThrow(/Ed25519/);
    expect(() => signCheckpoint({ ...BODY, keyFingerprint: '00'.repeat(32) }, SIGNER)).toThrow(/different key/);
  });
});
