import { useEffect, useState } from 'react';
import type { AppStatus } from '../../../shared/ipc/contract';
import { hostApi, unwrap } from '../api';

type State = { kind: 'loading' } | { kind: 'ready'; status: AppStatus } | { kind: 'failed'; message: string };

const HOST_LABELS: Record<AppStatus['host'], string> = {
  electron: 'Electron desktop application',
  chromium: 'Chromium fallback shell (Electron not installed)',
};

/** Shows what main reports about itself: version, host and engine. */
export function StatusScreen() {
  const [state, setState] = useState<State>({ kind: 'loading' });

  useEffect(() => {
    let live = true;
    hostApi()!
      .app.status({})
      .then(unwrap)
      .then(
        (status) => live && setState({ kind: 'ready', status }),
        (error: Error) => live && setState({ kind: 'failed', message: error.message }),
      );
    return () => {
      live = false;
    };
  }, []);

  return (
    <section aria-labelledby="status-heading">
      <h1 id="status-heading" tabIndex={-1}>
        Status
      </h1>
      {state.kind === 'loading' && <p>Asking Wardscribe for its status…</p>}
      {state.kind === 'failed' && (
        <div className="nhsuk-error-summary" role="alert">
          <h2 className="nhsuk-error-summary__title">Status unavailable</h2>
          <p>{state.message}</p>
        </div>
      )}
      {state.kind === 'ready' && (
        <dl className="nhsuk-summary-list" data-testid="status-list">
          <StatusRow label="Version" value={state.status.version} />
          <StatusRow label="Host" value={HOST_LABELS[state.status.host]} testId="status-host" />
          <StatusRow label="Engine" value={state.status.engine} />
          <StatusRow label="Node.js" value={state.status.node} />
          <StatusRow label="Platform" value={state.status.platform} />
        </dl>
      )}
    </section>
  );
}

function StatusRow({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="nhsuk-summary-list__row">
      <dt className="nhsuk-summary-list__key">{label}</dt>
      <dd className="nhsuk-summary-list__value" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}
