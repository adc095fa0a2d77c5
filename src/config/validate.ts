/**
 * Schema validation of a parsed nodepool.yaml, with voluptuous 0.9 semantics for the checks
 * upstream's `config-validate` makes, plus the port's stricter checks (docs/behaviour.md#validating-a-configuration).
 *
 * Each finding has a level: `error` (nothing loads it), `strict` (only `config-validate`
 * rejects it, as upstream's validator does: unknown keys, an integer where upstream wants a
 * float, ...; the daemons' loader, like upstream's, accepts it and logs a warning) or
 * `warning` (accepted everywhere, reported).
 */
import { floatRepr } from '../compat/index.js';
import { cronProblem } from './cron.js';
import { scheduleCronProblem, timezoneProblem } from './schedule.js';
import type { ObjectSchema, SchemaNode } from './schema-types.js';
import type { Pos, RawNode } from './yaml11.js';

/** One validation problem, located by YAML path and position. */
export interface Finding {
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly pos: Pos;
  readonly level: FindingLevel;
}

/** How serious a finding is; see the module comment. */
export type FindingLevel = 'error' | 'strict' | 'warning';

type Path = readonly (string | number)[];

/** Describes a value for messages: `"ten"`, `1.5`, `true`, `null`, `a mapping`. */
export function describeNode(node: RawNode): string {
  if (node.type === 'map') return 'a mapping';
  if (node.type === 'seq') return 'a list';
  if (node.kind === 'timestamp') return `a date ${String(node.value)}`;
  if (node.kind === 'float' && typeof node.value === 'number' && Number.isInteger(node.value)) {
    return node.value.toFixed(1);
  }
  if (node.kind === 'str') return JSON.stringify(node.value);
  return String(node.value);
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (cur[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

function suggestion(key: string, allowed: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = levenshtein(key.toLowerCase(), candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3))) {
    return `unknown key, did you mean "${best}"?`;
  }
  return `unknown key; allowed here: ${[...allowed].sort().join(', ')}`;
}

/** Walks one document against the schema, collecting findings and building the defaulted value. */
export class SchemaWalker {
  readonly findings: Finding[] = [];

  private add(path: Path, message: string, pos: Pos, level: FindingLevel = 'error'): void {
    this.findings.push({ path, message, pos, level });
  }

  private expected(path: Path, node: RawNode, what: string): undefined {
    this.add(path, `expected ${what}, got ${describeNode(node)}`, node.pos);
    return undefined;
  }

  /** Validates `node` against `schema`; returns the defaulted plain value, or undefined if invalid. */
  walk(node: RawNode, schema: SchemaNode, path: Path): unknown {
    switch (schema.kind) {
      case 'object':
        return this.object(node, schema, path);
      case 'shapes':
        return this.shapes(node, schema.shapes, path);
      case 'list':
        return this.list(node, schema.items, path, schema.uniqueBy);
      case 'dict':
        return this.dict(node, path);
      default:
        return this.scalar(node, schema, path);
    }
  }

  private scalar(node: RawNode, schema: SchemaNode, path: Path): unknown {
    const kind = node.type === 'scalar' ? node.kind : undefined;
    const value = node.type === 'scalar' ? node.value : undefined;
    switch (schema.kind) {
      case 'string': {
        if (kind !== 'str') return this.expected(path, node, 'a string');
        if (schema.enum !== undefined && !schema.enum.includes(String(value))) {
          const names = [...schema.enum].sort().join(', ');
          this.add(path, `unknown value ${describeNode(node)}; available: ${names}`, node.pos);
          return undefined;
        }
        const check =
          schema.format === 'cron'
            ? cronProblem
            : schema.format === 'cron5'
              ? scheduleCronProblem
              : schema.format === 'timezone'
                ? timezoneProblem
                : undefined;
        const problem = check?.(String(value));
        if (problem !== undefined) {
          this.add(path, problem, node.pos);
          // Keys beyond 0.4.0 (cron5, timezone) are checked before compiling uses them.
          if (schema.format !== 'cron') return undefined;
        }
        return value;
      }
      case 'int':
        if (schema.min !== undefined) {
          // Keys beyond 0.4.0: a plain integer, no boolean.
          if (kind !== 'int') return this.expected(path, node, 'an integer');
          if (typeof value === 'number' && value < schema.min) {
            this.add(path, `must be at least ${schema.min}, got ${value}`, node.pos);
            return undefined;
          }
          return value;
        }
        // Compat: voluptuous `int` accepts booleans (bool is a subclass of int in Python).
        if (kind === 'int') return value;
        if (kind === 'bool') return value === true ? 1 : 0;
        return this.expected(path, node, 'an integer');
      case 'float':
        if (kind === 'float') return value;
        if (kind === 'int') {
          // Compat: voluptuous `float` rejects `1`; upstream's loader uses it as 1.0.
          this.add(
            path,
            `expected a float such as ${describeNode({ ...node, kind: 'float' } as RawNode)}, got ${String(value)}`,
            node.pos,
            'strict',
          );
          return value;
        }
        return this.expected(path, node, 'a float');
      case 'number':
        if (kind === 'int' || kind === 'float') return value;
        return this.expected(path, node, 'a number');
      case 'bool':
        if (kind === 'bool') return value;
        return this.expected(path, node, 'a boolean (true or false)');
      case 'stringOrInt':
        if (kind === 'str' || kind === 'int') return String(value);
        if (kind === 'bool') return value === true ? 'True' : 'False';
        if (kind === 'float' && typeof value === 'number') {
          this.add(
            path,
            `expected a string or an integer, got ${describeNode(node)}`,
            node.pos,
            'strict',
          );
          return floatRepr(value);
        }
        return this.expected(path, node, 'a string or an integer');
      default:
        return undefined;
    }
  }

  private list(node: RawNode, items: SchemaNode, path: Path, uniqueBy?: string): unknown {
    if (node.type !== 'seq') return this.expected(path, node, 'a list');
    const out: unknown[] = [];
    const seen = new Map<string, Pos>();
    node.items.forEach((item, i) => {
      const value = this.walk(item, items, [...path, i]);
      if (value === undefined) return;
      out.push(value);
      if (uniqueBy === undefined || item.type !== 'map') return;
      const key = (value as Record<string, unknown>)[uniqueBy];
      if (typeof key !== 'string') return;
      const keyNode = item.entries.find((e) => e.key === uniqueBy)?.value ?? item;
      const first = seen.get(key);
      if (first !== undefined) {
        this.add(
          [...path, i, uniqueBy],
          `duplicate ${uniqueBy} "${key}" (first used on line ${first.line})`,
          keyNode.pos,
        );
      } else {
        seen.set(key, keyNode.pos);
      }
    });
    return out;
  }

  private dict(node: RawNode, path: Path): unknown {
    if (node.type !== 'map') return this.expected(path, node, 'a mapping');
    const out: Record<string, string> = {};
    for (const e of node.entries) {
      if (e.keyKind !== 'str') {
        this.add([...path, e.key], `expected a string key, got ${e.key}`, e.keyPos);
      } else if (e.value.type !== 'scalar' || e.value.kind !== 'str') {
        // Port: upstream accepts any mapping, then crashes or breaks the build on non-strings.
        this.expected([...path, e.key], e.value, 'a string (quote it)');
      } else {
        out[e.key] = String(e.value.value);
      }
    }
    return out;
  }

  private object(node: RawNode, schema: ObjectSchema, path: Path): unknown {
    if (node.type !== 'map') return this.expected(path, node, 'a mapping');
    // Partial values are returned even when a key is invalid, so that the cross-reference
    // checks still see the rest (a bad max-servers must not make the provider "unknown").
    const out: Record<string, unknown> = {};
    const allowed = Object.keys(schema.fields);
    for (const e of node.entries) {
      const field = e.keyKind === 'str' ? schema.fields[e.key] : undefined;
      if (field === undefined) {
        this.add([...path, e.key], suggestion(e.key, allowed), e.keyPos, 'strict');
        continue;
      }
      const value = this.walk(e.value, field.schema, [...path, e.key]);
      if (value !== undefined) out[e.key] = value;
    }
    for (const [key, field] of Object.entries(schema.fields)) {
      if (key in out || node.entries.some((e) => e.key === key)) continue;
      if (field.required !== undefined) {
        this.add(
          path,
          `missing required key "${key}"`,
          node.pos,
          field.required === 'validate' ? 'strict' : 'error',
        );
      }
      if (field.default !== undefined) out[key] = structuredClone(field.default);
    }
    return out;
  }

  private shapes(node: RawNode, shapes: readonly ObjectSchema[], path: Path): unknown {
    if (node.type !== 'map') return this.expected(path, node, 'a mapping');
    const keys = node.entries.map((e) => e.key);
    const matching = shapes.filter((s) => keys.some((k) => k in s.fields));
    if (matching.length > 1) {
      const forms = shapes.map((s) => `{${Object.keys(s.fields).join(', ')}}`).join(' or ');
      this.add(
        path,
        `cannot mix keys ${keys.map((k) => `"${k}"`).join(', ')}; use one form: ${forms}`,
        node.pos,
      );
      return undefined;
    }
    const shape = matching[0] ?? shapes[0];
    return shape === undefined ? undefined : this.object(node, shape, path);
  }
}

/** Validates a whole document (the root may be null for an empty file). */
export function validateDocument(
  root: RawNode | null,
  schema: ObjectSchema,
): { value?: unknown; findings: Finding[] } {
  const walker = new SchemaWalker();
  if (root === null) {
    walker.findings.push({
      path: [],
      message: 'the file is empty; expected a mapping of settings',
      pos: { line: 1, column: 1 },
      level: 'error',
    });
    return { findings: walker.findings };
  }
  const value = walker.walk(root, schema, []);
  return value === undefined ? { findings: walker.findings } : { value, findings: walker.findings };
}

/** Finds the node at `path`, or the deepest existing ancestor (for positions). */
export function nodeAt(root: RawNode, path: Path): RawNode {
  let node: RawNode = root;
  for (const part of path) {
    let next: RawNode | undefined;
    if (typeof part === 'number' && node.type === 'seq') next = node.items[part];
    else if (typeof part === 'string' && node.type === 'map')
      next = node.entries.find((e) => e.key === part)?.value;
    if (next === undefined) return node;
    node = next;
  }
  return node;
}
