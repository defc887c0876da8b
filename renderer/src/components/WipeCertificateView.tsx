import { useRef, useState } from 'react';
import type { WipeCertificate } from '../../../shared/domain/wipe';
import { hostApi } from '../api';
import { errorSentence } from '../logic/describe-error';
import { ErrorSummary, TextField } from './forms';
import { certificateWording } from '../../../shared/wording/wipe-certificate';
import { printPart } from './print';

type ExportState = { kind: 'idle' } | { kind: 'running' } | { kind: 'done'; fileName: string; path: string; sha256: string } | { kind: 'failed'; message: string };

/**
 * One wipe certificate: what went, what had been filed in the record, how the wipe was done and
 * verified, and the level it achieved; with its export as a PDF. Holds no message text.
 */
export function WipeCertificateView({ certificate, headingLevel = 2, onExported }: { certificate: WipeCertificate; headingLevel?: 2 | 3; onExported?: () => void }) {
  const [exporting, setExporting] = useState<ExportState>({ kind: 'idle' });
  const [folder, setFolder] = useState('');
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  const cardRef = useRef<HTMLDivElement>(null);
  const SubHeading = headingLevel === 2 ? 'h3' : 'h4';
  const wording = certificateWording(certificate);
  const passed = certificate.level !== null && certificate.level !== 'failed';

  async function exportPdf() {
    setExporting({ kind: 'running' });
    const result = await hostApi()!.wipes.exportCertificate({ wipeId: certificate.wipeId, ...(folder.trim() ? { folder } : {}) });
    setExporting(result.ok ? { kind: 'done', ...result.value } : { kind: 'failed', message: errorSentence(result.error) });
    // The new PDF is listed under Exported files at once (a ward trial: it appeared only on the next visit).
    if (result.ok) onExported?.();
  }

  return (
    <div className={`nhsuk-card ws-certificate${passed ? '' : ' ws-certificate--failed'}`} data-testid="wipe-certificate" ref={cardRef}>
      <div className="nhsuk-card__content">
        <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small ws-print-button" onClick={() => cardRef.current && printPart(cardRef.current)}>
          Print certificate
        </button>
        <Heading className="nhsuk-card__heading" tabIndex={-1}>
          Wipe certificate
        </Heading>
        <p data-testid="certificate-level" className={passed ? 'ws-certificate__level' : 'ws-certificate__level ws-certificate__level--failed'}>
          {wording.outcome}
        </p>
        <dl className="nhsuk-summary-list">
          {wording.rows.map((row) => (
            <div className="nhsuk-summary-list__row" key={row.key}>
              <dt className="nhsuk-summary-list__key">{row.label}</dt>
              <dd className="nhsuk-summary-list__value" data-testid={`certificate-${row.key}`}>
                {row.value}
              </dd>
            </div>
          ))}
        </dl>
        <SubHeading>{wording.filedHeading}</SubHeading>
        {wording.nothingFiled !== null ? (
          <p>{wording.nothingFiled}</p>
        ) : (
          <ul className="nhsuk-list nhsuk-list--bullet" data-testid="certificate-filed">
            {wording.filed.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        )}
        {certificate.overrideReason !== null && (
          <>
            <SubHeading>{wording.overrideHeading}</SubHeading>
            {wording.overridden.length > 0 && (
              <>
                <p>Wardscribe had said, before the wipe:</p>
                <ul className="nhsuk-list nhsuk-list--bullet" data-testid="certificate-overridden">
                  {wording.overridden.map((problem) => (
                    <li key={problem}>{problem}</li>
                  ))}
                </ul>
                <p>The clinician&rsquo;s reason:</p>
              </>
            )}
            <p className="ws-message__text">{certificate.overrideReason}</p>
          </>
        )}
        <TextField
          id={`certificate-folder-${certificate.wipeId}`}
          label="Save in folder (optional)"
          hint="The full path of a folder on this workstation. Left empty, the PDF goes to Wardscribe's exports folder. Either way it is listed under Exported files, where it can be removed."
          value={folder}
          onChange={(event) => setFolder(event.target.value)}
        />
        <div className="ws-selection-bar">
          <button type="button" className="nhsuk-button nhsuk-button--secondary" disabled={exporting.kind === 'running'} onClick={() => void exportPdf()}>
            Export certificate (PDF)
          </button>
          {exporting.kind === 'running' && <span role="status">Writing the PDF…</span>}
        </div>
        {exporting.kind === 'done' && (
          <p role="status" data-testid="certificate-export">
            Saved <strong>{exporting.fileName}</strong>: <code>{exporting.path}</code> (SHA-256 {exporting.sha256.slice(0, 16)}…)
          </p>
        )}
        {exporting.kind === 'failed' && (
          <ErrorSummary title="The certificate was not exported">
            <p>{exporting.message}</p>
          </ErrorSummary>
        )}
      </div>
    </div>
  );
}
