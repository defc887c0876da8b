/**
 * Parse benchmark: a deterministic ~70 MB WhatsApp export in iOS and in Android style, parsed by
 * Wardscribe's streaming importer and by whatsapp-chat-parser 4.0.2 (which needs the whole file
 * as one string). Each parser runs in a child process of its own, so peak RSS is its alone, three
 * times alternating with the other; the median run of each is reported.
 *
 * Run once: `WARDSCRIBE_BENCH=parse npx vite-node bench/parse.ts` (heavy: about a minute on two
 * cores). vite-node hides its script argument, hence the variable for the main guard.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { build } from 'esbuild';
import type { BenchRow } from './table';

const ROOT = resolve(__dirname, '..');
const TARGET_BYTES = 70 * 1024 * 1024;

/** A small, fast, seeded PRNG, so every run parses the same bytes. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SENDERS = ['Dr Ada Shah', 'Dr Ben Okoro', 'Sister Carys Jones', 'Dr Dev Patel', 'Pharmacist Eve Li', 'FY1 Finn Byrne'];
const WORDS = 'bed obs stable bloods sats heparin review plan nbm fluids ward round discharge escalate reg consultant pain score dose mg iv oral chart sepsis lactate culture ok thanks will do seen'.split(' ');
const p2 = (n: number) => (n < 10 ? '0' : '') + n;

/** Writes a chat of about TARGET_BYTES in the given style; returns its path. */
export async function generate(dir: string, style: 'ios' | 'android', seed: number): Promise<string> {
  const path = join(dir, style === 'ios' ? '_chat.txt' : 'WhatsApp Chat with Ward 7.txt');
  const out = createWriteStream(path);
  const random = mulberry32(seed);
  let time = Date.UTC(2020, 0, 13, 8, 0, 0);
  let written = 0;
  let batch = '';
  while (written < TARGET_BYTES) {
    time += Math.floor(random() * 240) * 1000;
    const at = new Date(time);
    const date = `${p2(at.getUTCDate())}/${p2(at.getUTCMonth() + 1)}/${at.getUTCFullYear()}`;
    const sender = SENDERS[Math.floor(random() * SENDERS.length)]!;
    const wordCount = 3 + Math.floor(random() * 18);
    let text = '';
    for (let i = 0; i < wordCount; i++) text += (i ? ' ' : '') + WORDS[Math.floor(random() * WORDS.length)]!;
    if (random() < 0.1) text += '\n' + WORDS[Math.floor(random() * WORDS.length)]! + ' continued';
    if (random() < 0.02) text = style === 'ios' ? `\u200E<attached: ${Math.floor(random() * 1e8)}-PHOTO.jpg>` : `IMG-${Math.floor(random() * 1e8)}-WA0001.jpg (file attached)`;
    const line =
      style === 'ios'
        ? `[${date}, ${p2(at.getUTCHours())}:${p2(at.getUTCMinutes())}:${p2(at.getUTCSeconds())}] ${sender}: ${text}\n`
        : `${date}, ${p2(at.getUTCHours())}:${p2(at.getUTCMinutes())} - ${sender}: ${text}\n`;
    batch += line;
    if (batch.length > 1 << 20) {
      written += Buffer.byteLength(batch);
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  out.end(batch);
  await once(out, 'finish');
  return path;
}

const OURS_RUNNER = `
import { openChatExport } from './main/importers';
(async () => {
  const start = performance.now();
  const chat = await openChatExport(process.argv[2]!, { zone: 'Europe/London' });
  let count = 0;
  // Batches, as the import worker reads them: the same messages, one await per chunk.
  for (;;) { const next = await chat.batches.next(); if (next.done) break; count += next.value.length; }
  const ms = performance.now() - start;
  process.stdout.write(JSON.stringify({ ms, count, maxRssKb: process.resourceUsage().maxRSS }));
})();
`;

const THEIRS_RUNNER = `
const { readFileSync } = require('node:fs');
const { parseString } = require('whatsapp-chat-parser');
const start = performance.now();
const messages = parseString(readFileSync(process.argv[2], 'utf8'), { parseAttachments: true });
const ms = performance.now() - start;
process.stdout.write(JSON.stringify({ ms, count: messages.length, maxRssKb: process.resourceUsage().maxRSS }));
`;

interface Measurement {
  readonly ms: number;
  readonly count: number;
  readonly maxRssKb: number;
}

const ROUNDS = 3;

/** The run with the median time; its peak RSS is the median of the peaks. */
function median(runs: readonly Measurement[]): Measurement {
  const middle = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!;
  const ms = middle(runs.map((run) => run.ms));
  return { ms, count: runs[0]!.count, maxRssKb: middle(runs.map((run) => run.maxRssKb)) };
}

function measure(runner: string, file: string): Measurement {
  const result = spawnSync(process.execPath, [runner, file], { encoding: 'utf8', env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') }, maxBuffer: 1 << 20 });
  if (result.status !== 0) throw new Error(`bench runner failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Measurement;
}

/** Generates the exports, measures both parsers on each, returns the table rows. */
export async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'wardscribe-bench-parse-'));
  try {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const ours = join(dir, 'ours.cjs');
    await build({
      stdin: { contents: OURS_RUNNER, resolveDir: ROOT, loader: 'ts', sourcefile: 'bench-parse-runner.ts' },
      outfile: ours,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'warning',
      external: ['electron', ...Object.keys(pkg.dependencies ?? {})],
    });
    const theirs = join(dir, 'theirs.cjs');
    createWriteStream(theirs).end(THEIRS_RUNNER);
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));

    const rows: BenchRow[] = [];
    for (const [style, seed] of [['ios', 7], ['android', 11]] as const) {
      const file = await generate(dir, style, seed);
      const megabytes = statSync(file).size / (1024 * 1024);
      // Each parser three times, alternating, in fresh processes; the median run of each counts,
      // so one run slowed by a busy neighbour does not decide the ratio.
      const ourRuns: Measurement[] = [];
      const theirRuns: Measurement[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        ourRuns.push(measure(ours, file));
        theirRuns.push(measure(theirs, file));
      }
      const ourRun = median(ourRuns);
      const theirRun = median(theirRuns);
      const label = `WhatsApp ${style === 'ios' ? 'iOS' : 'Android'}, ${megabytes.toFixed(0)} MB, ${ourRun.count} messages`;
      const ourSpeed = megabytes / (ourRun.ms / 1000);
      const theirSpeed = megabytes / (theirRun.ms / 1000);
      const speedRatio = ourSpeed / theirSpeed;
      const memoryRatio = ourRun.maxRssKb / theirRun.maxRssKb;
      if (ourRun.count !== theirRun.count) rows.push({ name: `${label}: message counts differ (whatsapp-chat-parser ${theirRun.count})`, value: ourRun.count - theirRun.count, unit: 'messages' });
      rows.push(
        { name: `${label}: Wardscribe parse`, value: ourSpeed, unit: 'MB/s' },
        { name: `${label}: whatsapp-chat-parser 4.0.2`, value: theirSpeed, unit: 'MB/s' },
        { name: `${label}: throughput ratio`, value: speedRatio, unit: '×', target: '≥ 3× whatsapp-chat-parser', met: speedRatio >= 3 },
        { name: `${label}: Wardscribe peak RSS`, value: ourRun.maxRssKb / 1024, unit: 'MB RSS' },
        { name: `${label}: whatsapp-chat-parser peak RSS`, value: theirRun.maxRssKb / 1024, unit: 'MB RSS' },
        { name: `${label}: peak RSS ratio`, value: memoryRatio, unit: '×', target: '≤ ¼ of whatsapp-chat-parser', met: memoryRatio <= 0.25 },
      );
      rmSync(file);
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env.WARDSCRIBE_BENCH === 'parse' || (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(__filename))) {
  void import('./table').then(async ({ formatTable }) => console.log(formatTable(await run())));
}
