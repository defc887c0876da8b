import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { SessionStateView } from '../../../shared/ipc/contract';
import { hostApi } from '../api';
import { Header } from './Header';
import { screensFor, type ScreenDefinition } from './screens';
import { NavigationContext } from './navigation';
import { SessionContext, type SignedIn } from './session';

/** How often keyboard and pointer use is reported to main's idle-lock timer, at most. */
const ACTIVITY_REPORT_MS = 15_000;

/**
 * The signed-in workstation: navigation reachable by Tab and Alt+number, the current screen,
 * and the user's lock and sign-out buttons.
 */
export function Workstation({ state, replace }: { state: SignedIn; replace: (state: SessionStateView) => void }) {
  const screens = useMemo(() => screensFor(state.user.role), [state.user.role]);
  const forced = state.user.mustChangePassphrase ? screens.find((screen) => screen.id === 'passphrase') : undefined;
  // `visits` counts navigations, so choosing the current screen again still moves focus to it.
  // Start on the forced screen if there is one, so it stays in view once the change is done.
  const [{ current, visits, param }, setNavigation] = useState<{ current: ScreenDefinition; visits: number; param?: string }>({
    current: forced ?? screens[0]!,
    visits: 0,
  });
  const mainRef = useRef<HTMLElement>(null);
  const [eprMode, setEprMode] = useState<'training' | 'live' | null>(null);
  useEffect(() => {
    void hostApi()!
      .epr.mode({})
      .then((result) => result.ok && setEprMode(result.value.mode));
    // Asked again on each navigation (an admin may just have changed it) and once the passphrase is changed.
  }, [visits, state.user.mustChangePassphrase]);
  const go = (screen: ScreenDefinition, param?: string) =>
    setNavigation((previous) => ({ current: screen, visits: previous.visits + 1, ...(param === undefined ? {} : { param }) }));
  const navigation = useMemo(
    () => ({
      go: (screenId: string, next?: string) => {
        const target = screens.find((screen) => screen.id === screenId);
        if (target) go(target, next);
      },
      param,
    }),
    [screens, param],
  );
  const shown = forced ?? current;

  // A layout effect, so the shortcuts work from the first frame the workstation is shown: a
  // passive effect runs after paint, and a key pressed at once after sign-in was lost.
  useLayoutEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      const target = screens.find((screen) => screen.accessKey === event.key);
      if (target) {
        event.preventDefault();
        go(target);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [screens]);

  useEffect(() => {
    // Not on first load: the first Tab must reach the skip link.
    if (visits > 0) mainRef.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [visits]);

  useEffect(() => {
    let last = 0;
    const report = () => {
      if (Date.now() - last < ACTIVITY_REPORT_MS) return;
      last = Date.now();
      void hostApi()!.session.activity({});
    };
    window.addEventListener('keydown', report, { capture: true });
    window.addEventListener('pointerdown', report, { capture: true });
    return () => {
      window.removeEventListener('keydown', report, { capture: true });
      window.removeEventListener('pointerdown', report, { capture: true });
    };
  }, []);

  const Screen = shown.component;
  return (
    <SessionContext.Provider value={{ state, replace }}>
      <Header>
        <div className="ws-user">
          <span data-testid="signed-in-user">
            {state.user.displayName} ({state.user.role})
          </span>
          <button type="button" className="ws-header-button" onClick={() => void hostApi()!.session.lock({})}>
            Lock
          </button>
          <button type="button" className="ws-header-button" onClick={() => void hostApi()!.session.signOut({})}>
            Sign out
          </button>
        </div>
      </Header>
      {eprMode === 'training' && (
        <div className="ws-training-banner" role="note" data-testid="training-banner">
          TRAINING: transcriptions are filed in Wardscribe’s built-in training EPR, not in a patient’s real record.
        </div>
      )}
      <nav className="ws-nav" aria-label="Screens">
        <ul className="ws-nav__list nhsuk-width-container">
          {screens.map((screen) => (
            <li key={screen.id}>
              <button
                type="button"
                className="ws-nav__link"
                aria-current={screen.id === shown.id ? 'page' : undefined}
                aria-keyshortcuts={`Alt+${screen.accessKey}`}
                disabled={forced !== undefined && screen !== forced}
                onClick={() => go(screen)}
              >
                {screen.label}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main className="nhsuk-width-container nhsuk-main-wrapper" id="maincontent" ref={mainRef}>
        <NavigationContext.Provider value={navigation}>
          <Screen key={`${shown.id}:${param ?? ''}`} />
        </NavigationContext.Provider>
      </main>
    </SessionContext.Provider>
  );
}
