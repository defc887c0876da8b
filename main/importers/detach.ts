/**
 * A copy of a string that shares no memory with the text it was cut from. V8 may keep a
 * substring as a view of its parent, so a short name kept for long (a sender, a file name) would
 * otherwise keep its whole parent alive: a 64 KiB chunk of the export, or a whole report of
 * messages from the import worker.
 */
export function detach(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}
