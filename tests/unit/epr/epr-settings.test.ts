import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { EprSettingsService } from '../../../main/epr/epr-settings';
import { createTrainingEpr } from '../../../main/epr/training-epr';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { startEprHarness } from './support/epr-harness';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { vaultFiles } from '../../../main/vault/vault-files';
import { tempDir } from '../../support/temp';
import { ADMIN, countPlaintext } from '../../support/vault';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp() {
  const dir = tempDir();
  const files = vaultFiles(dir.path);
  const session = new SessionService({ files, emit: () => {}, log: silentLogger, kdf: MINIMUM_KDF });
  await session.createFirstAdmin(ADMIN);
  const training = createTrainingEpr();
  cleanups.push(dir.remove, () => training.close(), () => session.lock('sign-out'));
  return { files, session, training, settings: new EprSettingsService({ session, training, defaultOdsCode: 'WSTRAINING' }) };
}

describe('EPR settings', () => {
  it('default to the training EPR, whose capability statement answers', async () => {
    const { settings } = await setUp();
    expect(settings.view()).toMatchObject({ mode: 'training', odsCode: 'WSTRAINING', documentType: '371530004', hasSecret: false });
    await expect(settings.testConnection()).resolves.toMatchObject({ ok: true, message: expect.stringContaining('one transaction per note') });
  });

  it('store a live EPR with a bearer token kept only in the vault, never shown back', async () => {
    const { files, session, settings } = await setUp();
    // A loopback FHIR server stands in for the live EPR, requiring the bearer token.
    const live = await startEprHarness({ requiresToken: true });
    cleanups.push(() => live.close());
    const token = 'BEARER-CANARY-51c0ffee';
    live.acceptToken(token);
    const view = settings.update({ mode: 'live', baseUrl: live.baseUrl, authKind: 'bearer', secret: token, odsCode: 'RX1', documentType: '823651000000106' });
    expect(view).toMatchObject({ mode: 'live', baseUrl: live.baseUrl, authKind: 'bearer', hasSecret: true, odsCode: 'RX1', documentType: '823651000000106' });
    expect(JSON.stringify(view)).not.toContain(token);
    await expect(settings.testConnection()).resolves.toMatchObject({ ok: true });

    // A blank secret keeps the stored token.
    expect(settings.update({ mode: 'live', baseUrl: live.baseUrl, authKind: 'bearer', secret: '', odsCode: 'RX1', documentType: '823651000000106' }).hasSecret).toBe(true);
    expect(settings.stored()).toMatchObject({ auth: { kind: 'bearer', token } });
    session.lock('sign-out');
    expect(countPlaintext(files.database, token)).toBe(0);
  });

  it('refuse what cannot work, with a clear reason, and keep the previous settings', async () => {
    const { settings } = await setUp();
    expect(() => settings.update({ mode: 'live', baseUrl: 'not a url', authKind: 'none', odsCode: 'RX1', documentType: '823651000000106' })).toThrow(/the FHIR base URL/);
    // A live EPR over plain http is refused; http only to this computer.
    expect(() => settings.update({ mode: 'live', baseUrl: 'http://epr.example.nhs.uk/fhir', authKind: 'none', odsCode: 'RX1', documentType: '823651000000106' })).toThrow(/the FHIR base URL must use https/);
    // Named as the request names it, so the form shows the refusal beside that input (a cold trial found it unlinked).
    expect(() => settings.update({ mode: 'live', baseUrl: 'http://epr.example.nhs.uk/fhir', authKind: 'none', odsCode: 'RX1', documentType: '823651000000106' })).toThrow(
      expect.objectContaining({ extra: { field: 'baseUrl' } }),
    );
    expect(() => settings.update({ mode: 'training', authKind: 'none', odsCode: 'rx', documentType: '823651000000106' })).toThrow(expect.objectContaining({ extra: { field: 'odsCode' } }));
    expect(() => settings.update({ mode: 'training', authKind: 'none', odsCode: 'RX1', documentType: '823651000000106', practiceSetting: { code: '789718009', display: 'Cardiology service' } })).toThrow(
      expect.objectContaining({ extra: { field: 'practiceSetting.code' } }),
    );
    expect(() => settings.update({ mode: 'live', baseUrl: 'https://user:pw@epr.example.nhs.uk/fhir', authKind: 'none', odsCode: 'RX1', documentType: '823651000000106' })).toThrow(/user name or password/);
    expect(() => settings.update({ mode: 'live', baseUrl: 'https://epr.example.nhs.uk/fhir', authKind: 'bearer', odsCode: 'RX1', documentType: '823651000000106' })).toThrow(/bearer token/);
    expect(() => settings.update({ mode: 'live', baseUrl: 'https://epr.example.nhs.uk/fhir', authKind: 'none', odsCode: 'WSTRAINING', documentType: '823651000000106' })).toThrow(/training code/);
    expect(() =>
      settings.update({ mode: 'live', baseUrl: 'https://epr.example.nhs.uk/fhir', authKind: 'smart-backend', secret: 'not a key', tokenUrl: 'https://epr.example.nhs.uk/token', clientId: 'ward', keyId: 'k1', scope: 'system/DocumentReference.c', odsCode: 'RX1', documentType: '823651000000106' }),
    ).toThrow(/not a PEM key/);
    expect(settings.view().mode).toBe('training');
  });

  it('accept SMART Backend Services with a private key, and record the change in the audit trail without values', async () => {
    const { session, settings } = await setUp();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const view = settings.update({
      mode: 'live',
      baseUrl: 'https://epr.example.nhs.uk/fhir',
      authKind: 'smart-backend',
      secret: pem,
      tokenUrl: 'https://epr.example.nhs.uk/token',
      clientId: 'wardscribe-ward-7',
      keyId: 'key-2026',
      algorithm: 'ES384',
      scope: 'system/DocumentReference.c system/DocumentReference.r system/Provenance.c',
      odsCode: 'RX1',
      documentType: 'clinical-consultation-report',
    });
    expect(view).toMatchObject({ authKind: 'smart-backend', algorithm: 'ES384', clientId: 'wardscribe-ward-7', hasSecret: true });
    const entries = [...session.audit().store.entries({ filter: { actions: ['setting-changed'] } })];
    expect(entries.at(-1)).toMatchObject({ objects: { setting: 'epr.connection' }, outcome: { reason: 'mode-live' } });
    expect(entries.slice(-3).map((entry) => entry.objects.setting)).toEqual(['epr.organisationOdsCode', 'epr.documentType', 'epr.connection']);
    expect(JSON.stringify(entries)).not.toContain('PRIVATE KEY');
  });

  it('bind new items to the EPR configured now, connect only to that one, and keep the administrator\u2019s profile corrections', async () => {
    const { settings, training } = await setUp();
    expect(settings.current()).toEqual({ eprId: 'training', label: 'Training EPR' });
    await training.connection();
    settings.update({ mode: 'live', baseUrl: `${training.baseUrl!}/`, authKind: 'none', odsCode: 'RX1', documentType: '823651000000106', profile: { write: 'individual', fhirVersionParameter: true } });
    const live = settings.current();
    expect(live).toEqual({ eprId: `live:${training.baseUrl!}`, label: new URL(training.baseUrl!).host + '/fhir' });
    expect(settings.view().profile).toEqual({ write: 'individual', fhirVersionParameter: true });
    await expect(settings.connect(live.eprId)).resolves.toMatchObject({ overrides: { write: 'individual' } });
    // An item bound to another live EPR waits; the training EPR is always there for its own items.
    await expect(settings.connect('live:https://other.example.nhs.uk/fhir')).rejects.toMatchObject({ name: 'EprUnavailableError', message: expect.stringMatching(/no longer configured/) });
    await expect(settings.connect('training')).resolves.toHaveProperty('connection');
    settings.update({ mode: 'training', odsCode: 'RX1', documentType: '823651000000106' });
    await expect(settings.connect(live.eprId)).rejects.toMatchObject({ name: 'EprUnavailableError' });
  });

  it('say in the connection test how the EPR will be filed', async () => {
    const { settings } = await setUp();
    await expect(settings.testConnection()).resolves.toMatchObject({ ok: true, message: expect.stringMatching(/one transaction per note; conditional create on the identifier; Provenance filed/) });
  });

  it('reach a live EPR only through the injected transport (Electron passes net.fetch)', async () => {
    const { session, training } = await setUp();
    const live = await startEprHarness();
    cleanups.push(() => live.close());
    const seen: string[] = [];
    const transport = (input: string, init: RequestInit) => {
      seen.push(`${init.method ?? 'GET'} ${new URL(input).pathname} ${new Headers(init.headers).has('x-request-id')}`);
      return fetch(input, init);
    };
    const settings = new EprSettingsService({ session, training, defaultOdsCode: 'WSTRAINING', fetch: transport });
    settings.update({ mode: 'live', baseUrl: live.baseUrl, authKind: 'none', odsCode: 'RX1', documentType: '823651000000106' });
    await expect(settings.testConnection()).resolves.toMatchObject({ ok: true });
    expect(seen).toEqual(['GET /fhir/metadata true']);
  });

  it('keep a care setting only with a well-formed SNOMED CT code and a name, refused in words naming the field', async () => {
    const { settings } = await setUp();
    // 789718008 |Cardiology service| is UK Core's own example of a care setting; one digit off fails its check digit.
    expect(() => settings.update({ mode: 'training', odsCode: 'RX1', documentType: '371530004', practiceSetting: { code: '789718009', display: 'Cardiology service' } })).toThrow(/care setting code must be a SNOMED CT code/);
    expect(() => settings.update({ mode: 'training', odsCode: 'RX1', documentType: '371530004', practiceSetting: { code: '789718008', display: ' ' } })).toThrow(/care setting.s name/);
    expect(settings.view().practiceSetting).toBeNull();
    expect(() => settings.update({ mode: 'training', odsCode: 'RX1', documentType: '371530004', practiceSetting: { code: '', display: 'Cardiology service' } })).toThrow(/SNOMED CT code as well as its name/);
    // Copied with spaces between the groups of digits: read as the code.
    settings.update({ mode: 'training', odsCode: 'RX1', documentType: '371530004', practiceSetting: { code: ' 7897 18008 ', display: 'Cardiology service' } });
    expect(settings.view().practiceSetting).toEqual({ code: '789718008', display: 'Cardiology service' });
    // Absent leaves it; both fields blank clears it.
    settings.update({ mode: 'training', odsCode: 'RX1', documentType: '371530004' });
    expect(settings.view().practiceSetting).toEqual({ code: '789718008', display: 'Cardiology service' });
    settings.update({ mode: 'training', odsCode: 'RX1', documentType: '371530004', practiceSetting: { code: '', display: '' } });
    expect(settings.view().practiceSetting).toBeNull();
  });

  it('show a document type set before the picker as the code it was, or translates to', async () => {
    const { settings } = await setUp();
    settings.update({ mode: 'training', odsCode: 'RX1', documentType: 'consult-note' });
    expect(settings.view().documentType).toBe('371530004');
    expect(() => settings.update({ mode: 'training', odsCode: 'RX1', documentType: '419891008' })).toThrow();
  });
});
