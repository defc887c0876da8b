import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HEAD, sealEntry } from '../../../main/audit/chain';
import { ATTACHMENT_NAMES, pageSealSigningBytes } from '../../../main/audit/export-format';
import { writeAuditPdf } from '../../../main/audit/pdf-export';
import { createCheckpointSigner, createWorkstationKey, signCheckpoint } from '../../../main/audit/signing';
import { verifyTrailPdf, type TrailReport } from '../../../main/audit/verify-trail';
import { formatTrailReport } from '../../../main/cli/verify-trail-command';
import type { AuditCheckpointBody, AuditEntry } from '../../../shared/domain/audit';
import { tempDir } from '../../support/temp';
import { makeTrail, USERS, type TrailFixture } from './support/fixtures';
import { exportFixture } from './support/export';
import { editJsonLines, replaceAttachment } from './support/pdf-tamper';

const kinds = (report: TrailReport) => report.problems.map((problem) => problem.kind);

describe('verifyTrailPdf', () => {
  const folder = tempDir('wardscribe-audit-verify-');
  let trail: TrailFixture;
  let pdf: Uint8Array;
  // Every check below is against the pinned key, so a failure is the tampering's, not a missing pin.
  const pin = () => ({ expectedKeyFingerprint: trail.key.fingerprint });

  beforeAll(async () => {
    trail = makeTrail(80, { checkpointEvery: 20 });
    pdf = (await exportFixture(trail, folder.path)).bytes;
  });
  afterAll(() => folder.remove());

  it('a witness later than the sealed head fails: the trail ends before an entry known to exist (cut short, or an export older than the witness)', async () => {
    const report = await verifyTrailPdf(pdf, { expectedKeyFingerprint: trail.key.fingerprint, witness: { sequence: 81, hash: 'a'.repeat(64) } });
    expect(report).toMatchObject({ ok: false, witness: 'beyond-export' });
    expect(kinds(report)).toEqual(['witness-beyond-export']);
    expect(report.problems[0]!.message).toMatch(/sealed at entry 80, before it/);
  });

  it('passes a fresh export, with the expected key and a matching witness', async () => {
    const witness = { sequence: 40, hash: trail.store.storedEntries[39]!.entryHash };
    const report = await verifyTrailPdf(pdf, { expectedKeyFingerprint: trail.key.fingerprint, witness });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, entryCount: 80, checkpointsVerified: 5, witness: 'matched', head: { sequence: 80 } });
  });

  it('names the entry when one embedded entry is rewritten', async () => {
    const edited = await replaceAttachment(pdf, ATTACHMENT_NAMES.entries, editJsonLines((items) => items.map((item) => (item.sequence === 33 ? { ...item, action: 'verified' } : item))));
    const report = await verifyTrailPdf(edited, pin());
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'hash-mismatch', sequence: 33 }));
    expect(kinds(report)).toContain('entries-file-altered');
  });

  it('catches an entry rewritten and rehashed: the next link and the seal break', async () => {
    const edited = await replaceAttachment(
      pdf,
      ATTACHMENT_NAMES.entries,
      editJsonLines((items) => items.map((item) => (item.sequence === 50 ? sealEntry({ ...(item as AuditEntry), action: 'wipe' }) : item))),
    );
    const report = await verifyTrailPdf(edited, pin());
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'link-mismatch', sequence: 51 }));
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'page-manifest-mismatch' }));
  });

  it('detects random tampering with the embedded entries in every case', async () => {
    type Change = { kind: 'edit' | 'delete' | 'swap' | 'duplicate' | 'truncate'; at: number };
    await fc.assert(
      fc.asyncProperty(
        fc.record({ kind: fc.constantFrom<Change['kind']>('edit', 'delete', 'swap', 'duplicate', 'truncate'), at: fc.integer({ min: 0, max: 78 }) }),
        async ({ kind, at }) => {
          const edited = await replaceAttachment(
            pdf,
            ATTACHMENT_NAMES.entries,
            editJsonLines((items) => {
              const copy = [...items];
              if (kind === 'edit') copy[at] = { ...copy[at]!, outcome: { status: 'refused', reason: 'edited' } };
              if (kind === 'delete') copy.splice(at, 1);
              if (kind === 'swap') [copy[at], copy[at + 1]] = [copy[at + 1]!, copy[at]!];
              if (kind === 'duplicate') copy.splice(at, 0, copy[at]!);
              if (kind === 'truncate') copy.length = at;
              return copy;
            }),
          );
          expect((await verifyTrailPdf(edited, pin())).ok).toBe(false);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('rejects forged or stripped checkpoints', async () => {
    const forged = await replaceAttachment(
      pdf,
      ATTACHMENT_NAMES.checkpoints,
      editJsonLines((items) => items.map((item, index) => (index === 1 ? { ...item, entryHash: 'f'.repeat(64) } : item))),
    );
    expect((await verifyTrailPdf(forged, pin())).problems).toContainEqual(expect.objectContaining({ kind: 'checkpoint-signature-invalid', sequence: 40 }));

    const attacker = createWorkstationKey();
    const resigned = await replaceAttachment(
      pdf,
      ATTACHMENT_NAMES.checkpoints,
      editJsonLines((items) => items.map((item) => signCheckpoint({ ...(item as unknown as AuditCheckpointBody), keyFingerprint: attacker.fingerprint }, createCheckpointSigner(attacker.privateKeyPem)))),
    );
    expect(kinds(await verifyTrailPdf(resigned, pin()))).toContain('checkpoint-signature-invalid');

    const unsealed = await replaceAttachment(pdf, ATTACHMENT_NAMES.checkpoints, editJsonLines((items) => items.slice(0, -1)));
    expect(kinds(await verifyTrailPdf(unsealed, pin()))).toContain('export-seal-missing');
  });

  it('detects a removed page and an altered page manifest', async () => {
    const document = await PDFDocument.load(pdf);
    document.removePage(1);
    expect(kinds(await verifyTrailPdf(await document.save(), pin()))).toContain('page-count-mismatch');

    const manifest = await replaceAttachment(pdf, ATTACHMENT_NAMES.manifest, (text) => text.replace('"firstSequence":1,', '"firstSequence":2,'));
    expect(kinds(await verifyTrailPdf(manifest, pin()))).toEqual(expect.arrayContaining(['manifest-altered', 'page-manifest-mismatch']));
  });

  it('fails on a byte edited inside the embedded data, and on a file that is not a PDF', async () => {
    const bytes = Buffer.from(pdf);
    const embedded = bytes.indexOf('/Type /EmbeddedFile');
    const stream = bytes.indexOf('stream\n', embedded) + 'stream\n'.length;
    bytes[stream + 40] = bytes[stream + 40]! ^ 0x20;
    expect((await verifyTrailPdf(bytes, pin())).ok).toBe(false);
    expect(kinds(await verifyTrailPdf(Buffer.from('not a pdf'), pin()))).toEqual(['unreadable-pdf']);
  });

  it('fails a PDF forged from scratch with a new key unless the embedded key is explicitly trusted, and says so', async () => {
    const attacker = createWorkstationKey();
    const signer = createCheckpointSigner(attacker.privateKeyPem);
    // Rewrite entry 10 and re-chain everything after it.
    const entries: AuditEntry[] = [];
    for (const entry of trail.store.storedEntries.slice(0, 80)) {
      const previousHash = entries.at(-1)?.entryHash ?? GENESIS_HEAD.hash;
      entries.push(sealEntry({ ...entry, previousHash, ...(entry.sequence === 10 ? { action: 'verified' as const } : {}) }));
    }
    const path = join(folder.path, 'forged.pdf');
    await writeAuditPdf(
      {
        entries,
        checkpoints: [],
        publicKeyPem: attacker.publicKeyPem,
        site: 'Ward 7',
        filter: {},
        exportedBy: USERS[3]!,
        exportedAt: trail.store.storedEntries[0]!.time,
        sealExport: (build) => {
          const head = { sequence: 80, hash: entries.at(-1)!.entryHash };
          return signCheckpoint({ kind: 'export', sequence: head.sequence, entryHash: head.hash, createdUtc: '2024-04-01T00:00:00.000Z', keyFingerprint: signer.fingerprint, export: build(head) }, signer);
        },
        // The forger seals the pages too: everything in the file is self-consistent.
        signPageSeal: (body) => {
          const complete = { ...body, keyFingerprint: signer.fingerprint };
          return { ...complete, signature: signer.sign(pageSealSigningBytes(complete)) };
        },
      },
      path,
    );
    const forged = readFileSync(path);
    const unpinned = await verifyTrailPdf(forged);
    expect(unpinned).toMatchObject({ ok: false, trust: 'not-pinned' });
    expect(kinds(unpinned)).toEqual(['key-not-pinned']);
    const trusted = await verifyTrailPdf(forged, { trustEmbeddedKey: true });
    expect(trusted).toMatchObject({ ok: true, trust: 'embedded-key-trusted', pagesVerified: true });
    const pinned = await verifyTrailPdf(forged, pin());
    expect(kinds(pinned)).toEqual(['key-not-expected']);
    // What the command prints says the key did not match, never that it did.
    expect(formatTrailReport(pinned)).toMatch(/^FAILED: [\s\S]*\nkey: does NOT match the registered fingerprint/);
    expect(formatTrailReport(pinned)).not.toContain('key: matches');
    const witnessed = await verifyTrailPdf(forged, { trustEmbeddedKey: true, witness: { sequence: 80, hash: trail.store.storedEntries[79]!.entryHash } });
    expect(kinds(witnessed)).toEqual(['witness-mismatch']);
  });

  it('exports and verifies an empty trail (one page saying so)', async () => {
    const empty = makeTrail(0);
    const exported = await exportFixture(empty, folder.path, 'empty.pdf');
    const report = await verifyTrailPdf(exported.bytes, { expectedKeyFingerprint: empty.key.fingerprint });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, entryCount: 0, pageCount: 1, head: GENESIS_HEAD });
  });

  it('verifies a filtered export and catches an entry that does not match its sealed filter', async () => {
    const filtered = await exportFixture(trail, folder.path, 'nhs.pdf', { nhsNumber: '9434765919' });
    expect((await verifyTrailPdf(filtered.bytes, pin())).problems).toEqual([]);
    const foreign = trail.store.storedEntries.find((entry) => entry.objects.nhsNumber !== '9434765919')!;
    const widened = await replaceAttachment(filtered.bytes, ATTACHMENT_NAMES.entries, (text) => text + JSON.stringify(foreign) + '\n');
    expect((await verifyTrailPdf(widened, pin())).problems).toContainEqual(expect.objectContaining({ kind: 'filter-mismatch', sequence: foreign.sequence }));
  });
});
