import { useState } from 'react';
import type { ScreenDefinition } from './screens';
import { SHORTCUTS } from './shortcuts';

/** The on-screen legend of every keyboard shortcut: the screens' Alt+digits and those inside screens. */
export function ShortcutLegend({ screens }: { screens: readonly ScreenDefinition[] }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="ws-legend">
      <button type="button" className="ws-header-button" aria-expanded={open} aria-controls="shortcut-legend" onClick={() => setOpen(!open)}>
        Keyboard shortcuts
      </button>
      {open && (
        <div id="shortcut-legend" className="ws-legend__panel" data-testid="shortcut-legend">
          <h2 className="nhsuk-heading-s">Keyboard shortcuts</h2>
          <dl className="ws-legend__list">
            {screens.map((screen) => (
              <div key={screen.id}>
                <dt>
                  <kbd>Alt+{screen.accessKey}</kbd>
                </dt>
                <dd>Open {screen.label}</dd>
              </div>
            ))}
            {Object.values(SHORTCUTS).map((shortcut) => (
              <div key={shortcut.label}>
                <dt>
                  <kbd>{shortcut.label}</kbd>
                </dt>
                <dd>{shortcut.what}</dd>
              </div>
            ))}
            <div>
              <dt>
                <kbd>Space</kbd>, <kbd>Shift+Space</kbd>
              </dt>
              <dd>Select a message; extend the selection to it (Threads)</dd>
            </div>
          </dl>
          <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => setOpen(false)}>
            Close
          </button>
        </div>
      )}
    </div>
  );
}
