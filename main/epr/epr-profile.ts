/**
 * What one EPR can do, as filing needs to know it: discovered from its CapabilityStatement, then
 * overridden field by field by an administrator who knows better (a statement that lists
 * transactions the server refuses, or a server that drops `identifier`). Pure: no I/O.
 */
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import type { z } from 'zod';
import { EprProfileOverridesSchema } from '../../shared/ipc/contract';

export { EprProfileOverridesSchema };

export interface EprProfile {
  /** One transaction (DocumentReference + Provenance), or two creates. */
  readonly write: 'transaction' | 'individual';
  /** `If-None-Exist` on the DocumentReference create (and the Provenance's, on its target). */
  readonly conditionalCreate: boolean;
  /** Whether Provenance can be created; if not it is kept in the vault and the audit trail. */
  readonly provenance: 'create' | 'keep-locally';
  /** Whether DocumentReference can be searched by `identifier` (what makes a resend safe). */
  readonly identifierSearch: boolean;
  /**
   * What the server keeps of our identifier: both `identifier` and `masterIdentifier`, only
   * `masterIdentifier`, only `identifier`, or neither (then only the server id kept from the
   * create finds it).
   */
  readonly identifier: 'kept' | 'master-only' | 'identifier-only' | 'dropped';
  /**
   * The server creates a DocumentReference on a PUT to an id we choose (`updateCreate`): the
   * document is written to an id derived from the note's identifier, so a repeated write is the
   * same resource, never a second one, however late an earlier write lands.
   */
  readonly updateCreate: boolean;
  /**
   * After a push whose outcome is unknown (no answer, a timeout, a 5xx or gateway page), how long
   * to wait before searching for it and sending again: a server may still be committing a write
   * the client gave up on, and a search that runs first finds nothing. Undefined: the default,
   * `resendSettleDelayMs`.
   */
  readonly resendSettleMs?: number;
  /** Send `fhirVersion=4.0` in the media type. */
  readonly fhirVersionParameter: boolean;
  /** POST transactions to `[base]` or `[base]/`. */
  readonly transactionPath: 'base' | 'base-slash';
  /** The EPR asks for a LOINC document code as well as the SNOMED CT one (set by an administrator; no statement says so). */
  readonly documentTypeLoinc?: boolean;
  /**
   * Practitioner can be searched by identifier: the attester and transcriber are then named by
   * the EPR's own `Practitioner/{id}` where it holds exactly one with their identifier.
   */
  readonly practitionerSearch?: boolean;
}

/** The administrator's corrections (the contract's schema: the settings screen edits them). */
export type EprProfileOverrides = z.infer<typeof EprProfileOverridesSchema>;

/**
 * With no CapabilityStatement, assume the least: two creates, no conditional create. Provenance
 * and identifier search are tried (a refusal or an ignored parameter is recognised when seen).
 */
export const ASSUMED_PROFILE: EprProfile = {
  write: 'individual',
  conditionalCreate: false,
  provenance: 'create',
  identifierSearch: true,
  identifier: 'kept',
  fhirVersionParameter: false,
  transactionPath: 'base',
  updateCreate: false,
};

/** The settle window when the profile sets none: two minutes, and never less than the request timeout. */
export const DEFAULT_RESEND_SETTLE_MS = 120_000;

export function resendSettleDelayMs(profile: Pick<EprProfile, 'resendSettleMs'>, requestTimeoutMs: number): number {
  return profile.resendSettleMs ?? Math.max(DEFAULT_RESEND_SETTLE_MS, requestTimeoutMs);
}

/** Reads what a CapabilityStatement says filing may rely on; undefined (none) gives the assumed profile. */
export function discoverProfile(statement: CapabilityStatement | undefined, fhirVersionParameter = false): EprProfile {
  if (!statement) return { ...ASSUMED_PROFILE, fhirVersionParameter };
  const rest = statement.rest?.find((entry) => entry.mode === 'server');
  const resource = (type: string): CapabilityStatementRestResource | undefined => rest?.resource?.find((entry) => entry.type === type);
  const documentReference = resource('DocumentReference');
  const provenance = resource('Provenance');
  const canCreate = (entry: CapabilityStatementRestResource | undefined) => entry?.interaction?.some((interaction) => interaction.code === 'create') ?? false;
  const provenanceCreate = canCreate(provenance);
  const transaction = rest?.interaction?.some((interaction) => interaction.code === 'transaction') ?? false;
  // A statement that lists search parameters but not `identifier` says it cannot be searched so.
  const searchParams = documentReference?.searchParam;
  return {
    write: transaction && provenanceCreate ? 'transaction' : 'individual',
    conditionalCreate: documentReference?.conditionalCreate === true,
    provenance: provenanceCreate ? 'create' : 'keep-locally',
    identifierSearch: searchParams === undefined || searchParams.some((param) => param.name === 'identifier'),
    identifier: 'kept',
    fhirVersionParameter,
    transactionPath: 'base',
    practitionerSearch: resource('Practitioner')?.searchParam?.some((param) => param.name === 'identifier') ?? false,
    // Only a statement that says so: a PUT to a new id on a server without it is refused or, worse, lands elsewhere.
    updateCreate: documentReference?.updateCreate === true && (documentReference.interaction?.some((interaction) => interaction.code === 'update') ?? false),
  };
}

export function applyOverrides(discovered: EprProfile, overrides: EprProfileOverrides | undefined): EprProfile {
  return { ...discovered, ...(overrides ?? {}) };
}

/** A short description for the connection test. */
export function describeProfile(profile: EprProfile): string {
  const parts = [
    profile.write === 'transaction' ? 'one transaction per note' : 'two creates per note',
    profile.conditionalCreate ? 'conditional create on the identifier' : 'no conditional create',
    profile.provenance === 'create' ? 'Provenance filed' : 'Provenance kept locally (the EPR cannot take it)',
    profile.identifierSearch ? 'searched by identifier before any resend' : 'cannot be searched by identifier',
  ];
  if (profile.updateCreate) parts.push('written with our own id (a resend is the same document)');
  if (profile.fhirVersionParameter) parts.push('fhirVersion=4.0 in the media type');
  if (profile.documentTypeLoinc) parts.push('a LOINC document code as well as the SNOMED CT one');
  if (profile.practitionerSearch) parts.push('staff named by the EPR’s own Practitioner record where it holds one');
  return parts.join('; ');
}
