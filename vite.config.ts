import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY } from './main/security/policy';

/**
 * The NHS.UK stylesheet asks for the Frutiger web font from a remote host; our CSP forbids
 * remote fonts (and the font is not licensed for desktop), so its @font-face rules are
 * dropped, and its root-relative icon URLs are pointed at the package's own files so Vite
 * bundles them.
 */
function nhsukStyles(): Plugin {
  return {
    name: 'wardscribe:nhsuk-styles',
    enforce: 'pre',
    transform(code, id) {
      if (!id.includes('nhsuk-frontend') || !id.endsWith('.css')) return null;
      return code.replace(/@font-face\{[^}]*\}/g, '').replaceAll('url(/assets/', 'url(./assets/');
    },
  };
}

/** Writes the CSP from main/security/policy.ts into index.html, so it is defined once. */
function cspMeta(): Plugin {
  // frame-ancestors is ignored in a <meta> policy; the hosts send it as a header.
  const metaPolicy = CONTENT_SECURITY_POLICY.split('; ')
    .filter((directive) => !directive.startsWith('frame-ancestors'))
    .join('; ');
  return {
    name: 'wardscribe:csp-meta',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: metaPolicy }, injectTo: 'head-prepend' },
    ],
  };
}

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [nhsukStyles(), cspMeta(), react()],
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: false,
    // The NHS.UK stylesheet carries old-IE media hacks (`@media screen\0`) that esbuild's CSS
    // minifier warns about; it is already minified, so leave it as it is.
    cssMinify: false,
    // Inline data: URLs are allowed by the CSP (img-src data:), but keep fonts/icons as files.
    assetsInlineLimit: 0,
  },
});
