import { useCallback, useEffect, useState } from 'react';
import type { ExportedFileView } from '../../../shared/ipc/contract';
import { hostApi } from '../api';
import { ConfirmAction, ErrorSummary } from './forms';
import { displayTime } from './format';
import { errorSentence } from '../logic/describe-error';

const KIND_LABELS: Readonly<Record<ExportedFileView['kind'], string>> = {
  'audit-trail': 'Audit trail',
  'wipe-certificate': 'Wipe certificate',
};

/**
 * The PDFs Wardscribe has written outside the vault that this person may see. They are plaintext
 * on a shared PC: each can be overwritten and removed from here once it is no longer needed.
 */
export function ExportedFilesSection({ refreshKey = 0 }: { refreshKey?: number }) {
  const [files, setFiles] = useState<ExportedFileView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [removed, setRemoved] = useState<string | null>(null);

  const load = useCallback(async () => {
    const result = await hostApi()!.exports.list({});
    if (result.ok) setFiles(result.value);
    else setError(errorSentence(result.error));
  }, []);

  useEffect(() => {
    void load();
  }, [load, refreshKey]);

  async function remove(file: ExportedFileView) {
    setError(null);
    setRemoved(null);
    const result = await hostApi()!.exports.remove({ id: file.id });
    // Main's words say what was found instead: a different file at that path (not Wardscribe's to
    // delete), the PDF renamed in its folder (listed there now), or not found (no longer listed).
    if (result.ok) setRemoved(`${file.fileName} was overwritten and removed.`);
    else setError(errorSentence(result.error));
    // Listed again either way: a refusal can move the PDF in the list or take it off.
    await load();
  }

  return (
    <section aria-labelledby="exported-files-heading" data-testid="exported-files">
      <h2 id="exported-files-heading">Exported files on this workstation</h2>
      <p className="nhsuk-body-s">PDFs saved outside the encrypted vault. Remove each one when it is no longer needed: Wardscribe overwrites it before deleting it.</p>
      {error && (
        <ErrorSummary title="The exported file was not removed">
          <p>{error}</p>
        </ErrorSummary>
      )}
      {removed && (
        <p role="status" data-testid="exported-file-removed">
          {removed}
        </p>
      )}
      {files?.length === 0 && <p>None.</p>}
      {files && files.length > 0 && (
        <table className="nhsuk-table">
          <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Exported files, newest first</caption>
          <thead className="nhsuk-table__head">
            <tr>
              <th scope="col">Saved</th>
              <th scope="col">What</th>
              <th scope="col">Where</th>
              <th scope="col">Remove</th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {files.map((file) => (
              <tr key={file.id} data-testid="exported-file-row">
                <td>{displayTime(file.createdAt)}</td>
                <td>{KIND_LABELS[file.kind]}</td>
                <td>
                  <code>{file.path}</code>
                </td>
                <td>
                  <ConfirmAction
                    buttonClassName="ws-link-button"
                    label={
                      <>
                        Remove <span className="nhsuk-u-visually-hidden">{file.fileName}</span>
                      </>
                    }
                    question={`Overwrite and remove ${file.fileName}? This file cannot be brought back; Wardscribe can export it again from the vault.`}
                    confirmLabel="Yes, remove it"
                    onConfirm={() => remove(file)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
