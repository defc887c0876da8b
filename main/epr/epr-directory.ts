/**
 * Which EPR an outbox item belongs to. Each item is bound, when attested, to the stable id of the
 * EPR configured then; the outbox files it there or nowhere, whatever the settings say later.
 *
 * Ids: `training` for the embedded training EPR; `live:` and the base URL (trimmed, no trailing
 * slash) for a live one, so changing its credentials keeps it the same EPR and switching back to
 * it picks its waiting items up again. Migration 0007 computes the same form in SQL.
 */
import type { EprProfileOverrides } from './epr-profile';
import type { EprConnection } from './fhir-client';

export const TRAINING_EPR_ID = 'training';
export const TRAINING_EPR_LABEL = 'Training EPR';

export function normaliseBaseUrl(baseUrl: string): string {
  return baseUrl.trim().replace(/\/+$/, '');
}

export function liveEprId(baseUrl: string): string {
  return `live:${normaliseBaseUrl(baseUrl)}`;
}

/** What the outbox calls a live EPR: its host and path, without credentials or query. */
export function liveEprLabel(baseUrl: string): string {
  try {
    const url = new URL(normaliseBaseUrl(baseUrl));
    return `${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return normaliseBaseUrl(baseUrl);
  }
}

/** An EPR filing can reach, with the administrator's corrections to what it says it supports. */
export interface EprEndpoint {
  readonly connection: EprConnection;
  readonly overrides?: EprProfileOverrides;
}

/** The EPR an item is bound to is not configured (any more): it waits, saying so. */
export class EprUnavailableError extends Error {
  override readonly name = 'EprUnavailableError';
}

export interface EprDirectory {
  /** The EPR a transcription attested now is bound to. */
  current(): { readonly eprId: string; readonly label: string };
  /** Connects to the EPR with this id; throws EprUnavailableError if it is not configured. */
  connect(eprId: string): Promise<EprEndpoint>;
}

/** A directory of one EPR, bound to every item attested through it (tests, and the training EPR alone). */
export function singleEprDirectory(connect: () => Promise<EprConnection>, eprId = TRAINING_EPR_ID, label = TRAINING_EPR_LABEL): EprDirectory {
  return {
    current: () => ({ eprId, label }),
    connect: async (wanted) => {
      if (wanted !== eprId) throw new EprUnavailableError(unavailableMessage(wanted));
      return { connection: await connect() };
    },
  };
}

export function unavailableMessage(eprId: string): string {
  return eprId === TRAINING_EPR_ID
    ? 'Waiting: this note was attested for the training EPR, which is not available.'
    : 'Waiting: the EPR this note was attested for is no longer configured. It will be sent there once an administrator configures that EPR again; it is never sent to another.';
}
