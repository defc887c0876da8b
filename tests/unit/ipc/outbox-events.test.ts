import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HostEvent } from '../../../shared/ipc/events';
import { HostEventSchema } from '../../../shared/ipc/events';
import type { OutboxItem, OutboxStore } from '../../../main/epr/outbox';
import { OUTBOX_EVENT_COALESCE_MS, OutboxChanges } from '../../../main/events';

afterEach(() => vi.useRealTimers());

function store(saved: string[], fail = false): OutboxStore {
  return {
    load: async () => undefined,
    unfinished: async () => [],
    identifierSearchProven: async () => true,
    recordIdentifierSearch: async () => undefined,
    save: async (item) => {
      if (fail) throw new Error('disk full');
      saved.push(item.identifier);
    },
  };
}

const item = (identifier: string) => ({ identifier }) as OutboxItem;

describe('outbox.changed events', () => {
  it('are pushed after each save, a burst of changes as one event naming each item once', async () => {
    vi.useFakeTimers();
    const events: HostEvent[] = [];
    const changes = new OutboxChanges((event) => events.push(event));
    const saved: string[] = [];
    const watched = changes.watch(store(saved));
    await watched.save(item('urn:uuid:a'));
    await watched.save(item('urn:uuid:b'));
    await watched.save(item('urn:uuid:a'));
    expect(saved).toEqual(['urn:uuid:a', 'urn:uuid:b', 'urn:uuid:a']);
    expect(events).toEqual([]);
    vi.advanceTimersByTime(OUTBOX_EVENT_COALESCE_MS);
    expect(events).toEqual([{ type: 'outbox.changed', identifiers: ['urn:uuid:a', 'urn:uuid:b'] }]);
    expect(HostEventSchema.safeParse(events[0]).success).toBe(true);
    await watched.save(item('urn:uuid:c'));
    changes.flush();
    expect(events.at(-1)).toEqual({ type: 'outbox.changed', identifiers: ['urn:uuid:c'] });
  });

  it('say nothing about a save that failed', async () => {
    vi.useFakeTimers();
    const events: HostEvent[] = [];
    const changes = new OutboxChanges((event) => events.push(event));
    await expect(changes.watch(store([], true)).save(item('urn:uuid:a'))).rejects.toThrow('disk full');
    vi.advanceTimersByTime(OUTBOX_EVENT_COALESCE_MS * 2);
    expect(events).toEqual([]);
  });
});
