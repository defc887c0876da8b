import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import { DOCUMENT_TYPES, type DocumentTypeChoice } from '../../shared/domain/transcription';
import { WardscribeError } from '../errors';
import type { SessionService } from '../session/session-service';
import { readSetting, writeSetting } from '../vault/queries/settings';
import { createEprConnection, type EprConnection } from './fhir-client';
import type { TrainingEpr } from './training-epr';

/** Vault settings keys. Secrets (bearer token, SMART private key) live only inside the encrypted vault. */
export const EPR_CONNECTION_SETTING = 'epr.connection';
export const ODS_CODE_SETTING = 'epr.organisationOdsCode';
export const DOCUMENT_TYPE_SETTING = 'epr.documentType';

const REQUEST_TIMEOUT_MS = 15_000;

const LiveAuthSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({ kind: z.literal('bearer'), token: z.string().min(1) }),
  z.object({
    kind: z.literal('smart-backend'),
    tokenUrl: z.string().url(),
    clientId: z.string().min(1),
    keyId: z.string().min(1),
    algorithm: z.enum(['RS384', 'ES384']),
    scope: z.string().min(1),
    privateKeyPem: z.string().min(1),
  }),
]);

export const StoredEprConnectionSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('training') }),
  z.object({ mode: z.literal('live'), baseUrl: z.string().url(), auth: LiveAuthSchema }),
]);
export type StoredEprConnection = z.infer<typeof StoredEprConnectionSchema>;

/** What the settings screen shows: everything but the secrets, which it can only replace. */
export interface EprSettingsView {
  readonly mode: 'training' | 'live';
  readonly baseUrl: string;
  readonly authKind: 'none' | 'bearer' | 'smart-backend';
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly keyId: string;
  readonly algorithm: 'RS384' | 'ES384';
  readonly scope: string;
  /** A token or private key is stored. */
  readonly hasSecret: boolean;
  readonly odsCode: string;
  readonly documentType: DocumentTypeChoice;
}

export interface EprSettingsUpdate {
  readonly mode: 'training' | 'live';
  readonly baseUrl?: string;
  readonly authKind?: 'none' | 'bearer' | 'smart-backend';
  readonly tokenUrl?: string;
  readonly clientId?: string;
  readonly keyId?: string;
  readonly algorithm?: 'RS384' | 'ES384';
  readonly scope?: string;
  /** A new bearer token or PEM private key; empty keeps the stored one. */
  readonly secret?: string;
  readonly odsCode: string;
  readonly documentType: DocumentTypeChoice;
}

/**
 * Where transcriptions are filed: the embedded training EPR (the default) or a live EPR with
 * its authentication. An administrator changes it; filing picks it up at the next sign-in.
 */
export class EprSettingsService {
  constructor(
    private readonly session: SessionService,
    private readonly training: TrainingEpr,
    private readonly defaultOdsCode: string,
  ) {}

  stored(): StoredEprConnection {
    const parsed = StoredEprConnectionSchema.safeParse(readSetting(this.session.vault().db, EPR_CONNECTION_SETTING));
    return parsed.success ? parsed.data : { mode: 'training' };
  }

  view(): EprSettingsView {
    const stored = this.stored();
    const db = this.session.vault().db;
    const odsCode = readSetting(db, ODS_CODE_SETTING);
    const documentType = readSetting(db, DOCUMENT_TYPE_SETTING);
    const auth = stored.mode === 'live' ? stored.auth : ({ kind: 'none' } as const);
    return {
      mode: stored.mode,
      baseUrl: stored.mode === 'live' ? stored.baseUrl : '',
      authKind: auth.kind,
      tokenUrl: auth.kind === 'smart-backend' ? auth.tokenUrl : '',
      clientId: auth.kind === 'smart-backend' ? auth.clientId : '',
      keyId: auth.kind === 'smart-backend' ? auth.keyId : '',
      algorithm: auth.kind === 'smart-backend' ? auth.algorithm : 'RS384',
      scope: auth.kind === 'smart-backend' ? auth.scope : 'system/DocumentReference.c system/DocumentReference.r system/Provenance.c',
      hasSecret: auth.kind === 'bearer' || auth.kind === 'smart-backend',
      odsCode: typeof odsCode === 'string' ? odsCode : this.defaultOdsCode,
      documentType: typeof documentType === 'string' && documentType in DOCUMENT_TYPES ? (documentType as DocumentTypeChoice) : 'clinical-consultation-report',
    };
  }

  /** Saves new settings (admin). A blank secret keeps the stored one of the same kind. */
  update(input: EprSettingsUpdate): EprSettingsView {
    const { log, actor } = this.session.audit();
    const db = this.session.vault().db;
    const next = this.#build(input);
    if (!/^[A-Z0-9]{3,10}$/.test(input.odsCode)) throw new WardscribeError('rejected', 'An ODS code is 3 to 10 capital letters or digits.');
    if (next.mode === 'live' && input.odsCode === this.defaultOdsCode) {
      throw new WardscribeError('rejected', "Enter your organisation's ODS code: the training code cannot go into a live record.");
    }
    const now = new Date();
    db.transaction(() => {
      writeSetting(db, EPR_CONNECTION_SETTING, next, actor.userId, now);
      writeSetting(db, ODS_CODE_SETTING, input.odsCode, actor.userId, now);
      writeSetting(db, DOCUMENT_TYPE_SETTING, input.documentType, actor.userId, now);
      // Values are not recorded: the connection setting can hold a secret.
      log.record({ action: 'setting-changed', actor, objects: { setting: EPR_CONNECTION_SETTING }, outcome: { status: 'success', reason: `mode-${next.mode}` } });
    })();
    return this.view();
  }

  /** Reads the EPR's CapabilityStatement with the stored settings: proves the URL and credentials work. */
  async testConnection(): Promise<{ ok: boolean; message: string }> {
    try {
      const capabilities = await (await this.connection()).capabilities();
      const how = capabilities.transaction ? 'transaction bundles' : capabilities.conditionalCreate ? 'conditional creates' : 'plain creates (no idempotency support)';
      return { ok: true, message: `Connected. The EPR will be sent ${how}.` };
    } catch (error) {
      return { ok: false, message: `Could not read the EPR's capability statement (${(error as Error).message}).` };
    }
  }

  /** The connection filing uses now. */
  async connection(): Promise<EprConnection> {
    const stored = this.stored();
    if (stored.mode === 'training') return this.training.connection();
    const auth = stored.auth;
    return createEprConnection({
      baseUrl: stored.baseUrl,
      auth:
        auth.kind === 'smart-backend'
          ? { kind: 'smart-backend', tokenUrl: auth.tokenUrl, clientId: auth.clientId, keyId: auth.keyId, algorithm: auth.algorithm, scope: auth.scope, privateKey: auth.privateKeyPem }
          : auth,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      clock: { now: () => Date.now() },
    });
  }

  #build(input: EprSettingsUpdate): StoredEprConnection {
    if (input.mode === 'training') return { mode: 'training' };
    const previous = this.stored();
    const previousAuth = previous.mode === 'live' ? previous.auth : null;
    const secret = input.secret?.trim() ?? '';
    const kind = input.authKind ?? 'none';
    let auth: z.infer<typeof LiveAuthSchema>;
    if (kind === 'none') auth = { kind };
    else if (kind === 'bearer') {
      const token = secret || (previousAuth?.kind === 'bearer' ? previousAuth.token : '');
      if (!token) throw new WardscribeError('rejected', 'Enter the bearer token the EPR issued.');
      auth = { kind, token };
    } else {
      const privateKeyPem = secret || (previousAuth?.kind === 'smart-backend' ? previousAuth.privateKeyPem : '');
      if (!privateKeyPem) throw new WardscribeError('rejected', 'Paste the private key (PEM) registered with the EPR.');
      try {
        createPrivateKey(privateKeyPem);
      } catch {
        throw new WardscribeError('rejected', 'The private key is not a PEM key Wardscribe can read.');
      }
      auth = {
        kind,
        tokenUrl: input.tokenUrl ?? '',
        clientId: input.clientId ?? '',
        keyId: input.keyId ?? '',
        algorithm: input.algorithm ?? 'RS384',
        scope: input.scope ?? '',
        privateKeyPem,
      };
    }
    const parsed = StoredEprConnectionSchema.safeParse({ mode: 'live', baseUrl: input.baseUrl ?? '', auth });
    if (!parsed.success) {
      throw new WardscribeError('rejected', `Check the EPR settings: ${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}.`);
    }
    return parsed.data;
  }
}
