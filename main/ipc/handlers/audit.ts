import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEntry } from '../../../shared/domain/audit';
import type { Contract } from '../../../shared/ipc/contract';
import { WardscribeError } from '../../errors';
import { exportAuditTrail } from '../../audit/export-trail';
import { verifyTrailPdf } from '../../audit/verify-trail';
import type { SessionService } from '../../session/session-service';
import { getRootKeyFingerprint } from '../../vault/queries/workstation-key';
import type { ExportedFiles } from '../../exports/exported-files';
import type { Handlers } from '../registry';

export interface AuditHandlerDeps {
  readonly session: SessionService;
  /** The exported PDFs: where they go (a chosen folder or the app's exports folder) and the list of them. */
  readonly exports: ExportedFiles;
  /** Printed in the PDF header. */
  readonly site: string;
}

export function createAuditHandlers(deps: AuditHandlerDeps): Handlers<Contract>['audit'] {
  return {
    people: () => {
      deps.session.audit(); // only with an open session, for the roles the contract allows
      return deps.session.listUsers().map((user) => ({ userId: user.id, username: user.username, displayName: user.displayName }));
    },

    query: ({ filter, limit }) => {
      const { log, store, actor } = deps.session.audit();
      // Reading the trail is itself audited (FOI and subject access requests ask who looked).
      log.record({ action: 'trail-viewed', actor, outcome: { status: 'success' } });
      // Keep only the newest `limit` matches while streaming through them in order.
      const newest: AuditEntry[] = [];
      for (const entry of store.entries({ filter })) {
        newest.push(entry);
        if (newest.length > limit) newest.shift();
      }
      return { entries: newest.reverse(), head: log.head(), keyFingerprint: getRootKeyFingerprint(deps.session.vault().db) };
    },

    export: async (request, { signal, progress }) => {
      const { filter } = request;
      const { log, store, actor } = deps.session.audit();
      const folder = deps.exports.folderFor(request.folder);
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      const fileName = `wardscribe-audit-${new Date().toISOString().replace(/[:.]/g, '-')}.pdf`;
      const path = join(folder, fileName);
      const result = await exportAuditTrail({
        log,
        store,
        filter,
        site: deps.site,
        exportedBy: actor,
        outputPath: path,
        onProgress: (done, total) => progress(done, total, 'pages'),
        signal,
      });
      // Listed, so the PDF can be found and removed from Wardscribe later (it is plaintext outside the vault).
      deps.exports.record('audit-trail', folder, fileName, result.sha256);
      return { fileName, path, pageCount: result.pageCount, sha256: result.sha256 };
    },

    // The in-app check needs the registered fingerprint too: one read from this vault would be
    // whatever a forger who rewrote the vault put there.
    verify: async ({ fileName, expectedKeyFingerprint, trustEmbeddedKey }) => {
      deps.session.audit(); // only with an open session
      let bytes: Buffer;
      try {
        bytes = readFileSync(deps.exports.pathOf(fileName));
      } catch {
        throw new WardscribeError('not-found', `There is no exported trail called ${fileName}.`);
      }
      const report = await verifyTrailPdf(bytes, { ...(expectedKeyFingerprint ? { expectedKeyFingerprint } : {}), ...(trustEmbeddedKey ? { trustEmbeddedKey } : {}) });
      return { ok: report.ok, entryCount: report.entryCount, problems: report.problems.map((problem) => problem.message), trust: report.trust, keyFingerprint: report.keyFingerprint ?? null };
    },
  };
}
