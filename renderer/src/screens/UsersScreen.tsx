import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { PASSPHRASE_HINT } from '../../../shared/domain/passphrase';
import { ROLE_DESCRIPTIONS, ROLES, type Role } from '../../../shared/domain/roles';
import type { UserRow, UserSummary } from '../../../shared/domain/users';
import { hostApi } from '../api';
import { useSignedIn } from '../app/session';
import type { FieldLabels } from '../logic/describe-error';
import { useProblem } from '../app/use-problem';
import { ConfirmAction, ErrorSummary, SuccessBanner, TextField } from '../components/forms';
import { describeProfile, StaffProfileForm } from './StaffProfileForm';

const FIELDS: FieldLabels = {
  username: { label: 'the username', inputId: 'new-username' },
  displayName: { label: 'the full name', inputId: 'new-name' },
  passphrase: { label: 'the temporary passphrase', inputId: 'new-passphrase' },
};
// A reset's passphrase is its own input.
const RESET_FIELDS: FieldLabels = { passphrase: { label: 'the temporary passphrase', inputId: 'reset-passphrase' } };

/** Administrators add people, disable them, and reset forgotten passphrases. */
export function UsersScreen() {
  const { state } = useSignedIn();
  const [users, setUsers] = useState<UserRow[]>([]);
  const { problem: error, fromHost, clear, fieldError } = useProblem(FIELDS);
  const resetProblem = useProblem(RESET_FIELDS);
  const [notice, setNotice] = useState<string | null>(null);
  /** The person whose passphrase is being reset (Electron has no window.prompt, so it is a form here). */
  const [resetting, setResetting] = useState<UserSummary | null>(null);
  /** The person whose professional details are being set. */
  const [profiling, setProfiling] = useState<UserRow | null>(null);

  const reload = useCallback(async () => {
    const result = await hostApi()!.users.list({});
    if (result.ok) setUsers(result.value);
    else fromHost(result.error);
  }, [fromHost]);
  useEffect(() => void reload(), [reload]);

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const result = await hostApi()!.users.create({
      username: String(form.get('new-username')),
      displayName: String(form.get('new-name')),
      role: String(form.get('new-role')) as Role,
      passphrase: String(form.get('new-passphrase')),
    });
    if (!result.ok) {
      setNotice(null);
      fromHost(result.error);
      return;
    }
    formElement.reset();
    clear();
    setNotice(`${result.value.displayName} can now sign in, and will be asked to choose their own passphrase.`);
    await reload();
  }

  async function toggle(user: UserSummary) {
    const result = await hostApi()!.users.setDisabled({ userId: user.id, disabled: !user.disabled });
    if (result.ok) {
      clear();
      setNotice(
        result.value.disabled
          ? `${user.displayName} is now disabled and cannot sign in.`
          : `${user.displayName} is enabled again.${result.value.mustChangePassphrase ? ' They sign in with a temporary passphrase you give them and then choose their own.' : ''}`,
      );
      await reload();
    } else fromHost(result.error);
  }

  async function reset(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!resetting) return;
    const passphrase = String(new FormData(event.currentTarget).get('reset-passphrase'));
    const result = await hostApi()!.users.resetPassphrase({ userId: resetting.id, passphrase });
    if (result.ok) {
      clear();
      resetProblem.clear();
      setNotice(`${resetting.displayName}'s passphrase was reset. They choose their own at their next sign-in.`);
      setResetting(null);
      await reload();
    } else resetProblem.fromHost(result.error);
  }

  return (
    <section aria-labelledby="users-heading">
      <h1 id="users-heading" tabIndex={-1}>
        Users
      </h1>
      {error && <ErrorSummary problems={error.problems} attempt={error.attempt} />}
      {notice && (
        <SuccessBanner key={notice} title="Done" takeFocus>
          <p>{notice}</p>
        </SuccessBanner>
      )}
      <table className="nhsuk-table" data-testid="users-table">
        <caption className="nhsuk-table__caption">People who can use this workstation</caption>
        <thead className="nhsuk-table__head">
          <tr>
            <th scope="col">Username</th>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">In the record as</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody className="nhsuk-table__body">
          {users.map((user) => (
            <tr key={user.id}>
              <td>{user.username}</td>
              <td>{user.displayName}</td>
              <td>{user.role}</td>
              <td>{statusOf(user)}</td>
              <td data-testid="user-profile">{describeProfile(user.profile)}</td>
              <td className="ws-actions">
                {/* Without a key slot, Enable alone would leave an account whose passphrase opens nothing: the reset enables it. */}
                {user.id !== state.user.id && (user.hasKey || !user.disabled) && (
                  <ConfirmAction
                    label={
                      <>
                        {user.disabled ? 'Enable' : 'Disable'} <span className="nhsuk-u-visually-hidden">{user.username}</span>
                      </>
                    }
                    question={
                      user.disabled
                        ? `Enable ${user.displayName}? They will be able to sign in on this workstation again.`
                        : `Disable ${user.displayName}? Their passphrase stops working at once. To let them back, an administrator resets their passphrase, which enables the account again. Their work stays in the vault.`
                    }
                    confirmLabel={user.disabled ? `Yes, enable ${user.username}` : `Yes, disable ${user.username}`}
                    warning={!user.disabled}
                    onConfirm={() => toggle(user)}
                  />
                )}
                <button
                  type="button"
                  className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                  onClick={() => {
                    setNotice(null);
                    setProfiling(null);
                    setResetting(user);
                  }}
                >
                  {user.hasKey ? 'Reset passphrase' : user.disabled ? 'Reset passphrase to enable' : 'Reset passphrase to restore sign-in'}{' '}
                  <span className="nhsuk-u-visually-hidden">for {user.username}</span>
                </button>
                <button
                  type="button"
                  className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                  onClick={() => {
                    setNotice(null);
                    setResetting(null);
                    setProfiling(user);
                  }}
                >
                  Professional details <span className="nhsuk-u-visually-hidden">of {user.username}</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      {profiling && (
        <StaffProfileForm
          key={profiling.id}
          user={profiling}
          onCancel={() => setProfiling(null)}
          onSaved={(profile) => {
            setNotice(`${profiling.displayName} is now named in the record as: ${describeProfile(profile)}.`);
            setProfiling(null);
            void reload();
          }}
        />
      )}

      {resetting && (
        <form onSubmit={reset} noValidate aria-labelledby="reset-heading">
          {resetProblem.problem && <ErrorSummary title="The passphrase was not reset" problems={resetProblem.problem.problems} attempt={resetProblem.problem.attempt} />}
          <h2 id="reset-heading">Reset the passphrase of {resetting.displayName}</h2>
          <p>Their current passphrase stops working at once. Give them the temporary one in person, not on a shared screen or by message.</p>
          <TextField
            id="reset-passphrase"
            label="Temporary passphrase"
            type="password"
            autoComplete="new-password"
            hint={`They choose their own at their next sign-in. ${PASSPHRASE_HINT}`}
            error={resetProblem.fieldError('reset-passphrase')}
            required
            autoFocus
          />
          <button className="nhsuk-button nhsuk-button--warning" type="submit">
            Reset passphrase of {resetting.username}
          </button>{' '}
          <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={() => setResetting(null)}>
            Cancel
          </button>
        </form>
      )}

      <h2>Add a person</h2>
      <form onSubmit={create} noValidate>
        <TextField id="new-username" label="Username" autoComplete="off" error={fieldError('new-username')} required />
        <TextField id="new-name" label="Full name" autoComplete="off" error={fieldError('new-name')} required />
        <div className="nhsuk-form-group">
          <label className="nhsuk-label" htmlFor="new-role">
            Role
          </label>
          <select className="nhsuk-select" id="new-role" name="new-role" defaultValue="clerk">
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {role}: {ROLE_DESCRIPTIONS[role]}
              </option>
            ))}
          </select>
        </div>
        <TextField id="new-passphrase" label="Temporary passphrase" type="password" autoComplete="new-password" hint={`They choose their own at first sign-in. ${PASSPHRASE_HINT}`} error={fieldError('new-passphrase')} required />
        <button className="nhsuk-button" type="submit">
          Add person
        </button>
      </form>
    </section>
  );
}

/** What the Status column says: a person with no key slot cannot sign in whatever the row's flags. */
function statusOf(user: UserRow): string {
  if (user.disabled) return user.hasKey ? 'Disabled' : 'Disabled (a passphrase reset enables them)';
  if (!user.hasKey) return 'Cannot sign in: no key on this workstation (reset their passphrase)';
  return user.mustChangePassphrase ? 'Must change passphrase' : 'Active';
}
