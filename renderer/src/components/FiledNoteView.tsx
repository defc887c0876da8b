import { useEffect, useRef } from 'react';
import type { FiledDocumentView } from '../../../shared/ipc/contract';
import { localTime } from '../screens/OutboxScreen';
import { printPart } from './print';

/**
 * A filed note exactly as the EPR returned it just now: its header fields and its text, with a
 * print button (the system print dialog, this card only). The heading takes focus when it opens.
 */
export function FiledNoteView({ document, epr, onClose }: { document: FiledDocumentView; epr: string; onClose: () => void }) {
  const cardRef = useRef<HTMLDivElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), [document]);
  return (
    <div className="nhsuk-card ws-filed-note" data-testid="filed-note" ref={cardRef} role="region" aria-labelledby="filed-note-heading">
      <div className="nhsuk-card__content">
        <div className="ws-no-print">
          <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => cardRef.current && printPart(cardRef.current)}>
            Print note
          </button>{' '}
          <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={onClose}>
            Close
          </button>
        </div>
        <h2 className="nhsuk-card__heading" id="filed-note-heading" tabIndex={-1} ref={headingRef}>
          Filed note, as {epr} holds it
        </h2>
        <dl className="nhsuk-summary-list">
          <Row label="Document">
            {document.documentReferenceId}
            {document.versionId !== null && `, version ${document.versionId}`}
          </Row>
          {document.type !== null && <Row label="Type">{document.type}</Row>}
          {document.subject !== null && <Row label="Patient">{document.subject}</Row>}
          {document.authors.length > 0 && <Row label="Author">{document.authors.join('; ')}</Row>}
          {document.custodian !== null && <Row label="Custodian">{document.custodian}</Row>}
          {document.date !== null && <Row label="Dated">{localTime(document.date)}</Row>}
          {document.lastUpdated !== null && <Row label="Last changed in the EPR">{localTime(document.lastUpdated)}</Row>}
          <Row label="Status">
            {document.status ?? 'not given'}
            {document.docStatus !== null && ` (${document.docStatus})`}
          </Row>
        </dl>
        {document.text !== null ? (
          <pre className="ws-filed-note__text" data-testid="filed-note-text" tabIndex={0} aria-label="The note's text">
            {document.text}
          </pre>
        ) : (
          <p className="nhsuk-body-s" data-testid="filed-note-problem">
            {document.textProblem}
          </p>
        )}
        {document.truncated && <p className="nhsuk-body-s">The note is longer than Wardscribe shows here; the EPR holds all of it.</p>}
      </div>
    </div>
  );
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="nhsuk-summary-list__row">
      <dt className="nhsuk-summary-list__key">{label}</dt>
      <dd className="nhsuk-summary-list__value">{children}</dd>
    </div>
  );
}
