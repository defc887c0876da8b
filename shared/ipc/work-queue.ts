import { z } from 'zod';
import { CHAT_SOURCES } from '../domain/chat';

/**
 * Schemas of the work queue (issue #16): each thread's status, the vault's background integrity
 * check, and the query syntax search understands. Kept apart from contract.ts so the contract
 * stays a list of channels.
 */

/** A person named in a list: their id and the name the screens show (never a username to type). */
export const PersonRefSchema = z.object({ userId: z.string(), displayName: z.string() });
export type PersonRef = z.infer<typeof PersonRefSchema>;

/**
 * Where a thread stands, most urgent first:
 * - `drafted`: a draft from it is saved and not yet attested (someone must finish or attest it);
 * - `queued`: something attested from it is not yet verified in the record (sending, retrying, failed or needing attention: see `outbox`);
 * - `filed`: everything attested from it is verified in the record, and no draft is open;
 * - `unfiled`: nothing from it has been drafted or filed;
 * - `wiped`: its originals were wiped (only the certificate's figures remain).
 */
export const THREAD_WORK_STATUSES = ['drafted', 'queued', 'filed', 'unfiled', 'wiped'] as const;
export type ThreadWorkStatus = (typeof THREAD_WORK_STATUSES)[number];

export const ThreadQueueRowSchema = z.object({
  /** The thread's id (a wiped thread keeps its id, so a row can be matched to its certificate). */
  id: z.string(),
  status: z.enum(THREAD_WORK_STATUSES),
  /** Null for a wiped thread: a certificate keeps no title. */
  title: z.string().nullable(),
  source: z.enum(CHAT_SOURCES),
  messageCount: z.number(),
  /** The date range of its messages (UTC instants). */
  firstInstant: z.string().nullable(),
  lastInstant: z.string().nullable(),
  zone: z.string().nullable(),
  importedAt: z.string().nullable(),
  /** Who imported it; null for a wiped thread, or a user since removed. */
  importedBy: PersonRefSchema.nullable(),
  /** The latest of: import, a later export merged in, a draft saved, a filing's state changed, the wipe. */
  lastActivityAt: z.string(),
  /** Drafts not yet attested. */
  openDrafts: z.number(),
  /** Attested items by where they are: waiting or being sent, in the record awaiting read-back, verified, stopped (failed or needing attention). */
  outbox: z.object({ pending: z.number(), filed: z.number(), verified: z.number(), stopped: z.number() }),
  /**
   * Its messages carried by a note verified in the record: fewer than `messageCount` means the
   * chat holds messages no note has (other patients' advice, or chatter), which the wipe asks about.
   */
  messagesInNotes: z.number(),
  /** Its messages a note can carry (system lines are nobody's advice): what messagesInNotes is out of, as the wipe counts. */
  messagesForNotes: z.number(),
  /** When a wiped thread was wiped. */
  wipedAt: z.string().nullable(),
  /** The wipe certificate's id, for a wiped thread. */
  wipeId: z.string().nullable(),
});
export type ThreadQueueRow = z.infer<typeof ThreadQueueRowSchema>;

/** Most rows one work-queue query returns (hundreds of threads is the expected scale). */
export const MAX_QUEUE_ROWS = 2_000;

export const ThreadQueueRequestSchema = z
  .object({
    /** Include wiped threads (their certificates' figures). Default true. */
    includeWiped: z.boolean().default(true),
    limit: z.number().int().min(1).max(MAX_QUEUE_ROWS).default(500),
  })
  .strict();

/**
 * The background check of every page of the vault after sign-in (sign-in itself checks only the
 * header, the first and last pages and the schema, so that it does not slow down as the vault grows).
 * - `checking`: under way (`checkedPages` of `totalPages`);
 * - `intact`: every page authenticated;
 * - `damaged`: a page failed its authentication: the vault must be restored from backup; an
 *   administrator should be told (the trail records it);
 * - `stopped`: the session locked or the vault was re-encrypted before it finished; it runs again at the next sign-in;
 * - `not-run`: nobody is signed in.
 */
export const VAULT_INTEGRITY_STATES = ['not-run', 'checking', 'intact', 'damaged', 'stopped'] as const;
export type VaultIntegrityState = (typeof VAULT_INTEGRITY_STATES)[number];

export const VaultIntegritySchema = z.object({
  state: z.enum(VAULT_INTEGRITY_STATES),
  checkedPages: z.number(),
  totalPages: z.number(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** For `damaged`: what to do, in words for the ward. */
  message: z.string().nullable(),
});
export type VaultIntegrityView = z.infer<typeof VaultIntegritySchema>;

/**
 * Search order: `relevance` ranks (bm25) the newest matches (at most a few thousand, so the
 * answer stays quick in a large vault); `newest` lists matches newest first.
 */
export const SEARCH_ORDERS = ['relevance', 'newest'] as const;
export type SearchOrder = (typeof SEARCH_ORDERS)[number];
