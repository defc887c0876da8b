// Runs Electronegativity over the code that ships (main/, preload/ and the built renderer's
// index.html, where the CSP lives) and fails on any finding of MEDIUM or above that has no
// inline justification. Electronegativity itself exits 0 whatever it finds.
//
// A justification is a comment within the three lines above the finding:
//   // [electronegativity] CHECK_ID: why this finding does not apply
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BLOCKING = new Set(['MEDIUM', 'HIGH', 'CRITICAL']);
const root = new URL('..', import.meta.url).pathname;
const rendererHtml = join(root, 'out/renderer/index.html');
if (!existsSync(rendererHtml)) {
  console.error('electronegativity: out/renderer/index.html is missing; run "npm run build" first.');
  process.exit(1);
}

const stage = mkdtempSync(join(tmpdir(), 'wardscribe-electronegativity-'));
try {
  cpSync(join(root, 'main'), join(stage, 'main'), { recursive: true });
  cpSync(join(root, 'preload'), join(stage, 'preload'), { recursive: true });
  cpSync(rendererHtml, join(stage, 'renderer/index.html'));
  const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')).version;
  // The window is built from an options factory the scanner cannot see into, so a scan that
  // parsed main/app always reports findings there. None at all means the scan itself failed
  // (seen once, intermittently): try again, and never pass on an empty scan.
  let rows = [];
  for (let attempt = 1; attempt <= 3 && !rows.some((row) => row[3]?.startsWith('main/app/')); attempt++) {
    const report = join(stage, `report-${attempt}.csv`);
    execFileSync(
      process.execPath,
      [join(root, 'node_modules/@doyensec/electronegativity/dist/index.js'), '-i', stage, '-o', report, '-e', electronVersion, '-r', '-v', 'false'],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    rows = existsSync(report) ? parseCsv(readFileSync(report, 'utf8')).slice(1).filter((row) => row.length >= 5) : [];
  }
  if (!rows.some((row) => row[3]?.startsWith('main/app/'))) {
    console.error('electronegativity: the scan reported nothing for main/app/, so it did not parse the Electron code; failing rather than passing an empty scan.');
    process.exit(1);
  }
  const blocking = [];
  for (const [check, severity, confidence, file, location] of rows) {
    if (!BLOCKING.has(severity)) continue;
    const justification = findJustification(stage, file, location, check);
    if (justification) {
      console.log(`justified  ${severity.padEnd(8)} ${check} ${file}:${location} — ${justification}`);
    } else {
      blocking.push(`${severity} ${check} (${confidence}) at ${file}:${location}`);
    }
  }
  console.log(`electronegativity: ${rows.length} findings, ${blocking.length} at MEDIUM or above without justification`);
  for (const line of blocking) console.error(`  ${line}`);
  process.exit(blocking.length === 0 ? 0 : 1);
} finally {
  rmSync(stage, { recursive: true, force: true });
}

function findJustification(base, file, location, check) {
  if (!file || file === 'N/A') return null;
  const path = join(base, file.replace(/^\/+/, ''));
  if (!existsSync(path)) return null;
  const line = Number.parseInt(location.split(':')[0] ?? '0', 10);
  const lines = readFileSync(path, 'utf8').split('\n');
  const pattern = new RegExp(`\\[electronegativity\\]\\s+${check}:\\s*(\\S.{9,})`);
  for (let index = Math.max(0, line - 4); index < line; index++) {
    const match = pattern.exec(lines[index] ?? '');
    if (match) return match[1].trim();
  }
  return null;
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field.trim());
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      row.push(field.trim());
      rows.push(row);
      row = [];
      field = '';
    } else field += char;
  }
  if (field || row.length) rows.push([...row, field.trim()]);
  return rows;
}
