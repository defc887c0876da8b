import type { ChatMessage, ChatSource, ChatThread, DateOrder } from '../../shared/domain/chat';
import type { ErrorCode } from '../../shared/ipc/result';

/**
 * What the import's main side and its worker say to each other. The worker reads the export
 * (hash, parse, media); the main side owns the vault and writes. Everything crossing is
 * structured-cloneable data: no functions, no class instances.
 */

/** What to read. Sent once, at start. */
export interface ImportTask {
  readonly path: string;
  readonly zone: string;
  readonly dateOrder?: DateOrder;
  readonly password?: string;
  /** Largest attachment sent back; a bigger one is reported as skipped. */
  readonly maxAttachmentBytes: number;
  /** Parsed-but-unacknowledged message reports the worker may have outstanding (back-pressure). */
  readonly messagesInFlight: number;
}

export type ToImportWorker =
  | { readonly type: 'start'; readonly task: ImportTask }
  /** The source hash was checked and the export is new: parse it. */
  | { readonly type: 'parse' }
  /** One `messages` report has been written: the worker may send another. */
  | { readonly type: 'ack' }
  /** Send the bytes of one attachment named in the thread. */
  | { readonly type: 'media'; readonly name: string };

export type FromImportWorker =
  | { readonly type: 'hashed'; readonly sha256: string }
  | { readonly type: 'opened'; readonly source: ChatSource | 'whatsapp' }
  | { readonly type: 'messages'; readonly messages: readonly ChatMessage[]; readonly bytesDone: number; readonly bytesTotal: number }
  | { readonly type: 'thread'; readonly thread: ChatThread }
  /** `content` is null when the attachment is larger than the limit. */
  | { readonly type: 'media'; readonly name: string; readonly content: Uint8Array | null }
  /**
   * The worker failed. A WardscribeError crosses as its code and message (written for a ward
   * user, never message text); anything else crosses as `internal` with no message at all.
   */
  | { readonly type: 'failed'; readonly code: ErrorCode | 'internal'; readonly message: string };
