/**
 * #14 F7 (cold re-attack): the wipe-verified entry, which auditors read (audit.query, trail PDFs),
 * carried the SHA-256 of the whole certificate. Their own view withholds the source file name and
 * six digits of each NHS number, so hashing guesses (names from a staff list, 10^6 numbers) against
 * that digest recovered both offline. The trail now keeps the digest of the auditor's view.
 */
import { describe, expect, it } from 'vitest';
import { certificateSha256, trailCertificateSha256 } from '../../../main/wipe/wipe-service';
import { certificateForRole } from '../../../shared/domain/wipe';
import { SAMPLE_CERTIFICATE as FULL } from './support/certificate';


/** What an auditor can do: fill their view's withheld fields with guesses and compare digests. */
function guess(digest: string, names: readonly string[], hiddenDigits: Iterable<number>): { name: string; nhsNumber: string } | null {
  const seen = certificateForRole(FULL, 'auditor');
  const lastFour = seen.filed[0]!.nhsNumber.replace(/\D/g, '');
  for (const six of hiddenDigits) {
    const digits = String(six).padStart(6, '0') + lastFour;
    const nhsNumber = `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`;
    for (const name of names) {
      if (certificateSha256({ ...seen, sourceFileName: name, filed: [{ ...seen.filed[0]!, nhsNumber }] }) === digest) return { name, nhsNumber };
    }
  }
  return null;
}

// The true six digits are 943476: a window around them stands for the full 10^6 search.
const window = function* () {
  for (let six = 943_000; six < 944_000; six++) yield six;
};
const NAMES = ['WhatsApp Chat with Ward 7.txt', 'WhatsApp Chat with Dr Patel.txt', 'WhatsApp Chat with Sister Okafor.txt'];

describe('the wipe-verified digest is no oracle for what auditors are not shown', () => {
  it('the search that recovers the withheld file name and NHS number from the whole certificate’s digest finds nothing from the trail’s', () => {
    // The attack works against the old digest (so the search itself is sound)…
    expect(guess(certificateSha256(FULL), NAMES, window())).toEqual({ name: 'WhatsApp Chat with Sister Okafor.txt', nhsNumber: '943 476 5919' });
    // …and finds nothing against what the trail keeps now.
    expect(guess(trailCertificateSha256(FULL), NAMES, window())).toBeNull();
  });

  it('the trail’s digest does not change with the withheld fields, and whoever holds the full certificate proves it against the trail', () => {
    const other = { ...FULL, sourceFileName: 'Another chat.txt', overrideReason: null, filed: [{ ...FULL.filed[0]!, nhsNumber: '111 222 5919' }] };
    expect(trailCertificateSha256(other)).toBe(trailCertificateSha256(FULL));
    expect(trailCertificateSha256(FULL)).toBe(certificateSha256(certificateForRole(FULL, 'auditor')));
    // Any shown field changed is a different digest.
    expect(trailCertificateSha256({ ...FULL, messageCount: 13 })).not.toBe(trailCertificateSha256(FULL));
  });
});
