/**
 * The time zone the import screen proposes for a chat export. Exports carry wall-clock times
 * without a zone, and they are read in the zone of the phone that wrote them, not of this PC.
 * Trust PCs are often set to UTC (or to a plain GMT offset) while every phone on a UK ward keeps
 * Europe/London time, so in summer a UTC default would file each message an hour wrong. A PC
 * set to a real place's zone is trusted; UTC-like settings propose Europe/London.
 */
const NOT_A_PLACE = /^(?:UTC|GMT|UCT|Zulu|Universal|Greenwich|Etc\/.*)$/i;

export function defaultImportZone(systemZone: string | undefined): string {
  return !systemZone || NOT_A_PLACE.test(systemZone) ? 'Europe/London' : systemZone;
}
