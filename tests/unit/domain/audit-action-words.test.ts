import { describe, expect, it } from 'vitest';
import { AUDIT_ACTION_WORDS, AUDIT_ACTIONS } from '../../../shared/domain/audit';

describe('audit actions in words', () => {
  it('gives every action its own words, never its code, so the filter and the table read unambiguously', () => {
    const words = AUDIT_ACTIONS.map((action) => AUDIT_ACTION_WORDS[action]);
    expect(new Set(words).size).toBe(AUDIT_ACTIONS.length);
    for (const action of AUDIT_ACTIONS) {
      expect(AUDIT_ACTION_WORDS[action]).toMatch(/^[A-Z]/);
      expect(AUDIT_ACTION_WORDS[action]).not.toMatch(/^[a-z]+(-[a-z]+)*$/);
    }
  });
});
