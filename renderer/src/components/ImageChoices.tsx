/**
 * Choosing the images of the selected messages to file with a note (#19), each with the
 * patient's consent to the photograph. Nothing is chosen by default, and a chosen image has no
 * consent until the clinician records one: the note cannot be attested without it (main checks
 * again). Location, device and other hidden details are removed by main before filing.
 */
import type { ImageConsent } from '../../../shared/domain/clinical-image';
import { MIN_CONSENT_REASON } from '../../../shared/domain/clinical-image';
import { useState } from 'react';
import type { MediaItemView, MessageView } from '../../../shared/ipc/contract';
import type { FieldProblem } from '../logic/describe-error';
import { fileSize } from '../logic/media';
import { TextField } from './forms';
import { displayWallClock } from './format';
import { InlineImage, MediaViewer, useMediaUrls } from './ThreadMedia';

export interface ImageChoiceState {
  readonly item: MediaItemView;
  readonly chosen: boolean;
  readonly status: '' | ImageConsent['status'];
  readonly reason: string;
  readonly shows: string;
}

/** The draft's saved choice for each image of the selected messages (unchosen when it has none). */
export function initialChoices(items: readonly MediaItemView[], saved: readonly { attachmentId: string; consent?: ImageConsent }[]): ImageChoiceState[] {
  return items.map((item) => {
    const kept = saved.find((image) => image.attachmentId === item.id);
    const consent = kept?.consent;
    return {
      item,
      chosen: kept !== undefined,
      status: consent?.status ?? '',
      reason: consent?.status === 'not-given' ? consent.reason : '',
      shows: consent?.status === 'not-applicable' ? consent.shows : '',
    };
  });
}

/** What the draft saves: the chosen images, each with its consent once it is complete. */
export function chosenImages(choices: readonly ImageChoiceState[]): { attachmentId: string; consent?: ImageConsent }[] {
  return choices
    .filter((choice) => choice.chosen)
    .map((choice) => {
      const consent: ImageConsent | undefined =
        choice.status === 'given'
          ? { status: 'given' }
          : choice.status === 'not-given' && choice.reason.trim().length >= MIN_CONSENT_REASON
            ? { status: 'not-given', reason: choice.reason.trim() }
            : choice.status === 'not-applicable' && choice.shows.trim().length >= 3
              ? { status: 'not-applicable', shows: choice.shows.trim() }
              : undefined;
      return { attachmentId: choice.item.id, ...(consent ? { consent } : {}) };
    });
}

/** The screen's checks for a half-recorded consent, each linked to its input. */
export function choiceProblems(choices: readonly ImageChoiceState[]): FieldProblem[] {
  const found: FieldProblem[] = [];
  choices.forEach((choice, index) => {
    if (!choice.chosen) return;
    if (choice.status === 'not-given' && choice.reason.trim().length < MIN_CONSENT_REASON) found.push({ text: `Say why image ${index + 1} is filed without consent (at least ${MIN_CONSENT_REASON} characters).`, inputId: `image-${index}-reason` });
    if (choice.status === 'not-applicable' && choice.shows.trim().length < 3) found.push({ text: `Say what image ${index + 1} shows (for example “ECG trace”).`, inputId: `image-${index}-shows` });
  });
  return found;
}

/** "Image 1 of 2": how an image is named to the clinician and read out; never its file name, which may hold anything. */
function imageName(index: number, count: number): string {
  return `Image ${index + 1} of ${count}`;
}

/**
 * Each image of the selected messages as the clinician chooses it: its thumbnail (opening full
 * size), who sent it and when, and, beside it, whether to file it and the consent. The thumbnail
 * is the one kept in the vault (migration 0014), fetched as bytes and shown from a blob: URL; its
 * alternative text names the image by its place and type only.
 */
export function ImageChoices({
  choices,
  messages,
  describeSender,
  onChange,
  fieldError,
}: {
  choices: readonly ImageChoiceState[];
  /** The selected messages, for each image's sender and time. */
  messages: readonly MessageView[];
  /** How a chat sender is named on this screen (the identity given, else the chat's name). */
  describeSender: (sender: string | null) => string;
  onChange: (next: ImageChoiceState[]) => void;
  fieldError: (inputId: string) => string | null | undefined;
}) {
  // The blob: URLs live as long as this list; revoked when it goes.
  const urls = useMediaUrls('image-choices');
  const [viewing, setViewing] = useState<{ item: MediaItemView; trigger: HTMLElement; index: number } | null>(null);
  if (choices.length === 0) return null;
  // The number each chosen image is filed under (its title in the record, and what main's
  // messages call "image 1"): its place among the chosen, not among all the images here.
  const chosenCount = choices.filter((choice) => choice.chosen).length;
  const filedAs = (index: number) => choices.slice(0, index + 1).filter((choice) => choice.chosen).length;
  const change = (index: number, patch: Partial<ImageChoiceState>) => onChange(choices.map((choice, at) => (at === index ? { ...choice, ...patch } : choice)));
  /** The image's name on this screen, and who sent it when, from its message. */
  const about = (item: MediaItemView, index: number) => {
    const message = messages.find((candidate) => candidate.id === item.messageId);
    return { name: imageName(index, choices.length), sender: message ? describeSender(message.sender) : 'a sender not known', when: message ? `${displayWallClock(message.localTime, { seconds: true })} ${message.zone}` : 'time not known' };
  };
  return (
    <section aria-labelledby="images-heading" data-testid="image-choices">
      <h2 id="images-heading">Images in the selected messages</h2>
      <p className="nhsuk-body-s">
        Choose any image to file with the note, and record the patient's consent to each photograph. Select a picture to see it full size. Its location, the device that took it and other
        hidden details are removed before filing.
      </p>
      {choices.map((choice, index) => {
        const { item } = choice;
        const filableType = item.mediaType === 'image/jpeg' || item.mediaType === 'image/png' || item.mediaType === 'image/webp';
        // Only a picture the clinician can see is offered (main refuses the others too).
        const filable = filableType && item.display === 'image';
        const { name, sender, when } = about(item, index);
        const dimensions = item.width !== null && item.height !== null ? `, ${item.width} × ${item.height} pixels` : '';
        return (
          <fieldset className="nhsuk-fieldset ws-image-choice" key={item.id} data-testid="image-choice">
            <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">
              {name}: sent by <span data-testid="image-choice-sender">{sender}</span>, <span data-testid="image-choice-time">{when}</span>
            </legend>
            <div className="ws-image-choice__row">
              <div className="ws-image-choice__picture" data-testid="image-choice-picture">
                {item.display === 'image' && urls ? (
                  <InlineImage
                    item={item}
                    urls={urls}
                    className="ws-image-choice__open"
                    alt={`${name}: ${item.label}${dimensions}`}
                    openLabel={`See ${name.toLowerCase()} full size`}
                    onOpen={(opened, trigger) => setViewing({ item: opened, trigger, index })}
                  />
                ) : (
                  <p className="ws-media__problem">No preview. {item.problem ?? 'This image cannot be shown here.'}</p>
                )}
              </div>
              <div className="ws-image-choice__details">
                <p className="nhsuk-body-s ws-image-choice__file" data-testid="image-choice-file">
                  {item.name} ({item.label}, {fileSize(item.byteLength)}
                  {dimensions})
                </p>
                {!filable ? (
                  <p className="nhsuk-body-s" data-testid="image-not-filable">
                    {filableType
                      ? 'It cannot be shown here, so it cannot be filed: no one could check what it shows. It stays in the chat.'
                      : 'Wardscribe can file JPEG, PNG and WebP pictures only; this one stays in the chat.'}
                  </p>
                ) : (
                  <>
                    <div className="nhsuk-checkboxes__item">
                      <input className="nhsuk-checkboxes__input" id={`image-${index}-file`} type="checkbox" checked={choice.chosen} onChange={(event) => change(index, { chosen: event.target.checked })} />
                      <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={`image-${index}-file`}>
                        File this image with the note
                      </label>
                    </div>
                    {choice.chosen && (
                      <p className="nhsuk-body-s" data-testid="image-filed-as">
                        Filed as image {filedAs(index)} of {chosenCount} in the note: messages about image {filedAs(index)} mean this one.
                      </p>
                    )}
                    {choice.chosen && (
                      <div className="nhsuk-radios" role="radiogroup" aria-label={`Consent to ${name.toLowerCase()}`}>
                        {(
                          [
                            ['given', 'Consent given: the patient agreed to the photograph being kept in their record'],
                            ['not-given', 'Consent not given: say why it is filed anyway'],
                            ['not-applicable', 'Not applicable: it does not show the patient (for example an ECG trace)'],
                          ] as const
                        ).map(([status, label]) => (
                          <div className="nhsuk-radios__item" key={status}>
                            <input className="nhsuk-radios__input" id={`image-${index}-consent-${status}`} type="radio" name={`image-${index}-consent`} checked={choice.status === status} onChange={() => change(index, { status })} />
                            <label className="nhsuk-label nhsuk-radios__label" htmlFor={`image-${index}-consent-${status}`}>
                              {label}
                            </label>
                          </div>
                        ))}
                        {choice.status === 'not-given' && (
                          <TextField id={`image-${index}-reason`} label="Why it is filed without consent" hint={`At least ${MIN_CONSENT_REASON} characters; stated in the record.`} value={choice.reason} error={fieldError(`image-${index}-reason`) ?? null} onChange={(event) => change(index, { reason: event.target.value })} />
                        )}
                        {choice.status === 'not-applicable' && (
                          <TextField id={`image-${index}-shows`} label="What the image shows" hint="For example “ECG trace”; stated in the record." value={choice.shows} error={fieldError(`image-${index}-shows`) ?? null} onChange={(event) => change(index, { shows: event.target.value })} />
                        )}
                      </div>
                    )}
                  </>
                )}
              </div>
            </div>
          </fieldset>
        );
      })}
      {viewing && urls && (
        <MediaViewer
          key={viewing.item.id}
          item={viewing.item}
          trigger={viewing.trigger}
          urls={urls}
          title={`${about(viewing.item, viewing.index).name}, sent by ${about(viewing.item, viewing.index).sender}, ${about(viewing.item, viewing.index).when}`}
          alt={`${about(viewing.item, viewing.index).name}: ${viewing.item.label}, full size`}
          onClose={() => setViewing(null)}
        />
      )}
    </section>
  );
}
