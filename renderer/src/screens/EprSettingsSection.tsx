import { useEffect, useState, type FormEvent } from 'react';
import { DOCUMENT_TYPE_OPTIONS } from '../../../shared/domain/document-types';
import type { EprSettingsView } from '../../../shared/ipc/contract';
import { hostApi } from '../api';
import { useProblem } from '../app/use-problem';
import { ErrorSummary, TextField } from '../components/forms';
import type { FieldLabels } from '../logic/describe-error';

/** The request's fields as this form shows them, so a refusal is shown beside (and linked to) its input. */
const FIELDS: FieldLabels = {
  baseUrl: { label: 'the FHIR base URL', inputId: 'epr-url' },
  tokenUrl: { label: 'the token URL', inputId: 'epr-token-url' },
  clientId: { label: 'the client id', inputId: 'epr-client' },
  keyId: { label: 'the key id', inputId: 'epr-kid' },
  scope: { label: 'the scope', inputId: 'epr-scope' },
  secret: { label: 'the secret', inputId: 'epr-secret' },
  odsCode: { label: 'the ODS code', inputId: 'epr-ods' },
  staffIdentifierSystem: { label: 'the staff identifier system', inputId: 'epr-staff-system' },
  'practiceSetting.code': { label: 'the care setting code', inputId: 'epr-setting-code' },
  'practiceSetting.display': { label: 'the care setting name', inputId: 'epr-setting-name' },
};

/** Where transcriptions are filed: the training EPR, or a live EPR with its authentication. */
export function EprSettingsSection() {
  const [view, setView] = useState<EprSettingsView | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const { problem, fromHost, fromChecks, clear, fieldError } = useProblem(FIELDS);

  useEffect(() => {
    void hostApi()!
      .epr.get({})
      .then((result) => (result.ok ? setView(result.value) : fromHost(result.error)));
  }, [fromHost]);
  if (!view) return null;

  const set = (change: Partial<EprSettingsView>) => setView({ ...view, ...change });

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const secret = String(new FormData(event.currentTarget).get('epr-secret') ?? '');
    const { hasSecret: _hasSecret, ...settings } = view!;
    const result = await hostApi()!.epr.update({ ...settings, secret });
    setMessage(null);
    if (!result.ok) return fromHost(result.error);
    clear();
    setView(result.value);
    setMessage('EPR settings saved. New notes are filed there; notes already in the outbox stay with the EPR they were attested for.');
  }

  async function test() {
    const result = await hostApi()!.epr.test({});
    setMessage(null);
    if (!result.ok) return fromHost(result.error);
    if (!result.value.ok) return fromChecks([{ text: result.value.message }]);
    clear();
    setMessage(result.value.message);
  }

  const live = view.mode === 'live';
  return (
    <section aria-labelledby="epr-heading">
      <h2 id="epr-heading">Electronic patient record</h2>
      {problem && <ErrorSummary title="EPR settings" problems={problem.problems} attempt={problem.attempt} listTestId="epr-message" />}
      {message && (
        <p role="status" data-testid="epr-message">
          {message}
        </p>
      )}
      <form onSubmit={save} noValidate>
        <div className="nhsuk-form-group">
          <label className="nhsuk-label" htmlFor="epr-mode">
            File transcriptions in
          </label>
          <select className="nhsuk-select" id="epr-mode" value={view.mode} onChange={(event) => set({ mode: event.target.value as EprSettingsView['mode'] })}>
            <option value="training">The built-in training EPR (nothing reaches a real record)</option>
            <option value="live">A live EPR (FHIR R4)</option>
          </select>
        </div>
        {live && (
          <>
            <TextField id="epr-url" label="FHIR base URL" hint="Must start with https://." error={fieldError('epr-url')} value={view.baseUrl} onChange={(event) => set({ baseUrl: event.target.value })} />
            <div className="nhsuk-form-group">
              <label className="nhsuk-label" htmlFor="epr-auth">
                Authentication
              </label>
              <select className="nhsuk-select" id="epr-auth" value={view.authKind} onChange={(event) => set({ authKind: event.target.value as EprSettingsView['authKind'] })}>
                <option value="none">None</option>
                <option value="bearer">Static bearer token</option>
                <option value="smart-backend">SMART Backend Services (private key JWT)</option>
              </select>
            </div>
            {view.authKind === 'smart-backend' && (
              <>
                <TextField id="epr-token-url" label="Token URL" error={fieldError('epr-token-url')} value={view.tokenUrl} onChange={(event) => set({ tokenUrl: event.target.value })} />
                <TextField id="epr-client" label="Client id" error={fieldError('epr-client')} value={view.clientId} onChange={(event) => set({ clientId: event.target.value })} />
                <TextField id="epr-kid" label="Key id (kid)" error={fieldError('epr-kid')} value={view.keyId} onChange={(event) => set({ keyId: event.target.value })} />
                <div className="nhsuk-form-group">
                  <label className="nhsuk-label" htmlFor="epr-alg">
                    Signing algorithm
                  </label>
                  <select className="nhsuk-select" id="epr-alg" value={view.algorithm} onChange={(event) => set({ algorithm: event.target.value as EprSettingsView['algorithm'] })}>
                    <option value="RS384">RS384</option>
                    <option value="ES384">ES384</option>
                    <option value="RS512">RS512 (NHS England signed JWT)</option>
                  </select>
                </div>
                <TextField id="epr-scope" label="Scope" error={fieldError('epr-scope')} value={view.scope} onChange={(event) => set({ scope: event.target.value })} />
              </>
            )}
            {view.authKind !== 'none' && (
              <div className={`nhsuk-form-group${fieldError('epr-secret') ? ' nhsuk-form-group--error' : ''}`}>
                <label className="nhsuk-label" htmlFor="epr-secret">
                  {view.authKind === 'bearer' ? 'Bearer token' : 'Private key (PEM)'}
                </label>
                <div className="nhsuk-hint" id="epr-secret-hint">
                  {view.hasSecret ? 'One is stored in the vault. Leave blank to keep it.' : 'Kept only inside the encrypted vault.'}
                </div>
                {fieldError('epr-secret') && (
                  <span className="nhsuk-error-message" id="epr-secret-error">
                    <span className="nhsuk-u-visually-hidden">Error:</span> {fieldError('epr-secret')}
                  </span>
                )}
                <textarea
                  className={`nhsuk-textarea${fieldError('epr-secret') ? ' nhsuk-textarea--error' : ''}`}
                  id="epr-secret"
                  name="epr-secret"
                  rows={3}
                  autoComplete="off"
                  spellCheck={false}
                  aria-describedby={fieldError('epr-secret') ? 'epr-secret-hint epr-secret-error' : 'epr-secret-hint'}
                  aria-invalid={fieldError('epr-secret') ? true : undefined}
                />
              </div>
            )}
            <ProfileOverrides profile={view.profile} onChange={(profile) => set({ profile })} />
          </>
        )}
        <TextField id="epr-ods" label="Organisation ODS code" error={fieldError('epr-ods')} value={view.odsCode} onChange={(event) => set({ odsCode: event.target.value })} />
        <TextField
          id="epr-staff-system"
          error={fieldError('epr-staff-system')}
          label="Your Trust’s identifier system for staff (optional)"
          hint="A URI your Trust owns. Notes identify staff by their SDS user ID or professional registration, set under Users; anyone with neither is identified by their Wardscribe username under this system, or by name only if it is left empty."
          value={view.staffIdentifierSystem}
          onChange={(event) => set({ staffIdentifierSystem: event.target.value })}
        />
        <div className="nhsuk-form-group">
          <label className="nhsuk-label" htmlFor="epr-doc-type">
            Document type new notes start with
          </label>
          <div className="nhsuk-hint" id="epr-doc-type-hint">
            From UK Core’s document types (SNOMED CT). The clinician can choose another for each note.
          </div>
          <select className="nhsuk-select" id="epr-doc-type" aria-describedby="epr-doc-type-hint" value={view.documentType} onChange={(event) => set({ documentType: event.target.value })}>
            {DOCUMENT_TYPE_OPTIONS.map((option) => (
              <option key={option.code} value={option.code}>
                {option.display} (SNOMED CT {option.code})
              </option>
            ))}
          </select>
        </div>
        <fieldset className="nhsuk-fieldset">
          <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Care setting notes are filed from (optional)</legend>
          <div className="nhsuk-hint">The SNOMED CT service your EPR lists for this ward, for example 789718008 Cardiology service. Leave both empty to send none.</div>
          <TextField
            id="epr-setting-code"
            error={fieldError('epr-setting-code')}
            label="SNOMED CT code"
            value={view.practiceSetting?.code ?? ''}
            onChange={(event) => set({ practiceSetting: { code: event.target.value, display: view.practiceSetting?.display ?? '' } })}
          />
          <TextField
            id="epr-setting-name"
            error={fieldError('epr-setting-name')}
            label="Its name"
            value={view.practiceSetting?.display ?? ''}
            onChange={(event) => set({ practiceSetting: { code: view.practiceSetting?.code ?? '', display: event.target.value } })}
          />
        </fieldset>
        <div className="ws-selection-bar">
          <button className="nhsuk-button" type="submit">
            Save EPR settings
          </button>
          <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={() => void test()}>
            Test connection
          </button>
        </div>
      </form>
    </section>
  );
}

type Profile = EprSettingsView['profile'];

/** Each choice: automatic (from the EPR's CapabilityStatement) or the administrator's correction. */
const PROFILE_CHOICES: readonly { key: keyof Profile; label: string; options: readonly [string, string][]; automatic?: string }[] = [
  { key: 'write', label: 'How a note is written', options: [['transaction', 'One transaction'], ['individual', 'Two creates (no transactions)']] },
  { key: 'conditionalCreate', label: 'Conditional create (If-None-Exist)', options: [['true', 'Supported'], ['false', 'Not supported']] },
  { key: 'provenance', label: 'Provenance', options: [['create', 'The EPR takes it'], ['keep-locally', 'Read-only: keep it in the audit trail']] },
  { key: 'identifierSearch', label: 'Search by identifier', options: [['true', 'Supported'], ['false', 'Not supported']] },
  { key: 'identifier', label: "What the EPR keeps of the note's identifier", options: [['kept', 'identifier and masterIdentifier'], ['master-only', 'masterIdentifier only'], ['identifier-only', 'identifier only'], ['dropped', 'Neither (its own id only)']] },
  { key: 'fhirVersionParameter', label: 'fhirVersion=4.0 in the media type', options: [['true', 'Required'], ['false', 'Not sent']] },
  { key: 'transactionPath', label: 'Transaction address', options: [['base', 'The base URL exactly'], ['base-slash', 'The base URL with a trailing /']] },
  { key: 'updateCreate', label: 'Create with our own id (PUT, update-create)', options: [['true', 'Supported'], ['false', 'Not supported']] },
  // No capability statement says whether an EPR wants a LOINC code: left alone, none is sent.
  { key: 'documentTypeLoinc', label: 'LOINC document code as well as SNOMED CT', options: [['true', 'The EPR asks for one']], automatic: 'Not sent (the capability statement cannot say)' },
  { key: 'practitionerSearch', label: 'Find staff in the EPR by identifier (Practitioner search)', options: [['true', 'Supported'], ['false', 'Not supported']] },
  { key: 'resendSettleMs', label: 'Wait before checking a send that may have arrived', options: [['60000', '1 minute'], ['120000', '2 minutes'], ['300000', '5 minutes'], ['900000', '15 minutes']] },
];

function ProfileOverrides({ profile, onChange }: { profile: Profile; onChange: (profile: Profile) => void }) {
  return (
    <fieldset className="nhsuk-fieldset" data-testid="epr-profile">
      <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">What this EPR supports</legend>
      <div className="nhsuk-hint">Automatic reads the EPR&apos;s capability statement. Correct it only where the EPR behaves otherwise.</div>
      {PROFILE_CHOICES.map(({ key, label, options, automatic }) => {
        const current = profile[key];
        return (
          <div className="nhsuk-form-group" key={key}>
            <label className="nhsuk-label" htmlFor={`epr-profile-${key}`}>
              {label}
            </label>
            <select
              className="nhsuk-select"
              id={`epr-profile-${key}`}
              value={current === undefined ? '' : String(current)}
              onChange={(event) => {
                const { [key]: _previous, ...rest } = profile;
                const raw = event.target.value;
                onChange(raw === '' ? rest : { ...rest, [key]: raw === 'true' ? true : raw === 'false' ? false : /^\d+$/.test(raw) ? Number(raw) : raw });
              }}
            >
              <option value="">{automatic ?? 'Automatic'}</option>
              {options.map(([value, text]) => (
                <option key={value} value={value}>
                  {text}
                </option>
              ))}
            </select>
          </div>
        );
      })}
    </fieldset>
  );
}
