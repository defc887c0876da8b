/**
 * The audit chain head extension (#15) has a published definition, shipped with the app
 * (resources/fhir): a valid R4 StructureDefinition by both validators, whose canonical URL is the
 * one the Provenance carries, and which every Provenance Wardscribe files conforms to.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Extension, StructureDefinition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { AUDIT_CHAIN_HEAD_EXTENSION, toProvenance } from '../../../main/epr/mapping';
import { validateFhirResource } from '../../../main/epr/validate';
import { sampleTranscription } from './support/transcriptions';

const definition = JSON.parse(readFileSync(join(__dirname, '../../../resources/fhir/StructureDefinition-audit-chain-head.json'), 'utf8')) as StructureDefinition;
const elements = definition.differential!.element;
const element = (id: string) => elements.find((candidate) => candidate.id === id);

/** Conformance to the definition's differential: the slices it closes, their URLs, value types, cardinality and invariants. */
function conformanceProblems(extension: Extension): string[] {
  const problems: string[] = [];
  if (extension.url !== element('Extension.url')?.fixedUri) problems.push('url');
  if (Object.keys(extension).some((key) => key.startsWith('value'))) problems.push('value[x]');
  const slices = elements.filter((candidate) => candidate.path === 'Extension.extension' && candidate.sliceName);
  const inner = extension.extension ?? [];
  if (inner.length !== Number(element('Extension.extension')?.max)) problems.push('extension count');
  for (const slice of slices) {
    const url = element(`Extension.extension:${slice.sliceName}.url`)?.fixedUri;
    const found = inner.filter((candidate) => candidate.url === url);
    if (found.length !== slice.min) problems.push(`${slice.sliceName} count`);
    const type = element(`Extension.extension:${slice.sliceName}.value[x]`)!.type![0]!.code;
    const key = `value${type[0]!.toUpperCase()}${type.slice(1)}` as keyof Extension;
    for (const value of found) {
      if (value[key] === undefined) problems.push(`${slice.sliceName} type`);
      if (type === 'integer' && !(Number.isInteger(value[key]) && (value[key] as number) >= 0)) problems.push('wsach-1');
      if (type === 'string' && !/^[0-9a-f]{64}$/.test(String(value[key]))) problems.push('wsach-2');
    }
  }
  if (inner.some((candidate) => !slices.some((slice) => element(`Extension.extension:${slice.sliceName}.url`)?.fixedUri === candidate.url))) problems.push('closed slicing');
  return problems;
}

describe('the audit chain head extension’s definition', () => {
  it('is a StructureDefinition both validators accept, for the URL the Provenance carries, on Provenance', () => {
    expect(validateFhirResource(definition).filter((issue) => issue.severity === 'error')).toEqual([]);
    expect(definition).toMatchObject({ url: AUDIT_CHAIN_HEAD_EXTENSION, type: 'Extension', fhirVersion: '4.0.1', derivation: 'constraint', context: [{ type: 'element', expression: 'Provenance' }] });
    expect(definition.url!.endsWith(`/${definition.id}`)).toBe(true);
  });

  it('every Provenance filed carries exactly one head that conforms to it', () => {
    const provenance = toProvenance(sampleTranscription({ auditChainHead: { sequence: 41, hash: 'ab'.repeat(32) } }), { reference: 'DocumentReference/d' });
    const heads = (provenance.extension ?? []).filter((extension) => extension.url === AUDIT_CHAIN_HEAD_EXTENSION);
    expect(heads).toHaveLength(1);
    expect(conformanceProblems(heads[0]!)).toEqual([]);
  });

  it('the conformance check is not a formality: a head changed in any way the definition forbids is caught', () => {
    const good = toProvenance(sampleTranscription({ auditChainHead: { sequence: 0, hash: '0f'.repeat(32) } }), { reference: 'DocumentReference/d' }).extension![0]!;
    const changed: [string, Extension][] = [
      ['url', { ...good, url: 'https://example.org/other' }],
      ['value[x]', { ...good, valueString: 'x' }],
      ['extension count', { ...good, extension: good.extension!.slice(0, 1) }],
      ['wsach-1', { ...good, extension: [{ url: 'sequence', valueInteger: -1 }, good.extension![1]!] }],
      ['wsach-2', { ...good, extension: [good.extension![0]!, { url: 'hash', valueString: 'AB'.repeat(32) }] }],
      ['sequence type', { ...good, extension: [{ url: 'sequence', valueString: '1' }, good.extension![1]!] }],
      ['closed slicing', { ...good, extension: [good.extension![0]!, { url: 'other', valueString: 'x' }] }],
    ];
    for (const [problem, extension] of changed) expect(conformanceProblems(extension), problem).toContain(problem);
  });
});
