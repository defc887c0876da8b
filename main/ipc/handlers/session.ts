import type { Contract } from '../../../shared/ipc/contract';
import type { SessionService } from '../../session/session-service';
import type { Handlers } from '../registry';
import type { StaffProfiles } from '../../users/staff-profiles';

const DONE = { done: true } as const;

export function createSessionHandlers(session: SessionService): Handlers<Contract>['session'] {
  return {
    state: () => session.state(),
    createFirstAdmin: async (request) => {
      await session.createFirstAdmin(request);
      return session.state();
    },
    signIn: async ({ username, passphrase }) => {
      await session.signIn(username, passphrase);
      return session.state();
    },
    signOut: () => {
      session.lock('sign-out');
      return DONE;
    },
    lock: () => {
      session.lock('manual');
      return DONE;
    },
    activity: () => {
      session.touch();
      return DONE;
    },
    changePassphrase: async ({ current, next }) => {
      await session.changePassphrase(current, next);
      return session.state();
    },
  };
}

export function createUserHandlers(session: SessionService, profiles: StaffProfiles): Handlers<Contract>['users'] {
  return {
    list: () => session.listUsers(),
    create: (request) => session.createUser(request),
    setDisabled: ({ userId, disabled }) => session.setDisabled(userId, disabled),
    resetPassphrase: ({ userId, passphrase }) => session.resetPassphrase(userId, passphrase),
    setProfile: ({ userId, profile }) => profiles.set(userId, profile),
  };
}

export function createSettingsHandlers(session: SessionService): Handlers<Contract>['settings'] {
  const current = () => {
    const state = session.state();
    return { idleLockMinutes: state.kind === 'signed-in' ? state.idleLockMinutes : 0 };
  };
  return {
    get: current,
    update: ({ idleLockMinutes }) => {
      session.setIdleLockMinutes(idleLockMinutes);
      return current();
    },
  };
}
