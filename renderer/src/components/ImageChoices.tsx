/**
 * Choosing the images of the selected messages to file with a note (#19), each with the
 * patient's consent to the photograph. Nothing is chosen by default, and a chosen image has no
 * consent until the clinician records one: the note cannot be attested without it (main checks
 * again). Location, device and other hidden details are removed by main before filing.
 */
import type { ImageConsent } from '../../../shared/domain/clinical-image';
import { MIN_CONSENT_REASON } from '../../../shared/domain/clinical-image';
import type { MediaItemView } from '../../../shared/ipc/contract';
import type { FieldProblem } from '../logic/describe-error';
import { TextField } from './forms';

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

export function ImageChoices({ choices, onChange, fieldError }: { choices: readonly ImageChoiceState[]; onChange: (next: ImageChoiceState[]) => void; fieldError: (inputId: string) => string | null | undefined }) {
  if (choices.length === 0) return null;
  const change = (index: number, patch: Partial<ImageChoiceState>) => onChange(choices.map((choice, at) => (at === index ? { ...choice, ...patch } : choice)));
  return (
    <section aria-labelledby="images-heading" data-testid="image-choices">
      <h2 id="images-heading">Images in the selected messages</h2>
      <p className="nhsuk-body-s">
        Choose any image to file with the note, and record the patient's consent to each photograph. Its location, the device that took it and other hidden details are
        removed before filing.
      </p>
      {choices.map((choice, index) => {
        const filable = choice.item.mediaType === 'image/jpeg' || choice.item.mediaType === 'image/png' || choice.item.mediaType === 'image/webp';
        return (
          <fieldset className="nhsuk-fieldset ws-image-choice" key={choice.item.id} data-testid="image-choice">
            <legend className="nhsuk-fieldset__legend">
              Image {index + 1}: {choice.item.label} ({Math.max(1, Math.round(choice.item.byteLength / 1024))} KB)
            </legend>
            {!filable ? (
              <p className="nhsuk-body-s">Wardscribe can file JPEG, PNG and WebP pictures only; this one stays in the chat.</p>
            ) : (
              <>
                <div className="nhsuk-checkboxes__item">
                  <input className="nhsuk-checkboxes__input" id={`image-${index}-file`} type="checkbox" checked={choice.chosen} onChange={(event) => change(index, { chosen: event.target.checked })} />
                  <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={`image-${index}-file`}>
                    File this image with the note
                  </label>
                </div>
                {choice.chosen && (
                  <div className="nhsuk-radios" role="radiogroup" aria-label={`Consent to image ${index + 1}`}>
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
          </fieldset>
        );
      })}
    </section>
  );
}
