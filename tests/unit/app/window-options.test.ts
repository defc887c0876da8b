import { describe, expect, it } from 'vitest';
import { createWindowOptions } from '../../../main/app/window-options';

describe('createWindowOptions', () => {
  const options = createWindowOptions({ preloadPath: '/app/out/preload/index.js', allowDevTools: false });
  const web = options.webPreferences ?? {};

  it('isolates and sandboxes the renderer, with no Node anywhere', () => {
    expect(web).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
    });
  });

  it('keeps web security on and every risky feature off', () => {
    expect(web).toMatchObject({
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      disableBlinkFeatures: 'Auxclick',
    });
    expect(web.enableBlinkFeatures).toBeUndefined();
  });

  it('uses the given preload and a fixed, patient-free title', () => {
    expect(web.preload).toBe('/app/out/preload/index.js');
    expect(options.title).toBe('Wardscribe');
  });

  it('offers developer tools only when asked', () => {
    expect(web.devTools).toBe(false);
    expect(createWindowOptions({ preloadPath: '/p.js', allowDevTools: true }).webPreferences?.devTools).toBe(true);
  });
});
