import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** The process boundaries are enforced by lint; these cases prove the rules bite. */
const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImports(filePath: string, code: string): Promise<number> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((message) => message.ruleId === 'no-restricted-imports').length;
}

describe('process boundaries', () => {
  it.each([
    ['shared/ importing Node', 'shared/probe.ts', "import { readFileSync } from 'node:fs';\nexport const probe = readFileSync;\n"],
    ['shared/ importing main', 'shared/probe.ts', "import { WardscribeError } from '../main/errors';\nexport const probe = WardscribeError;\n"],
    ['shared/ importing electron', 'shared/probe.ts', "import { app } from 'electron';\nexport const probe = app;\n"],
    ['the renderer importing main', 'renderer/src/probe.ts', "import { createWardscribe } from '../../main/wardscribe';\nexport const probe = createWardscribe;\n"],
    ['the renderer importing Node', 'renderer/src/probe.ts', "import { join } from 'path';\nexport const probe = join;\n"],
    ['a main service importing electron', 'main/vault/probe.ts', "import { app } from 'electron';\nexport const probe = app;\n"],
    ['the preload importing main', 'preload/probe.ts', "import { createWardscribe } from '../main/wardscribe';\nexport const probe = createWardscribe;\n"],
  ])('refuses %s', async (_label, filePath, code) => {
    expect(await restrictedImports(filePath, code)).toBeGreaterThan(0);
  });

  it.each([
    ['main/app importing electron', 'main/app/probe.ts', "import { app } from 'electron';\nexport const probe = app;\n"],
    ['the preload importing electron and shared', 'preload/probe.ts', "import { contextBridge } from 'electron';\nimport { contract } from '../shared/ipc/contract';\nexport const probe = [contextBridge, contract];\n"],
    ['the renderer importing shared', 'renderer/src/probe.ts', "import { contract } from '../../shared/ipc/contract';\nexport const probe = contract;\n"],
  ])('allows %s', async (_label, filePath, code) => {
    expect(await restrictedImports(filePath, code)).toBe(0);
  });
});

describe('SQL is built from constants only', () => {
  async function sqlFindings(code: string): Promise<number> {
    const [result] = await eslint.lintText(code, { filePath: 'main/vault/queries/probe.ts' });
    return result!.messages.filter((message) => message.message.startsWith('Build SQL from constants only')).length;
  }

  it('refuses a value spliced into a prepared statement', async () => {
    expect(await sqlFindings("declare const db: { prepare(sql: string): unknown };\nexport const probe = (name: string) => db.prepare(`SELECT * FROM users WHERE username = '${name}'`);\n")).toBe(1);
  });

  it('allows module constants and bound parameters', async () => {
    expect(await sqlFindings("declare const db: { prepare(sql: string): unknown };\nconst COLUMNS = 'id, username';\nexport const probe = () => db.prepare(`SELECT ${COLUMNS} FROM users WHERE username = ?`);\n")).toBe(0);
  });
});
