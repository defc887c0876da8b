import { useEffect, useRef } from 'react';
import { hostApi } from '../api';

/**
 * Calls `onWiped` with the thread's id whenever main reports that a thread's originals were
 * wiped (`thread.wiped`), so that a screen can drop every copy of it that it holds.
 */
export function useThreadWiped(onWiped: (threadId: string) => void): void {
  const latest = useRef(onWiped);
  latest.current = onWiped;
  useEffect(
    () =>
      hostApi()!.events.subscribe((event) => {
        if (event.type === 'thread.wiped') latest.current(event.threadId);
      }),
    [],
  );
}
