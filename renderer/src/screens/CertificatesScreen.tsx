import { useCallback, useEffect, useRef, useState } from 'react';
import type { WipeCertificate } from '../../../shared/domain/wipe';
import { hostApi } from '../api';
import { ExportedFilesSection } from '../components/ExportedFilesSection';
import { useThreadWiped } from '../app/events';
import { useRoute } from '../app/navigation';
import { ErrorSummary } from '../components/forms';
import { displayTime, plural } from '../components/format';
import { WipeCertificateView } from '../components/WipeCertificateView';
import { errorSentence } from '../logic/describe-error';

const LEVEL_TAGS: Readonly<Record<NonNullable<WipeCertificate['level']> | 'unfinished', { label: string; className: string }>> = {
  purge: { label: 'Wiped and checked', className: 'nhsuk-tag nhsuk-tag--green' },
  clear: { label: 'Wiped, key not changed', className: 'nhsuk-tag nhsuk-tag--yellow' },
  failed: { label: 'Failed', className: 'nhsuk-tag nhsuk-tag--red' },
  unfinished: { label: 'Finishing', className: 'nhsuk-tag nhsuk-tag--grey' },
};

/**
 * Every wipe certificate issued on this workstation, newest first, for whoever asked for a wipe
 * and for auditors; one opened in full with its PDF export. Certificates hold no message text.
 */
export function CertificatesScreen() {
  const route = useRoute('certificates');
  const [certificates, setCertificates] = useState<WipeCertificate[] | null>(null);
  const [retention, setRetention] = useState<number | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [openId, setOpenId] = useState<string | undefined>(route.wipeId);
  const [exportCount, setExportCount] = useState(0);
  const detailRef = useRef<HTMLDivElement>(null);

  const load = useCallback(() => {
    const api = hostApi()!;
    void api.wipes.certificates({}).then((result) => {
      if (result.ok) setCertificates(result.value);
      else setError(errorSentence(result.error));
    });
    void api.wipes.retention({}).then((result) => result.ok && setRetention(result.value.hours));
  }, []);
  useEffect(load, [load]);
  // A wipe anywhere (this user's, or the retention policy's) adds a certificate.
  useThreadWiped(load);

  const open = certificates?.find((certificate) => certificate.wipeId === openId);
  // Focus moves to a certificate the user opens from the list (not on reloads of the list).
  const focusDetail = useRef(false);
  useEffect(() => {
    if (!focusDetail.current || !open) return;
    focusDetail.current = false;
    detailRef.current?.querySelector<HTMLElement>('h2')?.focus();
  });

  return (
    <section aria-labelledby="certificates-heading">
      <h1 id="certificates-heading" tabIndex={-1}>
        Wipe certificates
      </h1>
      {error && (
        <ErrorSummary title="The certificates could not be read">
          <p>{error}</p>
        </ErrorSummary>
      )}
      {retention !== undefined && (
        <p className="nhsuk-body-s" data-testid="retention-summary">
          {retention === null
            ? 'Automatic wipe is off: threads are wiped only when someone asks.'
            : `Automatic wipe: a thread is wiped ${plural(retention, 'hour')} after the last transcription from it is verified in the record.`}
        </p>
      )}
      {certificates?.length === 0 && <p>No thread has been wiped on this workstation yet.</p>}
      {certificates && certificates.length > 0 && (
        <table className="nhsuk-table" data-testid="certificates-table">
          <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Wipe certificates, newest first</caption>
          <thead className="nhsuk-table__head">
            <tr>
              <th scope="col">Finished</th>
              <th scope="col">Export</th>
              <th scope="col">Removed</th>
              <th scope="col">Requested by</th>
              <th scope="col">Outcome</th>
              <th scope="col">Certificate</th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {certificates.map((certificate) => {
              const tag = LEVEL_TAGS[certificate.level ?? 'unfinished'];
              return (
                <tr key={certificate.wipeId} data-testid="certificate-row">
                  <td>{displayTime(certificate.finishedAt ?? certificate.startedAt)}</td>
                  <td>{certificate.sourceFileName}</td>
                  <td>
                    {plural(certificate.messageCount, 'message')}; {plural(certificate.filed.length, 'note')} filed
                  </td>
                  <td>{certificate.requestedBy ? `${certificate.requestedBy.displayName} (${certificate.requestedBy.role})` : 'Retention policy'}</td>
                  <td>
                    <strong className={tag.className}>{tag.label}</strong>
                  </td>
                  <td>
                    <button
                      type="button"
                      className="ws-link-button"
                      aria-current={certificate.wipeId === openId ? 'true' : undefined}
                      aria-label={`View the certificate for ${certificate.sourceFileName}, finished ${displayTime(certificate.finishedAt ?? certificate.startedAt)}`}
                      onClick={() => {
                        focusDetail.current = true;
                        setOpenId(certificate.wipeId);
                      }}
                    >
                      View
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <div ref={detailRef}>{open && <WipeCertificateView key={open.wipeId} certificate={open} onExported={() => setExportCount((count) => count + 1)} />}</div>
      <ExportedFilesSection refreshKey={exportCount} />
    </section>
  );
}
