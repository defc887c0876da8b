import { WardscribeError } from '../errors';
import type { ImportSession } from '../imports/import-service';
import { renameThread } from '../vault/queries/threads';

/** The longest name a thread may be given (as the import keeps the export's own). */
export const MAX_THREAD_TITLE = 200;

/**
 * Renames a thread, for a chat whose export gave it no name ("Untitled chat", as Teams and
 * one-to-one exports do) or a name nobody on the ward recognises. Audited by thread only: a
 * chat's name may name a patient, so neither name goes into the trail. Notes filed before keep
 * the name they were filed under; later ones carry the new one.
 */
export function renameThreadTitle(session: Pick<ImportSession, 'vault' | 'audit'>, threadId: string, title: string): string {
  const name = title.replace(/\s+/g, ' ').trim();
  if (name === '') throw new WardscribeError('rejected', 'Enter a name for the chat.');
  if (name.length > MAX_THREAD_TITLE) throw new WardscribeError('rejected', `A chat's name can be at most ${MAX_THREAD_TITLE} characters.`);
  const db = session.vault().db;
  const { log, actor } = session.audit();
  db.transaction(() => {
    if (!renameThread(db, threadId, name)) throw new WardscribeError('not-found', 'That chat is not in the vault (it may have been wiped).');
    log.record({ action: 'thread-renamed', actor, objects: { threadId }, outcome: { status: 'success' } });
  })();
  return name;
}
