#!/usr/bin/env node
// `npx wardscribe …`: support and test commands. The code is built into out/main/cli.js; on a
// fresh checkout (npm ci, nothing built yet) it is built first, so `npx wardscribe demo` just works.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const cli = join(root, 'out', 'main', 'cli.js');
if (!existsSync(cli)) {
  const build = join(root, 'scripts', 'build.mjs');
  if (!existsSync(build)) {
    console.error('wardscribe: out/main/cli.js is missing; run "npm run build" first.');
    process.exit(2);
  }
  console.error('wardscribe: building first (npm run build)…');
  const result = spawnSync(process.execPath, [build], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0 || !existsSync(cli)) {
    console.error(`${result.stderr ?? ''}\nwardscribe: the build failed (above); "npm run build" shows the same.`);
    process.exit(2);
  }
}
require(cli);
