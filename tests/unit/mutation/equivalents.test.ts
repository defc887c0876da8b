/**
 * The equivalent-mutant listing (docs/clinical-safety/equivalent-mutants.md) as scripts/mutation/score.mjs
 * reads it: a row excuses exactly the survivor it names, its place quoted in «» where the same
 * code occurs twice, and a row that would excuse several survivors is reported, not used quietly.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

interface Equivalent { module: string; mutator: string; original: string; replacement: string; context: { before: string; after: string } | null }
interface Score { score: number; equivalent: number; survivors: { line: number }[]; staleEquivalents: Equivalent[]; ambiguousEquivalents: (Equivalent & { lines: number[] })[] }
interface ScoreModule {
  readEquivalents(file: string): Equivalent[];
  scoreReport(report: unknown, module: { file: string }, equivalents: Equivalent[]): Score;
}
// A computed specifier: the script is plain JavaScript with no type declarations.
const SCORE = '../../../scripts/mutation/score.mjs';
const { readEquivalents, scoreReport } = (await import(SCORE)) as ScoreModule;

const folder = mkdtempSync(join(tmpdir(), 'wardscribe-equivalents-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const SOURCE = ['class Fields {', '  spaced = false;', '  seconds = false;', '}', ''].join('\n');
/** A report with the two `false` → `true` mutants surviving, on lines 2 and 3. */
const REPORT = {
  files: {
    'm.ts': {
      source: SOURCE,
      mutants: [
        { mutatorName: 'BooleanLiteral', replacement: 'true', status: 'Survived', location: { start: { line: 2, column: 12 }, end: { line: 2, column: 17 } } },
        { mutatorName: 'BooleanLiteral', replacement: 'true', status: 'Survived', location: { start: { line: 3, column: 13 }, end: { line: 3, column: 18 } } },
        { mutatorName: 'BooleanLiteral', replacement: 'true', status: 'Killed', location: { start: { line: 2, column: 12 }, end: { line: 2, column: 17 } } },
      ],
    },
  },
};

function listing(rows: string[]): Equivalent[] {
  const file = join(folder, `${rows.length}-${Math.random()}.md`);
  writeFileSync(file, ['| module | mutator | original | replacement | why |', '| --- | --- | --- | --- | --- |', ...rows].join('\n'));
  return readEquivalents(file);
}

describe('equivalent mutants', () => {
  it('a row quoting its place excuses that survivor only: the other still counts', () => {
    const rows = listing(['| m | BooleanLiteral | `spaced = «false»;` | `true` | Set before it is read. |']);
    expect(rows[0]).toMatchObject({ original: 'false', context: { before: 'spaced = ', after: ';' } });
    const score = scoreReport(REPORT, { file: 'm.ts' }, rows);
    expect(score.equivalent).toBe(1);
    expect(score.survivors.map((survivor) => survivor.line)).toEqual([3]);
    expect(score.ambiguousEquivalents).toEqual([]);
  });

  it('a row without a place that matches two survivors is reported as ambiguous, naming their lines', () => {
    const score = scoreReport(REPORT, { file: 'm.ts' }, listing(['| m | BooleanLiteral | `false` | `true` | Too broad. |']));
    expect(score.ambiguousEquivalents).toMatchObject([{ original: 'false', lines: [2, 3] }]);
  });

  it('a row whose place no survivor has is stale', () => {
    const score = scoreReport(REPORT, { file: 'm.ts' }, listing(['| m | BooleanLiteral | `minutes = «false»;` | `true` | Gone. |']));
    expect(score.staleEquivalents).toHaveLength(1);
    expect(score.survivors).toHaveLength(2);
  });
});
