/**
 * Filing 100 transcriptions through the one outbox runner (transaction + read-back of every
 * checked field, with validation and the vault's audited state saves) against the local training
 * EPR, compared with bare HTTP POSTs of the same transaction bodies (same conditional creates) to
 * a fresh training server. The ratio is what filing adds: capability check, validation, outbox
 * saves in the encrypted vault (synchronous=FULL) and the read-back GET. The training server's
 * search is a linear scan, so both sides slow as it fills; they see the same number of resources.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { singleEprDirectory } from '../main/epr/epr-directory';
import { createEprConnection } from '../main/epr/fhir-client';
import { filingBundle } from '../main/epr/filing';
import { identifierQuery, toDocumentReference, transcriptAttachment } from '../main/epr/mapping';
import { OutboxRunner } from '../main/epr/outbox-runner';
import { createVaultOutboxStore } from '../main/epr/outbox-store';
import { systemClock } from '../main/epr/retry-policy';
import { createTrainingServer } from '../main/epr/training-server';
import { silentLogger } from '../main/log';
import { SessionService } from '../main/session/session-service';
import { MINIMUM_KDF } from '../main/vault/key-slots';
import { getOutboxItem, insertOutboxItem } from '../main/vault/queries/outbox';
import { vaultFiles } from '../main/vault/vault-files';
import { AttestedTranscriptionSchema, type AttestedTranscription } from '../shared/domain/transcription';
import type { BenchRow } from './table';

const COUNT = 100;

function transcription(index: number): AttestedTranscription {
  const minute = String(index % 60).padStart(2, '0');
  return AttestedTranscriptionSchema.parse({
    identifier: `urn:uuid:${randomUUID()}`,
    patient: { nhsNumber: '9434765919', name: 'Bench Patient', birthDate: '1960-01-01' },
    excerpts: [
      {
        messageId: `m-${index}`,
        adviser: { displayNameInChat: 'Reg', name: 'Dr Bench Adviser', role: 'Specialty registrar', registration: { body: 'GMC', number: '7000001' } },
        originalLocalTime: `2024-06-01T10:${minute}`,
        zone: 'Europe/London',
        utcInstant: `2024-06-01T09:${minute}:00Z`,
        text: `Advice number ${index}: review in the morning.`.repeat(5),
      },
    ],
    summary: 'Advice followed.',
    transcriber: { userId: 'u1', name: 'Bench Clerk', role: 'Ward clerk' },
    attester: { userId: 'u2', name: 'Dr Bench Attester', role: 'FY1' },
    attestedAt: '2024-06-01T12:00:00Z',
    organisationOdsCode: 'RX1',
    documentType: 'clinical-consultation-report',
    source: { kind: 'WhatsApp (Android export)', title: 'Bench', messageCount: 100, firstMessageAt: '2024-06-01T09:00:00Z', lastMessageAt: '2024-06-01T11:00:00Z' },
  });
}

export async function run(): Promise<BenchRow[]> {
  const transcriptions = Array.from({ length: COUNT }, (_, index) => transcription(index));
  const bareMs = await timeBarePosts(transcriptions);
  const server = createTrainingServer();
  const baseUrl = await server.start();
  const dir = mkdtempSync(join(tmpdir(), 'wardscribe-bench-filing-'));
  const session = new SessionService({ files: vaultFiles(join(dir, 'vault')), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
  try {
    await session.createFirstAdmin({ username: 'bench', displayName: 'Bench Admin', passphrase: 'bench passphrase for filing 1' });
    const db = () => session.vault().db;
    const connection = createEprConnection({ baseUrl, auth: { kind: 'none' }, requestTimeoutMs: 30_000, clock: systemClock });
    const runner = new OutboxRunner({
      store: (stopped) => createVaultOutboxStore({ db, audit: () => session.audit().log, stopped }),
      eprs: singleEprDirectory(() => connection),
      log: silentLogger,
    });
    const filingStart = performance.now();
    let verified = 0;
    for (const transcription of transcriptions) {
      // Queued as attest does, then filed to the end by the runner.
      insertOutboxItem(db(), { identifier: transcription.identifier, transcription, attachmentSha256: transcriptAttachment(transcription).sha256Hex, eprId: 'training', eprLabel: 'Training EPR', state: { kind: 'queued' }, updatedAt: Date.now() }, null);
      await runner.drive(transcription.identifier);
      if (getOutboxItem(db(), transcription.identifier)?.state.kind === 'verified') verified++;
    }
    const filingMs = performance.now() - filingStart;

    const ratio = filingMs / bareMs;
    return [
      { name: `EPR filing + read-back, ${COUNT} transcriptions`, value: filingMs / COUNT, unit: 'ms each', target: 'all verified', met: verified === COUNT },
      { name: `bare HTTP POST of the same ${COUNT} transaction bodies`, value: bareMs / COUNT, unit: 'ms each' },
      { name: 'filing ÷ bare POST', value: ratio, unit: '×', target: '≤ 3× bare POST', met: ratio <= 3 },
    ];
  } finally {
    if (session.principal()) session.lock('sign-out');
    rmSync(dir, { recursive: true, force: true });
    await server.stop();
  }
}

async function timeBarePosts(transcriptions: readonly AttestedTranscription[]): Promise<number> {
  const server = createTrainingServer();
  const baseUrl = await server.start();
  try {
    const bodies = transcriptions.map((item) => JSON.stringify(filingBundle(item, toDocumentReference(item), identifierQuery(item.identifier))));
    const start = performance.now();
    for (const body of bodies) {
      const response = await fetch(baseUrl, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body });
      await response.arrayBuffer();
    }
    return performance.now() - start;
  } finally {
    await server.stop();
  }
}
