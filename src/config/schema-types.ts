/**
 * The vocabulary of the nodepool.yaml schema (`schema.ts`), the TypeScript types inferred
 * from it, and its translation to JSON Schema. Kept apart from the schema data itself.
 */

/** A scalar or collection type in the schema. */
export type SchemaNode =
  | {
      readonly kind: 'string';
      /**
       * `cron`: upstream's schedule form (APScheduler weekdays, optional seconds last);
       * `cron5`: a standard five-field cron (Sunday = 0); `timezone`: an IANA zone name.
       */
      readonly format?: 'cron' | 'cron5' | 'timezone';
      readonly enum?: readonly string[];
    }
  /** Integer token; booleans count as integers (voluptuous `int`). `min`: smallest value. */
  | { readonly kind: 'int'; readonly min?: number }
  /** Float token; an integer token is an upstream-validator-only error. */
  | { readonly kind: 'float' }
  /** Integer or float token. */
  | { readonly kind: 'number' }
  | { readonly kind: 'bool' }
  /** A string, or an integer that becomes a string. */
  | { readonly kind: 'stringOrInt' }
  | { readonly kind: 'list'; readonly items: SchemaNode; readonly uniqueBy?: string }
  | ObjectSchema
  /** A free-form mapping of string keys to string values. */
  | { readonly kind: 'dict' }
  /** One of several object shapes, told apart by which keys are present. */
  | { readonly kind: 'shapes'; readonly shapes: readonly ObjectSchema[] };

/** A mapping with a fixed set of keys; any other key is an error. */
export interface ObjectSchema {
  readonly kind: 'object';
  readonly fields: Readonly<Record<string, Field>>;
}

/** One key of an object. */
export interface Field {
  readonly schema: SchemaNode;
  /** What the key means, in the reference documentation. */
  readonly description: string;
  /**
   * `true`: required by the loader and by config-validate. `'validate'`: only
   * config-validate requires it (upstream crashes without it; the loader does not need it).
   */
  readonly required?: true | 'validate';
  /** Value used when the key is absent, in YAML units. */
  readonly default?: string | number | boolean | readonly never[] | Readonly<Record<string, never>>;
  /** Text for the documentation when the default is computed. */
  readonly defaultText?: string;
  /** The key is not part of 0.4.0 (an older form, or a port addition). */
  readonly origin?: '0.3' | 'port';
  /** Accepted but has no effect. */
  readonly ignored?: true;
}

type InferNode<S> = S extends { kind: 'string' }
  ? string
  : S extends { kind: 'int' | 'float' | 'number' }
    ? number
    : S extends { kind: 'bool' }
      ? boolean
      : S extends { kind: 'stringOrInt' }
        ? string | number
        : S extends { kind: 'dict' }
          ? Readonly<Record<string, string>>
          : S extends { kind: 'list'; items: infer I }
            ? readonly InferNode<I>[]
            : S extends { kind: 'object'; fields: infer F }
              ? InferFields<F>
              : S extends { kind: 'shapes'; shapes: readonly (infer U)[] }
                ? InferNode<U>
                : never;

type FieldSchema<F> = F extends { schema: infer S } ? InferNode<S> : never;
type IsPresent<F> = F extends { required: true }
  ? true
  : F extends { default: unknown }
    ? true
    : false;

/** The type of a validated object, with defaults applied: keys with a default are present. */
export type InferFields<F> = {
  readonly [K in keyof F as IsPresent<F[K]> extends true ? K : never]: FieldSchema<F[K]>;
} & {
  readonly [K in keyof F as IsPresent<F[K]> extends true ? never : K]?: FieldSchema<F[K]>;
};

/** The TypeScript type of a validated, defaulted value of schema `S`. */
export type Infer<S> = InferNode<S>;

/** JSON Schema (draft 2020-12) of one schema node. */
export function nodeToJsonSchema(node: SchemaNode): Record<string, unknown> {
  switch (node.kind) {
    case 'string':
      if (node.enum !== undefined) return { type: 'string', enum: [...node.enum] };
      if (node.format === 'cron')
        return { type: 'string', pattern: '^\\s*\\S+(\\s+\\S+){4,5}\\s*$' };
      if (node.format === 'cron5')
        return { type: 'string', pattern: '^\\s*\\S+(\\s+\\S+){4}\\s*$' };
      return { type: 'string' };
    case 'int':
      return node.min === undefined
        ? { type: ['integer', 'boolean'] }
        : { type: 'integer', minimum: node.min };
    case 'float':
    case 'number':
      return { type: 'number' };
    case 'bool':
      return { type: 'boolean' };
    case 'stringOrInt':
      return { type: ['string', 'integer'] };
    case 'dict':
      return { type: 'object', additionalProperties: { type: 'string' } };
    case 'list':
      return { type: 'array', items: nodeToJsonSchema(node.items) };
    case 'shapes':
      return { oneOf: node.shapes.map((s) => nodeToJsonSchema(s)) };
    case 'object': {
      const properties: Record<string, unknown> = {};
      const required: string[] = [];
      for (const [key, field] of Object.entries(node.fields)) {
        const prop: Record<string, unknown> = {
          ...nodeToJsonSchema(field.schema),
          description: field.description,
        };
        if (field.default !== undefined) prop.default = field.default;
        if (field.origin === '0.3') prop.deprecated = true;
        properties[key] = prop;
        if (field.required !== undefined) required.push(key);
      }
      const out: Record<string, unknown> = {
        type: 'object',
        properties,
        additionalProperties: false,
      };
      if (required.length > 0) out.required = required;
      return out;
    }
  }
}
