import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GENESIS_HEAD, hashEntryBody, sealEntry, verifyChain } from '../../../main/audit/chain';
import { toJsonLines } from '../../../main/audit/export-format';
import { AuditEntrySchema, type AuditEntry, type ChainHead } from '../../../shared/domain/audit';
import { makeTrail } from './support/fixtures';

const TRAIL = makeTrail(40).store.storedEntries;
const HEAD: ChainHead = { sequence: TRAIL.at(-1)!.sequence, hash: TRAIL.at(-1)!.entryHash };
const WHOLE = { contiguous: true, anchor: GENESIS_HEAD, expectedHead: HEAD } as const;

/** Parses JSON Lines as the verifier does; a line that no longer parses counts as detected. */
function parseLines(text: string): AuditEntry[] | 'malformed' {
  const entries: AuditEntry[] = [];
  for (const line of text.trimEnd().split('\n')) {
    try {
      const parsed = AuditEntrySchema.safeParse(JSON.parse(line));
      if (!parsed.success) return 'malformed';
      entries.push(parsed.data);
    } catch {
      return 'malformed';
    }
  }
  return entries;
}

function detected(entries: readonly AuditEntry[] | 'malformed'): boolean {
  return entries === 'malformed' || !verifyChain(entries, WHOLE).ok;
}

/** A valid-looking entry an attacker might insert: correctly hashed, linked to its predecessor. */
function forge(after: AuditEntry | undefined, sequence: number): AuditEntry {
  const template = TRAIL[0]!;
  return sealEntry({ ...template, sequence, previousHash: after?.entryHash ?? GENESIS_HEAD.hash, action: 'wipe' });
}

type Tamper =
  | { kind: 'flip'; line: number; offset: number; bit: number }
  | { kind: 'delete'; index: number }
  | { kind: 'swap'; index: number; other: number }
  | { kind: 'truncate'; keep: number }
  | { kind: 'insert'; index: number; renumber: boolean };

const tamperArbitrary: fc.Arbitrary<Tamper> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), line: fc.nat(TRAIL.length - 1), offset: fc.nat(), bit: fc.integer({ min: 0, max: 6 }) }),
  fc.record({ kind: fc.constant('delete' as const), index: fc.nat(TRAIL.length - 1) }),
  fc
    .record({ kind: fc.constant('swap' as const), index: fc.nat(TRAIL.length - 1), other: fc.nat(TRAIL.length - 1) })
    .filter((swap) => swap.index !== swap.other),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat(TRAIL.length - 1) }),
  fc.record({ kind: fc.constant('insert' as const), index: fc.nat(TRAIL.length), renumber: fc.boolean() }),
);

function apply(tamper: Tamper): AuditEntry[] | 'malformed' {
  const entries = [...TRAIL];
  switch (tamper.kind) {
    case 'flip': {
      const lines = toJsonLines(entries).trimEnd().split('\n');
      const bytes = Buffer.from(lines[tamper.line]!, 'utf8');
      const at = tamper.offset % bytes.length;
      bytes[at] = bytes[at]! ^ (1 << tamper.bit); // bits 0-6: always a different byte
      lines[tamper.line] = bytes.toString('utf8');
      return parseLines(lines.join('\n'));
    }
    case 'delete':
      entries.splice(tamper.index, 1);
      return entries;
    case 'swap': {
      const [first, second] = [entries[tamper.index]!, entries[tamper.other]!];
      entries[tamper.index] = second;
      entries[tamper.other] = first;
      return entries;
    }
    case 'truncate':
      return entries.slice(0, tamper.keep);
    case 'insert': {
      const before = entries[tamper.index - 1];
      const inserted = forge(before, (before?.sequence ?? 0) + 1);
      entries.splice(tamper.index, 0, inserted);
      if (tamper.renumber) {
        // The attacker also renumbers and re-links everything after, rehashing each entry.
        for (let index = tamper.index + 1; index < entries.length; index++) {
          entries[index] = sealEntry({ ...entries[index]!, sequence: entries[index - 1]!.sequence + 1, previousHash: entries[index - 1]!.entryHash });
        }
      }
      return entries;
    }
  }
}

describe('the audit hash chain', () => {
  it('accepts the untouched trail, from genesis to the head', () => {
    expect(verifyChain(TRAIL, WHOLE)).toEqual({ ok: true, checked: TRAIL.length, breaks: [] });
    expect(TRAIL[0]!.previousHash).toBe(GENESIS_HEAD.hash);
    expect(TRAIL.every((entry) => hashEntryBody(entry) === entry.entryHash)).toBe(true);
  });

  it('detects every single-entry tampering: flip a byte, delete, reorder, truncate, insert', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(tamperArbitrary, (tamper) => {
        seen.set(tamper.kind, (seen.get(tamper.kind) ?? 0) + 1);
        expect(detected(apply(tamper))).toBe(true);
      }),
      { numRuns: 1500 },
    );
    for (const kind of ['flip', 'delete', 'swap', 'truncate', 'insert']) expect(seen.get(kind) ?? 0).toBeGreaterThan(100);
  });

  it('says exactly which entry broke and how', () => {
    const edited = [...TRAIL];
    edited[9] = { ...edited[9]!, action: 'filed' }; // entry 10 edited, hash left alone
    expect(verifyChain(edited, WHOLE).breaks).toEqual([expect.objectContaining({ kind: 'hash-mismatch', sequence: 10, index: 9 })]);

    const rehashed = [...TRAIL];
    rehashed[9] = sealEntry({ ...rehashed[9]!, action: 'filed' }); // edited and rehashed: entry 11's link breaks
    expect(verifyChain(rehashed, WHOLE).breaks).toEqual([expect.objectContaining({ kind: 'link-mismatch', sequence: 11, index: 10 })]);

    const gap = TRAIL.filter((entry) => entry.sequence !== 20);
    expect(verifyChain(gap, WHOLE).breaks).toEqual([expect.objectContaining({ kind: 'sequence-gap', sequence: 21 })]);

    expect(verifyChain(TRAIL.slice(0, 30), WHOLE).breaks).toEqual([expect.objectContaining({ kind: 'truncated', sequence: 40, index: -1 })]);

    const swapped = [...TRAIL];
    [swapped[4], swapped[5]] = [swapped[5]!, swapped[4]!];
    expect(verifyChain(swapped, WHOLE).breaks.map((broken) => broken.kind)).toContain('out-of-order');
  });

  it('detects a rewritten tail through a signed checkpoint even when the head is unknown', () => {
    const rewritten = TRAIL.slice(0, 20);
    for (let sequence = 21; sequence <= 40; sequence++) rewritten.push(forge(rewritten.at(-1), sequence));
    expect(verifyChain(rewritten, { contiguous: true, anchor: GENESIS_HEAD }).ok).toBe(true); // internally consistent
    const checkpoint = { sequence: 30, entryHash: TRAIL[29]!.entryHash };
    const result = verifyChain(rewritten, { contiguous: true, anchor: GENESIS_HEAD, checkpoints: [checkpoint] });
    expect(result.breaks).toEqual([expect.objectContaining({ kind: 'checkpoint-mismatch', sequence: 30 })]);
  });

  it('links only neighbours in a filtered selection, but still checks every entry hash', () => {
    const selection = TRAIL.filter((entry) => entry.sequence % 3 === 0 || entry.sequence === 4);
    expect(verifyChain(selection, { contiguous: false }).ok).toBe(true);
    const edited = selection.map((entry) => (entry.sequence === 9 ? { ...entry, outcome: { status: 'refused' as const } } : entry));
    expect(verifyChain(edited, { contiguous: false }).breaks.map((broken) => broken.sequence)).toEqual([9]);
  });
});
