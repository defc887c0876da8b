import type { MarkerReading } from './markers';

const DELETED = '(This message was deleted)';
// signal-export writes each attachment as a Markdown link to ./media/… (an image link starts with "!").
const ATTACHMENT_LINK = /!?\[([^\]\n]+)\]\(\.\/[^)\n]*\)[ \t]*/g;
// What signal-export writes for a file it did not export: "(media not exported)", "(attachment not exported)".
const NOT_EXPORTED = /\([a-z]+ not exported\)[ \t]*/g;

/**
 * Markers in signal-export's Markdown: its deletion text, attachment links and the placeholder
 * for a file it did not export (omitted media). signal-export ends the body and each attachment
 * link with two spaces (a Markdown line break), which are layout, not the sender's text: trailing
 * spaces go from every line. A reply starts with blank lines before its "> quote": layout too.
 */
export function readSignalExportMarkers(body: string): MarkerReading {
  if (body.trim() === DELETED) return { text: '', mediaOmitted: false, attachment: null, deleted: true, edited: false };
  let attachment: string | null = null;
  let mediaOmitted = false;
  const text = body
    .replace(ATTACHMENT_LINK, (_link, name: string) => {
      attachment ??= name;
      return '';
    })
    .replace(NOT_EXPORTED, () => {
      mediaOmitted = true;
      return '';
    });
  return { text: text.replace(/[ \t]+$/gm, '').replace(/^\n+/, '').trimEnd(), mediaOmitted, attachment, deleted: false, edited: false };
}
