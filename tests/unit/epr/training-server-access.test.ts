import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createTrainingEpr } from '../../../main/epr/training-epr';
import { createTrainingServer } from '../../../main/epr/training-server';
import { silentLogger } from '../../../main/log';
import { MINIMUM_KDF } from '../../../main/vault/key-slots';
import { createWardscribe } from '../../../main/wardscribe';
import { tempDir } from '../../support/temp';
import { ADMIN } from '../../support/vault';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A raw local HTTP request, as another OS user's process (or a rebinding page) would send it. */
function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    // A new connection each time (no kept-alive socket from the request before): a stopped server then refuses it.
    const outgoing = request({ host: target.hostname, port: target.port, path: target.pathname + target.search, headers, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('training EPR: a local door with a lock', () => {
  it('answers 401 without the per-launch access token and 200 with it', async () => {
    const server = createTrainingServer({ accessToken: 'per-launch-secret-for-this-test' });
    cleanups.push(() => server.stop());
    const base = await server.start();
    expect(await get(`${base}/metadata`)).toBe(401);
    expect(await get(`${base}/DocumentReference?identifier=x`, { Authorization: 'Bearer wrong-secret-of-same-size!!!!' })).toBe(401);
    expect(await get(`${base}/metadata`, { Authorization: 'Bearer per-launch-secret-for-this-test' })).toBe(200);
  });

  it('refuses a Host header that is not 127.0.0.1 or localhost (DNS rebinding), even with the token', async () => {
    const server = createTrainingServer({ accessToken: 'secret' });
    cleanups.push(() => server.stop());
    const base = await server.start();
    const port = new URL(base).port;
    const auth = { Authorization: 'Bearer secret' };
    expect(await get(`${base}/metadata`, { ...auth, Host: `rebound.example:${port}` })).toBe(403);
    expect(await get(`${base}/metadata`, { ...auth, Host: `127.0.0.1:1` })).toBe(403);
    expect(await get(`${base}/metadata`, { ...auth, Host: `localhost:${port}` })).toBe(200);
  });

  it('the app’s training EPR sends its token; a client without it gets 401', async () => {
    const training = createTrainingEpr({ requestTimeoutMs: 5_000 });
    cleanups.push(() => training.close());
    const connection = await training.connection();
    expect(await connection.capabilityStatement()).toMatchObject({ resourceType: 'CapabilityStatement' });
    expect(await get(`${training.baseUrl!}/metadata`)).toBe(401);
  });

  it('serves nothing after the session locks or signs out', async () => {
    const dir = tempDir('wardscribe-training-lock-');
    const app = createWardscribe({ host: 'electron', engine: 'test', dataDir: dir.path, log: silentLogger, kdf: MINIMUM_KDF, machineSettings: {} });
    cleanups.push(dir.remove, () => app.close());
    const registry = app.registryFor('app://wardscribe');
    const call = (channel: string, payload: unknown = {}) => registry.dispatch({ isMainFrame: true, url: 'app://wardscribe/index.html' }, `wardscribe:${channel}`, payload);

    for (const end of ['session.lock', 'session.signOut'] as const) {
      if (end === 'session.lock') expect((await call('session.createFirstAdmin', ADMIN)).ok).toBe(true);
      else expect((await call('session.signIn', { username: ADMIN.username, passphrase: ADMIN.passphrase })).ok).toBe(true);
      // The connection test starts the training EPR, as filing would.
      expect(await call('epr.test')).toMatchObject({ ok: true, value: { ok: true } });
      const url = app.trainingEprUrl();
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir$/);
      expect(await get(`${url!}/metadata`)).toBe(401);
      if (end === 'session.lock') app.lock('manual');
      else expect((await call(end)).ok).toBe(true);
      await expect.poll(() => app.trainingEprUrl(), { timeout: 5_000 }).toBeUndefined();
      await expect(get(`${url!}/metadata`)).rejects.toThrow(/ECONNREFUSED/);
    }
  });

  it('a connection asked for in the same moment as a close (a lock, then at once a new session) does not keep the closed server listening', async () => {
    const training = createTrainingEpr({ requestTimeoutMs: 5_000 });
    cleanups.push(() => training.close());
    await training.connection();
    const first = training.baseUrl!;
    const closing = training.close();
    const next = training.connection();
    await closing;
    await next;
    await expect(get(`${first}/metadata`)).rejects.toThrow(/ECONNREFUSED/);
    // The new connection has its own server, running.
    const second = training.baseUrl!;
    expect(second).not.toBe(first);
    expect(await (await next).capabilityStatement()).toMatchObject({ resourceType: 'CapabilityStatement' });

    // The same with the first start still under way when the close comes.
    const starting = training.connection();
    await training.close();
    const third = training.connection();
    await starting.catch(() => undefined);
    await third;
    await expect(get(`${second}/metadata`)).rejects.toThrow(/ECONNREFUSED/);
  });
});

