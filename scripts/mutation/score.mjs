/**
 * Scores a Stryker (mutation-testing-report-schema) report, leaving out the survivors listed as
 * equivalent in docs/clinical-safety/equivalent-mutants.md. A listed mutant is matched by module,
 * mutator, the original code and the replacement (whitespace collapsed), not by line, so the
 * listing survives edits elsewhere in the file. Where that text occurs at more than one place, the
 * row quotes the code around it with the mutated part in «guillemets» (`spaced = «false»;`), and
 * matches only there. A row must match exactly one surviving mutant: one that matches none is
 * stale, one that matches several is ambiguous (it would excuse a survivor nobody has looked at).
 */
import { readFileSync, existsSync } from 'node:fs';

const squash = (text) => text.replace(/\s+/g, ' ').trim();

/** The original code a mutant replaced, from the report's copy of the source. */
export function originalOf(source, location) {
  const lines = source.split('\n');
  const { start, end } = location;
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  const parts = [lines[start.line - 1].slice(start.column - 1)];
  for (let line = start.line + 1; line < end.line; line++) parts.push(lines[line - 1]);
  parts.push(lines[end.line - 1].slice(0, end.column - 1));
  return parts.join('\n');
}

/** Rows of the equivalent-mutants table: | module | mutator | `original` | `replacement` | why |. */
export function readEquivalents(file) {
  if (!existsSync(file)) return [];
  const entries = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('|')) continue;
    const cells = line
      .slice(1, line.trimEnd().endsWith('|') ? line.trimEnd().length - 1 : undefined)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim().replace(/\\\|/g, '|'));
    if (cells.length < 5) continue;
    const code = (cell) => {
      const match = /^`+([\s\S]*?)`+$/.exec(cell);
      return match === null ? null : match[1];
    };
    const quoted = code(cells[2]);
    const replacement = code(cells[3]);
    if (quoted === null || replacement === null) continue;
    const marked = /^([\s\S]*)«([\s\S]*)»([\s\S]*)$/.exec(quoted);
    const original = marked ? marked[2] : quoted;
    const context = marked ? { before: marked[1], after: marked[3] } : null;
    entries.push({ module: cells[0].replace(/`/g, ''), mutator: cells[1], original, replacement, context, why: cells[4] });
  }
  return entries;
}

/** Whitespace runs as one space, not trimmed (context is compared at its edges). */
const spaced = (text) => text.replace(/\s+/g, ' ');

function offsetOf(source, position) {
  const lines = source.split('\n');
  let offset = 0;
  for (let line = 1; line < position.line; line++) offset += lines[line - 1].length + 1;
  return offset + position.column - 1;
}

/** Whether the code around the mutant is the row's quoted context. */
function inContext(source, location, context) {
  if (context === null) return true;
  const before = spaced(source.slice(0, offsetOf(source, location.start)));
  const after = spaced(source.slice(offsetOf(source, location.end)));
  return before.endsWith(spaced(context.before)) && after.startsWith(spaced(context.after));
}

export function scoreReport(report, module, equivalents) {
  const counts = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, equivalent: 0, invalid: 0, ignored: 0 };
  const used = new Set();
  /** How many survivors each row matched. */
  const matches = new Map();
  const survivors = [];
  for (const [name, file] of Object.entries(report.files)) {
    if (name !== module.file) continue;
    for (const mutant of file.mutants) {
      switch (mutant.status) {
        case 'Killed':
          counts.killed++;
          break;
        case 'Timeout':
          counts.timeout++;
          break;
        case 'Survived':
        case 'NoCoverage': {
          const original = originalOf(file.source, mutant.location);
          const match = equivalents.findIndex(
            (entry) =>
              entry.mutator === mutant.mutatorName &&
              squash(entry.original) === squash(original) &&
              squash(entry.replacement) === squash(mutant.replacement ?? '') &&
              inContext(file.source, mutant.location, entry.context),
          );
          if (match >= 0) {
            counts.equivalent++;
            used.add(match);
            matches.set(match, [...(matches.get(match) ?? []), mutant.location.start.line]);
          } else {
            if (mutant.status === 'Survived') counts.survived++;
            else counts.noCoverage++;
            // A static mutant "survives" with no test completed when its run never started the tests: not evidence of anything.
            survivors.push({ line: mutant.location.start.line, mutator: mutant.mutatorName, original, replacement: mutant.replacement, status: mutant.status, ranNoTest: mutant.static === true && mutant.testsCompleted === 0 });
          }
          break;
        }
        case 'Ignored':
          counts.ignored++;
          break;
        default:
          counts.invalid++;
      }
    }
  }
  const detected = counts.killed + counts.timeout;
  const valid = detected + counts.survived + counts.noCoverage;
  const score = valid === 0 ? 0 : (100 * detected) / valid;
  const rawValid = valid + counts.equivalent;
  return {
    ...counts,
    score,
    rawScore: rawValid === 0 ? 0 : (100 * detected) / rawValid,
    survivors,
    staleEquivalents: equivalents.filter((_, index) => !used.has(index)),
    ambiguousEquivalents: [...matches].filter(([, lines]) => lines.length > 1).map(([index, lines]) => ({ ...equivalents[index], lines })),
  };
}
