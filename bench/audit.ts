/**
 * Audit trail benchmarks: the auditors' PDF for 10,000 entries (time and peak RSS, measured in a
 * child process so the RSS is the export's own) and verification throughput.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GENESIS_HEAD, sealEntry, verifyChain } from '../main/audit/chain';
import { pageSealSigningBytes } from '../main/audit/export-format';
import { writeAuditPdf } from '../main/audit/pdf-export';
import { createCheckpointSigner, createWorkstationKey, signCheckpoint, type CheckpointSigner } from '../main/audit/signing';
import { auditTime } from '../main/audit/time';
import { AUDIT_ACTIONS, type AuditCheckpoint, type AuditEntry } from '../shared/domain/audit';
import type { BenchRow } from './table';

const ROOT = resolve(__dirname, '..');
const ENTRY_COUNT = 10_000;
const TARGET_MS = 3_000;
const TARGET_RSS_MB = 200;

interface ChildResult {
  readonly exportMs: number;
  readonly peakRssMb: number;
  /** RSS with the trail built and the modules loaded, before the export starts. */
  readonly beforeExportRssMb: number;
  readonly pages: number;
  readonly fileMb: number;
  readonly verifyPdfMs: number;
  readonly chainEntriesPerSecond: number;
}

/** A realistic trail: varied users (one Greek, one Arabic name), actions, identifiers and hashes. */
function syntheticTrail(count: number, signer: CheckpointSigner): { entries: AuditEntry[]; checkpoints: AuditCheckpoint[] } {
  const users = [
    { userId: 'u-1', displayName: 'Sam Carter', role: 'clerk' as const },
    { userId: 'u-2', displayName: 'Ελένη Παπαδοπούλου', role: 'clinician' as const },
    { userId: 'u-3', displayName: 'مريم حداد', role: 'clinician' as const },
  ];
  const entries: AuditEntry[] = [];
  const checkpoints: AuditCheckpoint[] = [];
  const start = Date.UTC(2024, 0, 1);
  for (let index = 0; index < count; index++) {
    const previous = entries.at(-1);
    const entry = sealEntry({
      sequence: index + 1,
      time: auditTime(new Date(start + index * 47_000), 'Europe/London'),
      actor: index % 17 === 0 ? null : users[index % users.length]!,
      action: AUDIT_ACTIONS[index % AUDIT_ACTIONS.length]!,
      objects: {
        threadId: `thread-${index % 97}`,
        ...(index % 3 === 0 ? { nhsNumber: '9434765919' } : {}),
        ...(index % 4 === 0 ? { transcriptionId: `urn:uuid:6f1c2a9e-0000-4000-8000-${String(index).padStart(12, '0')}` } : {}),
      },
      outcome: index % 9 === 0 ? { status: 'failure', reason: 'epr-timeout' } : { status: 'success' },
      hashes: index % 5 === 0 ? { documentSha256: (index * 7919).toString(16).padStart(64, '0') } : {},
      previousHash: previous?.entryHash ?? GENESIS_HEAD.hash,
    });
    entries.push(entry);
    if (entry.sequence % 100 === 0) {
      checkpoints.push(
        signCheckpoint(
          { kind: 'interval', sequence: entry.sequence, entryHash: entry.entryHash, createdUtc: entry.time.utc, keyFingerprint: signer.fingerprint },
          signer,
        ),
      );
    }
  }
  return { entries, checkpoints };
}

/** The child's work: prints one JSON line with its measurements. */
export async function auditBenchChild(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'wardscribe-bench-audit-'));
  try {
    const key = createWorkstationKey();
    const signer = createCheckpointSigner(key.privateKeyPem);
    const { entries, checkpoints } = syntheticTrail(ENTRY_COUNT, signer);
    const head = { sequence: entries.at(-1)!.sequence, hash: entries.at(-1)!.entryHash };
    const path = join(folder, 'trail.pdf');

    // Collect the trail's construction garbage so the peak below is the export's, not the setup's.
    (globalThis as { gc?: () => void }).gc?.();
    const beforeExportRssMb = process.memoryUsage().rss / 1e6;
    const began = performance.now();
    const result = await writeAuditPdf(
      {
        entries,
        checkpoints,
        publicKeyPem: key.publicKeyPem,
        site: 'Benchmark ward',
        filter: {},
        exportedBy: { userId: 'u-9', displayName: 'Jo Okafor-Smith', role: 'auditor' },
        exportedAt: auditTime(new Date(), 'Europe/London'),
        fontsDir: join(ROOT, 'resources', 'fonts'),
        sealExport: (build) =>
          signCheckpoint(
            { kind: 'export', sequence: head.sequence, entryHash: head.hash, createdUtc: new Date().toISOString(), keyFingerprint: signer.fingerprint, export: build(head) },
            signer,
          ),
        signPageSeal: (body) => {
          const complete = { ...body, keyFingerprint: signer.fingerprint };
          return { ...complete, signature: signer.sign(pageSealSigningBytes(complete)) };
        },
      },
      path,
    );
    const exportMs = performance.now() - began;
    const peakRssMb = process.resourceUsage().maxRSS / 1024;

    // Loaded only now, so the export's peak RSS does not include the verifier's PDF parser.
    const { verifyTrailPdf } = await import('../main/audit/verify-trail');
    const verifyBegan = performance.now();
    const report = await verifyTrailPdf(readFileSync(path), { expectedKeyFingerprint: key.fingerprint });
    const verifyPdfMs = performance.now() - verifyBegan;
    if (!report.ok) throw new Error('the benchmark export did not verify');

    const chainBegan = performance.now();
    const rounds = 5;
    for (let round = 0; round < rounds; round++) verifyChain(entries, { contiguous: true, anchor: GENESIS_HEAD, expectedHead: head });
    const chainEntriesPerSecond = (rounds * entries.length) / ((performance.now() - chainBegan) / 1000);

    const output: ChildResult = { exportMs, peakRssMb, beforeExportRssMb, pages: result.pageCount, fileMb: statSync(path).size / 1e6, verifyPdfMs, chainEntriesPerSecond };
    process.stdout.write(JSON.stringify(output) + '\n');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Bundles the child with esbuild (already a dev dependency) and runs it in a fresh Node. */
export async function run(): Promise<BenchRow[]> {
  const { build } = await import('esbuild');
  const folder = mkdtempSync(join(tmpdir(), 'wardscribe-bench-audit-build-'));
  try {
    const script = join(folder, 'audit-child.cjs');
    await build({
      stdin: { contents: "import { auditBenchChild } from './bench/audit';\nvoid auditBenchChild();\n", resolveDir: ROOT, loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: script,
      external: ['pdfkit', 'pdf-lib', 'zod', 'esbuild'],
      nodePaths: [join(ROOT, 'node_modules')],
      logLevel: 'warning',
      define: { __dirname: JSON.stringify(join(ROOT, 'bench')) },
    });
    const child = spawnSync(process.execPath, ['--expose-gc', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') } });
    if (child.status !== 0) throw new Error(`audit benchmark child failed: ${child.stderr}`);
    const result = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as ChildResult;
    return [
      { name: `Audit PDF export, ${ENTRY_COUNT.toLocaleString('en-GB')} entries (${result.pages} pages, ${result.fileMb.toFixed(1)} MB)`, value: Math.round(result.exportMs), unit: 'ms', target: `≤ ${TARGET_MS} ms`, met: result.exportMs <= TARGET_MS },
      { name: 'Audit PDF export, peak RSS of the exporting process', value: Math.round(result.peakRssMb), unit: 'MB RSS', target: `≤ ${TARGET_RSS_MB} MB`, met: result.peakRssMb <= TARGET_RSS_MB },
      { name: `verify-trail on the ${ENTRY_COUNT.toLocaleString('en-GB')}-entry PDF`, value: Math.round(result.verifyPdfMs), unit: 'ms' },
      { name: 'Audit chain verification throughput', value: Math.round(result.chainEntriesPerSecond), unit: 'entries/s' },
    ];
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
