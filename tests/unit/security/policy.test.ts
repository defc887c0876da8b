import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, isAllowedNavigation, isPermissionGranted } from '../../../main/security/policy';

function directives(policy: string): Map<string, string[]> {
  return new Map(policy.split(';').map((part) => part.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

describe('content security policy', () => {
  const csp = directives(CONTENT_SECURITY_POLICY);

  it('allows no inline script, no eval and no remote origin', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|wasm-unsafe-eval|\*|https?:/);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('default-src')).toEqual(["'none'"]);
  });

  it('gives the page no network access and no plugins or frames', () => {
    expect(csp.get('connect-src')).toEqual(["'none'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('frame-src')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('lets the thread view show pictures and play recordings from blob: URLs made of vault bytes, and from nowhere else (#19)', () => {
    // The renderer gets an attachment's bytes over IPC and shows them through URL.createObjectURL:
    // blob: (and data: for images) is all it needs; no filesystem: or remote source.
    expect(csp.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);
    expect(csp.get('media-src')).toEqual(["'self'", 'blob:']);
    // Workers stay refused, so nothing decodes media outside the page's own sandboxed process.
    expect(csp.get('worker-src')).toEqual(["'none'"]);
  });
});

describe('navigation and permissions', () => {
  it.each([
    ['app://wardscribe/index.html', true],
    ['app://wardscribe/#/threads', true],
    ['app://wardscribe.evil/index.html', false],
    ['https://wa.me/447700900123', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['not a url', false],
  ])('navigation to %s allowed: %s', (url, allowed) => {
    expect(isAllowedNavigation(url, 'app://wardscribe')).toBe(allowed);
  });

  it.each(['notifications', 'media', 'geolocation', 'clipboard-read', 'openExternal', 'fullscreen'])('denies %s', (permission) => {
    expect(isPermissionGranted(permission)).toBe(false);
  });
});
