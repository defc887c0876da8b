import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { certificateForRole } from '../../../shared/domain/wipe';
import type { Contract } from '../../../shared/ipc/contract';
import type { SessionService } from '../../session/session-service';
import { writeCertificatePdf } from '../../wipe/certificate-pdf';
import { certificateSha256, type WipeService } from '../../wipe/wipe-service';
import type { Handlers } from '../registry';

export interface WipeHandlerDeps {
  readonly wipes: WipeService;
  readonly session: SessionService;
  /** Where exported certificates are written (inside the app's data folder). */
  readonly exportsDir: string;
  readonly site: string;
}

export function createWipeHandlers(deps: WipeHandlerDeps): Handlers<Contract>['wipes'] {
  const { wipes } = deps;
  return {
    plan: async ({ threadId }) => {
      const plan = await wipes.plan(threadId);
      return { ...plan, transcriptions: [...plan.transcriptions], decision: plan.decision.kind === 'allowed' ? plan.decision : { ...plan.decision, problems: [...plan.decision.problems] } };
    },
    run: ({ threadId, overwriteSourceFile, overrideReason }) =>
      wipes.wipe({ threadId, overwriteSourceFile, ...(overrideReason === undefined ? {} : { overrideReason }) }),
    certificates: (_request, { principal }) => wipes.certificates().map((certificate) => certificateForRole(certificate, principal!.role)),
    exportCertificate: async ({ wipeId }, { principal }) => {
      const full = wipes.certificate(wipeId);
      // The digest is the full certificate's (the one the trail pins); the PDF shows the role's view.
      const digest = certificateSha256(full);
      const certificate = certificateForRole(full, principal!.role);
      mkdirSync(deps.exportsDir, { recursive: true, mode: 0o700 });
      const fileName = `wardscribe-wipe-certificate-${wipeId}.pdf`;
      const path = join(deps.exportsDir, fileName);
      const sha256 = await writeCertificatePdf({ certificate, certificateSha256: digest, site: deps.site }, path);
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
