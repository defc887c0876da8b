import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportAuditTrail } from '../../../../main/audit/export-trail';
import type { AuditFilter } from '../../../../shared/domain/audit';
import { USERS, type TrailFixture } from './fixtures';

/** Exports a fixture's trail to `folder/name` through the real exporter; returns path and bytes. */
export async function exportFixture(
  trail: TrailFixture,
  folder: string,
  name = 'trail.pdf',
  filter: AuditFilter = {},
): Promise<{ path: string; bytes: Uint8Array; pageCount: number }> {
  const path = join(folder, name);
  const result = await exportAuditTrail({
    log: trail.log,
    store: trail.store,
    filter,
    site: 'Ward 7 — St Elsewhere',
    exportedBy: USERS[3]!,
    outputPath: path,
  });
  return { path, bytes: new Uint8Array(readFileSync(path)), pageCount: result.pageCount };
}
