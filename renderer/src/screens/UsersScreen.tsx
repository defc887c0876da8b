import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { PASSPHRASE_HINT } from '../../../shared/domain/passphrase';
import { ROLE_DESCRIPTIONS, ROLES, type Role } from '../../../shared/domain/roles';
import type { UserSummary } from '../../../shared/domain/users';
import { hostApi } from '../api';
import { useSignedIn } from '../app/session';
import { ErrorSummary, TextField } from '../components/forms';

/** Administrators add people, disable them, and reset forgotten passphrases. */
export function UsersScreen() {
  const { state } = useSignedIn();
  const [users, setUsers] = useState<UserSummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  /** The person whose passphrase is being reset (Electron has no window.prompt, so it is a form here). */
  const [resetting, setResetting] = useState<UserSummary | null>(null);

  const reload = useCallback(async () => {
    const result = await hostApi()!.users.list({});
    if (result.ok) setUsers(result.value);
    else setError(result.error.message);
  }, []);
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
      setError(result.error.issues?.map((issue) => issue.message).join(' ') || result.error.message);
      return;
    }
    formElement.reset();
    setError(null);
    setNotice(`${result.value.displayName} can now sign in, and will be asked to choose their own passphrase.`);
    await reload();
  }

  async function toggle(user: UserSummary) {
    const result = await hostApi()!.users.setDisabled({ userId: user.id, disabled: !user.disabled });
    if (result.ok) {
      setNotice(`${user.displayName} is now ${result.value.disabled ? 'disabled' : 'enabled'}.`);
      await reload();
    } else setError(result.error.message);
  }

  async function reset(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!resetting) return;
    const passphrase = String(new FormData(event.currentTarget).get('reset-passphrase'));
    const result = await hostApi()!.users.resetPassphrase({ userId: resetting.id, passphrase });
    if (result.ok) {
      setError(null);
      setNotice(`${resetting.displayName}'s passphrase was reset. They choose their own at their next sign-in.`);
      setResetting(null);
      await reload();
    } else setError(result.error.issues?.map((issue) => issue.message).join(' ') || result.error.message);
  }

  return (
    <section aria-labelledby="users-heading">
      <h1 id="users-heading" tabIndex={-1}>
        Users
      </h1>
      {error && (
        <ErrorSummary title="That did not work">
          <p>{error}</p>
        </ErrorSummary>
      )}
      {notice && <p role="status">{notice}</p>}
      <table className="nhsuk-table" data-testid="users-table">
        <caption className="nhsuk-table__caption">People who can use this workstation</caption>
        <thead className="nhsuk-table__head">
          <tr>
            <th scope="col">Username</th>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody className="nhsuk-table__body">
          {users.map((user) => (
            <tr key={user.id}>
              <td>{user.username}</td>
              <td>{user.displayName}</td>
              <td>{user.role}</td>
              <td>{user.disabled ? 'Disabled' : user.mustChangePassphrase ? 'Must change passphrase' : 'Active'}</td>
              <td className="ws-actions">
                {user.id !== state.user.id && (
                  <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => void toggle(user)}>
                    {user.disabled ? 'Enable' : 'Disable'} <span className="nhsuk-u-visually-hidden">{user.username}</span>
                  </button>
                )}
                <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => setResetting(user)}>
                  Reset passphrase <span className="nhsuk-u-visually-hidden">for {user.username}</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      {resetting && (
        <form onSubmit={reset} noValidate aria-labelledby="reset-heading">
          <h2 id="reset-heading">Reset the passphrase of {resetting.displayName}</h2>
          <TextField id="reset-passphrase" label="Temporary passphrase" type="password" hint={`They choose their own at their next sign-in. ${PASSPHRASE_HINT}`} required autoFocus />
          <button className="nhsuk-button" type="submit">
            Reset passphrase
          </button>{' '}
          <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={() => setResetting(null)}>
            Cancel
          </button>
        </form>
      )}

      <h2>Add a person</h2>
      <form onSubmit={create} noValidate>
        <TextField id="new-username" label="Username" autoComplete="off" required />
        <TextField id="new-name" label="Full name" autoComplete="off" required />
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
        <TextField id="new-passphrase" label="Temporary passphrase" type="password" hint={`They choose their own at first sign-in. ${PASSPHRASE_HINT}`} required />
        <button className="nhsuk-button" type="submit">
          Add person
        </button>
      </form>
    </section>
  );
}
