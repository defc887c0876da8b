import { Worker } from 'node:worker_threads';
import type { SearchOrder } from '../../shared/ipc/work-queue';
import { WardscribeError } from '../errors';
import type { MessageSearchHit } from '../vault/queries/messages';
import { sqlcipherNativeBinding } from '../vault/sqlcipher';
import { workerScript } from '../workers/worker-script';
import type { FromSearchWorker, ToSearchWorker } from './search-worker-protocol';

/** The built search worker's file name, next to the bundle that starts it (out/main/). */
export const SEARCH_WORKER_FILE = 'search-worker.js';

/** What a search is run against: the vault file and its key as the signed-in session holds them now. */
export interface SearchTarget {
  readonly database: string;
  readonly key: Buffer;
}

interface Running {
  readonly id: number;
  readonly resolve: (hits: MessageSearchHit[]) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Full-text search off the main process's connection (issue #16): each search runs on a worker
 * thread, on a read-only connection of its own opened for that search (search-worker.ts). One
 * search at a time; a newer search ends the one still running (the thread is stopped, its
 * connection with it) and that one is answered `cancelled`, since its answer would only be
 * thrown away. The thread is started again for the next search.
 */
export class SearchThread {
  readonly #script: () => Promise<string>;
  #worker: Worker | null = null;
  #running: Running | null = null;
  #starting: Promise<Worker> | null = null;
  #nextId = 0;

  constructor(script: () => Promise<string> = () => workerScript(SEARCH_WORKER_FILE, 'main/search/search-worker.ts')) {
    this.#script = script;
  }

  /** Runs one search; ends any search still running first. */
  async search(target: SearchTarget, query: string, limit: number, order: SearchOrder): Promise<MessageSearchHit[]> {
    this.cancelRunning();
    const id = ++this.#nextId;
    const worker = await this.#started();
    // Another search started while this one waited for the thread: this one is stale already.
    if (id !== this.#nextId) throw cancelled();
    return new Promise<MessageSearchHit[]>((resolve, reject) => {
      this.#running = { id, resolve, reject };
      const request: ToSearchWorker = { id, database: target.database, key: new Uint8Array(target.key), nativeBinding: sqlcipherNativeBinding(), query, limit, order };
      // Transferred, not copied: the only copy of the key this search made goes to the worker, which zeroes it.
      worker.postMessage(request, [request.key.buffer as ArrayBuffer]);
    });
  }

  /** Ends the search still running, if any: it is answered `cancelled`. */
  cancelRunning(): void {
    // A search still waiting for the thread to start is stale from now on too.
    this.#nextId++;
    const running = this.#running;
    if (!running) return;
    this.#running = null;
    this.#stop();
    running.reject(cancelled());
  }

  /** Ends the thread (at lock and shutdown); a search still running is answered `cancelled`. */
  close(): void {
    this.cancelRunning();
    this.#stop();
  }

  #started(): Promise<Worker> {
    if (this.#worker) return Promise.resolve(this.#worker);
    // Two searches asked for at once share the one thread being started.
    this.#starting ??= this.#start().finally(() => (this.#starting = null));
    return this.#starting;
  }

  async #start(): Promise<Worker> {
    const worker = new Worker(await this.#script());
    // Unref'd: an idle search thread never keeps the process alive.
    worker.unref();
    worker.on('message', (answer: FromSearchWorker) => {
      const running = this.#running;
      if (!running || running.id !== answer.id) return;
      this.#running = null;
      if (answer.ok) running.resolve(answer.hits);
      else running.reject(new Error(`The search could not be run: ${answer.message}`));
    });
    const ended = (error?: Error) => {
      if (this.#worker !== worker) return;
      this.#worker = null;
      const running = this.#running;
      this.#running = null;
      running?.reject(error ?? new Error('The search stopped before it finished.'));
    };
    worker.on('error', ended);
    worker.on('exit', () => ended());
    this.#worker = worker;
    return worker;
  }

  #stop(): void {
    const worker = this.#worker;
    this.#worker = null;
    void worker?.terminate();
  }
}

function cancelled(): WardscribeError {
  return new WardscribeError('cancelled', 'A newer search replaced this one.');
}
