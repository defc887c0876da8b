/** Sizes for the thread view's media (issue #19). Pure, so tested without a browser. */

/** A file's size for people: bytes, KB or MB (1024s), one decimal where it helps. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toLocaleString('en-GB', { maximumFractionDigits: bytes < 10 * 1024 ? 1 : 0 })} KB`;
  return `${(bytes / (1024 * 1024)).toLocaleString('en-GB', { maximumFractionDigits: 1 })} MB`;
}

/**
 * A thumbnail's size: the picture scaled to fit `edge` on its longer side (never enlarged), each
 * side at least one pixel. Main checks the result is the picture's shape to within a pixel.
 */
export function thumbnailSize(width: number, height: number, edge: number): { width: number; height: number } {
  const scale = Math.min(1, edge / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
