import type { BrowserWindowConstructorOptions } from 'electron';

export interface WindowOptionsInput {
  /** Absolute path to the bundled preload script. */
  readonly preloadPath: string;
  /** Developer tools are for development builds only. */
  readonly allowDevTools: boolean;
}

/**
 * The one factory for Wardscribe's windows. Every security-relevant web preference is set
 * explicitly, even where Electron's default already agrees, so a change of default in a new
 * Electron cannot weaken a window silently.
 */
export function createWindowOptions(input: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    // A fixed title: the page cannot set it (see main/app/electron-main.ts), so no patient
    // name can appear in the task bar of a shared PC.
    title: 'Wardscribe',
    width: 1280,
    height: 860,
    minWidth: 960,
    minHeight: 640,
    show: false,
    backgroundColor: '#f0f4f5',
    autoHideMenuBar: true,
    webPreferences: {
      preload: input.preloadPath,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      // Middle-click would open links in a new window; window.open is denied too.
      disableBlinkFeatures: 'Auxclick',
      safeDialogs: true,
      spellcheck: false,
      devTools: input.allowDevTools,
    },
  };
}
