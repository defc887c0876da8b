import type { ReactNode } from 'react';

/** NHS.UK header with the service name; the signed-in shell adds the user and its buttons. */
export function Header({ children }: { children?: ReactNode }) {
  return (
    <>
      <a className="nhsuk-skip-link" href="#maincontent">
        Skip to main content
      </a>
      <header className="nhsuk-header" role="banner">
        <div className="nhsuk-header__container nhsuk-width-container ws-header">
          <span className="nhsuk-header__service-name ws-service-name">Wardscribe</span>
          {children}
        </div>
      </header>
    </>
  );
}
