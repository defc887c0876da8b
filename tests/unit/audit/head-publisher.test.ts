import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyCheckpointSignature } from '../../../main/audit/signing';
import { HeadPublisher, sendSyslog } from '../../../main/audit/head-publisher';
import { trustedCheckpointKeys } from '../../../main/audit/signing-certificates';
import { loadPublicKey } from '../../../main/audit/signing';
import { silentLogger } from '../../../main/log';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { createVaultTrustAnchorStore } from '../../../main/vault/queries/workstation-key';
import { createWardscribe } from '../../../main/wardscribe';
import type { AuditCheckpoint } from '../../../shared/domain/audit';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A syslog collector on 127.0.0.1 that reads RFC 5425 octet-counted frames. */
async function startCollector(): Promise<{ port: number; messages: string[]; server: Server }> {
  const messages: string[] = [];
  const server = createServer((socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const space = buffer.indexOf(0x20);
        if (space < 0) break;
        const length = Number(buffer.subarray(0, space).toString('ascii'));
        if (buffer.length < space + 1 + length) break;
        messages.push(buffer.subarray(space + 1, space + 1 + length).toString('utf8'));
        buffer = buffer.subarray(space + 1 + length);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { port: (server.address() as { port: number }).port, messages, server };
}

const RFC5424 = /^<110>1 (\S+) (\S+) wardscribe (\d+) chain-head \[wardscribe-head@32473 sequence="(\d+)" hash="([0-9a-f]{64})" createdUtc="([^"]+)" rootKey="([0-9a-f]{64})" signingKey="([0-9a-f]{64})" signature="([^"]+)" trigger="(\w+)"\] \ufeffWardscribe audit chain head: entry \d+, SHA-256 [0-9a-f]{64}$/;

describe('chain head publication to a syslog collector', () => {
  it('publishes a signed head at sign-in and at lock, which the root key vouches for', async () => {
    const collector = await startCollector();
    const dir = tempDir('wardscribe-publish-');
    const app = createWardscribe({
      host: 'electron',
      engine: 'test',
      dataDir: dir.path,
      log: silentLogger,
      kdf: MINIMUM_KDF,
      machineSettings: { auditHeadPublication: { host: '127.0.0.1', port: collector.port, transport: 'tcp', intervalMinutes: 60 } },
    });
    cleanups.push(dir.remove, () => app.close());
    await app.session.createFirstAdmin(ADMIN);
    app.session.lock('sign-out');
    await app.session.signIn(ADMIN.username, ADMIN.passphrase);
    const store = createVaultTrustAnchorStore(app.session.vault().db);
    const root = store.root()!;
    const keys = trustedCheckpointKeys(loadPublicKey(root.publicKeyPem), store.certificates()).keys;
    const head = app.session.audit().log.head();
    app.lock('manual');

    await expect.poll(() => collector.messages.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(3);
    const parsed = collector.messages.map((message) => {
      const match = RFC5424.exec(message);
      expect(match, message).not.toBeNull();
      const [, timestamp, , , sequence, hash, createdUtc, rootKey, signingKey, signature, trigger] = match!;
      return { timestamp, trigger, rootKey, checkpoint: { kind: 'interval', sequence: Number(sequence), entryHash: hash, createdUtc, keyFingerprint: signingKey, signature } as AuditCheckpoint };
    });
    expect(parsed.map((message) => message.trigger)).toEqual(['unlock', 'lock', 'unlock', 'lock']);
    for (const message of parsed) {
      expect(message.rootKey).toBe(root.fingerprint);
      expect(verifyCheckpointSignature(message.checkpoint, keys.get(message.checkpoint.keyFingerprint)!)).toBe(true);
    }
    // The last lock's head is the head as it stood (before the lock entry itself).
    expect(parsed.at(-1)!.checkpoint).toMatchObject({ sequence: head.sequence, entryHash: head.hash });
  });

  it('keeps what a collector that was down missed and sends it with the next head', async () => {
    const dead = await startCollector();
    const port = dead.port;
    await new Promise((resolve) => dead.server.close(resolve));
    let sequence = 0;
    const outcomes: boolean[] = [];
    const publisher = new HeadPublisher({
      target: { host: '127.0.0.1', port, transport: 'tcp' },
      intervalMs: 3_600_000,
      sign: () => ({ kind: 'interval', sequence: ++sequence, entryHash: 'a'.repeat(64), createdUtc: new Date().toISOString(), keyFingerprint: 'b'.repeat(64), signature: 'c2ln' }),
      rootFingerprint: () => 'd'.repeat(64),
      onOutcome: (outcome) => outcomes.push(outcome.ok),
    });
    await publisher.publish('interval');
    expect(outcomes).toEqual([false]);
    const revived = createServer();
    const messages: string[] = [];
    revived.on('connection', (socket) => socket.on('data', (chunk: Buffer) => messages.push(chunk.toString('utf8'))));
    await new Promise<void>((resolve) => revived.listen(port, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => revived.close(resolve)));
    await publisher.publish('interval');
    expect(outcomes).toEqual([false, true]);
    const received = messages.join('');
    expect(received).toContain('sequence="1"');
    expect(received).toContain('sequence="2"');
  });

  it('refuses plain TCP to anything but this computer', async () => {
    await expect(sendSyslog({ host: 'collector.trust.example', port: 6514, transport: 'tcp' }, ['x'])).rejects.toThrow(/only to a syslog relay on this computer/);
  });
});
