import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { certificateForRole } from '../../../shared/domain/wipe';
import type { Contract } from '../../../shared/ipc/contract';
import type { SessionService } from '../../session/session-service';
import { writeCertificatePdf } from '../../wipe/certificate-pdf';
import { certificateSha256, trailCertificateSha256, type WipeService } from '../../wipe/wipe-service';
import type { ExportedFiles } from '../../exports/exported-files';
import type { Handlers } from '../registry';

export interface WipeHandlerDeps {
  readonly wipes: WipeService;
  readonly session: SessionService;
  /** The exported PDFs: where they go (a chosen folder or the app's exports folder) and the list of them. */
  readonly exports: ExportedFiles;
  readonly site: string;
}

export function createWipeHandlers(deps: WipeHandlerDeps): Handlers<Contract>['wipes'] {
  const { wipes } = deps;
  return {
    plan: async ({ threadId }) => {
      const plan = await wipes.plan(threadId);
      return {
        ...plan,
        transcriptions: [...plan.transcriptions],
        decision: plan.decision.kind === 'allowed' ? plan.decision : { ...plan.decision, problems: [...plan.decision.problems] },
        // What the screen lists: the hash and message id stay in main.
        unfiledMedia: plan.unfiledMedia.map(({ attachmentId, fileName, typeLabel, byteLength, sender, sentAt, localTime }) => ({ attachmentId, fileName, typeLabel, byteLength, sender, sentAt, localTime })),
      };
    },
    run: ({ threadId, overwriteSourceFile, overrideReason, acknowledgedUnfiledMedia, planned }) =>
      wipes.wipe({
        threadId,
        overwriteSourceFile,
        ...(overrideReason === undefined ? {} : { overrideReason }),
        ...(acknowledgedUnfiledMedia === undefined ? {} : { acknowledgedUnfiledMedia }),
        ...(planned === undefined ? {} : { planned }),
      }),
    certificates: (_request, { principal }) => wipes.certificates().map((certificate) => certificateForRole(certificate, principal!.role)),
    exportCertificate: async ({ wipeId, folder: chosen }, { principal }) => {
      const full = wipes.certificate(wipeId);
      const certificate = certificateForRole(full, principal!.role);
      // The PDF carries the digest of what it shows: the full certificate's (the one the trail
      // pins) only when it shows it all. A view's own digest, because the full one would let a
      // reader test guesses of what was withheld (a file name, six digits of an NHS number).
      const digest = certificateSha256(certificate);
      const folder = deps.exports.folderFor(chosen);
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      // A name of its own for each export, saying whose view it is: an auditor's redacted copy
      // once replaced a clinician's full one of the same name (a cold trial).
      const fileName = uniqueExportName(folder, `wardscribe-wipe-certificate-${wipeId}${certificate === full ? '' : '-auditor-view'}`);
      const path = join(folder, fileName);
      const sha256 = await writeCertificatePdf({ certificate, certificateSha256: digest, trailSha256: trailCertificateSha256(full), site: deps.site }, path);
      deps.exports.record('wipe-certificate', folder, fileName, sha256);
      const { log, actor } = deps.session.audit();
      log.record({ action: 'export', actor, objects: { wipeId, threadId: certificate.threadId }, outcome: { status: 'success', reason: 'wipe-certificate' }, hashes: { exportSha256: sha256, certificateSha256: digest } });
      return { fileName, path, sha256 };
    },
    retention: () => ({ hours: wipes.retentionHours() }),
    setRetention: ({ hours }) => {
      wipes.setRetentionHours(hours);
      return { hours: wipes.retentionHours() };
    },
  };
}

/** `base.pdf`, or `base-2.pdf`, `base-3.pdf`… when that is taken: an export never replaces an earlier one. */
function uniqueExportName(folder: string, base: string): string {
  for (let copy = 1; ; copy++) {
    const name = copy === 1 ? `${base}.pdf` : `${base}-${copy}.pdf`;
    if (!existsSync(join(folder, name))) return name;
  }
}
