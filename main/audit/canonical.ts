/**
 * The one byte-exact form of an audit value, used for hashing and signing. Two values that mean
 * the same thing serialise identically on every machine and every Node version:
 *   - object keys sorted by UTF-16 code unit, properties whose value is `undefined` omitted;
 *   - strings in Unicode NFC, so a name typed on a different keyboard hashes the same;
 *   - numbers only if finite (JSON's own shortest round-trip form);
 *   - no insignificant whitespace.
 * Anything JSON cannot carry faithfully (functions, bigint, Dates, Maps, NaN) is refused rather
 * than silently changed, because a silent change would break verification later.
 */
export function canonicalJson(value: unknown): string {
  return serialise(value, '$');
}

/** Thrown when a value has no canonical form; the message names the path, never the value. */
export class CanonicalFormError extends Error {
  override readonly name = 'CanonicalFormError';
}

function serialise(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalFormError(`${path}: numbers must be finite`);
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value.normalize('NFC'));
    case 'object':
      return Array.isArray(value) ? serialiseArray(value, path) : serialiseObject(value, path);
    default:
      throw new CanonicalFormError(`${path}: ${typeof value} has no canonical form`);
  }
}

function serialiseArray(items: readonly unknown[], path: string): string {
  const parts = items.map((item, index) => {
    if (item === undefined) throw new CanonicalFormError(`${path}[${index}]: undefined in an array`);
    return serialise(item, `${path}[${index}]`);
  });
  return `[${parts.join(',')}]`;
}

function serialiseObject(object: object, path: string): string {
  const prototype: unknown = Object.getPrototypeOf(object);
  if (prototype !== Object.prototype && prototype !== null) {
    throw new CanonicalFormError(`${path}: only plain objects have a canonical form`);
  }
  const record = object as Record<string, unknown>;
  // Keys are normalised too; two keys that normalise alike would collide, so that is refused.
  const entries = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .map((key) => [key.normalize('NFC'), key] as const)
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  const parts: string[] = [];
  let previous: string | undefined;
  for (const [normalised, original] of entries) {
    if (normalised === previous) throw new CanonicalFormError(`${path}: two keys normalise to the same text`);
    previous = normalised;
    parts.push(`${JSON.stringify(normalised)}:${serialise(record[original], `${path}.${normalised}`)}`);
  }
  return `{${parts.join(',')}}`;
}
