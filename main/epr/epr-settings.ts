import { createPrivateKey } from 'node:crypto';
import { currentDocumentType, isSnomedConceptId } from '../../shared/domain/document-types';
import type { PracticeSetting } from '../../shared/domain/transcription';
import { WardscribeError } from '../errors';
import type { SessionService } from '../session/session-service';
import { getSetting, isLoopbackHost, SETTINGS, setSettings, StoredEprConnectionSchema, type LiveAuth, type StoredEprConnection } from '../settings/registry';
import { EprUnavailableError, liveEprId, liveEprLabel, normaliseBaseUrl, TRAINING_EPR_ID, TRAINING_EPR_LABEL, unavailableMessage, type EprDirectory } from './epr-directory';
import { applyOverrides, describeProfile, discoverProfile, type EprProfileOverrides } from './epr-profile';
import { createEprConnection, EprRequestError, type EprConnection, type FetchLike } from './fhir-client';
import type { SigningAlgorithm } from './smart-auth';
import type { TrainingEpr } from './training-epr';

export type { StoredEprConnection } from '../settings/registry';

const REQUEST_TIMEOUT_MS = 15_000;

/** What the settings screen shows: everything but the secrets, which it can only replace. */
export interface EprSettingsView {
  readonly mode: 'training' | 'live';
  readonly baseUrl: string;
  readonly authKind: 'none' | 'bearer' | 'smart-backend';
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly keyId: string;
  readonly algorithm: SigningAlgorithm;
  readonly scope: string;
  /** A token or private key is stored. */
  readonly hasSecret: boolean;
  readonly odsCode: string;
  /** The document type new transcriptions start with (a SNOMED CT code the picker offers). */
  readonly documentType: string;
  /** settings: epr.practiceSetting. */
  readonly practiceSetting: PracticeSetting | null;
  /** The administrator's corrections to the EPR's CapabilityStatement (live EPRs only). */
  readonly profile: EprProfileOverrides;
  /** settings: staff.localIdentifierSystem, '' for none. */
  readonly staffIdentifierSystem: string;
}

export interface EprSettingsUpdate {
  readonly mode: 'training' | 'live';
  readonly baseUrl?: string;
  readonly authKind?: 'none' | 'bearer' | 'smart-backend';
  readonly tokenUrl?: string;
  readonly clientId?: string;
  readonly keyId?: string;
  readonly algorithm?: SigningAlgorithm;
  readonly scope?: string;
  /** A new bearer token or PEM private key; empty keeps the stored one. */
  readonly secret?: string;
  readonly odsCode: string;
  readonly documentType: string;
  /** The care setting notes are filed from: null clears it, absent leaves it. */
  readonly practiceSetting?: { readonly code: string; readonly display: string } | null;
  readonly profile?: EprProfileOverrides;
  /** The Trust's staff identifier system; '' clears it, absent leaves it. */
  readonly staffIdentifierSystem?: string;
}

export interface EprSettingsOptions {
  readonly session: SessionService;
  readonly training: TrainingEpr;
  readonly defaultOdsCode: string;
  /** The transport live EPRs are reached over (Electron's net.fetch in the app). */
  readonly fetch?: FetchLike;
  /** Called after the settings change (the outbox picks up items that were waiting for this EPR). */
  readonly onChange?: () => void;
}

/**
 * Where transcriptions are filed: the embedded training EPR (the default) or a live EPR with its
 * authentication and profile corrections. Each outbox item stays bound to the EPR it was attested
 * for: this service says which EPR new items go to, and connects to an item's EPR only while it
 * is the one configured (the training EPR is always available).
 */
export class EprSettingsService implements EprDirectory {
  readonly #options: EprSettingsOptions;
  /** One connection per live EPR configuration, so its token cache is shared by every item. */
  #live: { readonly key: string; readonly connection: Promise<EprConnection> } | undefined;

  constructor(options: EprSettingsOptions) {
    this.#options = options;
  }

  stored(): StoredEprConnection {
    return getSetting(this.#options.session.vault().db, 'epr.connection');
  }

  current(): { eprId: string; label: string } {
    const stored = this.stored();
    return stored.mode === 'training' ? { eprId: TRAINING_EPR_ID, label: TRAINING_EPR_LABEL } : { eprId: liveEprId(stored.baseUrl), label: liveEprLabel(stored.baseUrl) };
  }

  async connect(eprId: string): Promise<{ connection: EprConnection; overrides?: EprProfileOverrides }> {
    if (eprId === TRAINING_EPR_ID) return { connection: await this.#options.training.connection() };
    const stored = this.stored();
    if (stored.mode !== 'live' || liveEprId(stored.baseUrl) !== eprId) throw new EprUnavailableError(unavailableMessage(eprId));
    return { connection: await this.#liveConnection(stored), overrides: stored.profile };
  }

  /** The document type new transcriptions start with, as the picker offers it. */
  defaultDocumentType(): string {
    return currentDocumentType(getSetting(this.#options.session.vault().db, 'epr.documentType'));
  }

  view(): EprSettingsView {
    const stored = this.stored();
    const db = this.#options.session.vault().db;
    const auth: LiveAuth = stored.mode === 'live' ? stored.auth : { kind: 'none' };
    return {
      mode: stored.mode,
      baseUrl: stored.mode === 'live' ? stored.baseUrl : '',
      authKind: auth.kind,
      tokenUrl: auth.kind === 'smart-backend' ? auth.tokenUrl : '',
      clientId: auth.kind === 'smart-backend' ? auth.clientId : '',
      keyId: auth.kind === 'smart-backend' ? auth.keyId : '',
      algorithm: auth.kind === 'smart-backend' ? auth.algorithm : 'RS384',
      // What filing asks of the EPR (docs/deployment.md): corrections update a DocumentReference; patients and staff are read.
      scope: auth.kind === 'smart-backend' ? auth.scope : 'system/DocumentReference.c system/DocumentReference.r system/DocumentReference.u system/Provenance.c system/Patient.r',
      hasSecret: auth.kind === 'bearer' || auth.kind === 'smart-backend',
      odsCode: getSetting(db, 'epr.organisationOdsCode') ?? this.#options.defaultOdsCode,
      documentType: currentDocumentType(getSetting(db, 'epr.documentType')),
      practiceSetting: getSetting(db, 'epr.practiceSetting'),
      profile: stored.mode === 'live' ? stored.profile : {},
      staffIdentifierSystem: getSetting(db, 'staff.localIdentifierSystem') ?? '',
    };
  }

  /** Saves new settings (admin). A blank secret keeps the stored one of the same kind. */
  update(input: EprSettingsUpdate): EprSettingsView {
    const { session } = this.#options;
    const { log, actor } = session.audit();
    const next = this.#build(input);
    if (!/^[A-Z0-9]{3,10}$/.test(input.odsCode)) throw new WardscribeError('rejected', 'An ODS code is 3 to 10 capital letters or digits.', { field: 'odsCode' });
    if (next.mode === 'live' && input.odsCode === this.#options.defaultOdsCode) {
      throw new WardscribeError('rejected', "Enter your organisation's ODS code: the training code cannot go into a live record.", { field: 'odsCode' });
    }
    const staffSystem = input.staffIdentifierSystem === undefined ? undefined : input.staffIdentifierSystem.trim() || null;
    // Said here in words, naming the field (the registry's own message names the setting's key).
    if (staffSystem && !SETTINGS['staff.localIdentifierSystem'].schema.safeParse(staffSystem).success) {
      throw new WardscribeError(
        'rejected',
        'The staff identifier system must be a web address your Trust owns, such as https://www.example-trust.nhs.uk/Id/staff-number: not a national system (SDS user ID, NHS number, GMC) and not one named after Wardscribe.',
        { field: 'staffIdentifierSystem' },
      );
    }
    const practiceSetting = input.practiceSetting === undefined ? undefined : checkedPracticeSetting(input.practiceSetting);
    setSettings(
      session.vault().db,
      log,
      actor,
      {
        'epr.organisationOdsCode': input.odsCode,
        'epr.documentType': input.documentType,
        'epr.connection': next,
        ...(staffSystem === undefined ? {} : { 'staff.localIdentifierSystem': staffSystem }),
        ...(practiceSetting === undefined ? {} : { 'epr.practiceSetting': practiceSetting }),
      },
      new Date(),
      `mode-${next.mode}`,
    );
    this.#live = undefined;
    this.#options.onChange?.();
    return this.view();
  }

  /** Reads the EPR's CapabilityStatement with the stored settings: proves the URL and credentials work, and says how it will be filed. */
  async testConnection(): Promise<{ ok: boolean; message: string }> {
    try {
      const { connection, overrides } = await this.connect(this.current().eprId);
      let fhirVersionParameter = overrides?.fhirVersionParameter ?? false;
      connection.configure({ fhirVersionParameter, transactionPath: overrides?.transactionPath ?? 'base' });
      let statement;
      try {
        statement = await connection.capabilityStatement();
      } catch (error) {
        if (!(error instanceof EprRequestError) || (error.status !== 406 && error.status !== 415) || fhirVersionParameter) throw error;
        fhirVersionParameter = true;
        connection.configure({ fhirVersionParameter, transactionPath: overrides?.transactionPath ?? 'base' });
        statement = await connection.capabilityStatement();
      }
      const profile = applyOverrides(discoverProfile(statement, fhirVersionParameter), overrides);
      const found = statement ? 'Connected.' : 'Connected, but the EPR has no CapabilityStatement, so Wardscribe assumes the least.';
      return { ok: true, message: `${found} Filing: ${describeProfile(profile)}.` };
    } catch (error) {
      const reason = error instanceof EprRequestError ? (error.serverReason ?? error.message) : (error as Error).message;
      return { ok: false, message: `Could not read the EPR's capability statement (${reason}).` };
    }
  }

  #liveConnection(stored: Extract<StoredEprConnection, { mode: 'live' }>): Promise<EprConnection> {
    const key = JSON.stringify(stored);
    if (this.#live?.key !== key) {
      // Checked again here, not only when saved: a live EPR is never reached over plain http.
      const base = new URL(stored.baseUrl);
      if (base.protocol !== 'https:' && !isLoopbackHost(base.hostname)) throw new EprUnavailableError('Waiting: the EPR address must use https://. An administrator must correct it.');
      const auth = stored.auth;
      const connection = createEprConnection({
        baseUrl: stored.baseUrl,
        auth:
          auth.kind === 'smart-backend'
            ? { kind: 'smart-backend', tokenUrl: auth.tokenUrl, clientId: auth.clientId, keyId: auth.keyId, algorithm: auth.algorithm, scope: auth.scope, privateKey: auth.privateKeyPem }
            : auth,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
        clock: { now: () => Date.now() },
        ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}),
      });
      this.#live = { key, connection };
    }
    return this.#live.connection;
  }

  #build(input: EprSettingsUpdate): StoredEprConnection {
    if (input.mode === 'training') return { mode: 'training' };
    const previous = this.stored();
    const previousAuth = previous.mode === 'live' ? previous.auth : null;
    const secret = input.secret?.trim() ?? '';
    const kind = input.authKind ?? 'none';
    let auth: LiveAuth;
    if (kind === 'none') auth = { kind };
    else if (kind === 'bearer') {
      const token = secret || (previousAuth?.kind === 'bearer' ? previousAuth.token : '');
      if (!token) throw new WardscribeError('rejected', 'Enter the bearer token the EPR issued.', { field: 'secret' });
      auth = { kind, token };
    } else {
      const privateKeyPem = secret || (previousAuth?.kind === 'smart-backend' ? previousAuth.privateKeyPem : '');
      if (!privateKeyPem) throw new WardscribeError('rejected', 'Paste the private key (PEM) registered with the EPR.', { field: 'secret' });
      try {
        createPrivateKey(privateKeyPem);
      } catch {
        throw new WardscribeError('rejected', 'The private key is not a PEM key Wardscribe can read.', { field: 'secret' });
      }
      auth = {
        kind,
        tokenUrl: input.tokenUrl?.trim() ?? '',
        clientId: input.clientId ?? '',
        keyId: input.keyId ?? '',
        algorithm: input.algorithm ?? 'RS384',
        scope: input.scope ?? '',
        privateKeyPem,
      };
    }
    const parsed = StoredEprConnectionSchema.safeParse({ mode: 'live', baseUrl: normaliseBaseUrl(input.baseUrl ?? ''), auth, profile: input.profile ?? {} });
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${SETTING_WORDS[issue.path.join('.')] ?? 'a setting'} ${issue.message.startsWith('must') ? issue.message : 'is not valid'}`);
      // The stored form's paths (`auth.tokenUrl`) named as the request names them (`tokenUrl`), so the first can be linked.
      const first = parsed.error.issues[0]?.path.map(String);
      const field = first?.[0] !== 'auth' ? first?.[0] : first[1] === 'token' || first[1] === 'privateKeyPem' ? 'secret' : first[1];
      throw new WardscribeError('rejected', `Check the EPR settings: ${problems.join(', ')}.`, field ? { field } : {});
    }
    return parsed.data;
  }
}

/**
 * The care setting as entered: both fields blank clears it; otherwise a SNOMED CT code (its check
 * digit catches a mistyped one) and the service's name, each refused in words naming the field.
 */
/** The stored connection's fields in the words the settings form labels them. */
const SETTING_WORDS: Readonly<Record<string, string>> = {
  baseUrl: 'the FHIR base URL',
  'auth.tokenUrl': 'the token URL',
  'auth.clientId': 'the client id',
  'auth.keyId': 'the key id',
  'auth.scope': 'the scope',
  'auth.algorithm': 'the signing algorithm',
  'auth.token': 'the bearer token',
  'auth.privateKeyPem': 'the private key',
};

function checkedPracticeSetting(input: { readonly code: string; readonly display: string } | null): PracticeSetting | null {
  if (input === null) return null;
  // Codes are often copied with spaces between groups of digits.
  const code = input.code.replace(/\s/g, '');
  const display = input.display.trim();
  if (code === '' && display === '') return null;
  if (code === '') throw new WardscribeError('rejected', 'Enter the care setting’s SNOMED CT code as well as its name, such as 789718008 for "Cardiology service".', { field: 'practiceSetting.code' });
  if (!isSnomedConceptId(code)) {
    throw new WardscribeError('rejected', 'The care setting code must be a SNOMED CT code, such as 789718008 for a cardiology service: check it digit by digit (its last digit is a check digit).', {
      field: 'practiceSetting.code',
    });
  }
  if (display === '') throw new WardscribeError('rejected', 'Enter the care setting’s name as SNOMED CT gives it, such as "Cardiology service".', { field: 'practiceSetting.display' });
  return { code, display };
}
