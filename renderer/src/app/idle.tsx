import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { hostApi, lastHostActivity, onHostActivity } from '../api';

/** How long before the idle lock the warning shows: a minute, or half the idle time if that is shorter. */
export function warningLead(idleMs: number): number {
  return Math.min(60_000, idleMs / 2);
}

/** "1 minute 5 seconds", "42 seconds": the countdown as read aloud. */
export function describeCountdown(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  const secondsText = `${rest} second${rest === 1 ? '' : 's'}`;
  if (minutes === 0) return secondsText;
  return `${minutes} minute${minutes === 1 ? '' : 's'}${rest ? ` ${secondsText}` : ''}`;
}

/** Work a screen saves before the workstation locks (a transcription not yet saved as a draft). */
type Saver = () => Promise<unknown> | unknown;

export interface IdleHooks {
  /** Registers work to save before any lock (idle, Lock, Sign out); returns a function that removes it. */
  readonly beforeLock: (saver: Saver) => () => void;
}

export const IdleContext = createContext<IdleHooks>({ beforeLock: () => () => {} });

/** Saves `saver`'s work before the workstation locks, while the calling screen is shown. */
export function useSaveBeforeLock(saver: Saver): void {
  const { beforeLock } = useContext(IdleContext);
  const latest = useRef(saver);
  latest.current = saver;
  useEffect(() => beforeLock(() => latest.current()), [beforeLock]);
}

export interface IdleState {
  readonly context: IdleHooks;
  /** Time left before main's idle lock, while the warning shows; null otherwise. */
  readonly warningMs: number | null;
  /** Whether unsaved work was saved because of the warning. */
  readonly savedForLock: boolean;
  readonly stay: () => void;
  readonly lockNow: (how: 'manual' | 'sign-out') => Promise<void>;
}

/**
 * Counts down to main's idle lock. Main restarts its timer on every call it admits, so the
 * deadline is the last such call plus the idle time (api.ts notes each call). When the warning
 * appears, each screen's unsaved work is saved, so nothing typed is lost to the lock. (Saving
 * is itself a call, so it restarts main's timer once; with nothing left unsaved the next
 * countdown ends in the lock.)
 */
export function useIdleState(idleLockMinutes: number): IdleState {
  const idleMs = idleLockMinutes * 60_000;
  const savers = useRef(new Set<Saver>());
  const [now, setNow] = useState(() => Date.now());
  const [deadline, setDeadline] = useState(() => lastHostActivity() + idleMs);
  const [savedForLock, setSavedForLock] = useState(false);
  const warned = useRef(false);

  useEffect(() => {
    setDeadline(lastHostActivity() + idleMs);
    return onHostActivity(() => setDeadline(lastHostActivity() + idleMs));
  }, [idleMs]);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, []);

  /** Runs every saver; answers whether any of them saved something. */
  const saveAll = useCallback(async () => {
    let savedAny = false;
    for (const saver of [...savers.current]) {
      try {
        if (await saver()) savedAny = true;
      } catch {
        // A save that fails is shown by its own screen; the lock goes ahead regardless.
      }
    }
    return savedAny;
  }, []);

  const remaining = deadline - now;
  const warning = remaining <= warningLead(idleMs) && remaining > 0;
  useEffect(() => {
    if (warning && !warned.current) {
      warned.current = true;
      void saveAll().then((savedAny) => savedAny && setSavedForLock(true));
    } else if (!warning && remaining > warningLead(idleMs)) warned.current = false;
  }, [warning, remaining, idleMs, saveAll]);

  const beforeLock = useCallback((saver: Saver) => {
    savers.current.add(saver);
    return () => {
      savers.current.delete(saver);
    };
  }, []);
  const context = useMemo(() => ({ beforeLock }), [beforeLock]);

  return {
    context,
    warningMs: warning ? remaining : null,
    savedForLock,
    stay: () => {
      setSavedForLock(false);
      void hostApi()!.session.activity({});
    },
    lockNow: async (how) => {
      await saveAll();
      await (how === 'manual' ? hostApi()!.session.lock({}) : hostApi()!.session.signOut({}));
    },
  };
}

/** The warning before the idle lock, with its countdown and a way to stay signed in. */
export function IdleWarning({ idle }: { idle: IdleState }) {
  if (idle.warningMs === null) return null;
  return (
    <section className="ws-idle-warning nhsuk-width-container" aria-labelledby="idle-warning-heading" data-testid="idle-warning">
      <div role="alert">
        <h2 id="idle-warning-heading">Wardscribe is about to lock</h2>
      </div>
      <p>
        Nobody has used Wardscribe for a while. It locks in <strong data-testid="idle-countdown">{describeCountdown(idle.warningMs)}</strong>.
        {idle.savedForLock ? ' Your transcription has been saved as a draft.' : ''}
      </p>
      <button type="button" className="nhsuk-button nhsuk-button--small" onClick={idle.stay}>
        Stay signed in
      </button>
    </section>
  );
}
