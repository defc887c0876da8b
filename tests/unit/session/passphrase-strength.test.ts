import { describe, expect, it } from 'vitest';
import { assessPassphrase } from '../../../main/session/passphrase-strength';

const BEA = { username: 'bea.jones', displayName: 'Beatrice Jones' };

describe('passphrase strength', () => {
  it.each([
    ['a common password made long', 'password1234'],
    ['a common password with a capital and a symbol', 'Password1234!'],
    ['a keyboard walk', 'qwertyuiop123'],
    ['a phrase everyone knows', 'iloveyou1234'],
    ['the product and a year', 'wardscribe2026'],
    ['the user’s own name and a date', 'beatrice1985!'],
    ['the username with digits', 'bea.jones12345'],
    ['l33t spelling of a common password', 'p4ssw0rd12345'],
    ['a repeated short word', 'abcabcabcabc'],
  ])('refuses %s, saying why in plain English', (_label, passphrase) => {
    const verdict = assessPassphrase(passphrase, BEA);
    expect(verdict?.problem).toBe('guessable');
    expect(verdict?.message).toMatch(/easy to guess/);
    expect(verdict?.message).toMatch(/three or four ordinary words/);
    // The form shows the message: it never repeats the passphrase.
    expect(verdict?.message).not.toContain(passphrase);
  });

  it.each(['kettle orbit gravel tulip', 'correct horse battery staple', 'clinician passphrase for the ward pc', 'sam took the late bus home'])('accepts an ordinary phrase of unrelated words: %s', (passphrase) => {
    expect(assessPassphrase(passphrase, BEA)).toBeNull();
  });

  it('keeps the cheap rules first', () => {
    expect(assessPassphrase('short', BEA)?.problem).toBe('too-short');
    expect(assessPassphrase('aaaaaaaaaaaaaa', BEA)?.problem).toBe('one-repeated-character');
    expect(assessPassphrase('bea.jones.bea.jones', { username: 'bea.jones.bea.jones' })?.problem).toBe('same-as-username');
  });
});
