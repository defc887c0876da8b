/**
 * Keyboard shortcuts inside screens, in one list: the screens bind them and the legend shows
 * them, so the two cannot drift apart. Alt+letter, because Alt+digit opens screens and plain
 * letters are typed into fields.
 */
export const SHORTCUTS = {
  transcribe: { key: 't', label: 'Alt+T', what: 'Transcribe the selected messages (Threads)' },
  save: { key: 's', label: 'Alt+S', what: 'Save the draft (Transcribe)' },
  preview: { key: 'p', label: 'Alt+P', what: 'Preview what will be filed (Transcribe)' },
  attest: { key: 'a', label: 'Alt+A', what: 'Attest and file, after the preview (Transcribe, clinicians)' },
} as const;

export type ShortcutName = keyof typeof SHORTCUTS;

/** Whether a key event is the shortcut: Alt and the letter, nothing else (Alt+Shift+T too: caps lock). */
export function isShortcut(event: { altKey: boolean; ctrlKey: boolean; metaKey: boolean; key: string; code?: string }, name: ShortcutName): boolean {
  if (!event.altKey || event.ctrlKey || event.metaKey) return false;
  const { key } = SHORTCUTS[name];
  // On macOS Alt changes the character typed (Alt+T is "†"): the physical key decides.
  return event.key.toLowerCase() === key || event.code === `Key${key.toUpperCase()}`;
}
