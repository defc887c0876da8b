#!/usr/bin/env node
/** `node scripts/mutation/survivors.mjs <module>`: the surviving mutants of a module's report, one a line. */
import { readFileSync } from 'node:fs';
import { SAFETY_MODULES } from './modules.mjs';
import { readEquivalents, scoreReport } from './score.mjs';

const module = SAFETY_MODULES.find((entry) => entry.name === process.argv[2]);
if (module === undefined) throw new Error(`no safety module ${process.argv[2]}`);
const report = JSON.parse(readFileSync(`docs/clinical-safety/mutation/${module.name}.json`, 'utf8'));
const equivalents = readEquivalents('docs/clinical-safety/equivalent-mutants.md').filter((entry) => entry.module === module.name);
const score = scoreReport(report, module, equivalents);
for (const survivor of score.survivors) {
  console.log(`${survivor.line}\t${survivor.status}\t${survivor.mutator}\t${survivor.original.replace(/\s+/g, ' ').slice(0, 100)}\t→ ${String(survivor.replacement).replace(/\s+/g, ' ').slice(0, 80)}`);
}
console.log(`${module.name}: ${score.score.toFixed(1)}% (${score.survivors.length} left)`);
