import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand } from '../../../main/cli/parse-command';
import { tempDir } from '../../support/temp';
import { writeExport } from './helpers';

const dir = tempDir('wardscribe-cli-');
afterAll(() => dir.remove());

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await parseCommand.run(args, { stdout, stderr });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

describe('wardscribe parse', () => {
  it('prints one JSON object per message with the documented fields', async () => {
    const path = writeExport(dir.path, 'a.txt', '[26/03/2023, 01:30:00] Ada: gap\nsecond line\n[26/03/2023, 09:00:00] Ben: \u200E<attached: 00000001-PHOTO.jpg>\n');
    const { code, stdout } = await run([path, '--zone', 'Europe/London', '--json']);
    expect(code).toBe(0);
    const rows = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows).toEqual([
      { sender: 'Ada', text: 'gap\nsecond line', localTime: '2023-03-26T01:30:00', zone: 'Europe/London', instant: null, kind: 'message', flags: ['dst-gap'], attachment: null, line: 1 },
      { sender: 'Ben', text: '', localTime: '2023-03-26T09:00:00', zone: 'Europe/London', instant: '2023-03-26T08:00:00Z', kind: 'message', flags: ['attachment'], attachment: '00000001-PHOTO.jpg', line: 3 },
    ]);
  });

  it('reads the layouts of real exports: French Android with a preamble, an out-of-order head and Arabic-Indic digits', async () => {
    const french = writeExport(dir.path, 'fr.txt', 'Export du groupe\n13/07/2017 à 22:35 - Dr Ana Ruiz: K+ 5,9\n13/07/2017 à 22:34 - Inf. Léa: ‹Médias omis>\n');
    const rows = (await run([french, '--zone', 'Europe/Paris', '--json'])).stdout.trim().split('\n').map((line) => JSON.parse(line) as { sender: string | null; flags: string[] });
    expect(rows.map((row) => [row.sender, row.flags])).toEqual([
      [null, ['system', 'preamble']],
      ['Dr Ana Ruiz', []],
      ['Inf. Léa', ['media-omitted', 'out-of-order']],
    ]);
    const arabic = writeExport(dir.path, 'ar.txt', '١٣\u200F/٣\u200F/٢٠٢٣، ٢:٠٥ م - د. سارة: تم\n');
    const [row] = (await run([arabic, '--zone', 'Asia/Riyadh', '--json'])).stdout.trim().split('\n').map((line) => JSON.parse(line) as { sender: string; localTime: string });
    expect(row).toMatchObject({ sender: 'د. سارة', localTime: '2023-03-13T14:05:00' });
  });

  it('exits non-zero with a clear message when the date order is unproven, and succeeds when given', async () => {
    const path = writeExport(dir.path, 'amb.txt', '01/02/24, 10:00 - Ada: hello\n03/04/24, 11:00 - Ben: hi\n');
    const refused = await run([path, '--zone', 'Europe/London', '--json']);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/dmy or mdy/);
    const told = await run([path, '--zone', 'Europe/London', '--date-order', 'mdy', '--json']);
    expect(told.code).toBe(0);
    expect(JSON.parse(told.stdout.split('\n')[0]!)).toMatchObject({ localTime: '2024-01-02T10:00:00' });
  });

  it('rejects bad arguments with usage', async () => {
    expect((await run(['x.txt', '--date-order', 'dym', '--json'])).code).toBe(2);
    expect((await run(['x.txt'])).stderr).toMatch(/--json is required/);
  });

  describe('built and spawned as `wardscribe parse`', () => {
    const bundle = join(dir.path, 'cli.js');
    beforeAll(async () => {
      // The same esbuild settings as scripts/build.mjs, into a temp folder so out/ is left alone.
      const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies?: Record<string, string> };
      await build({ entryPoints: ['main/cli/wardscribe.ts'], outfile: bundle, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning', external: ['electron', ...Object.keys(pkg.dependencies ?? {})] });
    }, 60_000);

    // The bundle lives outside the project, so its runtime dependencies are found through NODE_PATH.
    const env = { ...process.env, NODE_PATH: join(process.cwd(), 'node_modules') };

    it('runs end to end from the command line', () => {
      const path = writeExport(dir.path, 'e2e.txt', '13/03/2023, 09:00 - Ada: hello\n');
      const result = spawnSync(process.execPath, [bundle, 'parse', path, '--zone', 'UTC', '--json'], { encoding: 'utf8', env });
      expect(result.status).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ sender: 'Ada', text: 'hello', instant: '2023-03-13T09:00:00Z' });
      const refused = spawnSync(process.execPath, [bundle, 'parse', writeExport(dir.path, 'e2e-amb.txt', '01/02/24, 10:00 - Ada: x\n'), '--json'], { encoding: 'utf8', env });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/not guessed/);
    });
  });
});
