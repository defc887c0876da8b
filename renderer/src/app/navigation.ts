import { createContext, useContext } from 'react';

/** Moving between screens from inside one (e.g. "open this thread"), with an optional parameter. */
export interface Navigation {
  go(screenId: string, param?: string): void;
  /** The parameter the current screen was opened with, if any. */
  readonly param: string | undefined;
}

export const NavigationContext = createContext<Navigation>({ go: () => {}, param: undefined });

export function useNavigation(): Navigation {
  return useContext(NavigationContext);
}
