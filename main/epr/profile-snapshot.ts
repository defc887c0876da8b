/**
 * A profile's snapshot from its differential, for the profiles Wardscribe validates against (UK
 * Core's, which NHS England publishes with a differential only). Pure.
 *
 * Only what a constraint profile without slices may say is understood: tightening an element of
 * the base (cardinality, types, bindings, fixed and pattern values, invariants, must-support and
 * the documentation fields). A differential that slices, adds an element the base does not have,
 * loosens the base or uses a property not listed here is refused in words: validating against a
 * snapshot that quietly left a rule out would pass what the profile forbids. (The `fhir` package
 * ships a generator, but it drops the children of every element the differential names, so
 * `DocumentReference.content.attachment` would vanish from UK Core's snapshot.)
 */
import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

/** A profile this reader cannot turn into a snapshot that holds every rule it states. */
export class UnsupportedProfileError extends Error {
  override readonly name = 'UnsupportedProfileError';
}

/** Properties that replace the base's when the differential gives them. */
const REPLACED = new Set([
  'short',
  'definition',
  'comment',
  'requirements',
  'alias',
  'label',
  'code',
  'min',
  'max',
  'maxLength',
  'condition',
  'mustSupport',
  'isSummary',
  'binding',
  'example',
  'meaningWhenMissing',
  'orderMeaning',
]);
/** Properties a differential repeats from the base to say where it is. */
const LOCATION = new Set(['id', 'path', 'extension']);
/** Value properties (`fixedCode`, `patternCodeableConcept`, …): the differential's replaces any of the base's. */
const VALUE_PREFIXES = ['fixed', 'pattern', 'minValue', 'maxValue', 'defaultValue'];
const BINDING_STRENGTH = ['required', 'extensible', 'preferred', 'example'];

/** The snapshot `profile` means over `base` (whose snapshot is complete). */
export function snapshotFromDifferential(profile: StructureDefinition, base: StructureDefinition): StructureDefinition {
  const name = profile.url ?? profile.id ?? 'the profile';
  const refuse = (what: string): never => {
    throw new UnsupportedProfileError(`${name}: ${what}. Wardscribe cannot check a resource against it.`);
  };
  if (profile.derivation !== 'constraint') refuse('it is not a constraint on another definition');
  if (profile.baseDefinition !== base.url) refuse(`it constrains ${profile.baseDefinition ?? 'nothing'}, not ${base.url}`);
  if (profile.type !== base.type) refuse(`it is a profile of ${profile.type}, not ${base.type}`);
  const baseElements = base.snapshot?.element;
  if (!baseElements?.length) refuse(`its base ${base.url} has no snapshot`);
  const differential = profile.differential?.element ?? [];
  if (differential.length === 0) refuse('it has no differential');

  const byId = new Map(baseElements!.map((element) => [element.id ?? element.path, element] as const));
  const merged = new Map<string, ElementDefinition>();
  for (const change of differential) {
    const id = change.id ?? change.path;
    if (change.slicing || change.sliceName || id.includes(':')) refuse(`it slices ${id}`);
    const original = byId.get(id);
    if (!original) refuse(`it adds ${id}, which ${base.type} does not have`);
    if (change.path !== original!.path) refuse(`its element ${id} has the path ${change.path}`);
    if (merged.has(id)) refuse(`it constrains ${id} twice`);
    merged.set(id, mergeElement(original!, change, (what) => refuse(`${id}: ${what}`)));
  }
  const { differential: _differential, snapshot: _snapshot, ...rest } = profile;
  return { ...rest, differential: profile.differential!, snapshot: { element: baseElements!.map((element) => merged.get(element.id ?? element.path) ?? element) } };
}

function mergeElement(original: ElementDefinition, change: ElementDefinition, refuse: (what: string) => never): ElementDefinition {
  const result: Record<string, unknown> = { ...original };
  for (const [key, value] of Object.entries(change)) {
    if (LOCATION.has(key)) continue;
    const valueKey = VALUE_PREFIXES.find((prefix) => key.startsWith(prefix) && key.length > prefix.length);
    if (valueKey) {
      for (const existing of Object.keys(result)) if (existing.startsWith(valueKey) && existing.length > valueKey.length) delete result[existing];
      result[key] = value;
    } else if (key === 'type') {
      result.type = narrowedTypes(original, change, refuse);
    } else if (key === 'mapping') {
      // Mappings to other standards say nothing a validator checks; the profile's are kept beside the base's.
      result.mapping = [...(original.mapping ?? []), ...(change.mapping ?? [])];
    } else if (key === 'constraint') {
      const keys = new Set((original.constraint ?? []).map((constraint) => constraint.key));
      const added = (change.constraint ?? []).filter((constraint) => !keys.has(constraint.key));
      result.constraint = [...(original.constraint ?? []), ...added];
    } else if (REPLACED.has(key)) {
      result[key] = value;
    } else {
      refuse(`it sets ${key}, which this reader does not understand`);
    }
  }
  const min = result.min as number | undefined;
  const max = result.max as string | undefined;
  if (min !== undefined && original.min !== undefined && min < original.min) refuse(`it lowers the minimum from ${original.min} to ${min}`);
  if (max !== undefined && original.max !== undefined && cardinality(max) > cardinality(original.max)) refuse(`it raises the maximum from ${original.max} to ${max}`);
  if (min !== undefined && max !== undefined && min > cardinality(max)) refuse(`its minimum ${min} is above its maximum ${max}`);
  const binding = change.binding;
  if (binding) {
    if (!BINDING_STRENGTH.includes(binding.strength)) refuse(`its binding strength ${String(binding.strength)} is not one FHIR defines`);
    // A required binding of the base cannot be weakened: the base's stays in force.
    if (original.binding?.strength === 'required' && binding.strength !== 'required') refuse('it weakens a required binding');
  }
  return result as unknown as ElementDefinition;
}

/** The base's types the profile keeps (each narrowed to the profiles it names); a type the base does not allow is refused. */
function narrowedTypes(original: ElementDefinition, change: ElementDefinition, refuse: (what: string) => never): ElementDefinition['type'] {
  return (change.type ?? []).map((type) => {
    const allowed = (original.type ?? []).find((candidate) => candidate.code === type.code);
    if (!allowed) refuse(`it allows the type ${type.code}, which the base does not`);
    return { ...allowed!, ...type };
  });
}

function cardinality(max: string): number {
  return max === '*' ? Number.POSITIVE_INFINITY : Number(max);
}
