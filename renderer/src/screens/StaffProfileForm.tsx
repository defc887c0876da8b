import { useState, type FormEvent } from 'react';
import { REGISTRATION_BODIES, REGISTRATION_BODY_CODES, type RegistrationBody } from '../../../shared/domain/transcription';
import type { StaffProfile, UserRow } from '../../../shared/domain/users';
import { hostApi } from '../api';
import { useProblem } from '../app/use-problem';
import { ErrorSummary, TextField } from '../components/forms';
import type { FieldLabels } from '../logic/describe-error';

const FIELDS: FieldLabels = {
  'profile.jobTitle': { label: 'the job title', inputId: 'profile-job-title' },
  'profile.registration.number': { label: 'the registration number', inputId: 'profile-registration-number' },
  'profile.registration': { label: 'the registration number', inputId: 'profile-registration-number' },
  'profile.sdsUserId': { label: 'the SDS user ID', inputId: 'profile-sds' },
};

/** "Consultant physician, GMC 1234567, SDS 555021935107", or a dash when nothing is set. */
export function describeProfile(profile: StaffProfile): string {
  const parts = [profile.jobTitle, profile.registration ? `${profile.registration.body} ${profile.registration.number}` : '', profile.sdsUserId ? `SDS ${profile.sdsUserId}` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'Not set';
}

/**
 * A person's professional details, as the notes they transcribe or attest name them: job title
 * and grade, registration and SDS user ID (an administrator's form, issue #15).
 */
export function StaffProfileForm({ user, onSaved, onCancel }: { user: UserRow; onSaved: (profile: StaffProfile) => void; onCancel: () => void }) {
  const { problem, fromHost, fromChecks, clear, fieldError } = useProblem(FIELDS);
  const [body, setBody] = useState<'' | RegistrationBody>(user.profile.registration?.body ?? '');

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const number = String(form.get('profile-registration-number') ?? '').trim();
    const sds = String(form.get('profile-sds') ?? '').replace(/\s+/g, '');
    if (body && !number) return fromChecks([{ text: `Enter the ${body} number, or choose no registration.`, inputId: 'profile-registration-number' }]);
    const result = await hostApi()!.users.setProfile({
      userId: user.id,
      profile: { jobTitle: String(form.get('profile-job-title') ?? ''), registration: body ? { body, number } : null, sdsUserId: sds || null },
    });
    if (!result.ok) return fromHost(result.error);
    clear();
    onSaved(result.value);
  }

  return (
    <form onSubmit={save} noValidate aria-labelledby="profile-heading" data-testid="staff-profile-form">
      {problem && <ErrorSummary title="The professional details were not saved" problems={problem.problems} attempt={problem.attempt} />}
      <h2 id="profile-heading">Professional details of {user.displayName}</h2>
      <p>The notes {user.displayName} transcribes or attests name them with these, and identify them to the EPR by their SDS user ID, else their registration.</p>
      <TextField id="profile-job-title" label="Job title and grade" hint="As the record should print it, for example Consultant physician, Specialty registrar ST5, Staff nurse or Ward clerk." defaultValue={user.profile.jobTitle} error={fieldError('profile-job-title')} autoFocus />
      <div className="nhsuk-form-group">
        <label className="nhsuk-label" htmlFor="profile-registration-body">
          Professional registration
        </label>
        <select className="nhsuk-select" id="profile-registration-body" value={body} onChange={(event) => setBody(event.target.value as '' | RegistrationBody)}>
          <option value="">None (not a registered professional)</option>
          {REGISTRATION_BODY_CODES.map((code) => (
            <option key={code} value={code}>
              {code}: {REGISTRATION_BODIES[code].name}
            </option>
          ))}
        </select>
      </div>
      {body && (
        <TextField
          id="profile-registration-number"
          label={`${body} number`}
          hint={REGISTRATION_HINTS[body]}
          defaultValue={user.profile.registration?.body === body ? user.profile.registration.number : ''}
          error={fieldError('profile-registration-number')}
          autoComplete="off"
        />
      )}
      <TextField
        id="profile-sds"
        label="SDS user ID (optional)"
        hint="The 12-digit number on their NHS smartcard."
        defaultValue={user.profile.sdsUserId ?? ''}
        error={fieldError('profile-sds')}
        inputMode="numeric"
        autoComplete="off"
      />
      <button className="nhsuk-button" type="submit">
        Save professional details
      </button>{' '}
      <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}

const REGISTRATION_HINTS: Readonly<Record<RegistrationBody, string>> = {
  GMC: 'Seven digits, or L and six digits.',
  NMC: 'Two digits, a letter, four digits and a letter, for example 12A3456B.',
  HCPC: 'Two letters and five or six digits, for example PA12345.',
  GPhC: 'Seven digits.',
};
