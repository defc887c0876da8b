import type { HostEvent } from '../shared/ipc/events';

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
