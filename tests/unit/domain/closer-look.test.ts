import { describe, expect, it } from 'vitest';
import { closerLook } from '../../../shared/domain/closer-look';

describe('messages a wipe would destroy that deserve a second look', () => {
  const look = closerLook({ advisers: ['Ben (reg)', 'Priya Pharmacist'], patients: [{ name: 'Jane Testpatient', nhsNumber: '999 123 5671' }] });

  it('marks a message from an adviser of a filed note, and one naming its patient', () => {
    expect(look({ sender: 'Ben (reg)', text: 'Ondansetron 4mg IV PRN, check her QTc' })).toEqual(['adviser']);
    expect(look({ sender: 'Grace Mensah', text: "Mrs TESTPATIENT's sats 91% on air" })).toEqual(['patient']);
    expect(look({ sender: 'Grace Mensah', text: 'NHS 9991235671 bloods back' })).toEqual(['patient']);
    expect(look({ sender: 'Priya Pharmacist', text: 'Start 2L nasal cannula for Jane Testpatient' })).toEqual(['adviser', 'patient']);
  });

  it('marks the NHS number of a patient no filed note is about, but not an invalid one', () => {
    expect(look({ sender: 'Grace Mensah', text: 'Bed 4 Mr Pennington, NHS 943 476 5919 - hold his amlodipine?' })).toEqual(['other-patient']);
    expect(look({ sender: 'Grace Mensah', text: 'Bed 4, NHS 943 476 5918' })).toEqual([]);
    expect(look({ sender: 'Grace Mensah', text: 'NHS 999 123 5671 and 943 476 5919 both on the list' })).toEqual(['patient', 'other-patient']);
  });

  it('leaves chatter from others alone, and never matches part of a word or a first name alone', () => {
    expect(look({ sender: 'Grace Mensah', text: 'Flat white please' })).toEqual([]);
    expect(look({ sender: 'Grace Mensah', text: 'Jane on nights again?' })).toEqual([]);
    expect(look({ sender: 'Grace Mensah', text: 'Testpatients list updated' })).toEqual([]);
    expect(look({ sender: null, text: 'Ben (reg) added Sam' })).toEqual([]);
  });
});
