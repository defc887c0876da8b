import type { ComponentType } from 'react';
import type { Role } from '../../../shared/domain/roles';
import type { ScreenId } from './navigation';
import { AuditScreen } from '../screens/AuditScreen';
import { CertificatesScreen } from '../screens/CertificatesScreen';
import { ComposeScreen } from '../screens/ComposeScreen';
import { ImportScreen } from '../screens/ImportScreen';
import { OutboxScreen } from '../screens/OutboxScreen';
import { ThreadsScreen } from '../screens/ThreadsScreen';
import { ChangePassphraseScreen } from '../screens/session/ChangePassphraseScreen';
import { SettingsScreen } from '../screens/SettingsScreen';
import { StatusScreen } from '../screens/StatusScreen';
import { UsersScreen } from '../screens/UsersScreen';

export interface ScreenDefinition {
  readonly id: ScreenId;
  readonly label: string;
  /** Alt + this key opens the screen. */
  readonly accessKey: string;
  readonly component: ComponentType;
  /** Roles that see the screen; main enforces the same rule on every call. */
  readonly roles?: readonly Role[];
}

/** The screens of the workstation, in navigation order. */
export const SCREENS: readonly ScreenDefinition[] = [
  { id: 'status', label: 'Status', accessKey: '1', component: StatusScreen },
  { id: 'import', label: 'Import', accessKey: '2', component: ImportScreen, roles: ['clerk', 'clinician'] },
  { id: 'threads', label: 'Threads', accessKey: '3', component: ThreadsScreen, roles: ['clerk', 'clinician'] },
  { id: 'compose', label: 'Transcribe', accessKey: '4', component: ComposeScreen, roles: ['clerk', 'clinician'] },
  { id: 'outbox', label: 'Outbox', accessKey: '5', component: OutboxScreen, roles: ['clerk', 'clinician'] },
  { id: 'audit', label: 'Audit trail', accessKey: '6', component: AuditScreen, roles: ['auditor', 'admin'] },
  // Everyone signed in: whoever asked for a wipe keeps its certificate, auditors check them.
  { id: 'certificates', label: 'Wipe certificates', accessKey: '0', component: CertificatesScreen },
  { id: 'users', label: 'Users', accessKey: '7', component: UsersScreen, roles: ['admin'] },
  { id: 'settings', label: 'Settings', accessKey: '8', component: SettingsScreen, roles: ['admin'] },
  { id: 'passphrase', label: 'My passphrase', accessKey: '9', component: ChangePassphraseScreen },
];

export function screensFor(role: Role): readonly ScreenDefinition[] {
  return SCREENS.filter((screen) => !screen.roles || screen.roles.includes(role));
}

/**
 * Where each role starts, and returns to after changing its passphrase: the work it came for (a
 * cold trial: every role landed on Status, host and Node.js versions, with nothing to do there).
 */
export const HOME_SCREENS: Readonly<Record<Role, ScreenId>> = {
  clerk: 'threads',
  clinician: 'threads',
  auditor: 'audit',
  admin: 'status',
};

