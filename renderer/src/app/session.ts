import { createContext, useContext } from 'react';
import type { SessionStateView } from '../../../shared/ipc/contract';

export type SignedIn = Extract<SessionStateView, { kind: 'signed-in' }>;

/** The signed-in session, for screens inside the workstation shell. */
export const SessionContext = createContext<{ state: SignedIn; replace: (state: SessionStateView) => void } | null>(null);

export function useSignedIn(): { state: SignedIn; replace: (state: SessionStateView) => void } {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSignedIn outside the signed-in shell');
  return session;
}
