import { describe, expect, it } from 'vitest';
import { certificateForRole, WITHHELD, type WipeCertificate } from '../../../shared/domain/wipe';
import { createWipeHandlers } from '../../../main/ipc/handlers/wipes';
import type { WipeService } from '../../../main/wipe/wipe-service';
import type { SessionService } from '../../../main/session/session-service';
import type { ExportedFiles } from '../../../main/exports/exported-files';

const certificate: WipeCertificate = {
  format: 'wardscribe-wipe-certificate/1',
  wipeId: 'w-1',
  threadId: 't-1',
  source: 'whatsapp-ios',
  sourceFileName: 'WhatsApp Chat - Mrs Jones bed 4.zip',
  sourceSha256: 'a'.repeat(64),
  messageCount: 120,
  attachmentCount: 3,
  draftCount: 1,
  firstInstant: '2026-11-30T08:00:00Z',
  lastInstant: '2026-11-30T19:00:00Z',
  trigger: 'user',
  requestedBy: { userId: 'u-1', displayName: 'Dr Ada Shah', role: 'clinician' },
  overrideReason: 'Only rota swaps about Mrs Jones, no clinical advice',
  fingerprintsKept: 120,
  filed: [{ identifier: 'urn:uuid:1', documentReferenceId: 'doc-1', nhsNumber: '9434765919' }],
  startedAt: '2026-11-30T20:00:00Z',
  finishedAt: '2026-11-30T20:00:05Z',
  keyRotated: true,
  sourceFile: 'overwritten',
  verification: null,
  level: 'purge',
};

describe('wipe certificates by role', () => {
  it('shows auditors identifiers and counts, never the file name, the reason or whole NHS numbers', () => {
    const view = certificateForRole(certificate, 'auditor');
    const text = JSON.stringify(view);
    expect(text).not.toContain('Mrs Jones');
    expect(text).not.toContain('9434765919');
    expect(view.sourceFileName).toBe(WITHHELD);
    expect(view.overrideReason).toBe(WITHHELD);
    expect(view.filed[0]).toEqual({ identifier: 'urn:uuid:1', documentReferenceId: 'doc-1', nhsNumber: '••• ••• 5919' });
    expect({ ...view, sourceFileName: certificate.sourceFileName, overrideReason: certificate.overrideReason, filed: certificate.filed }).toEqual(certificate);
  });

  it('shows the people who wipe and administer the whole certificate', () => {
    for (const role of ['clerk', 'clinician', 'admin'] as const) expect(certificateForRole(certificate, role)).toBe(certificate);
  });

  it('is what the certificates channel answers an auditor', async () => {
    const wipes = { certificates: () => [certificate], certificate: () => certificate } as unknown as WipeService;
    const handlers = createWipeHandlers({ wipes, session: {} as SessionService, exports: {} as ExportedFiles, site: 'Ward 7' });
    const context = (role: 'auditor' | 'clinician') => ({ principal: { userId: 'u', role }, signal: new AbortController().signal, progress: () => {} });
    expect(JSON.stringify(await handlers.certificates({}, context('auditor')))).not.toContain('Mrs Jones');
    expect(JSON.stringify(await handlers.certificates({}, context('clinician')))).toContain('Mrs Jones');
  });
});

describe('what an auditor cannot work out', () => {
  it('their PDF does not carry the full certificate\'s digest, which would confirm guesses of what was withheld', async () => {
    const { certificateSha256 } = await import('../../../main/wipe/wipe-service');
    const view = certificateForRole(certificate, 'auditor');
    expect(certificateSha256(view)).not.toBe(certificateSha256(certificate));
    // The clinician's view is the certificate itself: its digest is the one the trail pins.
    expect(certificateSha256(certificateForRole(certificate, 'clinician'))).toBe(certificateSha256(certificate));
  });
});

describe('the auditor\'s certificate PDF', () => {
  it('prints the digest of the view it shows, never the full certificate\'s', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { certificateSha256 } = await import('../../../main/wipe/wipe-service');
    const folder = mkdtempSync(join(tmpdir(), 'wardscribe-cert-view-'));
    try {
      const wipes = { certificate: () => certificate } as unknown as WipeService;
      const session = { audit: () => ({ log: { record: () => undefined }, actor: { userId: 'u', displayName: 'Olga Auditor', role: 'auditor' } }) } as unknown as SessionService;
      const exports = { folderFor: () => folder, record: () => undefined } as unknown as ExportedFiles;
      const handlers = createWipeHandlers({ wipes, session, exports, site: 'Ward 7' });
      const context = { principal: { userId: 'u', role: 'auditor' as const }, signal: new AbortController().signal, progress: () => {} };
      const { path } = await handlers.exportCertificate({ wipeId: certificate.wipeId }, context);
      const text = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
      expect(text).not.toContain('Mrs Jones');
      expect(text).not.toContain(certificateSha256(certificate).slice(0, 16));
      expect(text).toContain(certificateSha256(certificateForRole(certificate, 'auditor')).slice(0, 16));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('exports of one certificate by several people', () => {
  it('never replace one another: a clinician\'s full copy stays beside an auditor\'s redacted one (a cold trial lost it)', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, readdirSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const folder = mkdtempSync(join(tmpdir(), 'wardscribe-cert-copies-'));
    try {
      const recorded: string[] = [];
      const wipes = { certificate: () => certificate } as unknown as WipeService;
      const session = { audit: () => ({ log: { record: () => undefined }, actor: { userId: 'u', displayName: 'Someone', role: 'clinician' } }) } as unknown as SessionService;
      const exports = { folderFor: () => folder, record: (_kind: string, _folder: string, fileName: string) => void recorded.push(fileName) } as unknown as ExportedFiles;
      const handlers = createWipeHandlers({ wipes, session, exports, site: 'Ward 7' });
      const as = (role: 'auditor' | 'clinician') => ({ principal: { userId: 'u', role }, signal: new AbortController().signal, progress: () => {} });
      const clinician = await handlers.exportCertificate({ wipeId: certificate.wipeId }, as('clinician'));
      const auditor = await handlers.exportCertificate({ wipeId: certificate.wipeId }, as('auditor'));
      const again = await handlers.exportCertificate({ wipeId: certificate.wipeId }, as('clinician'));
      expect([clinician.fileName, auditor.fileName, again.fileName]).toEqual([
        `wardscribe-wipe-certificate-${certificate.wipeId}.pdf`,
        `wardscribe-wipe-certificate-${certificate.wipeId}-auditor-view.pdf`,
        `wardscribe-wipe-certificate-${certificate.wipeId}-2.pdf`,
      ]);
      expect(recorded).toEqual([clinician.fileName, auditor.fileName, again.fileName]);
      expect(readdirSync(folder).sort()).toEqual([clinician.fileName, again.fileName, auditor.fileName].sort());
      const text = (path: string) => execFileSync('pdftotext', [path, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
      expect(text(clinician.path)).toContain('Mrs Jones');
      expect(text(auditor.path)).not.toContain('Mrs Jones');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

