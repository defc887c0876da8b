import packageJson from '../package.json';

/** Wardscribe's version, from package.json (bundled at build time). */
export const WARDSCRIBE_VERSION: string = packageJson.version;
