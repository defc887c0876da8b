import type { z } from 'zod';
import { channelName, type ContractShape } from './channel';
import { HostEventSchema, type HostEvent } from './events';
import type { Result } from './result';
import type { Contract } from './contract';

/**
 * Sends one request over whatever transport the host offers (ipcRenderer, a Playwright binding),
 * as JSON text: main bounds text by its length and one pass over it before parsing (a built
 * object can be bounded only by enumerating all of it: 0.7 s for a 2-million-key object).
 */
export type Invoke = (channel: string, request: string) => Promise<unknown>;

/** Calls `listener` with each event main pushes; returns a function that stops listening. */
export type Subscribe = (listener: (event: unknown) => void) => () => void;

type ApiOf<C extends ContractShape> = {
  readonly [Namespace in keyof C]: {
    readonly [Method in keyof C[Namespace]]: (
      request: z.input<C[Namespace][Method]['request']>,
    ) => Promise<Result<z.output<C[Namespace][Method]['response']>>>;
  };
};

/** `window.wardscribe`: one async function per channel, plus the event stream. */
export type WardscribeApi = ApiOf<Contract> & {
  readonly events: { readonly subscribe: (listener: (event: HostEvent) => void) => () => void };
};

/**
 * Builds `window.wardscribe` from the contract. Used by the Electron preload and by the
 * Chromium host's bridge, so both hosts expose exactly the same surface. Objects are frozen:
 * page scripts cannot swap a method for their own.
 */
export function buildApi(contract: ContractShape, invoke: Invoke, subscribe: Subscribe): WardscribeApi {
  const api: Record<string, unknown> = {};
  for (const [namespace, methods] of Object.entries(contract)) {
    const bound: Record<string, (request: unknown) => Promise<unknown>> = {};
    for (const method of Object.keys(methods)) {
      const name = channelName(namespace, method);
      bound[method] = (request: unknown) => invoke(name, JSON.stringify(request ?? {}));
    }
    api[namespace] = Object.freeze(bound);
  }
  api['events'] = Object.freeze({
    subscribe: (listener: (event: HostEvent) => void) =>
      subscribe((raw) => {
        const parsed = HostEventSchema.safeParse(raw);
        if (parsed.success) listener(parsed.data);
      }),
  });
  return Object.freeze(api) as WardscribeApi;
}
