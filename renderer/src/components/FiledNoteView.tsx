import { useEffect, useRef, useState } from 'react';
import type { FiledDocumentView, FiledImagesView } from '../../../shared/ipc/contract';
import { hostApi } from '../api';
import { errorSentence } from '../logic/describe-error';
import { fileSize } from '../logic/media';
import { displayTime } from './format';
import { printPart } from './print';
import { PictureViewer } from './ThreadMedia';

/**
 * A filed note exactly as the EPR returned it just now: its header fields, its text and its
 * images, with a print button (the system print dialog, this card only). The heading takes focus
 * when it opens. The images are asked for once the note is shown (read fresh from the EPR, bytes
 * over the IPC contract, shown from blob: URLs revoked when the note closes).
 */
export function FiledNoteView({ document, identifier, epr, onClose }: { document: FiledDocumentView; identifier: string; epr: string; onClose: () => void }) {
  const cardRef = useRef<HTMLDivElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), [document]);
  const images = useFiledImages(identifier, document);
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
          {document.type !== null && <Row label="Type">{document.type}</Row>}
          {document.subject !== null && <Row label="Patient">{document.subject}</Row>}
          {document.authors.length > 0 && <Row label="Author">{document.authors.join('; ')}</Row>}
          {document.custodian !== null && <Row label="Kept by">{document.custodian}</Row>}
          {document.restriction !== null && <Row label="Access">{document.restriction}</Row>}
          {document.date !== null && <Row label="Dated">{displayTime(document.date)}</Row>}
          {document.lastUpdated !== null && <Row label="Last changed in the EPR">{displayTime(document.lastUpdated)}</Row>}
          <Row label="Status">{statusWords(document.status, document.docStatus)}</Row>
          <Row label="EPR reference">
            <span className="nhsuk-body-s">
              {document.documentReferenceId}
              {document.versionId !== null && ` (version ${document.versionId})`}
            </span>
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
        <FiledImages state={images} documentVersion={document.versionId} />
      </div>
    </div>
  );
}

/** A note's FHIR status and document status, as a ward reads them. */
const STATUS_WORDS: Readonly<Record<string, string>> = {
  current: 'In the record',
  superseded: 'Replaced by a later version',
  'entered-in-error': 'Marked as entered in error',
};
const DOC_STATUS_WORDS: Readonly<Record<string, string>> = {
  final: 'final',
  preliminary: 'preliminary, not final',
  amended: 'amended since it was filed',
  'entered-in-error': 'entered in error',
};

export function statusWords(status: string | null, docStatus: string | null): string {
  const first = status === null ? 'Not given by the EPR' : (STATUS_WORDS[status] ?? status);
  if (docStatus === null) return first;
  return `${first}, ${DOC_STATUS_WORDS[docStatus] ?? docStatus}`;
}

interface ShownImage {
  readonly image: FiledImagesView['images'][number];
  /** A blob: URL of its bytes; null when the EPR's copy is not shown (its problem says why). */
  readonly url: string | null;
}

type FiledImagesState = { readonly kind: 'loading' } | { readonly kind: 'failed'; readonly message: string } | { readonly kind: 'read'; readonly versionId: string | null; readonly images: readonly ShownImage[] };

function fromBase64(data: string): Uint8Array<ArrayBuffer> {
  const text = atob(data);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** The note's images from the EPR, as blob: URLs made once and revoked when the note closes or is opened again. */
function useFiledImages(identifier: string, document: FiledDocumentView): FiledImagesState {
  const [state, setState] = useState<FiledImagesState>({ kind: 'loading' });
  useEffect(() => {
    let live = true;
    const made: string[] = [];
    setState({ kind: 'loading' });
    void hostApi()!
      .outbox.documentImages({ identifier })
      .then((result) => {
        if (!live) return;
        if (!result.ok) return setState({ kind: 'failed', message: errorSentence(result.error) });
        const images = result.value.images.map((image) => {
          if (image.data === null || image.contentType === null) return { image, url: null };
          const url = URL.createObjectURL(new Blob([fromBase64(image.data)], { type: image.contentType }));
          made.push(url);
          return { image: { ...image, data: null }, url };
        });
        setState({ kind: 'read', versionId: result.value.versionId, images });
      });
    return () => {
      live = false;
      for (const url of made) URL.revokeObjectURL(url);
    };
  }, [identifier, document]);
  return state;
}

/** "Image 2 of 3 in the note": the name an image is given here and read out; never the record's title, which may hold anything. */
function imageName(index: number, count: number): string {
  return `Image ${index + 1} of ${count} in the note`;
}

function FiledImages({ state, documentVersion }: { state: FiledImagesState; documentVersion: string | null }) {
  const [viewing, setViewing] = useState<{ index: number; trigger: HTMLElement } | null>(null);
  if (state.kind === 'loading') return <p className="nhsuk-body-s ws-no-print" data-testid="filed-images-loading">Reading the note’s images from the EPR…</p>;
  if (state.kind === 'failed') return <p className="nhsuk-body-s" data-testid="filed-images-problem">The note’s images could not be read: {state.message}</p>;
  if (state.images.length === 0) return null;
  const shown = viewing ? state.images[viewing.index] : undefined;
  return (
    <section aria-labelledby="filed-images-heading" data-testid="filed-images">
      <h3 id="filed-images-heading">Images in the note ({state.images.length})</h3>
      {state.versionId !== documentVersion && (
        <p className="nhsuk-body-s" data-testid="filed-images-version">
          The EPR changed the note while it was opened: these images are from version {state.versionId ?? 'not given'}, the text above from version {documentVersion ?? 'not given'}. Open the note again
          to see one version.
        </p>
      )}
      <ul className="ws-filed-images">
        {state.images.map(({ image, url }, index) => {
          const name = imageName(index, state.images.length);
          return (
            <li key={image.position} className="ws-filed-images__item" data-testid="filed-image">
              {url && (
                <>
                  <button type="button" className="ws-media__open" aria-label={`See ${name.toLowerCase()} full size`} onClick={(event) => setViewing({ index, trigger: event.currentTarget })}>
                    <img className="ws-media__thumbnail" src={url} alt={`${name}: ${image.contentType ?? 'an image'}`} data-testid="filed-image-picture" />
                  </button>
                  {/* Printing leaves out buttons: the picture prints on its own. */}
                  <img className="ws-media__thumbnail ws-print-only" src={url} alt={`${name}: ${image.contentType ?? 'an image'}`} data-testid="filed-image-print" />
                </>
              )}
              <p className="nhsuk-body-s" data-testid="filed-image-caption">
                <strong>{image.title ?? name}</strong>
                <br />
                {image.creation !== null ? `Made ${displayTime(image.creation)}` : 'No time given'}
                {image.contentType !== null && `, ${image.contentType}`}
                {image.size !== null && `, ${fileSize(image.size)}`}
              </p>
              {image.hashMatches === false && (
                <p className="ws-media__problem" data-testid="filed-image-hash">
                  Its bytes do not match the hash the record gives for it: the EPR may have changed the picture.
                </p>
              )}
              {image.problem && (
                <p className="ws-media__problem" data-testid="filed-image-problem">
                  {image.problem}
                </p>
              )}
            </li>
          );
        })}
      </ul>
      {viewing && shown && (
        <PictureViewer
          title={shown.image.title ?? imageName(viewing.index, state.images.length)}
          alt={`${imageName(viewing.index, state.images.length)}, full size`}
          url={shown.url}
          problem={null}
          trigger={viewing.trigger}
          onClose={() => setViewing(null)}
        />
      )}
    </section>
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
