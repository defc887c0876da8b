import { basename } from 'node:path';
import type { Contract } from '../../../shared/ipc/contract';
import type { ExportedFiles } from '../../exports/exported-files';
import type { Handlers } from '../registry';

export function createExportHandlers(exports: ExportedFiles): Handlers<Contract>['exports'] {
  return {
    list: (_request, { principal }) =>
      exports.list(principal!.role).map((file) => ({ id: file.id, kind: file.kind, path: file.path, fileName: basename(file.path), createdAt: file.createdAt })),
    remove: async ({ id }, { principal }) => ({ outcome: await exports.remove(id, principal!.role) }),
  };
}
