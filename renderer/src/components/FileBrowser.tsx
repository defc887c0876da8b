import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { hostApi } from '../api';
import { errorSentence } from '../logic/describe-error';

type Listing = { folder: string; parent: string | null; entries: { name: string; path: string; kind: 'folder' | 'file'; bytes: number | null }[]; more: boolean };

function size(bytes: number | null): string {
  if (bytes === null) return '';
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * Choosing an export in the Chromium shell, which has no system file dialog a page can use for
 * a path: the folders and export files under the home folder, listed by main. Keyboard first:
 * it takes focus when opened, Escape closes it, and every folder and file is a button.
 */
export function FileBrowser({ onChoose, onClose }: { onChoose: (path: string) => void; onClose: () => void }) {
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  async function open(folder?: string) {
    const result = await hostApi()!.files.browse(folder ? { folder } : {});
    if (result.ok) {
      setListing(result.value);
      setError(null);
      headingRef.current?.focus();
    } else setError(errorSentence(result.error));
  }
  // Focus before the first paint, not after the listing arrives: an Escape pressed while main
  // is still listing the folder must reach this region's handler, not the page behind it.
  useLayoutEffect(() => headingRef.current?.focus(), []);
  useEffect(() => void open(), []);

  return (
    <div
      className="ws-file-browser"
      role="region"
      aria-labelledby="file-browser-heading"
      data-testid="file-browser"
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault();
          onClose();
        }
      }}
    >
      <h2 id="file-browser-heading" tabIndex={-1} ref={headingRef}>
        Choose the export file
      </h2>
      {error && (
        <p className="nhsuk-error-message" role="alert">
          {error}
        </p>
      )}
      {listing && (
        <>
          <p className="nhsuk-body-s">
            In <code data-testid="file-browser-folder">{listing.folder}</code>. Only folders and .zip, .txt and .json files are listed.
          </p>
          <ul className="nhsuk-list ws-file-browser__list">
            {listing.parent && (
              <li>
                <button type="button" className="ws-link-button" onClick={() => void open(listing.parent!)}>
                  Up one folder
                </button>
              </li>
            )}
            {listing.entries.map((entry) => (
              <li key={entry.path}>
                {entry.kind === 'folder' ? (
                  <button type="button" className="ws-link-button" aria-label={`Folder ${entry.name}`} onClick={() => void open(entry.path)}>
                    <span aria-hidden="true">📁 </span>
                    {entry.name}
                  </button>
                ) : (
                  <button type="button" className="ws-link-button" aria-label={`File ${entry.name}`} onClick={() => onChoose(entry.path)}>
                    {entry.name}
                  </button>
                )}{' '}
                {entry.kind === 'file' && <span className="nhsuk-body-s">{size(entry.bytes)}</span>}
              </li>
            ))}
            {listing.entries.length === 0 && <li>No folders or export files here.</li>}
          </ul>
          {listing.more && <p className="nhsuk-body-s">This folder holds more than are listed: type the path of the file instead.</p>}
        </>
      )}
      <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={onClose}>
        Cancel
      </button>
    </div>
  );
}
