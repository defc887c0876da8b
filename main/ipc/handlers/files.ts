import { readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import type { Contract } from '../../../shared/ipc/contract';
import { WardscribeError } from '../../errors';
import type { Handlers } from '../registry';

/** At most this many entries of one folder are listed (a Downloads folder can hold thousands). */
export const BROWSE_LIMIT = 500;

/** Export files Wardscribe reads (.zip, .txt, .json): the rest of a folder is not listed, to keep the choice short. */
const EXPORT_FILE = /\.(zip|txt|json)$/i;

export interface FileHandlerDeps {
  /** The folder browsing starts in and may not leave: the user's home folder. */
  readonly root: string;
  /** The system file dialog where the host has one (Electron); null when the person cancelled it. */
  readonly chooseFile?: () => Promise<string | null>;
}

function within(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Choosing an export file. Electron opens the system dialog; the Chromium shell cannot (a web
 * page's file input hides the path, and the import needs the path), so the screen browses the
 * folders under the home folder through `browse` instead: real paths only, links resolved first
 * so none leads outside it, hidden entries left out.
 */
export function createFileHandlers(deps: FileHandlerDeps): Handlers<Contract>['files'] {
  return {
    choose: async () => {
      if (!deps.chooseFile) return { supported: false, path: null };
      return { supported: true, path: await deps.chooseFile() };
    },

    browse: ({ folder }) => {
      const root = realpathSync(deps.root);
      let target: string;
      try {
        target = folder ? realpathSync(resolve(root, folder)) : root;
      } catch {
        throw new WardscribeError('not-found', 'That folder does not exist any more. Choose another.');
      }
      if (!within(root, target)) throw new WardscribeError('forbidden', 'Only folders inside your home folder can be browsed here. Type the full path of the file instead.');
      if (!statSync(target).isDirectory()) throw new WardscribeError('not-found', 'That is not a folder. Choose a folder or a file in the list.');
      const entries: { name: string; path: string; kind: 'folder' | 'file'; bytes: number | null }[] = [];
      let more = false;
      for (const entry of readdirSync(target, { withFileTypes: true })) {
        if (entry.name.startsWith('.')) continue;
        const path = join(target, entry.name);
        let kind: 'folder' | 'file' | null = entry.isDirectory() ? 'folder' : entry.isFile() ? 'file' : null;
        let bytes: number | null = null;
        try {
          if (entry.isSymbolicLink()) {
            const real = realpathSync(path);
            // A link leading out of the home folder is not offered: choosing it could not be browsed back.
            if (!within(root, real)) continue;
            const info = statSync(real);
            kind = info.isDirectory() ? 'folder' : info.isFile() ? 'file' : null;
            bytes = info.isFile() ? info.size : null;
          } else if (kind === 'file') bytes = statSync(path).size;
        } catch {
          continue; // unreadable or gone since it was listed
        }
        if (kind === null || (kind === 'file' && !EXPORT_FILE.test(entry.name))) continue;
        if (entries.length >= BROWSE_LIMIT) {
          more = true;
          break;
        }
        entries.push({ name: entry.name, path, kind, bytes });
      }
      entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) : a.kind === 'folder' ? -1 : 1));
      return { folder: target, parent: target === root ? null : dirname(target), entries, more };
    },
  };
}
