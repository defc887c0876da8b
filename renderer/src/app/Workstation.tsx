import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { SessionStateView } from '../../../shared/ipc/contract';
import { hostApi } from '../api';
import { SuccessBanner } from '../components/forms';
import { JobsContext, useJobsState } from './data';
import { Header } from './Header';
import { IdleContext, IdleWarning, useIdleState } from './idle';
import { JobsIndicator } from './JobsIndicator';
import { ShortcutLegend } from './ShortcutLegend';
import { HOME_SCREENS, screensFor, type ScreenDefinition } from './screens';
import { NavigationContext, routeKey, type Navigation, type Route, type ScreenId } from './navigation';
import { SessionContext, type SignedIn } from './session';

/** How often keyboard and pointer use is reported to main's idle-lock timer, at most. */
const ACTIVITY_REPORT_MS = 15_000;

/**
 * The signed-in workstation: navigation reachable by Tab and Alt+number, the current screen,
 * the jobs running in the background, the idle warning, and the user's lock and sign-out buttons.
 */
export function Workstation({ state, replace }: { state: SignedIn; replace: (state: SessionStateView) => void }) {
  const screens = useMemo(() => screensFor(state.user.role), [state.user.role]);
  const forced = state.user.mustChangePassphrase ? screens.find((screen) => screen.id === 'passphrase') : undefined;
  // `visits` counts navigations, so choosing the current screen again still moves focus to it.
  // Start on the forced screen if there is one, so it stays in view once the change is done.
  const [{ route, visits, notice }, setNavigation] = useState<{ route: Route; visits: number; notice?: string }>({
    route: { screen: (forced ?? screens.find((screen) => screen.id === HOME_SCREENS[state.user.role]) ?? screens[0]!).id } as Route,
    visits: 0,
  });
  const mainRef = useRef<HTMLElement>(null);
  const jobs = useJobsState();
  const idle = useIdleState(state.idleLockMinutes);
  const [eprMode, setEprMode] = useState<'training' | 'live' | null>(null);
  useEffect(() => {
    void hostApi()!
      .epr.mode({})
      .then((result) => result.ok && setEprMode(result.value.mode));
    // Asked again on each navigation (an admin may just have changed it) and once the passphrase is changed.
  }, [visits, state.user.mustChangePassphrase]);

  const go = useCallback(
    (target: Route | ScreenId, options: { notice?: string } = {}) => {
      const next: Route = typeof target === 'string' ? ({ screen: target } as Route) : target;
      if (!screens.some((screen) => screen.id === next.screen)) return;
      setNavigation((previous) => ({ route: next, visits: previous.visits + 1, ...(options.notice ? { notice: options.notice } : {}) }));
    },
    [screens],
  );
  const navigation = useMemo<Navigation>(() => ({ go, route }), [go, route]);
  const shown: ScreenDefinition = forced ?? screens.find((screen) => screen.id === route.screen) ?? screens[0]!;

  // A layout effect, so the shortcuts work from the first frame the workstation is shown: a
  // passive effect runs after paint, and a key pressed at once after sign-in was lost.
  useLayoutEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      const target = screens.find((screen) => screen.accessKey === event.key);
      if (target) {
        event.preventDefault();
        go(target.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [screens, go]);

  useEffect(() => {
    // Not on first load: the first Tab must reach the skip link.
    if (visits > 0) mainRef.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [visits]);

  useEffect(() => {
    let last = 0;
    // Often enough that a key pressed during a short idle time's warning still reaches main.
    const every = Math.min(ACTIVITY_REPORT_MS, (state.idleLockMinutes * 60_000) / 4);
    const report = () => {
      if (Date.now() - last < every) return;
      last = Date.now();
      void hostApi()!.session.activity({});
    };
    // Reading a long thread with the wheel is use too; only these reports hold off the lock.
    const uses = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;
    for (const use of uses) window.addEventListener(use, report, { capture: true, passive: true });
    return () => {
      for (const use of uses) window.removeEventListener(use, report, { capture: true });
    };
  }, [state.idleLockMinutes]);

  const Screen = shown.component;
  return (
    <SessionContext.Provider value={{ state, replace }}>
      <JobsContext.Provider value={jobs}>
        <IdleContext.Provider value={idle.context}>
          <NavigationContext.Provider value={navigation}>
            <Header>
              <div className="ws-user">
                <JobsIndicator />
                <ShortcutLegend screens={screens} />
                <span data-testid="signed-in-user">
                  {state.user.displayName} ({state.user.role})
                </span>
                <button type="button" className="ws-header-button" onClick={() => void idle.lockNow('manual')}>
                  Lock
                </button>
                <button type="button" className="ws-header-button" onClick={() => void idle.lockNow('sign-out')}>
                  Sign out
                </button>
              </div>
            </Header>
            {eprMode === 'training' && (
              // A landmark of its own: every part of the page is in one, so screen-reader users find it.
              <aside className="ws-training-banner" aria-label="Training mode" data-testid="training-banner">
                TRAINING: transcriptions are filed in Wardscribe’s built-in training EPR, not in a patient’s real record.
              </aside>
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
                      title={`Alt+${screen.accessKey}`}
                      disabled={forced !== undefined && screen !== forced}
                      onClick={() => go(screen.id)}
                    >
                      {screen.label}
                    </button>
                  </li>
                ))}
              </ul>
            </nav>
            <IdleWarning idle={idle} />
            <main className="nhsuk-width-container nhsuk-main-wrapper" id="maincontent" ref={mainRef}>
              {notice && (
                <SuccessBanner key={visits} title="Done" testId="navigation-notice">
                  <p>{notice}</p>
                </SuccessBanner>
              )}
              <Screen key={routeKey(forced ? { screen: forced.id } : route)} />
            </main>
          </NavigationContext.Provider>
        </IdleContext.Provider>
      </JobsContext.Provider>
    </SessionContext.Provider>
  );
}
