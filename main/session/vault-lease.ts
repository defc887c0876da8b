/**
 * The one concurrency model for the open vault: a readers-writer lease.
 *
 * - `shared`: imports, filing and reads. Any number at once.
 * - `exclusive`: wipe, key rotation, user and key-slot changes. Alone.
 *
 * Rules, chosen so that nothing waits for ever and nothing is starved:
 * - First come, first served. A shared request that arrives while an exclusive one waits queues
 *   behind it, so a stream of readers cannot starve a wipe.
 * - A wait may be bounded (`waitMs`): the request is then refused with the purposes of whoever
 *   holds the lease ("an import is running"), and leaves the queue, letting those behind it in.
 * - A lease is released when its work settles, whether it returned or threw.
 * - Nested use is re-entrant within one piece of work (tracked through AsyncLocalStorage): work
 *   holding the lease exclusively may call code that asks for it again in either mode, and
 *   shared work may ask for shared again. Shared work asking for exclusive is a programming
 *   error (it could never be granted) and throws at once rather than deadlocking.
 * - `revokeAll()` is what locking the vault does: locking must happen at once on a shared PC
 *   (idle, OS lock, suspend), so it does not wait for holders. Every waiter is refused; every
 *   holder's `signal` aborts and it stops counting as a holder; whatever it does afterwards is
 *   refused by the session, which asks `isLive(holder)` before handing out the vault. Nothing
 *   can be cut half-way: every vault write is one synchronous transaction.
 *
 * Pure logic: no I/O, no timers other than the bounded wait.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type LeaseMode = 'shared' | 'exclusive';

export interface LeaseRequest {
  /** What the work is, in a word or two ("import", "wipe"): named to whoever is refused. */
  readonly purpose: string;
  /** Longest wait before refusing; unbounded when absent. */
  readonly waitMs?: number;
}

/** Work holding the lease. */
export interface LeaseHolder {
  readonly mode: LeaseMode;
  readonly purpose: string;
  /** Aborts when the lease is revoked (the vault locked) while this work holds it. */
  readonly signal: AbortSignal;
}

/** Refused after waiting `waitMs`: `heldFor` says what the lease was busy with. */
export class LeaseBusyError extends Error {
  override readonly name = 'LeaseBusyError';
  constructor(readonly heldFor: readonly string[]) {
    super(`The vault is busy (${heldFor.join(', ') || 'queued work'}).`);
  }
}

/** Refused because the lease was revoked (the vault locked) before it was granted. */
export class LeaseRevokedError extends Error {
  override readonly name = 'LeaseRevokedError';
  constructor() {
    super('The vault was locked.');
  }
}

interface Holder extends LeaseHolder {
  readonly controller: AbortController;
  released: boolean;
  revoked: boolean;
}

interface Waiter {
  readonly mode: LeaseMode;
  readonly purpose: string;
  readonly grant: (holder: Holder) => void;
  readonly refuse: (error: Error) => void;
}

export class VaultLease {
  readonly #holders = new Set<Holder>();
  readonly #queue: Waiter[] = [];
  readonly #context = new AsyncLocalStorage<Holder>();

  /** Runs `work` holding the lease in `mode`; releases it when `work` settles. */
  async run<T>(mode: LeaseMode, request: LeaseRequest, work: (holder: LeaseHolder) => T | Promise<T>): Promise<T> {
    const current = this.#context.getStore();
    if (current && this.isLive(current)) {
      if (current.mode === 'exclusive' || mode === 'shared') return work(current);
      throw new Error(`Work holding the vault lease shared (${current.purpose}) asked for it exclusively (${request.purpose}).`);
    }
    const holder = await this.#acquire(mode, request);
    try {
      return await this.#context.run(holder, () => work(holder));
    } finally {
      this.#release(holder);
    }
  }

  /** The lease held by the work calling this, if any (still live or not). */
  current(): LeaseHolder | undefined {
    return this.#context.getStore();
  }

  /** False once the holder has released the lease or had it revoked. */
  isLive(holder: LeaseHolder): boolean {
    return this.#holders.has(holder as Holder);
  }

  /** True if the holder's lease was revoked (the vault locked under it), not simply released. */
  isRevoked(holder: LeaseHolder): boolean {
    return (holder as Holder).revoked === true;
  }

  /** Purposes of the work holding the lease now, for messages and tests. */
  heldFor(): string[] {
    return [...this.#holders].map((holder) => holder.purpose);
  }

  /** Number of requests waiting. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Locking: refuses every waiter, aborts and forgets every holder (see the module comment). */
  revokeAll(): void {
    for (const waiter of this.#queue.splice(0)) waiter.refuse(new LeaseRevokedError());
    const holders = [...this.#holders];
    this.#holders.clear();
    for (const holder of holders) {
      holder.revoked = true;
      holder.controller.abort(new LeaseRevokedError());
    }
  }

  #acquire(mode: LeaseMode, request: LeaseRequest): Promise<Holder> {
    if (this.#queue.length === 0 && this.#grantable(mode)) return Promise.resolve(this.#grant(mode, request.purpose));
    return new Promise<Holder>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      const waiter: Waiter = {
        mode,
        purpose: request.purpose,
        grant: (holder) => {
          if (timer) clearTimeout(timer);
          resolve(holder);
        },
        refuse: (error) => {
          if (timer) clearTimeout(timer);
          reject(error);
        },
      };
      this.#queue.push(waiter);
      if (request.waitMs !== undefined && Number.isFinite(request.waitMs)) {
        timer = setTimeout(() => {
          const at = this.#queue.indexOf(waiter);
          if (at < 0) return;
          this.#queue.splice(at, 1);
          reject(new LeaseBusyError(this.heldFor()));
          // Those queued behind a refused exclusive request may go in now.
          this.#drain();
        }, Math.max(0, request.waitMs));
        timer.unref?.();
      }
    });
  }

  #grantable(mode: LeaseMode): boolean {
    if (this.#holders.size === 0) return true;
    return mode === 'shared' && [...this.#holders].every((holder) => holder.mode === 'shared');
  }

  #grant(mode: LeaseMode, purpose: string): Holder {
    const controller = new AbortController();
    const holder: Holder = { mode, purpose, signal: controller.signal, controller, released: false, revoked: false };
    this.#holders.add(holder);
    return holder;
  }

  #release(holder: Holder): void {
    if (holder.released) return;
    holder.released = true;
    // A revoked holder was already forgotten; its release changes nothing.
    if (this.#holders.delete(holder)) this.#drain();
  }

  /** Grants the queue from its head while it can: a run of shared requests together, or one exclusive. */
  #drain(): void {
    while (this.#queue.length > 0 && this.#grantable(this.#queue[0]!.mode)) {
      const waiter = this.#queue.shift()!;
      waiter.grant(this.#grant(waiter.mode, waiter.purpose));
      if (waiter.mode === 'exclusive') return;
    }
  }
}

/**
 * The same object with each of its methods run through `run` (typically a lease): for a store
 * or a table of handlers whose every call should hold the vault lease.
 */
export function eachUnder<T extends object>(target: T, run: <R>(work: () => Promise<R>) => Promise<R>): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(target)) {
    wrapped[name] = typeof value === 'function' ? (...args: unknown[]) => run(async () => (value as (...a: unknown[]) => unknown).apply(target, args)) : value;
  }
  return wrapped as T;
}
