import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root, which the bundles resolve from and the children run in. */
export const ROOT = resolve(__dirname, '../..');

/**
 * Bundles a test's child-process script with esbuild into `outfile` (CommonJS, Node 20), so a
 * test can run real Wardscribe code in a process it may SIGKILL. The child's module is a path
 * from the repository root whose `main(argv)` is called with `argvExpression`. Runtime
 * dependencies stay external and resolve from the repository's node_modules (run the child
 * with NODE_PATH set to it); fhir-kit-client is ESM-only and imported dynamically, which
 * NODE_PATH cannot resolve from a bundle elsewhere, so it is bundled in.
 */
export async function bundleChild(module: string, outfile: string, argvExpression = 'process.argv'): Promise<void> {
  const { build } = await import('esbuild');
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  await build({
    stdin: { contents: `import { main } from './${module}';\nvoid main(${argvExpression});\n`, resolveDir: ROOT, loader: 'ts', sourcefile: 'child-runner.ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    external: ['electron', 'esbuild', ...Object.keys(pkg.dependencies ?? {}).filter((name) => name !== 'fhir-kit-client')],
    nodePaths: [join(ROOT, 'node_modules')],
    logLevel: 'warning',
  });
}
