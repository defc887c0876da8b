/**
 * Wardscribe's security settings, in one place. The Electron host (main/app/security.ts) and
 * the Chromium host (main/chromium/) both apply these; neither defines its own.
 */

/** The custom scheme the Electron window loads the renderer from. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'wardscribe';
export const ELECTRON_APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * Content Security Policy for every renderer document: our own scripts and styles only, no
 * inline script, no eval, no remote origins, no network access from the page at all (main
 * does all I/O), no plugins, no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'none'",
  "media-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "worker-src 'none'",
].join('; ');

/** Headers sent with every renderer file, by either host. */
export const RENDERER_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=(), bluetooth=()',
};

/**
 * Navigation is allowed only within the app's own origin (the renderer is a single page, so in
 * practice only reloads). Everything else — links in message text included — is refused.
 */
export function isAllowedNavigation(targetUrl: string, appOrigin: string): boolean {
  return originOf(targetUrl) === appOrigin;
}

/**
 * `scheme://host[:port]` of a URL, or null if it has none. WHATWG URL gives custom schemes
 * such as app:// the opaque origin "null", so the origin is composed here instead.
 */
export function originOf(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (!parsed.host) return null;
  return `${parsed.protocol}//${parsed.host}`;
}

/**
 * Every permission a page can ask for (camera, notifications, clipboard-read, …) is refused:
 * Wardscribe needs none, and OS notifications could show patient data on a shared screen.
 */
export function isPermissionGranted(_permission: string): boolean {
  return false;
}

/** Content types for the renderer's static files; anything else is refused. */
export const STATIC_CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};
