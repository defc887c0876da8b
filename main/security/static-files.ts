import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { RENDERER_RESPONSE_HEADERS, STATIC_CONTENT_TYPES } from './policy';

export interface StaticFile {
  readonly status: 200 | 404;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

const NOT_FOUND: StaticFile = {
  status: 404,
  headers: { ...RENDERER_RESPONSE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' },
  body: Buffer.from('Not found'),
};

/**
 * Serves one file of the built renderer, for both hosts. Only files under `root` with a known
 * type are served; `..`, encoded separators, anything outside the folder and any path through a
 * symbolic link are refused (a link planted in out/renderer must not serve files from elsewhere).
 * `/` serves index.html.
 */
export async function readStaticFile(root: string, urlPath: string): Promise<StaticFile> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return NOT_FOUND;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return NOT_FOUND;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const base = resolve(root);
  const absolute = resolve(base, relative);
  if (!absolute.startsWith(base + sep)) return NOT_FOUND;
  const contentType = STATIC_CONTENT_TYPES[extname(absolute).toLowerCase()];
  if (!contentType) return NOT_FOUND;
  try {
    // The real path must be the path asked for: any link on the way (a folder or the file) differs.
    const realBase = await realpath(base);
    if ((await realpath(absolute)) !== resolve(realBase, relative)) return NOT_FOUND;
    // O_NOFOLLOW: a link swapped in after the check is still refused (Windows has no such flag).
    const file = await open(absolute, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    try {
      if (!(await file.stat()).isFile()) return NOT_FOUND;
      const body = await file.readFile();
      return { status: 200, headers: { ...RENDERER_RESPONSE_HEADERS, 'Content-Type': contentType }, body };
    } finally {
      await file.close();
    }
  } catch {
    return NOT_FOUND;
  }
}
