import type { ComponentType } from 'react';
import { StatusScreen } from '../screens/StatusScreen';

export interface ScreenDefinition {
  readonly id: string;
  readonly label: string;
  /** Alt + this key opens the screen. */
  readonly accessKey: string;
  readonly component: ComponentType;
}

/** The screens of the workstation, in navigation order. */
export const SCREENS: readonly ScreenDefinition[] = [{ id: 'status', label: 'Status', accessKey: '1', component: StatusScreen }];
