import type { AuditActor, AuditFilter } from '../../shared/domain/audit';
import type { AuditLog } from './audit-log';
import { writeAuditPdf, type AuditPdfResult } from './pdf-export';
import { loadPublicKey, publicKeyFingerprint } from './signing';
import type { AuditStore } from './store';

export interface ExportTrailOptions {
  readonly log: AuditLog;
  readonly store: AuditStore;
  readonly filter: AuditFilter;
  /** Site or ward name for the header. */
  readonly site: string;
  /** The signed-in auditor or administrator. */
  readonly exportedBy: AuditActor;
  readonly outputPath: string;
  readonly fontsDir?: string;
  /** For the export job: pages drawn so far, of the total. */
  readonly onProgress?: (pagesDone: number, pageCount: number) => void;
  /** For jobs.cancel: stops the export, removes the partial file and records a failed export. */
  readonly signal?: AbortSignal;
}

/**
 * Exports the selected entries as the auditors' PDF, sealed by an export checkpoint, and records
 * the export (with the PDF's SHA-256) in the trail itself. Entries are read up to the head
 * taken at the same moment, with no await in between, so the seal and the selection agree.
 */
export async function exportAuditTrail(options: ExportTrailOptions): Promise<AuditPdfResult> {
  const { log, store, filter } = options;
  const head = log.head();
  const entries = [...store.entries({ filter, toSequence: head.sequence })];
  const first = entries[0]?.sequence ?? head.sequence;
  const last = entries.at(-1)?.sequence ?? head.sequence;
  // Only checkpoints by a key the root vouches for are evidence; others (a throwaway key before
  // an administrator certified one, the pre-#14 key every user could read) are left out.
  const certificates = log.signingKeyCertificates();
  const rootFingerprint = publicKeyFingerprint(loadPublicKey(log.publicKeyPem));
  const vouched = new Set([rootFingerprint, ...certificates.filter((certificate) => certificate.rootFingerprint === rootFingerprint).map((certificate) => certificate.keyFingerprint)]);
  const checkpoints = [...store.checkpoints(first, last)].filter((checkpoint) => checkpoint.kind === 'interval' && vouched.has(checkpoint.keyFingerprint));
  let result: AuditPdfResult;
  try {
    result = await writeAuditPdf(
      {
        entries,
        checkpoints,
        publicKeyPem: log.publicKeyPem,
        certificates,
        signPageSeal: (body) => log.signPageSeal(body),
        site: options.site,
        filter,
        exportedBy: options.exportedBy,
        exportedAt: log.currentTime(),
        sealExport: (build) => log.sealExport(build),
        ...(options.fontsDir ? { fontsDir: options.fontsDir } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
      options.outputPath,
    );
  } catch (error) {
    const reason = options.signal?.aborted ? 'cancelled' : 'export-failed';
    log.record({ action: 'export', actor: options.exportedBy, outcome: { status: 'failure', reason } });
    throw error;
  }
  log.record({ action: 'export', actor: options.exportedBy, outcome: { status: 'success' }, hashes: { exportSha256: result.sha256 } });
  return result;
}
