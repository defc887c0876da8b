import { useMemo } from 'react';
import { findPatientHints, PATIENT_HINT_KINDS, suggestedNhsNumbers, type PatientHintKind } from '../../../shared/domain/patient-hints';
import { displayName, type PatientConfirmation, type PatientLookup, type PatientRecord } from '../../../shared/domain/patient-record';
import { displayDay, displayNhsNumber } from '../components/format';
import { describeCounts } from '../logic/patient-details';

/**
 * The patient as the EPR (or PDS) holds them, shown for the clinician to confirm before attesting
 * (H-014). Main looks the record up again at attestation and compares; this screen only shows
 * what it found and what the clinician confirmed.
 */

/** What attestation sends for what the clinician confirmed; null: nothing confirmable confirmed. */
export function confirmationFor(lookup: PatientLookup | null, confirmed: boolean): PatientConfirmation | null {
  if (!lookup || !confirmed) return null;
  if (lookup.confirmable && lookup.record) {
    const { source, id, versionId, lastUpdated } = lookup.record;
    return { kind: 'record', source, id, versionId, lastUpdated };
  }
  if (lookup.status === 'cannot-search') return { kind: 'checked-outside-epr', statement: true };
  return null;
}

const GENDERS: Readonly<Record<string, string>> = { male: 'Male', female: 'Female', other: 'Other', unknown: 'Not known' };

function RecordDetails({ record, heading }: { record: PatientRecord; heading: string }) {
  const row = (label: string, value: string) => (
    <div className="nhsuk-summary-list__row">
      <dt className="nhsuk-summary-list__key">{label}</dt>
      <dd className="nhsuk-summary-list__value">{value}</dd>
    </div>
  );
  return (
    <>
      <h3>{heading}</h3>
      <dl className="nhsuk-summary-list" data-testid={`patient-record-${record.source}`}>
        {row('Name', record.names[0] ? displayName(record.names[0]) : 'No name held')}
        {row('Date of birth', record.birthDate ? displayDay(record.birthDate) : 'Not held')}
        {row('Gender', record.gender ? (GENDERS[record.gender] ?? record.gender) : 'Not held')}
        {row('NHS number', /^\d{10}$/.test(record.nhsNumber) ? displayNhsNumber(record.nhsNumber) : record.nhsNumber)}
        {row('Address', record.restricted ? 'Not shown: this is a restricted record' : (record.address ?? 'Not held'))}
        {row('GP practice', record.restricted ? 'Not shown: this is a restricted record' : (record.gp ?? 'Not held'))}
      </dl>
    </>
  );
}

export function PatientRecordPanel({ lookup, confirmed, onConfirm, error }: { lookup: PatientLookup; confirmed: boolean; onConfirm: (confirmed: boolean) => void; error: string | null | undefined }) {
  const where = lookup.record?.source === 'pds' ? 'The national record (PDS)' : 'The EPR';
  return (
    <div className={lookup.confirmable ? 'nhsuk-inset-text' : 'nhsuk-warning-callout'} data-testid="patient-lookup" data-status={lookup.status}>
      {!lookup.confirmable && <h3 className="nhsuk-warning-callout__label">This patient cannot be confirmed yet</h3>}
      <p>{lookup.message}</p>
      {lookup.record && <RecordDetails record={lookup.record} heading={`${where} holds`} />}
      {lookup.national && <RecordDetails record={lookup.national} heading="The national record (PDS) holds" />}
      {(lookup.confirmable || lookup.status === 'cannot-search') && (
        <div className={`nhsuk-form-group${error ? ' nhsuk-form-group--error' : ''}`}>
          {error && (
            <span className="nhsuk-error-message" id="patient-confirmed-error">
              <span className="nhsuk-u-visually-hidden">Error:</span> {error}
            </span>
          )}
          <div className="nhsuk-checkboxes__item">
            <input className="nhsuk-checkboxes__input" id="patient-confirmed" type="checkbox" checked={confirmed} onChange={(event) => onConfirm(event.target.checked)} />
            <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor="patient-confirmed">
              {lookup.confirmable
                ? 'This is the patient the advice is about'
                : 'I checked the NHS number, name and date of birth against the patient’s wristband or notes'}
            </label>
          </div>
        </div>
      )}
    </div>
  );
}


/**
 * Patient details found in the selected messages, offered as the patient: each is used only when
 * the user presses its button, never filled in silently.
 */
export function PatientSuggestions({ texts, onNhsNumber, onBirthDate }: { texts: readonly string[]; onNhsNumber: (value: string) => void; onBirthDate: (value: string) => void }) {
  const { numbers, births, others } = useMemo(() => {
    const hints = texts.flatMap((text) => findPatientHints(text));
    const counts = Object.fromEntries(PATIENT_HINT_KINDS.map((kind) => [kind, 0])) as Record<PatientHintKind, number>;
    for (const hint of hints) if (hint.kind !== 'nhs-number' && hint.kind !== 'date-of-birth') counts[hint.kind]++;
    return { numbers: suggestedNhsNumbers(hints), births: [...new Set(hints.filter((hint) => hint.kind === 'date-of-birth').map((hint) => hint.value))], others: describeCounts(counts) };
  }, [texts]);
  if (numbers.length === 0 && births.length === 0 && !others) return null;
  return (
    <div className="nhsuk-inset-text" data-testid="patient-suggestions">
      <p>Found in the selected messages (check before using):</p>
      <ul className="nhsuk-list">
        {numbers.map((number) => (
          <li key={`nhs-${number}`}>
            <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => onNhsNumber(displayNhsNumber(number))}>
              Use NHS number {displayNhsNumber(number)}
            </button>
          </li>
        ))}
        {births.map((birth) => (
          <li key={`dob-${birth}`}>
            <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => onBirthDate(birth)}>
              Use date of birth {birth.slice(8, 10)}/{birth.slice(5, 7)}/{birth.slice(0, 4)}
            </button>
          </li>
        ))}
      </ul>
      {others && <p className="nhsuk-body-s">Also mentioned: {others}.</p>}
    </div>
  );
}
