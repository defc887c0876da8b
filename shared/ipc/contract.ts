import { z } from 'zod';
import { channel, JobIdSchema, type ContractShape } from './channel';

/**
 * The one IPC contract between the renderer and main. The preload, the Chromium test host and
 * main's registry are all derived from this object: a channel added here is typed everywhere
 * and exists nowhere else.
 */

export const HOST_KINDS = ['electron', 'chromium'] as const;
export type HostKind = (typeof HOST_KINDS)[number];

export const AppStatusSchema = z.object({
  product: z.literal('Wardscribe'),
  version: z.string(),
  /** Which shell the renderer is running in. */
  host: z.enum(HOST_KINDS),
  /** Version of the shell's browser engine (Electron's Chromium, or system Chromium). */
  engine: z.string(),
  node: z.string(),
  platform: z.string(),
});
export type AppStatus = z.infer<typeof AppStatusSchema>;

const NoRequest = z.object({}).strict();

export const contract = {
  app: {
    /** Version and host, shown on the status screen. Needs no sign-in and reveals no data. */
    status: channel({ request: NoRequest, response: AppStatusSchema, access: 'public' }),
  },
  jobs: {
    /** Asks a running job to stop. Answers whether a job with that id was running. */
    cancel: channel({
      request: z.object({ jobId: JobIdSchema }).strict(),
      response: z.object({ cancelled: z.boolean() }),
      access: 'public',
    }),
  },
} as const satisfies ContractShape;

export type Contract = typeof contract;
