/**
 * A small JSON Schema (draft 2020-12) validator for the keywords `toJsonSchema()` emits, so the
 * generated etc/nodepool.schema.json can be checked against real files without a new npm
 * package. It is strict about its own limits: a schema using any keyword outside
 * {@link SUPPORTED_KEYWORDS} makes it throw, so a generator change cannot make it silently
 * skip a check.
 */

/** One schema violation: where in the instance, and what is wrong. */
export interface SchemaViolation {
  /** JSON Pointer-like path into the instance, e.g. `/providers/0/max-servers`. */
  readonly at: string;
  readonly message: string;
}

/** Keywords this validator understands; annotations are accepted and ignored. */
export const SUPPORTED_KEYWORDS: ReadonlySet<string> = new Set([
  // assertions
  'type',
  'enum',
  'pattern',
  'items',
  'oneOf',
  'properties',
  'additionalProperties',
  'required',
  // annotations and identifiers
  '$schema',
  '$id',
  'title',
  'description',
  'default',
  'deprecated',
]);

type Schema = Readonly<Record<string, unknown>> | boolean;

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  const actual = jsonType(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

function pointer(at: string, key: string | number): string {
  return `${at}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function asSchema(value: unknown, where: string): Schema {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    return value as Record<string, unknown>;
  throw new TypeError(`Cannot use the schema at "${where}": expected an object or a boolean`);
}

/**
 * Validates `value` against `schema`; returns every violation found (empty when valid).
 * @throws TypeError when the schema uses a keyword this validator does not implement
 */
export function validateJsonSchema(schema: unknown, value: unknown): SchemaViolation[] {
  const out: SchemaViolation[] = [];
  check(asSchema(schema, '#'), value, '', '#', out);
  return out;
}

function check(
  schema: Schema,
  value: unknown,
  at: string,
  where: string,
  out: SchemaViolation[],
): void {
  if (schema === true) return;
  if (schema === false) {
    out.push({ at, message: 'no value is allowed here' });
    return;
  }
  for (const key of Object.keys(schema)) {
    if (!SUPPORTED_KEYWORDS.has(key))
      throw new TypeError(
        `Cannot validate with the schema at "${where}": keyword "${key}" is not supported`,
      );
  }
  const type = schema['type'];
  if (type !== undefined) {
    const types = Array.isArray(type) ? (type as string[]) : [type as string];
    if (!types.some((t) => hasType(value, t))) {
      out.push({
        at,
        message: `expected ${types.join(' or ')}, got ${jsonType(value)} ${JSON.stringify(value)}`,
      });
      return;
    }
  }
  const enumValues = schema['enum'];
  if (Array.isArray(enumValues) && !enumValues.some((e) => e === value))
    out.push({
      at,
      message: `expected one of ${JSON.stringify(enumValues)}, got ${JSON.stringify(value)}`,
    });
  const pattern = schema['pattern'];
  if (
    typeof pattern === 'string' &&
    typeof value === 'string' &&
    !new RegExp(pattern, 'u').test(value)
  )
    out.push({ at, message: `"${value}" does not match ${pattern}` });
  if (schema['items'] !== undefined && Array.isArray(value)) {
    const items = asSchema(schema['items'], `${where}/items`);
    value.forEach((v, i) => check(items, v, pointer(at, i), `${where}/items`, out));
  }
  if (jsonType(value) === 'object')
    checkObject(schema, value as Record<string, unknown>, at, where, out);
  const oneOf = schema['oneOf'];
  if (Array.isArray(oneOf)) {
    const matching = oneOf.filter(
      (s, i) =>
        validateSub(asSchema(s, `${where}/oneOf/${i}`), value, at, `${where}/oneOf/${i}`).length ===
        0,
    ).length;
    if (matching !== 1)
      out.push({
        at,
        message: `expected exactly one of ${oneOf.length} shapes to match, ${matching} did`,
      });
  }
}

function validateSub(schema: Schema, value: unknown, at: string, where: string): SchemaViolation[] {
  const out: SchemaViolation[] = [];
  check(schema, value, at, where, out);
  return out;
}

function checkObject(
  schema: Readonly<Record<string, unknown>>,
  value: Record<string, unknown>,
  at: string,
  where: string,
  out: SchemaViolation[],
): void {
  const properties = (schema['properties'] ?? {}) as Record<string, unknown>;
  const required = schema['required'];
  if (Array.isArray(required)) {
    for (const key of required as string[])
      if (!Object.hasOwn(value, key)) out.push({ at, message: `missing required key "${key}"` });
  }
  const additional = schema['additionalProperties'];
  for (const [key, v] of Object.entries(value)) {
    if (Object.hasOwn(properties, key)) {
      const sub = `${where}/properties/${key}`;
      check(asSchema(properties[key], sub), v, pointer(at, key), sub, out);
    } else if (additional === false) {
      out.push({ at: pointer(at, key), message: `unknown key "${key}"` });
    } else if (additional !== undefined) {
      const sub = `${where}/additionalProperties`;
      check(asSchema(additional, sub), v, pointer(at, key), sub, out);
    }
  }
}
