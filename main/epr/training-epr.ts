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
  let server: TrainingServer | undefined;
  let started: Promise<EprConnection> | undefined;

  const start = async (): Promise<EprConnection> => {
    const accessToken = randomBytes(32).toString('base64url');
    const current = createTrainingServer({ accessToken });
    server = current;
    const baseUrl = await current.start();
    return createEprConnection({
      baseUrl,
      auth: { kind: 'bearer', token: accessToken },
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_RETRY_POLICY.requestTimeoutMs,
      clock: options.clock ?? systemClock,
    });
  };

  return {
    connection() {
      started ??= start().catch(async (error: unknown) => {
        started = undefined;
        await server?.stop().catch(() => undefined);
        server = undefined;
        throw error;
      });
      return started;
    },
    get baseUrl() {
      return server?.baseUrl;
    },
    async close() {
      const pending = started;
      started = undefined;
      await pending?.catch(() => undefined);
      const current = server;
      server = undefined;
      await current?.stop();
    },
  };
}
