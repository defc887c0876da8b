import { z } from 'zod';
import { JobIdSchema } from './channel';

/**
 * Events main pushes to the renderer. They carry no patient data: a progress event says how
 * far a job is, a lock event says why the session ended.
 */
export const HostEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('job.progress'),
    jobId: JobIdSchema,
    /** Units done so far (bytes, messages, entries: the job says which in `unit`). */
    done: z.number().nonnegative(),
    /** Total units, when known. */
    total: z.number().nonnegative().nullable(),
    unit: z.string(),
  }),
  z.object({
    /** A thread's originals were wiped: every screen drops what it holds of it. */
    type: z.literal('thread.wiped'),
    threadId: z.string(),
  }),
  z.object({
    type: z.literal('session.locked'),
    reason: z.enum(['idle', 'manual', 'os-lock', 'suspend', 'window-gone', 'sign-out']),
  }),
]);

export type HostEvent = z.infer<typeof HostEventSchema>;

/** The channel events travel on from main to the renderer. */
export const HOST_EVENT_CHANNEL = 'wardscribe:event';

/**
 * The Chromium host has no push channel into the page, so its bridge pulls events over the
 * same binding it invokes on: a call on this channel resolves with the next batch of events.
 */
export const EVENT_PULL_CHANNEL = 'wardscribe:event.pull';
