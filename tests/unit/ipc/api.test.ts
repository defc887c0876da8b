import { describe, expect, it, vi } from 'vitest';
import { buildApi } from '../../../shared/ipc/api';
import { channelName, listChannels } from '../../../shared/ipc/channel';
import { contract } from '../../../shared/ipc/contract';

describe('buildApi', () => {
  it('offers exactly one function per contract channel, plus events', async () => {
    const invoke = vi.fn(async () => ({ ok: true, value: null }));
    const api = buildApi(contract, invoke, () => () => {});
    const offered = Object.entries(api)
      .filter(([namespace]) => namespace !== 'events')
      .flatMap(([namespace, methods]) => Object.keys(methods).map((method) => `${namespace}.${method}`));
    expect(offered.sort()).toEqual(listChannels(contract).map(({ namespace, method }) => `${namespace}.${method}`).sort());
    await api.app.status({});
    // As JSON text: main bounds the text before parsing it (main/ipc/payload-bounds.ts).
    expect(invoke).toHaveBeenCalledWith(channelName('app', 'status'), '{}');
  });

  it('is frozen, so page scripts cannot replace a method', () => {
    const api = buildApi(contract, async () => null, () => () => {});
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.isFrozen(api.app)).toBe(true);
  });

  it('passes on only events that match the event schema', () => {
    let deliver: (event: unknown) => void = () => {};
    const api = buildApi(contract, async () => null, (listener) => {
      deliver = listener;
      return () => {};
    });
    const seen: unknown[] = [];
    api.events.subscribe((event) => seen.push(event));
    deliver({ type: 'session.locked', reason: 'idle' });
    deliver({ type: 'session.locked', reason: 'patient Jane Doe' });
    deliver({ type: 'unknown' });
    expect(seen).toEqual([{ type: 'session.locked', reason: 'idle' }]);
  });
});
