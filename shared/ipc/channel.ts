import { z } from 'zod';
import type { Role } from '../domain/roles';

/**
 * Who may call a channel. `public` channels work before sign-in (status, sign-in itself);
 * `signed-in` needs any unlocked session; a list of roles needs one of them.
 */
export type Access = 'public' | 'signed-in' | readonly Role[];

/** Identifies one run of a long job so that progress events and cancel can refer to it. */
export const JobIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'job id must be 8-64 letters, digits, _ or -');

export interface ChannelSpec<Request extends z.ZodType = z.ZodType, Response extends z.ZodType = z.ZodType> {
  readonly request: Request;
  readonly response: Response;
  readonly access: Access;
  /**
   * A job is long work (import, export, wipe) that reports progress and can be cancelled.
   * Its request carries a `jobId` chosen by the renderer.
   */
  readonly job?: boolean;
  /**
   * Wider bounds than main's defaults on what the raw request may hold (items per list, text
   * length, values, depth), for the rare channel that needs them.
   */
  readonly limits?: Partial<{ arrayItems: number; stringLength: number; totalStringLength: number; values: number; depth: number }>;
}

/** Declares a channel; exists so that each entry in the contract keeps its precise types. */
export function channel<Request extends z.ZodType, Response extends z.ZodType>(
  spec: ChannelSpec<Request, Response>,
): ChannelSpec<Request, Response> {
  return spec;
}

/** A contract is a two-level map: namespace → method → channel. */
export type ContractShape = Readonly<Record<string, Readonly<Record<string, ChannelSpec>>>>;

/** The string a channel travels under between processes, e.g. `wardscribe:app.status`. */
export function channelName(namespace: string, method: string): string {
  return `wardscribe:${namespace}.${method}`;
}

/** Every channel in a contract, as [namespace, method, spec]. */
export function listChannels(contract: ContractShape): { namespace: string; method: string; spec: ChannelSpec }[] {
  return Object.entries(contract).flatMap(([namespace, methods]) =>
    Object.entries(methods).map(([method, spec]) => ({ namespace, method, spec })),
  );
}
