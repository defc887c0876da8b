import { useRef, useState, type ReactNode } from 'react';
import type { WipeCertificate } from '../../../shared/domain/wipe';
import { hostApi } from '../api';
import { ErrorSummary, TextField } from './forms';
import { displayNhsNumber, displayUtc, plural, SOURCE_NAMES } from './format';
import { printPart } from './print';

const LEVEL_TEXT: Readonly<Record<NonNullable<WipeCertificate['level']>, string>> = {
  purge: 'Purge: deleted, vault key rotated (cryptographic erase) and verified',
  clear: 'Clear: deleted and verified, but the vault key was not rotated',
  failed: 'Failed: verification found remnants of the wiped thread',
};

const SOURCE_FILE_TEXT: Readonly<Record<WipeCertificate['sourceFile'], string>> = {
  'not-requested': 'Not requested: the export file was left where it was.',
  requested: 'Requested, not yet done.',
  overwriting: 'Being overwritten.',
  overwritten: 'Overwritten, flushed, truncated and deleted (best effort on SSDs and journaling file systems).',
  'not-found': 'Requested, but the file was no longer there.',
  changed: 'Requested, but the file had changed since import, so it was not touched.',
  'replaced-by-link': 'Requested, but the file or a folder on its path had been replaced by a link, so nothing was touched: the export may still be on disk. Find and delete it by hand.',
  failed: 'Requested, but overwriting failed: the file may remain. Delete it by hand.',
};

type ExportState = { kind: 'idle' } | { kind: 'running' } | { kind: 'done'; fileName: string; path: string; sha256: string } | { kind: 'failed'; message: string };

/**
 * One wipe certificate: what went, what had been filed in the record, how the wipe was done and
 * verified, and the level it achieved; with its export as a PDF. Holds no message text.
 */
export function WipeCertificateView({ certificate, headingLevel = 2 }: { certificate: WipeCertificate; headingLevel?: 2 | 3 }) {
  const [exporting, setExporting] = useState<ExportState>({ kind: 'idle' });
  const [folder, setFolder] = useState('');
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  const cardRef = useRef<HTMLDivElement>(null);
  const SubHeading = headingLevel === 2 ? 'h3' : 'h4';
  const verification = certificate.verification;
  const passed = certificate.level !== null && certificate.level !== 'failed';

  async function exportPdf() {
    setExporting({ kind: 'running' });
    const result = await hostApi()!.wipes.exportCertificate({ wipeId: certificate.wipeId, ...(folder.trim() ? { folder } : {}) });
    setExporting(result.ok ? { kind: 'done', ...result.value } : { kind: 'failed', message: result.error.message });
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
          {certificate.level ? LEVEL_TEXT[certificate.level] : 'Not finished: the wipe is completed at the next sign-in.'}
        </p>
        <dl className="nhsuk-summary-list">
          <Row label="Wipe">{certificate.wipeId}</Row>
          <Row label="Export">
            {certificate.sourceFileName} ({SOURCE_NAMES[certificate.source]} export)
          </Row>
          <Row label="Removed" testId="certificate-counts">
            {plural(certificate.messageCount, 'message')}, {plural(certificate.attachmentCount, 'attachment')}, {plural(certificate.draftCount, 'transcription')} made from it (what was filed stays in the record)
          </Row>
          {certificate.imageCount !== undefined && (
            <Row label="Images" testId="certificate-images">
              {plural(certificate.imageCount, 'image')} among the attachments; {plural(certificate.imagesFiled ?? 0, 'image')} filed with the verified notes (location and device details removed)
            </Row>
          )}
          {certificate.unfiledMediaDestroyed !== undefined && (
            <Row label="Not filed" testId="certificate-unfiled-media">
              {unfiledMediaText(certificate.unfiledMediaDestroyed)}
            </Row>
          )}
          {certificate.fingerprintsKept !== undefined && (
            <Row label="Kept of them" testId="certificate-fingerprints">
              Only a fingerprint of each of the {plural(certificate.fingerprintsKept, 'message')}, which cannot be turned back into its text, sender or time, so that a later export of this chat never brings them back.
            </Row>
          )}
          <Row label="Messages from">
            {displayUtc(certificate.firstInstant)} to {displayUtc(certificate.lastInstant)}
          </Row>
          <Row label="Requested by">{certificate.requestedBy ? `${certificate.requestedBy.displayName} (${certificate.requestedBy.role})` : 'The retention policy (automatic)'}</Row>
          <Row label="Finished">{certificate.finishedAt ? displayUtc(certificate.finishedAt) : 'not finished'}</Row>
          <Row label="Vault key changed">{certificate.keyRotated ? 'Yes: old pages left on the disk no longer open with the current key file.' : 'No.'}</Row>
          {certificate.keyRotated && (
            <Row label="Limit of the erase">
              Old copies of the vault and its key file (left on this disk or kept in backups) are protected only by this computer’s own credential store, which a wipe does not change.
              Without it they open nothing; a program running as this computer account, or an administrator who can read its credential store, could open one and read the wiped thread.
            </Row>
          )}
          <Row label="Export file" testId="certificate-source-file">
            {SOURCE_FILE_TEXT[certificate.sourceFile]}
          </Row>
          <Row label="Verification" testId="certificate-verification">
            {verification
              ? `${verification.status === 'passed' ? 'Passed' : 'FAILED'}: Wardscribe read the whole vault (${plural(verification.pagesDecrypted, 'page')}) and ${plural(verification.filesScanned.length, 'file')} on the disk as they are, ` +
                `looking for ${plural(verification.needles, 'sample')}${verification.textSampled ? ' of the wiped text and media and a marker it had hidden in the thread' : ' (the marker it had hidden in the thread only: the wipe finished after a restart)'}; ` +
                `${verification.hits.length + verification.problems.length === 0 ? 'nothing found.' : `found: ${[...verification.hits, ...verification.problems].join(', ')}.`}`
              : 'Not run yet.'}
          </Row>
        </dl>
        <SubHeading>Filed in the patient record and verified before the wipe</SubHeading>
        {certificate.filed.length === 0 ? (
          <p>Nothing was filed from this thread.</p>
        ) : (
          <ul className="nhsuk-list nhsuk-list--bullet" data-testid="certificate-filed">
            {certificate.filed.map((filed) => (
              <li key={filed.identifier}>
                NHS number {displayNhsNumber(filed.nhsNumber)}: DocumentReference {filed.documentReferenceId ?? 'unknown'}
              </li>
            ))}
          </ul>
        )}
        {certificate.overrideReason !== null && (
          <>
            <SubHeading>Clinician’s reason for wiping what was not filed</SubHeading>
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

/** The certificate's words for the attachments of the filed messages that the wipe destroyed unfiled. */
function unfiledMediaText(count: number): string {
  return count === 0
    ? 'Every attachment of the filed messages was in the record: none was destroyed without being filed.'
    : `${plural(count, 'attachment')} of the filed messages destroyed without being filed in the record, as the clinician acknowledged before the wipe.`;
}

function Row({ label, testId, children }: { label: string; testId?: string; children: ReactNode }) {
  return (
    <div className="nhsuk-summary-list__row">
      <dt className="nhsuk-summary-list__key">{label}</dt>
      <dd className="nhsuk-summary-list__value" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}
