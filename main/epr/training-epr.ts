/**
 * The training EPR as a connection: starts the embedded training server once (127.0.0.1, a free
 * port) the first time a connection is asked for, and stops it on close (the app closes it on lock
 * and sign-out). Each start makes a new random access token that only this connection knows, so
 * another local user (or a web page through DNS rebinding) cannot read what was filed; nothing it
 * holds survives close.
 */
import { randomBytes } from 'node:crypto';
import { createEprConnection, type EprConnection } from './fhir-client';
import { DEFAULT_RETRY_POLICY, systemClock, type Clock } from './retry-policy';
import { createTrainingServer, type TrainingServer } from './training-server';

export interface TrainingEpr {
  /** Starts the server if needed and returns a connection to it (the same one each time). */
  connection(): Promise<EprConnection>;
  /** The FHIR base URL while running. */
  readonly baseUrl: string | undefined;
  /** Stops the server; a later `connection()` starts a fresh, empty one. */
  close(): Promise<void>;
}

export function createTrainingEpr(options: { readonly requestTimeoutMs?: number; readonly clock?: Pick<Clock, 'now'> } = {}): TrainingEpr {
  /** The server of the newest start, for baseUrl. */
  let latest: TrainingServer | undefined;
  /** The newest start: its server and, once listening, its connection. */
  let started: { readonly server: TrainingServer; readonly connection: Promise<EprConnection> } | undefined;

  const start = () => {
    const accessToken = randomBytes(32).toString('base64url');
    const server = createTrainingServer({ accessToken });
    latest = server;
    const connection = server.start().then(
      (baseUrl) =>
        createEprConnection({
          baseUrl,
          auth: { kind: 'bearer', token: accessToken },
          requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_RETRY_POLICY.requestTimeoutMs,
          clock: options.clock ?? systemClock,
        }),
      async (error: unknown) => {
        if (started?.server === server) started = undefined;
        await server.stop().catch(() => undefined);
        throw error;
      },
    );
    return { server, connection };
  };

  return {
    connection() {
      started ??= start();
      return started.connection;
    },
    get baseUrl() {
      return latest?.baseUrl;
    },
    async close() {
      // Each close stops the server of the start it found, never whichever is newest when its
      // wait ends: a connection asked for meanwhile (a lock, then at once a new session) has its
      // own server, and the one closed here must not be left listening with what it holds.
      const closing = started;
      started = undefined;
      if (!closing) return;
      if (latest === closing.server) latest = undefined;
      await closing.connection.catch(() => undefined);
      await closing.server.stop();
    },
  };
}
