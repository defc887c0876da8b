import type { AuditCheckpointBody, AuditEntry, AuditEntryBody, ChainHead } from '../../shared/domain/audit';
import { canonicalJson } from './canonical';
import { sha256Hex } from './hash';

/**
 * The hash chain. Entry n stores `previousHash` = entry n−1's `entryHash`, and its own
 * `entryHash` = SHA-256 of the canonical form of everything in it except `entryHash`. Changing
 * any byte of any entry therefore changes its hash and breaks the link from its successor.
 */

/** What entry 1 points back to: SHA-256 of a fixed, versioned label. */
export const GENESIS_HASH = sha256Hex('Wardscribe audit trail genesis v1');

/** The head of an empty trail: entry 1 follows it. */
export const GENESIS_HEAD: ChainHead = { sequence: 0, hash: GENESIS_HASH };

/** The entry's hash: SHA-256 of the canonical form of its body (all fields but `entryHash`). */
export function hashEntryBody(body: AuditEntryBody): string {
  const { entryHash: _ignored, ...rest } = body as AuditEntryBody & { entryHash?: string };
  return sha256Hex(canonicalJson(rest));
}

/** Completes a body into a chained entry. */
export function sealEntry(body: AuditEntryBody): AuditEntry {
  return { ...body, entryHash: hashEntryBody(body) };
}

/** How a sequence of entries can fail verification. */
export type ChainBreakKind =
  /** The entry's content does not hash to its `entryHash`: it was edited. */
  | 'hash-mismatch'
  /** `previousHash` is not the `entryHash` of the entry before it (or of the anchor). */
  | 'link-mismatch'
  /** Sequence numbers skip: entries are missing (deleted) from a run that must be whole. */
  | 'sequence-gap'
  /** A sequence number is not above the one before it: entries were reordered or duplicated. */
  | 'out-of-order'
  /** The entries end before the known head: the end was cut off. */
  | 'truncated'
  /** The entries go past, or disagree with, the known head: entries were appended or replaced. */
  | 'head-mismatch'
  /** A signed checkpoint vouches for a different hash at this sequence. */
  | 'checkpoint-mismatch';

/** One place where the chain broke. Holds numbers and hashes only, never entry content. */
export interface ChainBreak {
  readonly kind: ChainBreakKind;
  /** The sequence number the entry carries (or the head's, for `truncated`). */
  readonly sequence: number;
  /** Position in the list that was verified, 0-based; -1 when no entry is at fault (truncation). */
  readonly index: number;
  /** A sentence for a person: what was expected and what was found. */
  readonly detail: string;
}

export interface ChainVerifyOptions {
  /**
   * The entries must be a whole run (no gaps). True for a full trail or an unfiltered export;
   * false for a filtered selection, where only adjacent sequence numbers can be linked.
   */
  readonly contiguous: boolean;
  /** The head just before the first entry (GENESIS_HEAD for a trail from the start). */
  readonly anchor?: ChainHead;
  /** The head the last entry must be (from a signed checkpoint or an outside witness). */
  readonly expectedHead?: ChainHead;
  /** Signed checkpoints already verified: any entry at their sequence must carry their hash. */
  readonly checkpoints?: readonly Pick<AuditCheckpointBody, 'sequence' | 'entryHash'>[];
}

export interface ChainVerification {
  readonly ok: boolean;
  readonly checked: number;
  /** Every break found, in list order; empty when ok. */
  readonly breaks: readonly ChainBreak[];
}

/**
 * Verifies a list of entries in the order given (the order is itself evidence: it is the
 * order of the file or of the store). Reports every break, not only the first, so an auditor
 * sees the extent of a tampering.
 */
export function verifyChain(entries: readonly AuditEntry[], options: ChainVerifyOptions): ChainVerification {
  const breaks: ChainBreak[] = [];
  const add = (kind: ChainBreakKind, sequence: number, index: number, detail: string) =>
    breaks.push({ kind, sequence, index, detail });
  const vouched = new Map<number, string>();
  for (const checkpoint of options.checkpoints ?? []) vouched.set(checkpoint.sequence, checkpoint.entryHash);

  let previous: AuditEntry | undefined;
  entries.forEach((entry, index) => {
    const recomputed = hashEntryBody(entry);
    if (recomputed !== entry.entryHash) {
      add('hash-mismatch', entry.sequence, index, `entry ${entry.sequence} hashes to ${recomputed}, but records ${entry.entryHash}`);
    }
    const vouchedHash = vouched.get(entry.sequence);
    if (vouchedHash !== undefined && vouchedHash !== entry.entryHash) {
      add('checkpoint-mismatch', entry.sequence, index, `a signed checkpoint vouches for ${vouchedHash} at entry ${entry.sequence}, the entry records ${entry.entryHash}`);
    }
    const before: ChainHead | undefined = previous
      ? { sequence: previous.sequence, hash: previous.entryHash }
      : options.anchor;
    if (before) checkLink(before, entry, index, previous !== undefined, options.contiguous, add);
    previous = entry;
  });

  if (options.expectedHead) {
    const head = options.expectedHead;
    const last = entries.at(-1);
    const lastSequence = last?.sequence ?? options.anchor?.sequence ?? 0;
    if (lastSequence < head.sequence) {
      add('truncated', head.sequence, -1, `the entries end at ${lastSequence}, but the head is entry ${head.sequence}`);
    } else if (last && (last.sequence > head.sequence || last.entryHash !== head.hash)) {
      add('head-mismatch', last.sequence, entries.length - 1, `the last entry is ${last.sequence} (${last.entryHash}), but the head is ${head.sequence} (${head.hash})`);
    }
  }
  return { ok: breaks.length === 0, checked: entries.length, breaks };
}

function checkLink(
  before: ChainHead,
  entry: AuditEntry,
  index: number,
  beforeIsEntry: boolean,
  contiguous: boolean,
  add: (kind: ChainBreakKind, sequence: number, index: number, detail: string) => void,
): void {
  const what = beforeIsEntry ? `entry ${before.sequence}` : `the anchor (${before.sequence})`;
  if (entry.sequence <= before.sequence) {
    add('out-of-order', entry.sequence, index, `entry ${entry.sequence} comes after ${what}`);
    return;
  }
  if (entry.sequence > before.sequence + 1) {
    if (contiguous) {
      add('sequence-gap', entry.sequence, index, `entries ${before.sequence + 1}–${entry.sequence - 1} are missing before entry ${entry.sequence}`);
    }
    return; // Not adjacent: a filtered selection cannot link across the gap.
  }
  if (entry.previousHash !== before.hash) {
    add('link-mismatch', entry.sequence, index, `entry ${entry.sequence} points back to ${entry.previousHash}, but ${what} is ${before.hash}`);
  }
}
