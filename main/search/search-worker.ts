/**
 * The search worker (a worker_threads Worker): runs one full-text search at a time on its own
 * read-only connection, opened for that search and closed after it, so that a slow query never
 * holds up the main process's connection (every other request of every window) and a search a
 * newer one replaced can be stopped by ending the thread. Nothing of the query or the hits is
 * logged here.
 */
import { parentPort } from 'node:worker_threads';
import { searchMessages } from '../vault/queries/messages';
import { openVaultReader, useSqlcipherNativeBinding, type Db } from '../vault/sqlcipher';
import type { FromSearchWorker, ToSearchWorker } from './search-worker-protocol';

const port = parentPort;
if (!port) throw new Error('search-worker runs only as a worker thread');

port.on('message', (request: ToSearchWorker) => {
  const key = Buffer.from(request.key);
  request.key.fill(0);
  let db: Db | undefined;
  let answer: FromSearchWorker;
  try {
    useSqlcipherNativeBinding(request.nativeBinding);
    db = openVaultReader(request.database, key);
    answer = { id: request.id, ok: true, hits: searchMessages(db, request.query, request.limit, request.order) };
  } catch (error) {
    answer = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  } finally {
    db?.close();
    key.fill(0);
  }
  port.postMessage(answer);
});
