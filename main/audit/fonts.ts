import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The fonts the audit PDF embeds: DejaVu covers Latin, Greek, Cyrillic, Arabic, Hebrew and more. */
export const AUDIT_FONT_FILES = { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf' } as const;

/**
 * Where the fonts are: a packaged app has them in `process.resourcesPath/fonts`; a checkout (the
 * built CLI in out/main, or sources under tests) has them in `resources/fonts` above this file.
 */
export function defaultFontsDir(): string {
  const candidates: string[] = [];
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) candidates.push(join(resourcesPath, 'fonts'));
  for (const start of [__dirname, process.cwd()]) {
    for (let folder = start, depth = 0; depth < 6; depth++, folder = dirname(folder)) {
      candidates.push(join(folder, 'resources', 'fonts'));
      if (dirname(folder) === folder) break;
    }
  }
  const found = candidates.find((folder) => existsSync(join(folder, AUDIT_FONT_FILES.regular)));
  if (!found) throw new Error(`The PDF fonts (${AUDIT_FONT_FILES.regular}) were not found in resources/fonts.`);
  return found;
}
