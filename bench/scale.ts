/**
 * Scale benchmark (issue #16): sign-in and search at 10,000 and at 1.5 million messages.
 *
 * Each vault is a real one (SessionService, DEFAULT_KDF key slot, every migration) holding one
 * thread of generated ward chat: words drawn from a Zipf-like distribution over a clinical
 * vocabulary, so a few words are in a large share of messages (the hard case for ranking) and
 * most are rare. Messages are written as imports write them (bulk write mode, the FTS5 index by
 * trigger). Then:
 * - sign-in: SessionService.signIn, the whole path (Argon2id, the opening check, migrations, the
 *   audit trail), median of SIGN_INS, the sizes in turns; and the vault opening alone;
 * - the background page check's duration and the longest event-loop stall during it;
 * - search: ThreadReader.searchOffMain (the IPC handler's path: audited, run on the search
 *   thread's own read-only connection, marked with filings), top 50, each query of QUERIES
 *   SEARCH_ROUNDS times, median and p95 over all of them, and the longest event-loop stall while
 *   they ran (the main process stays free); and the query alone on the main connection, without
 *   the audit entry's synchronous commit (an fsync, which a busy disk stretches).
 *
 * Sizes: `WARDSCRIBE_BENCH_SCALE_SIZES=10000,1500000` (the default). Building 1.5 million messages
 * takes minutes; `WARDSCRIBE_BENCH_SCALE_DIR=/some/folder` keeps the vaults there and reuses them.
 * Run: `WARDSCRIBE_BENCH=scale npm run bench`.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { ChatMessage } from '../shared/domain/chat';
import { silentLogger } from '../main/log';
import { SessionService } from '../main/session/session-service';
import { SearchThread } from '../main/search/search-thread';
import { ThreadReader } from '../main/threads/thread-reader';
import { DEFAULT_KDF } from '../main/vault/key-slots';
import { insertMessages, searchMessages } from '../main/vault/queries/messages';
import { completeThread, insertImportingThread } from '../main/vault/queries/threads';
import { enterBulkWriteMode } from '../main/vault/sqlcipher';
import { openVault } from '../main/vault/vault';
import { vaultFiles } from '../main/vault/vault-files';
import type { BenchRow } from './table';

const DEFAULT_SIZES = [10_000, 1_500_000];
const SIGN_INS = 5;
const SEARCH_ROUNDS = 15;
const SEARCH_LIMIT = 50;
const SIGN_IN_RATIO_TARGET = 1.5;
const SEARCH_MEDIAN_TARGET_MS = 50;
const SEARCH_P95_TARGET_MS = 150;
const BATCH = 20_000;
const ADMIN = { username: 'bench', displayName: 'Bench Admin', passphrase: 'a long bench passphrase that is fine' };
/** Bumped when the generated content changes, so a kept vault of another version is rebuilt. */
const GENERATOR_VERSION = 1;

/**
 * What a ward searches for: a very common word (in about a third of messages), a clinical word,
 * two words, a phrase, a prefix, a rare word, and a common word newest first.
 */
const QUERIES: readonly { readonly query: string; readonly order: 'relevance' | 'newest' }[] = [
  { query: 'the', order: 'relevance' },
  { query: 'heparin', order: 'relevance' },
  { query: 'bloods review', order: 'relevance' },
  { query: '"stop heparin"', order: 'relevance' },
  { query: 'hep*', order: 'relevance' },
  { query: 'tazocin', order: 'relevance' },
  { query: 'the', order: 'newest' },
];

const COMMON = 'the a to and of is on for in please can you ok thanks he she pt bed now will be at with'.split(' ');
const CLINICAL =
  'heparin stop bloods review obs stable sats fluids ward round discharge escalate reg consultant pain score dose oral chart crp hb potassium sodium creatinine ecg cxr ct mri antibiotics tazocin amoxicillin paracetamol morphine oxygen news2 sepsis fall confused catheter cannula iv plan family nok dnacpr resus bp hr temp'.split(
    ' ',
  );

/** Deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A vocabulary of common, clinical and ~4,000 rarer made-up words, drawn Zipf-like (rank^-1). */
function vocabulary(next: () => number): () => string {
  const rare: string[] = [];
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (let index = 0; index < 4_000; index++) {
    let word = '';
    const length = 4 + Math.floor(next() * 6);
    for (let letter = 0; letter < length; letter++) word += letters[Math.floor(next() * letters.length)];
    rare.push(word);
  }
  const words = [...COMMON, ...CLINICAL, ...rare];
  const cumulative: number[] = [];
  let total = 0;
  for (let rank = 1; rank <= words.length; rank++) cumulative.push((total += 1 / rank));
  return () => {
    const target = next() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return words[low]!;
  };
}

function* messages(count: number): Generator<ChatMessage[]> {
  const next = random(16);
  const word = vocabulary(next);
  const start = Date.parse('2024-01-01T00:00:00Z');
  let batch: ChatMessage[] = [];
  for (let index = 0; index < count; index++) {
    const words = 3 + Math.floor(next() * 14);
    let text = word();
    for (let at = 1; at < words; at++) text += ' ' + word();
    // Now and then the phrase the benchmark searches for.
    if (next() < 0.002) text += ' stop heparin';
    const instant = new Date(start + index * 20_000).toISOString().replace('.000Z', 'Z');
    batch.push({
      index,
      sender: `Dr ${String.fromCharCode(65 + (index % 17))}`,
      text,
      kind: 'message',
      head: '',
      localTime: instant.slice(0, 19),
      zone: 'Europe/London',
      instant,
      flags: [],
      attachment: null,
      line: index + 1,
      warnings: [],
    });
    if (batch.length === BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function session(dir: string): SessionService {
  return new SessionService({ files: vaultFiles(dir), emit: () => undefined, log: silentLogger, kdf: DEFAULT_KDF });
}

/** Builds (or reuses) a vault of `count` messages in `dir`. */
async function build(dir: string, count: number): Promise<{ built: boolean; buildS: number }> {
  const marker = join(dir, `built-v${GENERATOR_VERSION}-${count}`);
  if (existsSync(marker)) return { built: false, buildS: 0 };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const start = performance.now();
  const sessions = session(dir);
  await sessions.createFirstAdmin(ADMIN);
  const db = sessions.vault().db;
  const admin = (db.prepare('SELECT id FROM users LIMIT 1').get() as { id: string }).id;
  const threadId = '11111111-1111-4111-8111-111111111111';
  insertImportingThread(db, { id: threadId, zone: 'Europe/London', importedBy: admin, importedAt: new Date(), sourceFileName: 'bench.txt', sourceSha256: 'b'.repeat(64) });
  const leave = enterBulkWriteMode(db);
  try {
    for (const batch of messages(count)) db.transaction(() => insertMessages(db, threadId, batch))();
  } finally {
    leave();
  }
  completeThread(db, threadId, {
    source: 'whatsapp-ios',
    title: 'Bench ward',
    fingerprint: 'c'.repeat(64),
    dateOrder: null,
    messageCount: count,
    firstInstant: '2024-01-01T00:00:00Z',
    lastInstant: new Date(Date.parse('2024-01-01T00:00:00Z') + (count - 1) * 20_000).toISOString(),
  });
  sessions.lock('sign-out');
  mkdirSync(marker);
  return { built: true, buildS: (performance.now() - start) / 1000 };
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

const median = (values: readonly number[]) => percentile([...values].sort((a, b) => a - b), 0.5);

interface Measured {
  readonly count: number;
  readonly fileMb: number;
  readonly buildS: number;
  readonly signInMs: number;
  readonly openMs: number;
  readonly checkMs: number;
  readonly checkStallMs: number;
  readonly searchMedianMs: number;
  readonly searchP95Ms: number;
  /** The longest the main event loop was held while the searches ran (they run on the search thread). */
  readonly searchStallMs: number;
  readonly slowestQuery: string;
  /** The query alone (searchMessages), without the audit entry each search writes (a synchronous commit). */
  readonly queryMedianMs: number;
  readonly queryP95Ms: number;
}

/**
 * Sign-in times of every vault, taken in turns (10k, 1.5M, 10k, …) so that a busy neighbour on
 * the machine slows each size alike: the ratio is what is targeted.
 */
async function signInTimes(dirs: readonly string[]): Promise<number[][]> {
  const sessions = dirs.map(session);
  const times = dirs.map(() => [] as number[]);
  for (let run = 0; run < SIGN_INS; run++) {
    for (const [index, signedIn] of sessions.entries()) {
      const start = performance.now();
      await signedIn.signIn(ADMIN.username, ADMIN.passphrase);
      times[index]!.push(performance.now() - start);
      signedIn.lock('sign-out');
    }
  }
  return times;
}

async function measure(dir: string, count: number, buildS: number, signIns: readonly number[]): Promise<Measured> {
  const files = vaultFiles(dir);
  const fileMb = statSync(files.database).size / (1024 * 1024);
  const sessions = session(dir);
  await sessions.signIn(ADMIN.username, ADMIN.passphrase);

  // The vault opening alone (what the page check was part of), with the key this session holds.
  const key = Buffer.from(sessions.vault().key);
  const opens: number[] = [];
  for (let run = 0; run < SIGN_INS; run++) {
    const start = performance.now();
    openVault(files, key, sessions.vault().vaultId, sessions.vault().generation).db.close();
    opens.push(performance.now() - start);
  }
  key.fill(0);

  // The background check started by the last sign-in: how long, and how long it held the event loop.
  const stalls = monitorEventLoopDelay({ resolution: 5 });
  stalls.enable();
  const checkStart = performance.now();
  await sessions.integritySettled();
  const checkMs = performance.now() - checkStart;
  stalls.disable();
  if (sessions.integrity().state !== 'intact') throw new Error(`scale bench: the background check ended ${sessions.integrity().state}`);

  const searchThread = new SearchThread();
  const reader = new ThreadReader(sessions, { searchThread });
  const latencies: number[] = [];
  const perQuery = new Map<string, number[]>();
  // The thread started, and its script loaded, before anything is timed.
  await reader.searchOffMain(QUERIES[0]!.query, SEARCH_LIMIT, QUERIES[0]!.order);
  const searchStalls = monitorEventLoopDelay({ resolution: 5 });
  searchStalls.enable();
  for (let round = 0; round < SEARCH_ROUNDS; round++) {
    for (const { query, order } of QUERIES) {
      const start = performance.now();
      const hits = await reader.searchOffMain(query, SEARCH_LIMIT, order);
      const elapsed = performance.now() - start;
      if (hits.length === 0) throw new Error(`scale bench: "${query}" found nothing`);
      latencies.push(elapsed);
      const name = `${query} (${order})`;
      perQuery.set(name, [...(perQuery.get(name) ?? []), elapsed]);
    }
  }
  searchStalls.disable();
  searchThread.close();
  const db = sessions.vault().db;
  const queryOnly: number[] = [];
  for (let round = 0; round < SEARCH_ROUNDS; round++) {
    for (const { query, order } of QUERIES) {
      const start = performance.now();
      searchMessages(db, query, SEARCH_LIMIT, order);
      queryOnly.push(performance.now() - start);
    }
  }
  queryOnly.sort((a, b) => a - b);
  sessions.lock('sign-out');
  const sorted = [...latencies].sort((a, b) => a - b);
  const slowest = [...perQuery.entries()].map(([name, values]) => ({ name, ms: median(values) })).sort((a, b) => b.ms - a.ms)[0]!;
  return {
    count,
    fileMb,
    buildS,
    signInMs: median(signIns),
    openMs: median(opens),
    checkMs,
    checkStallMs: stalls.max / 1e6,
    searchMedianMs: percentile(sorted, 0.5),
    searchP95Ms: percentile(sorted, 0.95),
    slowestQuery: `${slowest.name}: ${slowest.ms.toFixed(1)} ms median`,
    searchStallMs: searchStalls.max / 1e6,
    queryMedianMs: percentile(queryOnly, 0.5),
    queryP95Ms: percentile(queryOnly, 0.95),
  };
}

export async function run(): Promise<BenchRow[]> {
  const sizes = (process.env.WARDSCRIBE_BENCH_SCALE_SIZES ?? DEFAULT_SIZES.join(','))
    .split(',')
    .map((size) => Number(size.trim()))
    .filter((size) => Number.isInteger(size) && size > 0);
  const keep = process.env.WARDSCRIBE_BENCH_SCALE_DIR;
  const root = keep ?? mkdtempSync(join(tmpdir(), 'wardscribe-bench-scale-'));
  try {
    const dirs = sizes.map((size) => join(root, `vault-${size}`));
    const builds: number[] = [];
    for (const [index, size] of sizes.entries()) {
      console.error(`bench: scale: a vault of ${size} messages…`);
      builds.push((await build(dirs[index]!, size)).buildS);
    }
    console.error('bench: scale: sign-in, in turns…');
    const signIns = await signInTimes(dirs);
    const results: Measured[] = [];
    for (const [index, size] of sizes.entries()) {
      console.error(`bench: scale: search, ${size} messages…`);
      results.push(await measure(dirs[index]!, size, builds[index]!, signIns[index]!));
    }
    const smallest = results[0]!;
    const rows: BenchRow[] = [];
    for (const result of results) {
      const label = `${result.count.toLocaleString('en-GB')} messages (${result.fileMb.toFixed(0)} MB)`;
      const ratio = result.signInMs / smallest.signInMs;
      const large = result.count >= 1_000_000;
      if (result.buildS > 0) rows.push({ name: `Scale vault build, ${label}`, value: result.buildS, unit: 's' });
      rows.push({ name: `Sign-in (Argon2id, opening check, migrations, trail), ${label}`, value: Math.round(result.signInMs), unit: 'ms' });
      if (result !== smallest) {
        rows.push({ name: `Sign-in time, ${label} ÷ ${smallest.count.toLocaleString('en-GB')}`, value: ratio, unit: '×', target: `≤ ${SIGN_IN_RATIO_TARGET}×`, met: ratio <= SIGN_IN_RATIO_TARGET });
      }
      rows.push({ name: `Vault opening alone (key, schema, edge pages, migrations), ${label}`, value: result.openMs, unit: 'ms' });
      rows.push({ name: `Background page check after sign-in, ${label}`, value: Math.round(result.checkMs), unit: 'ms' });
      rows.push({ name: `Longest event-loop stall during the background check, ${label}`, value: result.checkStallMs, unit: 'ms' });
      rows.push({
        name: `Search top ${SEARCH_LIMIT}, median of ${QUERIES.length} queries × ${SEARCH_ROUNDS}, ${label}`,
        value: result.searchMedianMs,
        unit: 'ms',
        ...(large ? { target: `≤ ${SEARCH_MEDIAN_TARGET_MS} ms`, met: result.searchMedianMs <= SEARCH_MEDIAN_TARGET_MS } : {}),
      });
      rows.push({
        name: `Search top ${SEARCH_LIMIT}, p95, ${label} (slowest: ${result.slowestQuery})`,
        value: result.searchP95Ms,
        unit: 'ms',
        ...(large ? { target: `≤ ${SEARCH_P95_TARGET_MS} ms`, met: result.searchP95Ms <= SEARCH_P95_TARGET_MS } : {}),
      });
      rows.push({ name: `Longest event-loop stall while the searches ran (on the search thread), ${label}`, value: result.searchStallMs, unit: 'ms' });
      rows.push({ name: `Search query alone on the main connection (without its audit entry's commit), median, ${label}`, value: result.queryMedianMs, unit: 'ms' });
      rows.push({ name: `Search query alone, p95, ${label}`, value: result.queryP95Ms, unit: 'ms' });
    }
    return rows;
  } finally {
    if (!keep) rmSync(root, { recursive: true, force: true });
  }
}
