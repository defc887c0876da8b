/**
 * Every persisted workstation setting, declared once: its key, schema, default and who may change
 * it. Reading gives the typed value (the default when absent or no longer valid); writing checks
 * the schema and the writer's role, and records `setting-changed` (the key, never the value: the
 * EPR connection holds secrets).
 */
import { z } from 'zod';
import { DEFAULT_DOCUMENT_TYPE } from '../../shared/domain/document-types';
import { DocumentTypeSchema, PracticeSettingSchema, type PracticeSetting } from '../../shared/domain/transcription';
import type { Role } from '../../shared/domain/roles';
import type { AuditActor } from '../../shared/domain/audit';
import type { AuditLog } from '../audit/audit-log';
import { EprProfileOverridesSchema } from '../epr/epr-profile';
import { SIGNING_ALGORITHMS } from '../epr/smart-auth';
import { WardscribeError } from '../errors';
import { readSetting, writeSetting } from '../vault/queries/settings';
import { openSettingSecrets, sealSettingSecrets } from './sealed-secrets';
import type { Db } from '../vault/sqlcipher';

/** Plain http is allowed only to this machine (the training EPR, a test server); live EPRs use https. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === '[::1]' || hostname === '::1' || hostname === 'localhost';
}

function parsedUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

const SecureUrl = z
  .string()
  .url()
  .refine((value) => {
    const url = parsedUrl(value);
    return !url || url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  }, 'must use https:// (plain http only to this computer)')
  .refine((value) => !parsedUrl(value)?.username && !parsedUrl(value)?.password, 'must not carry a user name or password');

const LiveAuthSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({ kind: z.literal('bearer'), token: z.string().min(1) }),
  z.object({
    kind: z.literal('smart-backend'),
    tokenUrl: SecureUrl,
    clientId: z.string().min(1),
    keyId: z.string().min(1),
    algorithm: z.enum(SIGNING_ALGORITHMS),
    scope: z.string().min(1),
    privateKeyPem: z.string().min(1),
  }),
]);

export const StoredEprConnectionSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('training') }),
  z.object({
    mode: z.literal('live'),
    baseUrl: SecureUrl,
    auth: LiveAuthSchema,
    /** The administrator's corrections to what the EPR's CapabilityStatement says. */
    profile: EprProfileOverridesSchema.default({}),
  }),
]);
export type StoredEprConnection = z.infer<typeof StoredEprConnectionSchema>;

/**
 * NHS England's PDS FHIR API: not used, used instead of the EPR to find the patient, or as well
 * (both must agree; the EPR's record is the one filed against). Application-restricted access is
 * the signed-JWT flow (smart-backend); bearer and none are for test and integration environments.
 */
export const StoredPdsConnectionSchema = z.discriminatedUnion('use', [
  z.object({ use: z.literal('off') }),
  z.object({ use: z.enum(['instead', 'also']), baseUrl: SecureUrl, auth: LiveAuthSchema }),
]);
export type StoredPdsConnection = z.infer<typeof StoredPdsConnectionSchema>;
export type LiveAuth = z.infer<typeof LiveAuthSchema>;

interface SettingDefinition<T> {
  readonly schema: z.ZodType<T>;
  readonly default: T;
  /** Who may change it. */
  readonly writers: readonly Role[];
}

function setting<T>(definition: SettingDefinition<T>): SettingDefinition<T> {
  return definition;
}

/** The registry. Add a key here, nowhere else. */
export const SETTINGS = {
  /** Minutes of inactivity before the vault locks. */
  'session.idleLockMinutes': setting<number>({ schema: z.number().min(0.1).max(120), default: 5, writers: ['admin'] }),
  /** Hours after the last verification before a fully filed thread is wiped automatically; null: never. */
  'wipe.retentionHours': setting<number | null>({ schema: z.number().min(1).max(24 * 365).nullable(), default: null, writers: ['admin'] }),
  /** Where filing goes: the training EPR, or a live EPR with its credentials (secrets stay in the vault). */
  'epr.connection': setting<StoredEprConnection>({ schema: StoredEprConnectionSchema, default: { mode: 'training' }, writers: ['admin'] }),
  /** The organisation filed as custodian; null: the workstation default (the training code). */
  'epr.organisationOdsCode': setting<string | null>({ schema: z.string().regex(/^[A-Z0-9]{3,10}$/).nullable(), default: null, writers: ['admin'] }),
  /** Whether patients are looked up in PDS too (credentials sealed as the EPR's are). */
  'epr.pds': setting<StoredPdsConnection>({ schema: StoredPdsConnectionSchema, default: { use: 'off' }, writers: ['admin'] }),
  /**
   * The Trust's own identifier system for its staff (a URI it owns, e.g. its directory's), under
   * which a user with no SDS user ID or registration is identified by their username; null: such
   * a user is named only. Never a namespace Wardscribe would have to own (issue #15).
   */
  'staff.localIdentifierSystem': setting<string | null>({
    schema: z
      .string()
      .url()
      .refine((value) => !/^https?:\/\/([^/]*\.)?wardscribe\./i.test(value), 'must be a system the Trust owns, not one named after Wardscribe')
      // A national system (SDS user ID, NHS number, GMC…) would file a username as someone's national identifier.
      .refine((value) => !/^https?:\/\/fhir\.(nhs|hl7\.org)\.uk\/Id\//i.test(value), 'must be a system the Trust owns, not a national one such as the SDS user ID')
      .nullable(),
    default: null,
    writers: ['admin'],
  }),
  /**
   * The document type a new transcription starts with (the clinician may choose another): a SNOMED
   * CT member of UKCore-DocumentType that the picker offers, or a key set before the picker.
   */
  'epr.documentType': setting<string>({
    schema: DocumentTypeSchema,
    default: DEFAULT_DOCUMENT_TYPE,
    writers: ['admin'],
  }),
  /** The care setting notes are filed from (`context.practiceSetting`); null: none sent. */
  'epr.practiceSetting': setting<PracticeSetting | null>({
    schema: PracticeSettingSchema.nullable(),
    default: null,
    writers: ['admin'],
  }),
} as const;

export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = (typeof SETTINGS)[K] extends SettingDefinition<infer T> ? T : never;

/** The setting's value, or its default when it was never set or no longer parses. */
export function getSetting<K extends SettingKey>(db: Db, key: K): SettingValue<K> {
  const definition = SETTINGS[key] as unknown as SettingDefinition<SettingValue<K>>;
  // Secrets are stored sealed by the workstation keystore (sealed-secrets.ts).
  const parsed = definition.schema.safeParse(openSettingSecrets(db, key, readSetting(db, key)));
  return parsed.success ? parsed.data : definition.default;
}

/**
 * Changes settings in one transaction, each checked against its schema and its writers, each
 * recorded in the audit trail by key. `values` are the new values, keyed by setting.
 */
export function setSettings(db: Db, log: AuditLog, writer: AuditActor, values: { readonly [K in SettingKey]?: SettingValue<K> }, now: Date, reason?: string): void {
  const entries = Object.entries(values) as [SettingKey, unknown][];
  for (const [key, value] of entries) {
    const definition = SETTINGS[key] as unknown as SettingDefinition<unknown>;
    if (!definition.writers.includes(writer.role)) throw new WardscribeError('forbidden', 'Only an administrator can change this setting.');
    const parsed = definition.schema.safeParse(value);
    if (!parsed.success) throw new WardscribeError('rejected', `The setting ${key} is not valid: ${parsed.error.issues.map((issue) => [issue.path.join('.'), issue.message].filter(Boolean).join(' ')).join('; ')}.`);
  }
  db.transaction(() => {
    for (const [key, value] of entries) {
      writeSetting(db, key, sealSettingSecrets(db, key, value), writer.userId, now);
      log.record({ action: 'setting-changed', actor: writer, objects: { setting: key }, outcome: { status: 'success', ...(reason ? { reason } : {}) } });
    }
  })();
}
