import type { HostEvent } from '../shared/ipc/events';
import type { OutboxStore } from './epr/outbox';

/** Fan-out of events from services to whichever host window is listening. */
export class EventHub {
  readonly #listeners = new Set<(event: HostEvent) => void>();

  subscribe(listener: (event: HostEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: HostEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

/** How long outbox changes are gathered into one event: a filing passes several states in a second. */
export const OUTBOX_EVENT_COALESCE_MS = 50;

/**
 * Pushes `outbox.changed` instead of the renderer polling: each saved state (queued, sending,
 * filed, verified, failed, retried) is reported, changes within OUTBOX_EVENT_COALESCE_MS going
 * out as one event naming every item that changed. Carries identifiers only, no patient data.
 */
export class OutboxChanges {
  readonly #emit: (event: HostEvent) => void;
  readonly #pending = new Set<string>();
  #timer: NodeJS.Timeout | null = null;

  constructor(emit: (event: HostEvent) => void) {
    this.#emit = emit;
  }

  changed(identifier: string): void {
    this.#pending.add(identifier);
    if (this.#timer) return;
    this.#timer = setTimeout(() => this.flush(), OUTBOX_EVENT_COALESCE_MS);
    this.#timer.unref?.();
  }

  /** Sends what is gathered now (also at lock, so nothing is reported into the next session late). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#pending.size === 0) return;
    const identifiers = [...this.#pending];
    this.#pending.clear();
    this.#emit({ type: 'outbox.changed', identifiers });
  }

  /** The same store, reporting each save once it has returned (it is on disk by then). */
  watch(store: OutboxStore): OutboxStore {
    return {
      ...store,
      save: async (...args: Parameters<OutboxStore['save']>) => {
        await store.save(...args);
        this.changed(args[0].identifier);
      },
    };
  }
}
