import type { MarkerReading } from './markers';

const DELETED = '(This message was deleted)';
// signal-export writes each attachment as a Markdown link to ./media/… (an image link starts with "!").
const ATTACHMENT_LINK = /!?\[([^\]\n]+)\]\(\.\/[^)\n]*\)[ \t]*/g;

/**
 * Markers in signal-export's Markdown: its deletion text and attachment links. signal-export ends
 * the body and each attachment link with two spaces (a Markdown line break), which are layout,
 * not the sender's text: trailing spaces go from every line.
 */
export function readSignalExportMarkers(body: string): MarkerReading {
  if (body.trim() === DELETED) return { text: '', mediaOmitted: false, attachment: null, deleted: true, edited: false };
  let attachment: string | null = null;
  const text = body.replace(ATTACHMENT_LINK, (_link, name: string) => {
    attachment ??= name;
    return '';
  });
  return { text: text.replace(/[ \t]+$/gm, '').trimEnd(), mediaOmitted: false, attachment, deleted: false, edited: false };
}
