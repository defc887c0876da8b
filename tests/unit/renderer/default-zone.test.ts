import { describe, expect, it } from 'vitest';
import { defaultImportZone } from '../../../renderer/src/logic/default-zone';

describe('the import screen\'s proposed time zone', () => {
  it.each(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/GMT+1', 'Universal', undefined, ''])('a PC set to %s proposes Europe/London, where the ward\'s phones are', (system) => {
    expect(defaultImportZone(system)).toBe('Europe/London');
  });

  it.each(['Europe/London', 'Europe/Belfast', 'Europe/Dublin', 'Europe/Gibraltar', 'America/New_York'])('a PC set to a place (%s) proposes that place', (system) => {
    expect(defaultImportZone(system)).toBe(system);
  });
});
