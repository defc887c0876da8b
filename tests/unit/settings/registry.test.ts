import { afterEach, describe, expect, it } from 'vitest';
import { getSetting, SETTINGS, setSettings } from '../../../main/settings/registry';
import { silentLogger } from '../../../main/log';
import { SessionService } from '../../../main/session/session-service';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { readSetting, writeSetting } from '../../../main/vault/queries/settings';
import { vaultFiles } from '../../../main/vault/vault-files';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((cleanup) => cleanup()));

async function signedInAdmin() {
  const dir = tempDir('wardscribe-settings-');
  const session = new SessionService({ files: vaultFiles(dir.path), emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
  await session.createFirstAdmin(ADMIN);
  cleanups.push(dir.remove, () => session.lock('sign-out'));
  return session;
}

describe('the settings registry', () => {
  it('declares every key once with a schema, a default and who may change it', () => {
    expect(Object.keys(SETTINGS).sort()).toEqual(['epr.connection', 'epr.documentType', 'epr.organisationOdsCode', 'epr.pds', 'epr.practiceSetting', 'session.idleLockMinutes', 'staff.localIdentifierSystem', 'wipe.retentionHours']);
    // A staff identifier system must be the Trust's own, never one named after Wardscribe (#15).
    expect(SETTINGS['staff.localIdentifierSystem'].schema.safeParse('https://trust.example.nhs.uk/Id/staff').success).toBe(true);
    expect(SETTINGS['staff.localIdentifierSystem'].schema.safeParse('https://wardscribe.nhs.uk/Id/user').success).toBe(false);
    // Nor a national one: a username would be filed as someone's SDS user ID or GMC number (second cold trial).
    for (const national of ['https://fhir.nhs.uk/Id/sds-user-id', 'https://fhir.hl7.org.uk/Id/gmc-number', 'https://fhir.nhs.uk/Id/nhs-number']) {
      expect(SETTINGS['staff.localIdentifierSystem'].schema.safeParse(national).success, national).toBe(false);
    }
    for (const definition of Object.values(SETTINGS)) {
      expect(definition.schema.safeParse(definition.default).success).toBe(true);
      expect(definition.writers.length).toBeGreaterThan(0);
    }
  });

  it('reads typed values, and the default for an absent or no longer valid one', async () => {
    const session = await signedInAdmin();
    const db = session.vault().db;
    expect(getSetting(db, 'epr.connection')).toEqual({ mode: 'training' });
    writeSetting(db, 'epr.connection', { mode: 'live', baseUrl: 'http://epr.example.nhs.uk/fhir', auth: { kind: 'none' } }, null, new Date());
    // Plain http to another machine is not a valid live EPR: the default stands.
    expect(getSetting(db, 'epr.connection')).toEqual({ mode: 'training' });
    writeSetting(db, 'epr.documentType', 'consult-note', null, new Date());
    expect(getSetting(db, 'epr.documentType')).toBe('consult-note');
  });

  it('checks the schema and the writer, and audits the key but never the value', async () => {
    const session = await signedInAdmin();
    const { log, actor } = session.audit();
    const db = session.vault().db;
    expect(() => setSettings(db, log, { ...actor, role: 'clinician' }, { 'wipe.retentionHours': 24 }, new Date())).toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(() => setSettings(db, log, actor, { 'epr.organisationOdsCode': 'not an ods code' }, new Date())).toThrow(expect.objectContaining({ code: 'rejected' }));
    setSettings(db, log, actor, { 'epr.connection': { mode: 'live', baseUrl: 'https://epr.example.nhs.uk/fhir', auth: { kind: 'bearer', token: 'SECRET-TOKEN-1' }, profile: {} } }, new Date());
    expect(getSetting(db, 'epr.connection')).toMatchObject({ mode: 'live', auth: { token: 'SECRET-TOKEN-1' } });
    const entries = [...session.audit().store.entries({ filter: { actions: ['setting-changed'] } })];
    expect(entries.at(-1)?.objects).toEqual({ setting: 'epr.connection' });
    expect(JSON.stringify(entries)).not.toContain('SECRET-TOKEN-1');
  });

  it('PDS is off until an administrator sets it; it must use https, and its credentials are sealed as the EPR\u2019s are', async () => {
    const session = await signedInAdmin();
    const db = session.vault().db;
    const { log, actor } = session.audit();
    expect(getSetting(db, 'epr.pds')).toEqual({ use: 'off' });
    expect(() => setSettings(db, log, actor, { 'epr.pds': { use: 'also', baseUrl: 'http://pds.example.nhs.uk/FHIR/R4', auth: { kind: 'none' } } }, new Date())).toThrow(/https/);
    const token = 'PDS-BEARER-TOKEN-8d1e';
    setSettings(db, log, actor, { 'epr.pds': { use: 'instead', baseUrl: 'https://sandbox.api.service.nhs.uk/personal-demographics/FHIR/R4', auth: { kind: 'bearer', token } } }, new Date());
    expect(JSON.stringify(readSetting(db, 'epr.pds'))).not.toContain(token);
    expect(getSetting(db, 'epr.pds')).toEqual({ use: 'instead', baseUrl: 'https://sandbox.api.service.nhs.uk/personal-demographics/FHIR/R4', auth: { kind: 'bearer', token } });
  });
});
