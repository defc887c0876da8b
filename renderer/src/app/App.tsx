import { useEffect, useRef, useState } from 'react';
import { hostApi } from '../api';
import { SCREENS, type ScreenDefinition } from './screens';

/**
 * The workstation shell: NHS.UK header, a navigation bar reachable by Tab and by Alt+number,
 * and the current screen. Focus moves to the screen's heading when it changes, as a screen
 * reader user would expect.
 */
export function App() {
  // `visits` counts navigations, so choosing the current screen again still moves focus to it.
  const [{ current, visits }, setNavigation] = useState<{ current: ScreenDefinition; visits: number }>({
    current: SCREENS[0]!,
    visits: 0,
  });
  const mainRef = useRef<HTMLElement>(null);
  const go = (screen: ScreenDefinition) => setNavigation((state) => ({ current: screen, visits: state.visits + 1 }));

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      const target = SCREENS.find((screen) => screen.accessKey === event.key);
      if (target) {
        event.preventDefault();
        go(target);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    // Not on first load: the first Tab must reach the skip link.
    if (visits > 0) mainRef.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [visits]);

  if (!hostApi()) {
    return (
      <main className="nhsuk-width-container nhsuk-main-wrapper" id="maincontent">
        <h1>Wardscribe is not connected</h1>
        <p>This page must be opened by the Wardscribe application.</p>
      </main>
    );
  }

  const Screen = current.component;
  return (
    <>
      <a className="nhsuk-skip-link" href="#maincontent">
        Skip to main content
      </a>
      <header className="nhsuk-header" role="banner">
        <div className="nhsuk-header__container nhsuk-width-container ws-header">
          <span className="nhsuk-header__service-name ws-service-name">Wardscribe</span>
        </div>
        <nav className="ws-nav" aria-label="Screens">
          <ul className="ws-nav__list nhsuk-width-container">
            {SCREENS.map((screen) => (
              <li key={screen.id}>
                <button
                  type="button"
                  className="ws-nav__link"
                  aria-current={screen.id === current.id ? 'page' : undefined}
                  aria-keyshortcuts={`Alt+${screen.accessKey}`}
                  onClick={() => go(screen)}
                >
                  {screen.label}
                </button>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main className="nhsuk-width-container nhsuk-main-wrapper" id="maincontent" ref={mainRef}>
        <Screen />
      </main>
    </>
  );
}
