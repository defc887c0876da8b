import { z } from 'zod';
import { JobIdSchema } from './channel';
import { VAULT_INTEGRITY_STATES } from './work-queue';

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
    /**
     * The background integrity check of the vault finished or stopped (work-queue.ts
     * VaultIntegritySchema). `damaged`: tell the signed-in user the vault must be restored from
     * backup; `vault.integrity` gives the whole state.
     */
    type: z.literal('vault.integrity'),
    state: z.enum(VAULT_INTEGRITY_STATES),
  }),
  z.object({
    /** Outbox items changed state (queued, sent, filed, verified, failed, retried): refetch `outbox.list` and `threads.queue`. */
    type: z.literal('outbox.changed'),
    /** The items that changed (their urn:uuid identifiers). */
    identifiers: z.array(z.string()),
  }),
  z.object({
    /** A draft was saved or attested: refetch `transcriptions.list` and `threads.queue`. */
    type: z.literal('drafts.changed'),
    draftId: z.string(),
  }),
  z.object({
    /** A thread was imported or an export merged into one: refetch `threads.list` / `threads.queue`. */
    type: z.literal('threads.changed'),
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
