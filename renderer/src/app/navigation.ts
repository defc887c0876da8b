import { createContext, useContext } from 'react';

/**
 * Where the workstation can be: one screen, with what it was opened on. Typed, so a screen
 * reads its own parameters rather than unpacking a string like 'new:<thread>:1,2,3'.
 */
export type Route =
  | { readonly screen: 'status' | 'import' | 'outbox' | 'audit' | 'users' | 'settings' | 'passphrase' }
  | { readonly screen: 'threads'; readonly threadId?: string }
  | {
      readonly screen: 'compose';
      /** Messages chosen in a thread, by ordinal, for a new transcription. */
      readonly selection?: { readonly threadId: string; readonly ordinals: readonly number[] };
      /** A saved draft to carry on with (or, for a clinician, to attest). */
      readonly draftId?: string;
    }
  | { readonly screen: 'certificates'; readonly wipeId?: string };

export type ScreenId = Route['screen'];

/** The route of one screen, with its parameters. */
export type RouteOf<S extends ScreenId> = Extract<Route, { screen: S }>;

/** Moving between screens from inside one (e.g. "open this thread"). */
export interface Navigation {
  /** Opens a route; `notice` is a success message shown above the screen it opens (e.g. "Attested"). */
  go(route: Route | ScreenId, options?: { notice?: string }): void;
  /** The route the current screen was opened with. */
  readonly route: Route;
}

export const NavigationContext = createContext<Navigation>({ go: () => {}, route: { screen: 'status' } });

export function useNavigation(): Navigation {
  return useContext(NavigationContext);
}

/** The current route's parameters when it is `screen`'s (else just the screen). */
export function useRoute<S extends ScreenId>(screen: S): RouteOf<S> {
  const { route } = useNavigation();
  return (route.screen === screen ? route : { screen }) as RouteOf<S>;
}

/** A stable key for a route, so that opening the same screen on something else starts it afresh. */
export function routeKey(route: Route): string {
  return JSON.stringify(route);
}
