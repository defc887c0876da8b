import { app, type Session, type WebContents } from 'electron';
import { isAllowedNavigation, isPermissionGranted } from '../security/policy';

// #region Electron security hardening
// Applies main/security/policy.ts to Electron. Every web contents, present and future, is
// locked to the app origin: no navigation away, no new windows, no webviews, no permissions.

/** Refuses every permission request and check on a session. */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => callback(isPermissionGranted(permission)));
  session.setPermissionCheckHandler((_contents, permission) => isPermissionGranted(permission));
  session.setDevicePermissionHandler(() => false);
  session.on('will-download', (event) => event.preventDefault());
}

/** Locks navigation, window creation and webviews for every web contents the app creates. */
export function hardenWebContents(appOrigin: string): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (event) => {
      if (!isAllowedNavigation(event.url, appOrigin)) event.preventDefault();
    });
    contents.on('will-redirect', (event) => {
      if (!isAllowedNavigation(event.url, appOrigin)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    // Links in message text must never open a browser or another window; Wardscribe never
    // calls shell.openExternal with anything taken from a page.
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}
// #endregion
