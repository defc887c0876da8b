import { describe, expect, it } from 'vitest';
import { newestSearchOnly } from '../../../main/ipc/handlers/threads';
import type { Handlers } from '../../../main/ipc/registry';
import type { Contract } from '../../../shared/ipc/contract';

const context = { principal: null, signal: new AbortController().signal, progress: () => undefined };

describe('stale searches', () => {
  it('a search still waiting when a newer one arrives is answered cancelled; the newest runs', async () => {
    const ran: string[] = [];
    const handlers = {
      search: async ({ query }: { query: string }) => {
        ran.push(query);
        return [];
      },
    } as unknown as Handlers<Contract>['threads'];
    // The lease is busy (a wipe, say) until released.
    let release!: () => void;
    const busy = new Promise<void>((resolve) => (release = resolve));
    const run = async <T>(work: () => Promise<T>) => {
      await busy;
      return work();
    };
    const gated = newestSearchOnly(handlers, run);
    const request = (query: string) => ({ query, limit: 50, order: 'relevance' as const });
    const first = gated.search(request('hep'), context);
    const second = gated.search(request('hepa'), context);
    const third = gated.search(request('heparin'), context);
    release();
    await expect(first).rejects.toMatchObject({ code: 'cancelled' });
    await expect(second).rejects.toMatchObject({ code: 'cancelled' });
    await expect(third).resolves.toEqual([]);
    expect(ran).toEqual(['heparin']);
  });
});
