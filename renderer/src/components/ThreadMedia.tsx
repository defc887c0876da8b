import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { MediaItemView } from '../../../shared/ipc/contract';
import { hostApi } from '../api';
import { useHostQuery } from '../app/data';
import { errorSentence } from '../logic/describe-error';
import { fileSize, thumbnailSize, withArticle } from '../logic/media';
import './media.css';

/**
 * A thread's media in the thread view (issue #19). Bytes come from main over the IPC contract
 * (base64, from the vault), become a Blob, and are shown from a blob: URL: never a path, never a
 * file. Chromium decodes them here, in the sandboxed renderer; the first time an image is shown
 * its thumbnail is drawn on a canvas and sent to main, which checks it and keeps it, so later
 * views fetch the small picture, not the photo.
 */

/** Longest side of a thumbnail drawn here (main accepts at most 512). */
const THUMBNAIL_EDGE = 480;
const THUMBNAIL_QUALITY = 0.85;
const MAX_THUMBNAIL_BYTES = 256 * 1024;

function fromBase64(data: string): Uint8Array<ArrayBuffer> {
  const text = atob(data);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function toBase64(bytes: Uint8Array): string {
  let text = '';
  // In slices: String.fromCharCode with a whole image as arguments would overflow the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

class MediaProblem extends Error {}

async function unwrapped<T>(answer: Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> {
  const result = await answer;
  if (!result.ok) throw new MediaProblem(errorSentence(result.error));
  return result.value;
}

/**
 * The blob: URLs made for one open thread, each made once and revoked when the thread closes,
 * so a photo's bytes do not outlive the view that asked for them.
 */
export class MediaUrls {
  readonly #blobs = new Map<string, Promise<Blob>>();
  readonly #urls = new Map<string, Promise<string>>();
  #closed = false;

  /** The whole file as a blob: URL (its type from main's reading of the bytes). */
  full(item: MediaItemView): Promise<string> {
    return this.#url(`full:${item.id}`, () => this.#fullBlob(item));
  }

  /** The image's thumbnail: the kept one, or drawn now from the image (and kept by main). */
  thumbnail(item: MediaItemView): Promise<string> {
    return this.#url(`thumbnail:${item.id}`, async () => {
      if (item.thumbnail) {
        const kept = await hostApi()!.media.thumbnail({ attachmentId: item.id });
        if (kept.ok) return new Blob([fromBase64(kept.value.data)], { type: kept.value.mediaType });
      }
      return this.#drawThumbnail(item, await this.#fullBlob(item));
    });
  }

  #fullBlob(item: MediaItemView): Promise<Blob> {
    return this.#remember(this.#blobs, item.id, async () => {
      const { mediaType, data } = await unwrapped(hostApi()!.media.content({ attachmentId: item.id }));
      return new Blob([fromBase64(data)], { type: mediaType });
    });
  }

  async #drawThumbnail(item: MediaItemView, full: Blob): Promise<Blob> {
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(full);
    } catch {
      throw new MediaProblem(`This ${item.label} cannot be shown: Chromium could not decode it. The file is kept in the vault with the thread.`);
    }
    const { width, height } = thumbnailSize(bitmap.width, bitmap.height, THUMBNAIL_EDGE);
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d')!;
    // JPEG has no transparency: a white ground, as the picture would show on a page.
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, width, height);
    context.drawImage(bitmap, 0, 0, width, height);
    bitmap.close();
    const drawn = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', THUMBNAIL_QUALITY));
    if (!drawn) return full;
    const bytes = new Uint8Array(await drawn.arrayBuffer());
    // Kept for next time; if main refuses it the picture is still shown.
    if (bytes.length <= MAX_THUMBNAIL_BYTES) await hostApi()!.media.saveThumbnail({ attachmentId: item.id, data: toBase64(bytes) });
    return drawn;
  }

  #url(key: string, blob: () => Promise<Blob>): Promise<string> {
    return this.#remember(this.#urls, key, async () => {
      const url = URL.createObjectURL(await blob());
      if (this.#closed) URL.revokeObjectURL(url);
      return url;
    });
  }

  #remember<T>(store: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
    let made = store.get(key);
    if (!made) {
      made = make();
      store.set(key, made);
      // A failure is not remembered: the next view asks again.
      made.catch(() => store.delete(key));
    }
    return made;
  }

  /** Revokes every URL made and lets go of the bytes; a URL still being made is revoked once it is. */
  close(): void {
    this.#closed = true;
    for (const made of this.#urls.values()) made.then((url) => URL.revokeObjectURL(url), () => undefined);
    this.#urls.clear();
    this.#blobs.clear();
  }
}

function useUrl(make: (() => Promise<string>) | null): { url: string | null; problem: string | null } {
  const [state, setState] = useState<{ url: string | null; problem: string | null }>({ url: null, problem: null });
  const makeRef = useRef(make);
  makeRef.current = make;
  const active = make !== null;
  useEffect(() => {
    if (!active || !makeRef.current) return;
    let live = true;
    makeRef.current().then(
      (url) => live && setState({ url, problem: null }),
      (error: unknown) => live && setState({ url: null, problem: error instanceof MediaProblem ? error.message : 'This file could not be read from the vault.' }),
    );
    return () => {
      live = false;
    };
  }, [active]);
  return state;
}

function Description({ item }: { item: MediaItemView }) {
  const dimensions = item.width !== null && item.height !== null ? `, ${item.width} × ${item.height} pixels` : '';
  return (
    <span className="ws-media__description" data-testid="media-description">
      <span className="ws-media__name">{item.name}</span>{' '}
      <span className="ws-media__type">
        ({item.label}, {fileSize(item.byteLength)}
        {dimensions})
      </span>
      {item.claimedLabel && (
        <span className="ws-flag ws-flag--warning" data-testid="media-mismatch">
          named as {withArticle(item.claimedLabel)}, but the file is {withArticle(item.label)}
        </span>
      )}
    </span>
  );
}

/**
 * An image's thumbnail as a button that opens it full size. `alt` and `openLabel` replace the
 * defaults (which name the file) where the file's name should not be read out.
 */
export function InlineImage({ item, urls, onOpen, alt, openLabel, className }: { item: MediaItemView; urls: MediaUrls; onOpen: (item: MediaItemView, trigger: HTMLElement) => void; alt?: string; openLabel?: string; className?: string }) {
  const { url, problem } = useUrl(() => urls.thumbnail(item));
  if (problem) return <p className="ws-media__problem" data-testid="media-problem">{problem}</p>;
  return (
    <button type="button" className={`ws-media__open${className ? ` ${className}` : ''}`} aria-label={openLabel ?? `Open ${item.name} full size`} onClick={(event) => onOpen(item, event.currentTarget)} disabled={!url}>
      {url ? (
        <img className="ws-media__thumbnail" src={url} alt={alt ?? `${item.label}: ${item.name}`} data-testid="media-thumbnail" />
      ) : (
        <span className="ws-media__loading">Loading the picture…</span>
      )}
    </button>
  );
}

function Player({ item, urls }: { item: MediaItemView; urls: MediaUrls }) {
  const [wanted, setWanted] = useState(false);
  const tag = item.kind === 'video' ? 'video' : 'audio';
  const playable = document.createElement(tag).canPlayType(item.mediaType) !== '';
  const { url, problem } = useUrl(wanted && playable ? () => urls.full(item) : null);
  if (!playable) return <p className="ws-media__problem" data-testid="media-problem">Chromium here cannot play {item.label}. The file is kept in the vault with the thread.</p>;
  if (problem) return <p className="ws-media__problem" data-testid="media-problem">{problem}</p>;
  if (!wanted) {
    return (
      <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small ws-media__load" onClick={() => setWanted(true)}>
        {item.kind === 'video' ? 'Play video' : 'Play recording'}
        <span className="nhsuk-u-visually-hidden">: {item.name}</span>
      </button>
    );
  }
  if (!url) return <span className="ws-media__loading">Loading…</span>;
  return item.kind === 'video' ? (
    <video className="ws-media__video" src={url} controls autoPlay aria-label={`${item.label}: ${item.name}`} />
  ) : (
    <audio src={url} controls autoPlay aria-label={`${item.label}: ${item.name}`} />
  );
}

/** A message's media: pictures inline (opening full size), recordings to play, other files listed with type and size. */
export function MessageMedia({ items, urls, onOpen }: { items: readonly MediaItemView[]; urls: MediaUrls; onOpen: (item: MediaItemView, trigger: HTMLElement) => void }) {
  return (
    // Using a picture or a player is not choosing the message.
    <div className="ws-media" onClick={(event) => event.stopPropagation()} onKeyDown={(event) => event.stopPropagation()} role="group" aria-label="Attachments">
      {items.map((item) => (
        <div key={item.id} className="ws-media__item" data-testid="media-item" data-kind={item.kind} data-display={item.display}>
          {item.display === 'image' && <InlineImage item={item} urls={urls} onOpen={onOpen} />}
          {item.display === 'player' && <Player item={item} urls={urls} />}
          <Description item={item} />
          {item.problem && (
            <p className="ws-media__problem" data-testid="media-problem">
              {item.problem}
            </p>
          )}
        </div>
      ))}
    </div>
  );
}

/** How large the full-size viewer shows a picture. */
export type Zoom = 'fit' | 'actual' | 'double';

const ZOOMS: readonly { zoom: Zoom; label: string }[] = [
  { zoom: 'fit', label: 'Fit to window' },
  { zoom: 'actual', label: 'Actual size (100%)' },
  { zoom: 'double', label: '200%' },
];

/**
 * A picture full size, in a modal dialog: Escape or Close shuts it and focus goes back to what
 * opened it. It opens fitted to the window, enlarging a small photo as well as shrinking a large
 * one; "Actual size" shows its own pixels and "200%" doubles them (the picture then scrolls, by
 * keyboard too). How much it is enlarged is said in words, so a blurred enlargement is not
 * mistaken for a blurred photo.
 */
export function PictureViewer({ title, alt, url, problem, trigger, onClose }: { title: string; alt: string; url: string | null; problem: string | null; trigger: HTMLElement | null; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const image = useRef<HTMLImageElement>(null);
  const [zoom, setZoom] = useState<Zoom>('fit');
  const [natural, setNatural] = useState<{ width: number; height: number } | null>(null);
  const [shownWidth, setShownWidth] = useState<number | null>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    element.showModal();
    return () => {
      if (element.open) element.close();
      // Back where the person was (the dialog may have been closed by Escape, a button or the view closing).
      if (trigger?.isConnected) trigger.focus();
    };
  }, [trigger]);
  // The scale shown, measured: the window's size decides it when fitted.
  useEffect(() => {
    const element = image.current;
    if (!element || !natural) return;
    const observer = new ResizeObserver(() => setShownWidth(element.getBoundingClientRect().width));
    observer.observe(element);
    return () => observer.disconnect();
  }, [natural, url]);
  const style =
    natural === null
      ? undefined
      : zoom === 'fit'
        ? { width: `min(calc(96vw - 48px), calc((96vh - 160px) * ${natural.width / natural.height}))` }
        : { width: `${natural.width * (zoom === 'double' ? 2 : 1)}px`, maxWidth: 'none', maxHeight: 'none' };
  const percent = natural && shownWidth ? Math.round((shownWidth / natural.width) * 100) : null;
  return (
    <dialog
      ref={dialog}
      className="ws-media-viewer"
      aria-labelledby="ws-media-viewer-title"
      data-testid="media-viewer"
      // Escape: the dialog's own cancel; closed through React so the state follows.
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <div className="ws-media-viewer__bar">
        <h2 id="ws-media-viewer-title" className="nhsuk-heading-s ws-media-viewer__title">
          {title}
        </h2>
        <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={onClose}>
          Close <span className="nhsuk-u-visually-hidden">the full-size picture</span>
        </button>
      </div>
      {url && !problem && (
        <div className="ws-media-viewer__zoom" role="group" aria-label="Picture size">
          {ZOOMS.map((choice) => (
            <button key={choice.zoom} type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" aria-pressed={zoom === choice.zoom} onClick={() => setZoom(choice.zoom)}>
              {choice.label}
            </button>
          ))}
          {natural && (
            <span className="nhsuk-body-s ws-media-viewer__scale" data-testid="media-scale" aria-live="polite">
              {natural.width} × {natural.height} pixels
              {percent !== null && `, shown at ${percent}%${percent > 100 ? ' (enlarged: fine detail is not sharper than the photo)' : ''}`}
            </span>
          )}
        </div>
      )}
      {problem ? (
        <p className="ws-media__problem">{problem}</p>
      ) : url ? (
        // Focusable, so a picture larger than the window can be scrolled by keyboard.
        <div className="ws-media-viewer__stage" tabIndex={0} aria-label="The picture; scroll to see all of it when it is larger than the window">
          <img
            ref={image}
            className={`ws-media-viewer__image ws-media-viewer__image--${zoom}`}
            src={url}
            alt={alt}
            style={style}
            data-testid="media-full"
            data-zoom={zoom}
            onLoad={(event) => setNatural({ width: event.currentTarget.naturalWidth, height: event.currentTarget.naturalHeight })}
          />
        </div>
      ) : (
        <p className="ws-media__loading">Loading the picture…</p>
      )}
    </dialog>
  );
}

/** A thread's image full size (its bytes from the vault); `title` and `alt` replace the defaults, which name the file. */
export function MediaViewer({ item, trigger, urls, onClose, title, alt }: { item: MediaItemView; trigger: HTMLElement | null; urls: MediaUrls; onClose: () => void; title?: string; alt?: string }) {
  const { url, problem } = useUrl(() => urls.full(item));
  return <PictureViewer title={title ?? item.name} alt={alt ?? `${item.label}: ${item.name}, full size`} url={url} problem={problem} trigger={trigger} onClose={onClose} />;
}

/** One set of blob: URLs for as long as `key` stays the same (a thread, a draft), revoked when it changes or the view closes. */
export function useMediaUrls(key: string): MediaUrls | null {
  const [urls, setUrls] = useState<MediaUrls | null>(null);
  // Made in an effect so that each one made is also closed.
  useEffect(() => {
    const made = new MediaUrls();
    setUrls(made);
    return () => made.close();
  }, [key]);
  return urls;
}

const NO_MEDIA: readonly MediaItemView[] = [];

export interface ThreadMediaState {
  /** The media a message carries (by message id). */
  readonly forMessage: (messageId: string) => readonly MediaItemView[];
  /** Null for the moment before the thread's URL set is made. */
  readonly urls: MediaUrls | null;
  readonly open: (item: MediaItemView, trigger: HTMLElement) => void;
  /** The full-size viewer while one is open. */
  readonly viewer: ReactNode;
  /** Why the thread's media could not be listed, in words; null when they were. */
  readonly problem: string | null;
}

/** An open thread's media: listed once per thread (and again when the thread changes), the blob: URLs revoked when it closes. */
export function useThreadMedia(threadId: string): ThreadMediaState {
  const list = useHostQuery('media.list', { threadId }, { refetchOn: ['threads.changed'] });
  // One set of URLs per open thread.
  const urls = useMediaUrls(threadId);
  const [viewing, setViewing] = useState<{ item: MediaItemView; trigger: HTMLElement } | null>(null);
  const byMessage = useMemo(() => {
    const grouped = new Map<string, MediaItemView[]>();
    for (const item of list.data ?? []) {
      if (item.messageId === null) continue;
      grouped.set(item.messageId, [...(grouped.get(item.messageId) ?? []), item]);
    }
    return grouped;
  }, [list.data]);
  return {
    forMessage: (messageId) => byMessage.get(messageId) ?? NO_MEDIA,
    urls,
    open: (item, trigger) => setViewing({ item, trigger }),
    viewer: viewing && urls ? <MediaViewer key={viewing.item.id} item={viewing.item} trigger={viewing.trigger} urls={urls} onClose={() => setViewing(null)} /> : null,
    problem: list.problem ? list.problem.message : null,
  };
}
