import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, GENESIS_HEAD, hashEntryBody, sealEntry, verifyChain } from '../../../main/audit/chain';
import { canonicalJson } from '../../../main/audit/canonical';
import type { AuditEntry, ChainHead } from '../../../shared/domain/audit';
import { makeTrail } from './support/fixtures';

/**
 * H-016 (audit trail edited after the fact): the exact breaks the verifier reports, each with its
 * sentence, and the pinned genesis — what mutation testing showed no test stated.
 */
const TRAIL = makeTrail(6).store.storedEntries;
const at = (sequence: number) => TRAIL[sequence - 1]!;
const headOf = (entry: AuditEntry): ChainHead => ({ sequence: entry.sequence, hash: entry.entryHash });

describe('the genesis', () => {
  it('is SHA-256 of the versioned label, at sequence 0', () => {
    const label = createHash('sha256').update('Wardscribe audit trail genesis v1').digest('hex');
    expect(GENESIS_HASH).toBe(label);
    // Pinned: every exported trail and every EPR witness depends on this value never changing.
    expect(GENESIS_HASH).toBe('88fba171faf5421158c4c89a0b3ca2f86739d7dbf01a070732080fdf13bc1124');
    expect(GENESIS_HEAD).toEqual({ sequence: 0, hash: label });
    expect(at(1).previousHash).toBe(label);
  });
});

describe('entry hashes', () => {
  it('hash the canonical form of every field but entryHash', () => {
    const { entryHash, ...body } = at(3);
    const expected = createHash('sha256').update(canonicalJson(body)).digest('hex');
    expect(hashEntryBody(body)).toBe(expected);
    expect(hashEntryBody(at(3))).toBe(expected);
    expect(hashEntryBody({ ...at(3), entryHash: 'f'.repeat(64) } as AuditEntry)).toBe(expected);
    expect(entryHash).toBe(expected);
    expect(sealEntry(body)).toEqual({ ...body, entryHash: expected });
  });
});

describe('verifyChain reports each break exactly', () => {
  const whole = { contiguous: true, anchor: GENESIS_HEAD, expectedHead: headOf(at(6)) };

  it('an untouched trail: ok, every entry checked', () => {
    expect(verifyChain(TRAIL, whole)).toEqual({ ok: true, checked: 6, breaks: [] });
    expect(verifyChain([], { contiguous: true })).toEqual({ ok: true, checked: 0, breaks: [] });
  });

  it('an edited entry: hash-mismatch with both hashes', () => {
    const edited = { ...at(2), action: 'filed' as const };
    const recomputed = hashEntryBody(edited);
    const result = verifyChain([at(1), edited], { contiguous: true, anchor: GENESIS_HEAD });
    expect(result).toEqual({
      ok: false,
      checked: 2,
      breaks: [{ kind: 'hash-mismatch', sequence: 2, index: 1, detail: `entry 2 hashes to ${recomputed}, but records ${at(2).entryHash}` }],
    });
  });

  it('a checkpoint vouching for another hash: checkpoint-mismatch; one that agrees: nothing', () => {
    const other = 'e'.repeat(64);
    expect(verifyChain(TRAIL, { ...whole, checkpoints: [{ sequence: 4, entryHash: other }] }).breaks).toEqual([
      { kind: 'checkpoint-mismatch', sequence: 4, index: 3, detail: `a signed checkpoint vouches for ${other} at entry 4, the entry records ${at(4).entryHash}` },
    ]);
    expect(verifyChain(TRAIL, { ...whole, checkpoints: [{ sequence: 4, entryHash: at(4).entryHash }, { sequence: 99, entryHash: other }] }).ok).toBe(true);
  });

  it('a link to the wrong predecessor: link-mismatch naming the entry or the anchor', () => {
    const relinked = sealEntry({ ...at(3), previousHash: at(1).entryHash });
    expect(verifyChain([at(1), at(2), relinked], { contiguous: true, anchor: GENESIS_HEAD }).breaks).toEqual([
      { kind: 'link-mismatch', sequence: 3, index: 2, detail: `entry 3 points back to ${at(1).entryHash}, but entry 2 is ${at(2).entryHash}` },
    ]);
    const anchor: ChainHead = { sequence: 2, hash: 'd'.repeat(64) };
    expect(verifyChain([at(3)], { contiguous: true, anchor }).breaks).toEqual([
      { kind: 'link-mismatch', sequence: 3, index: 0, detail: `entry 3 points back to ${at(2).entryHash}, but the anchor (2) is ${'d'.repeat(64)}` },
    ]);
    // Linked to the anchor it follows: fine.
    expect(verifyChain([at(3), at(4)], { contiguous: true, anchor: headOf(at(2)) }).ok).toBe(true);
  });

  it('no anchor: the first entry is not linked to anything', () => {
    expect(verifyChain([at(3), at(4)], { contiguous: true }).ok).toBe(true);
  });

  it('a repeated or earlier sequence: out-of-order, and no link is judged across it', () => {
    expect(verifyChain([at(1), at(2), at(2)], { contiguous: true, anchor: GENESIS_HEAD }).breaks).toEqual([
      { kind: 'out-of-order', sequence: 2, index: 2, detail: 'entry 2 comes after entry 2' },
    ]);
    expect(verifyChain([at(1), at(3), at(2)], { contiguous: false }).breaks).toEqual([
      { kind: 'out-of-order', sequence: 2, index: 2, detail: 'entry 2 comes after entry 3' },
    ]);
    expect(verifyChain([at(2)], { contiguous: true, anchor: headOf(at(2)) }).breaks).toEqual([
      { kind: 'out-of-order', sequence: 2, index: 0, detail: 'entry 2 comes after the anchor (2)' },
    ]);
  });

  it('missing entries: sequence-gap in a whole run, accepted in a filtered selection', () => {
    expect(verifyChain([at(1), at(4)], { contiguous: true, anchor: GENESIS_HEAD }).breaks).toEqual([
      { kind: 'sequence-gap', sequence: 4, index: 1, detail: 'entries 2–3 are missing before entry 4' },
    ]);
    expect(verifyChain([at(1), at(3)], { contiguous: true, anchor: GENESIS_HEAD }).breaks).toEqual([
      { kind: 'sequence-gap', sequence: 3, index: 1, detail: 'entries 2–2 are missing before entry 3' },
    ]);
    expect(verifyChain([at(1), at(4)], { contiguous: false, anchor: GENESIS_HEAD }).ok).toBe(true);
    // Across a gap nothing is linked, even in a whole run: only the gap is reported.
    const stray = sealEntry({ ...at(4), previousHash: 'c'.repeat(64) });
    expect(verifyChain([at(1), stray], { contiguous: false }).ok).toBe(true);
  });

  it('entries ending before the expected head: truncated at the head', () => {
    expect(verifyChain(TRAIL.slice(0, 4), whole).breaks).toEqual([{ kind: 'truncated', sequence: 6, index: -1, detail: 'the entries end at 4, but the head is entry 6' }]);
    expect(verifyChain([], { contiguous: true, anchor: GENESIS_HEAD, expectedHead: headOf(at(2)) }).breaks).toEqual([
      { kind: 'truncated', sequence: 2, index: -1, detail: 'the entries end at 0, but the head is entry 2' },
    ]);
    expect(verifyChain([], { contiguous: true, anchor: headOf(at(1)), expectedHead: headOf(at(2)) }).breaks).toEqual([
      { kind: 'truncated', sequence: 2, index: -1, detail: 'the entries end at 1, but the head is entry 2' },
    ]);
    expect(verifyChain([], { contiguous: true, expectedHead: headOf(at(2)) }).breaks).toEqual([
      { kind: 'truncated', sequence: 2, index: -1, detail: 'the entries end at 0, but the head is entry 2' },
    ]);
    // No entries, head already at the anchor: nothing cut off.
    expect(verifyChain([], { contiguous: true, anchor: headOf(at(2)), expectedHead: headOf(at(2)) }).ok).toBe(true);
  });

  it('a last entry re-sealed at the head\'s sequence: head-mismatch', () => {
    const resealed = sealEntry({ ...at(6), action: 'wipe' });
    const result = verifyChain([...TRAIL.slice(0, 5), resealed], whole);
    expect(result.breaks).toEqual([
      {
        kind: 'head-mismatch',
        sequence: 6,
        index: 5,
        detail: `the last entry is 6 (${resealed.entryHash}), but the head is 6 (${at(6).entryHash})`,
      },
    ]);
  });

  it('entries going past the expected head: head-mismatch', () => {
    const result = verifyChain(TRAIL, { ...whole, expectedHead: headOf(at(5)) });
    expect(result.breaks).toEqual([
      { kind: 'head-mismatch', sequence: 6, index: 5, detail: `the last entry is 6 (${at(6).entryHash}), but the head is 5 (${at(5).entryHash})` },
    ]);
  });

  it('a last entry past the head is a head-mismatch even when it claims the head\'s hash', () => {
    const forged = { ...at(6), entryHash: at(5).entryHash };
    const breaks = verifyChain([...TRAIL.slice(0, 5), forged], { ...whole, expectedHead: headOf(at(5)) }).breaks;
    expect(breaks.map((broken) => broken.kind)).toEqual(['hash-mismatch', 'head-mismatch']);
    expect(breaks[1]).toEqual({ kind: 'head-mismatch', sequence: 6, index: 5, detail: `the last entry is 6 (${at(5).entryHash}), but the head is 5 (${at(5).entryHash})` });
  });

  it('reports every break, in list order', () => {
    const edited = { ...at(2), action: 'filed' as const };
    const result = verifyChain([at(1), edited, at(4)], { contiguous: true, anchor: GENESIS_HEAD, expectedHead: headOf(at(6)) });
    expect(result.breaks.map((broken) => [broken.kind, broken.index])).toEqual([
      ['hash-mismatch', 1],
      ['sequence-gap', 2],
      ['truncated', -1],
    ]);
    expect(result.ok).toBe(false);
    expect(result.checked).toBe(3);
  });
});
