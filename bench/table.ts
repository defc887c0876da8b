/** One line of the `npm run bench` table. Targets are checked by ratio or bound, never by wall-clock alone. */
export interface BenchRow {
  /** What was measured, e.g. "WhatsApp iOS parse, 70 MB". */
  readonly name: string;
  readonly value: number;
  /** e.g. "MB/s", "ms", "MB RSS", "×". */
  readonly unit: string;
  /** The target in words, e.g. "≥ 3× whatsapp-chat-parser". */
  readonly target?: string;
  /** Whether the target was met; undefined when the row has no target. */
  readonly met?: boolean;
}

/** A benchmark module: bench/<area>.ts exports `run` returning its rows. */
export type BenchModule = { run(): Promise<readonly BenchRow[]> };

export function formatTable(rows: readonly BenchRow[]): string {
  const cells = rows.map((row) => [
    row.name,
    `${formatNumber(row.value)} ${row.unit}`,
    row.target ?? '',
    row.met === undefined ? '' : row.met ? 'met' : 'MISSED',
  ]);
  const header = ['measurement', 'result', 'target', ''];
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => cell[column]!.length)));
  const line = (cell: readonly string[]) => cell.map((text, column) => text.padEnd(widths[column]!)).join(' | ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('-|-'), ...cells.map(line)].join('\n');
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2);
}
