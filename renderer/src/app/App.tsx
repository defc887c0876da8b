import { useEffect, useState } from 'react';
import type { SessionStateView } from '../../../shared/ipc/contract';
import { hostApi } from '../api';
import { FirstRunScreen } from '../screens/session/FirstRunScreen';
import { SignInScreen } from '../screens/session/SignInScreen';
import { Header } from './Header';
import { Workstation } from './Workstation';
import { errorSentence } from '../logic/describe-error';

/**
 * Chooses between first run, sign-in (or the lock screen) and the workstation. When main
 * reports a lock, the workstation is unmounted, so every message it held is dropped from the
 * renderer's memory along with it.
 */
export function App() {
  const [state, setState] = useState<SessionStateView | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const api = hostApi();

  useEffect(() => {
    if (!api) return;
    const refresh = () =>
      void api.session.state({}).then((result) => (result.ok ? setState(result.value) : setProblem(errorSentence(result.error))));
    refresh();
    return api.events.subscribe((event) => {
      if (event.type === 'session.locked') refresh();
    });
  }, [api]);

  if (!api) {
    return (
      <main className="nhsuk-width-container nhsuk-main-wrapper" id="maincontent">
        <h1>Wardscribe is not connected</h1>
        <p>This page must be opened by the Wardscribe application.</p>
      </main>
    );
  }
  if (state?.kind === 'signed-in') return <Workstation state={state} replace={setState} />;

  return (
    <>
      <Header />
      <main className="nhsuk-width-container nhsuk-main-wrapper" id="maincontent">
        {problem && <p role="alert">{problem}</p>}
        {state === null && !problem && <p>Opening Wardscribe…</p>}
        {state?.kind === 'first-run' && <FirstRunScreen onDone={setState} />}
        {(state?.kind === 'signed-out' || state?.kind === 'locked') && <SignInScreen key={state.kind} state={state} onDone={setState} />}
      </main>
    </>
  );
}
