/**
 * `npx wardscribe <command> …`: commands for support staff and tests. Each command is a module
 * of its own that exports a `CliCommand`; this file only dispatches.
 */
import type { CliCommand } from './command';

const COMMANDS: Readonly<Record<string, () => Promise<CliCommand>>> = {
  // Commands are loaded on demand so one command's dependencies do not slow the others.
  // (Each importer of this table adds one line; keep them sorted.)
  demo: async () => (await import('./demo-command')).demoCommand,
  parse: async () => (await import('./parse-command')).parseCommand,
  'verify-trail': async () => (await import('./verify-trail-command')).verifyTrailCommand,
};

function usage(): string {
  const names = Object.keys(COMMANDS).sort();
  return `usage: wardscribe <command> [options]\ncommands: ${names.length ? names.join(', ') : '(none)'}`;
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`wardscribe: unknown command "${name}"\n${usage()}`);
    return 2;
  }
  const command = await load();
  return command.run(rest, { stdout: process.stdout, stderr: process.stderr });
}

void main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`wardscribe: ${(error as Error).message}`);
    process.exitCode = 1;
  },
);
