/**
 * Import benchmark: the deterministic ~70 MB iOS-style WhatsApp export of bench/parse.ts (about
 * 700k messages) imported end to end into a fresh vault by ImportService, with a real
 * SessionService: source hash, streaming parse, encrypted batched inserts and the FTS5 index.
 * The import runs in a child process of its own, so its peak RSS is the import's alone. Key
 * derivation uses MINIMUM_KDF: it is not what is measured (bench/vault.ts measures it).
 *
 * Run once: `WARDSCRIBE_BENCH=import npx vite-node bench/run.ts` (heavy).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchRow } from './table';

const ROOT = resolve(__dirname, '..');
const TARGET_MS = 10_000;
const TARGET_MESSAGES = 700_000;
/** The iOS export's seed in bench/parse.ts, so both benchmarks read the same bytes. */
const IOS_SEED = 7;

interface ChildResult {
  readonly messages: number;
  readonly storedMessages: number;
  readonly importMs: number;
  /** RSS with the vault open and the modules loaded, before the import starts. */
  readonly beforeImportRssMb: number;
  readonly peakRssMb: number;
  readonly vaultMb: number;
}

/** The child's work: imports `file` into a fresh vault and prints one JSON line. */
export async function importBenchChild(file: string): Promise<void> {
  const [{ ImportService }, { SessionService }, { silentLogger }, { MINIMUM_KDF }, { vaultFiles }] = await Promise.all([
    import('../main/imports/import-service'),
    import('../main/session/session-service'),
    import('../main/log'),
    import('../main/vault/key-slots'),
    import('../main/vault/vault-files'),
  ]);
  const folder = mkdtempSync(join(tmpdir(), 'wardscribe-bench-import-vault-'));
  const files = vaultFiles(join(folder, 'vault'));
  const session = new SessionService({ files, emit: () => undefined, log: silentLogger, kdf: MINIMUM_KDF });
  try {
    await session.createFirstAdmin({ username: 'admin', displayName: 'Ada Admin', passphrase: 'correct horse battery staple' });
    const service = new ImportService({ session });
    const controller = new AbortController();

    (globalThis as { gc?: () => void }).gc?.();
    const beforeImportRssMb = process.memoryUsage().rss / (1024 * 1024);
    const began = performance.now();
    const result = await service.import({ path: file, zone: 'Europe/London' }, { signal: controller.signal, progress: () => undefined });
    const importMs = performance.now() - began;
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    if (result.duplicate) throw new Error('import bench: the fresh vault reported a duplicate');

    const storedMessages = (session.vault().db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
    session.lock('sign-out'); // Checkpoints the WAL into the vault file before it is sized.
    const vaultMb = statSync(files.database).size / (1024 * 1024);
    const output: ChildResult = { messages: result.messageCount, storedMessages, importMs, beforeImportRssMb, peakRssMb, vaultMb };
    process.stdout.write(JSON.stringify(output) + '\n');
  } finally {
    session.lock('sign-out');
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Generates the export, bundles the child with esbuild and runs it in a fresh Node. */
export async function run(): Promise<BenchRow[]> {
  const [{ build }, { generate }] = await Promise.all([import('esbuild'), import('./parse')]);
  const folder = mkdtempSync(join(tmpdir(), 'wardscribe-bench-import-'));
  try {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const script = join(folder, 'import-child.cjs');
    await build({
      stdin: { contents: "import { importBenchChild } from './bench/import';\nvoid importBenchChild(process.argv[2]!);\n", resolveDir: ROOT, loader: 'ts', sourcefile: 'bench-import-runner.ts' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: script,
      external: ['electron', 'esbuild', ...Object.keys(pkg.dependencies ?? {})],
      nodePaths: [join(ROOT, 'node_modules')],
      logLevel: 'warning',
      // parse.ts is bundled lazily (run() only) and never initialised in the child; pin both anyway.
      define: { __dirname: JSON.stringify(join(ROOT, 'bench')), __filename: JSON.stringify(join(ROOT, 'bench', 'import.ts')) },
    });

    const file = await generate(folder, 'ios', IOS_SEED);
    const megabytes = statSync(file).size / (1024 * 1024);
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_PATH: join(ROOT, 'node_modules') };
    delete env.WARDSCRIBE_BENCH;
    const child = spawnSync(process.execPath, ['--expose-gc', script, file], { cwd: ROOT, encoding: 'utf8', env, maxBuffer: 1 << 20 });
    if (child.status !== 0) throw new Error(`import benchmark child failed: ${child.stderr}`);
    const result = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as ChildResult;
    if (result.storedMessages !== result.messages) throw new Error(`import bench: ${result.messages} messages imported but ${result.storedMessages} in the vault`);

    const label = `WhatsApp iOS import into a fresh vault, ${megabytes.toFixed(0)} MB`;
    // The target is stated for 700k messages: scale the bound to the count actually imported.
    const boundMs = (TARGET_MS * result.messages) / TARGET_MESSAGES;
    return [
      { name: `${label}: messages imported`, value: result.messages, unit: 'messages' },
      { name: `${label}: total time (hash + parse + encrypted insert + FTS5)`, value: Math.round(result.importMs), unit: 'ms', target: '≤ 10 s for 700k messages', met: result.importMs <= boundMs },
      { name: `${label}: throughput`, value: Math.round(result.messages / (result.importMs / 1000)), unit: 'messages/s' },
      { name: `${label}: peak RSS of the importing process`, value: Math.round(result.peakRssMb), unit: 'MB RSS' },
      { name: `${label}: RSS before the import (vault open, modules loaded)`, value: Math.round(result.beforeImportRssMb), unit: 'MB RSS' },
      { name: `${label}: vault file after import`, value: Math.round(result.vaultMb), unit: 'MB' },
    ];
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
