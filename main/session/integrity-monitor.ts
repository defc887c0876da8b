/**
 * The full page check of the open vault, in the background after sign-in (sign-in checks only
 * what it can afford: main/vault/sqlcipher.ts OpeningCheck). Every page of the file as it was
 * at sign-in is read straight from the disk, a step of PAGES_PER_STEP at a time, and checked
 * against its HMAC (main/vault/page-check.ts). Each step is an async read and about a
 * millisecond of hashing, so IPC is never held up; no connection or read transaction is held,
 * so checkpoints, imports and wipes carry on meanwhile.
 *
 * A page that fails is read again after SQLite has copied its -wal frames into the file (a page
 * caught mid-write by a checkpoint, or one whose current copy is still in the -wal file, is not
 * damage); only a page that still fails is reported. Stopping (lock, a key rotation replacing
 * the file) zeroes the HMAC key and closes the file at the next step.
 */
import { heldReader } from '../vault/held-files';
import type { VaultIntegrityState, VaultIntegrityView } from '../../shared/ipc/work-queue';
import { firstDamagedPage, pageHmacKey } from '../vault/page-check';

/** Pages read and hashed per step: 1 MiB at 4 KiB pages, about a millisecond of work. */
export const PAGES_PER_STEP = 256;
/** Reads of a failing page (each after letting SQLite copy its -wal frames into the file) before it counts as damage. */
const CONFIRMING_READS = 3;

export const DAMAGED_MESSAGE =
  'Wardscribe found damage in the vault file. What you do now is saved, but the vault must be restored from a backup: tell IT support today, ' +
  'and do not wipe any chat until they have checked the vault.';

export interface IntegrityTarget {
  /** The vault file. */
  readonly path: string;
  /** The vault's raw key; only read at start (a copy of the derived HMAC key is kept, zeroed at stop). */
  readonly key: Buffer;
  readonly pageSize: number;
  /** Pages in the file at sign-in; pages written later were written by this session. */
  readonly pageCount: number;
  /** Has SQLite copy committed -wal frames into the file (a passive checkpoint), before a failing page is read again. */
  readonly settle: () => void;
}

export interface IntegrityMonitorOptions {
  readonly now: () => Date;
  /** A page still failed after being read again: audit it and tell the user (no patient data: a page number). */
  readonly damaged: (pageNumber: number) => void;
  /** The check ended (`intact` or `damaged`). */
  readonly finished: (state: VaultIntegrityState) => void;
  /** The check could not run at all (the file could not be read): logged, then reported as stopped. */
  readonly failed: (error: unknown) => void;
  readonly pagesPerStep?: number;
}

interface Run {
  stopped: boolean;
  checkedPages: number;
  readonly totalPages: number;
  readonly startedAt: string;
}

export class IntegrityMonitor {
  readonly #options: IntegrityMonitorOptions;
  #run: Run | null = null;
  #state: VaultIntegrityState = 'not-run';
  #finishedAt: string | null = null;
  #last: { checkedPages: number; totalPages: number; startedAt: string | null } = { checkedPages: 0, totalPages: 0, startedAt: null };
  /** Resolves when the current run has ended (for tests and shutdown). */
  #done: Promise<void> = Promise.resolve();

  constructor(options: IntegrityMonitorOptions) {
    this.#options = options;
  }

  /** Starts checking `target` (stopping any check under way). */
  start(target: IntegrityTarget): void {
    this.stop();
    const run: Run = { stopped: false, checkedPages: 0, totalPages: target.pageCount, startedAt: this.#options.now().toISOString() };
    this.#run = run;
    this.#state = 'checking';
    this.#finishedAt = null;
    // Copied now, while the key is certainly open: the session zeroes it when the vault closes.
    const key = Buffer.from(target.key);
    let hmacKey: Buffer = Buffer.alloc(0);
    this.#done = (async () => {
      try {
        // Through the held descriptor: opening and closing the vault here would drop SQLite's locks (held-files.ts).
        const file = heldReader(target.path);
        const firstPage = Buffer.alloc(16);
        await file.read(firstPage, 0, firstPage.length, 0);
        if (run.stopped) return;
        hmacKey = pageHmacKey(key, firstPage);
        key.fill(0);
        const damaged = await this.#check(run, file, target, hmacKey);
        if (run.stopped) return;
        this.#end(run, damaged === null ? 'intact' : 'damaged');
        if (damaged !== null) this.#options.damaged(damaged);
        this.#options.finished(this.#state);
      } catch (error) {
        if (run.stopped) return;
        this.#end(run, 'stopped');
        this.#options.failed(error);
      } finally {
        key.fill(0);
        hmacKey.fill(0);
      }
    })();
  }

  /** Stops the check under way, if any (lock, sign-out, a key rotation). */
  stop(): void {
    const run = this.#run;
    if (!run) return;
    run.stopped = true;
    this.#end(run, 'stopped');
  }

  /** Resolves when the current check has ended. */
  settled(): Promise<void> {
    return this.#done;
  }

  status(): VaultIntegrityView {
    const run = this.#run;
    const figures = run ? { checkedPages: run.checkedPages, totalPages: run.totalPages, startedAt: run.startedAt } : this.#last;
    return { state: this.#state, ...figures, finishedAt: this.#finishedAt, message: this.#state === 'damaged' ? DAMAGED_MESSAGE : null };
  }

  /** The first page that still fails after being read again, or null when every page is intact. */
  async #check(run: Run, file: PageReader, target: IntegrityTarget, hmacKey: Buffer): Promise<number | null> {
    const step = this.#options.pagesPerStep ?? PAGES_PER_STEP;
    const buffer = Buffer.alloc(step * target.pageSize);
    for (let first = 1; first <= run.totalPages; first += step) {
      const count = Math.min(step, run.totalPages - first + 1);
      const bytes = await readPages(file, buffer, first, count, target.pageSize);
      if (run.stopped) return null;
      const failing = firstDamagedPage(hmacKey, bytes, first, target.pageSize);
      if (failing !== null) {
        if (await this.#stillDamaged(run, file, target, hmacKey, failing)) return failing;
        if (run.stopped) return null;
        // That page was caught mid-write; the rest of this step is checked again as a whole.
        const again = firstDamagedPage(hmacKey, await readPages(file, buffer, first, count, target.pageSize), first, target.pageSize);
        if (again !== null && (await this.#stillDamaged(run, file, target, hmacKey, again))) return again;
      }
      run.checkedPages = first + count - 1;
    }
    return null;
  }

  async #stillDamaged(run: Run, file: PageReader, target: IntegrityTarget, hmacKey: Buffer, pageNumber: number): Promise<boolean> {
    const page = Buffer.alloc(target.pageSize);
    for (let attempt = 0; attempt < CONFIRMING_READS; attempt++) {
      if (run.stopped) return false;
      try {
        target.settle();
      } catch {
        // A checkpoint refused (busy, locked): the read again still tells.
      }
      const bytes = await readPages(file, page, pageNumber, 1, target.pageSize);
      if (firstDamagedPage(hmacKey, bytes, pageNumber, target.pageSize) === null) return false;
    }
    return true;
  }

  #end(run: Run, state: VaultIntegrityState): void {
    if (this.#run !== run) return;
    this.#run = null;
    this.#state = state;
    this.#finishedAt = this.#options.now().toISOString();
    this.#last = { checkedPages: run.checkedPages, totalPages: run.totalPages, startedAt: run.startedAt };
  }
}

type PageReader = ReturnType<typeof heldReader>;

async function readPages(file: PageReader, buffer: Buffer, first: number, count: number, pageSize: number): Promise<Buffer> {
  const { bytesRead } = await file.read(buffer, 0, count * pageSize, (first - 1) * pageSize);
  return buffer.subarray(0, bytesRead);
}
