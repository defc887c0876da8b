#!/usr/bin/env node
// `npx wardscribe …`: support and test commands. The code is built into out/main/cli.js.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'out', 'main', 'cli.js');
if (!existsSync(cli)) {
  console.error('wardscribe: out/main/cli.js is missing; run "npm run build" first.');
  process.exit(2);
}
require(cli);
