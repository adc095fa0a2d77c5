/**
 * YAML 1.1 reading the way upstream's PyYAML reads it, keeping the position of every node.
 *
 * The `yaml` package (1.1 mode) does the parsing; plain scalars are then re-typed with
 * PyYAML's own implicit resolvers, because the package differs from PyYAML in a few places
 * that matter for nodepool.yaml (`y`/`n` stay strings, `1e-4` stays a string, `1.0e5` too).
 * The scalar's kind (int versus float) comes from the token, so `1` and `1.0` stay apart.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';

/** 1-based position in the file. */
export interface Pos {
  readonly line: number;
  readonly column: number;
}

/** What PyYAML would have produced for a scalar. */
export type ScalarKind = 'str' | 'int' | 'float' | 'bool' | 'null' | 'timestamp';

/** A scalar with its PyYAML type. Timestamps keep their source text as the value. */
export interface RawScalar {
  readonly type: 'scalar';
  readonly kind: ScalarKind;
  readonly value: string | number | boolean | null;
  readonly pos: Pos;
}

/** One mapping entry; keys are kept as text plus the kind PyYAML gave them. */
export interface RawEntry {
  readonly key: string;
  readonly keyKind: ScalarKind;
  readonly keyPos: Pos;
  readonly value: RawNode;
}

/** A mapping; duplicate keys are resolved as PyYAML does (the last one wins). */
export interface RawMap {
  readonly type: 'map';
  readonly entries: readonly RawEntry[];
  readonly pos: Pos;
}

/** A sequence. */
export interface RawSeq {
  readonly type: 'seq';
  readonly items: readonly RawNode[];
  readonly pos: Pos;
}

/** A parsed YAML node with its position. */
export type RawNode = RawScalar | RawMap | RawSeq;

/** A YAML syntax problem, located. */
export class YamlSyntaxError extends SyntaxError {
  readonly pos: Pos;
  constructor(message: string, pos: Pos) {
    super(message);
    this.name = 'YamlSyntaxError';
    this.pos = pos;
  }
}

// PyYAML's implicit resolvers (yaml/resolver.py), for plain scalars only.
const BOOL_RE = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT_RE =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT_RE =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const NULL_RE = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP_RE =
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/;

function base60(text: string, parse: (s: string) => number): number {
  let value = 0;
  for (const part of text.split(':')) value = value * 60 + parse(part);
  return value;
}

function constructInt(source: string): number {
  let text = source.replace(/_/g, '');
  let sign = 1;
  if (text.startsWith('-')) sign = -1;
  if (text.startsWith('-') || text.startsWith('+')) text = text.slice(1);
  if (text === '0') return 0;
  if (text.startsWith('0b')) return sign * parseInt(text.slice(2), 2);
  if (text.startsWith('0x')) return sign * parseInt(text.slice(2), 16);
  if (text.startsWith('0')) return sign * parseInt(text, 8);
  if (text.includes(':')) return sign * base60(text, (s) => parseInt(s, 10));
  return sign * parseInt(text, 10);
}

function constructFloat(source: string): number {
  let text = source.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (text.startsWith('-')) sign = -1;
  if (text.startsWith('-') || text.startsWith('+')) text = text.slice(1);
  if (text === '.inf') return sign * Infinity;
  if (text === '.nan') return NaN;
  if (text.includes(':')) return sign * base60(text, (s) => parseFloat(s));
  return sign * parseFloat(text);
}

/** Types a plain (unquoted, untagged) scalar exactly as PyYAML's resolvers do. */
export function resolvePlainScalar(source: string): {
  kind: ScalarKind;
  value: RawScalar['value'];
} {
  if (BOOL_RE.test(source)) return { kind: 'bool', value: /^(?:yes|true|on)$/i.test(source) };
  if (INT_RE.test(source)) return { kind: 'int', value: constructInt(source) };
  if (FLOAT_RE.test(source)) return { kind: 'float', value: constructFloat(source) };
  if (NULL_RE.test(source)) return { kind: 'null', value: null };
  if (TIMESTAMP_RE.test(source)) return { kind: 'timestamp', value: source };
  return { kind: 'str', value: source };
}

const TAG_KINDS: Record<string, ScalarKind> = {
  'tag:yaml.org,2002:str': 'str',
  'tag:yaml.org,2002:int': 'int',
  'tag:yaml.org,2002:float': 'float',
  'tag:yaml.org,2002:bool': 'bool',
  'tag:yaml.org,2002:null': 'null',
  'tag:yaml.org,2002:timestamp': 'timestamp',
};

class Converter {
  private readonly active = new Set<YamlNode>();
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  pos(node: YamlNode): Pos {
    const offset = node.range?.[0] ?? 0;
    const p = this.lines.linePos(offset);
    return { line: p.line, column: p.col };
  }

  scalar(node: YamlNode): RawScalar {
    if (!isScalar(node)) throw new YamlSyntaxError('mapping keys must be scalars', this.pos(node));
    const pos = this.pos(node);
    if (node.type === 'PLAIN' && node.tag === undefined) {
      return { type: 'scalar', pos, ...resolvePlainScalar(node.source ?? String(node.value)) };
    }
    const kind = node.tag !== undefined ? TAG_KINDS[node.tag] : 'str';
    if (kind === undefined) throw new YamlSyntaxError(`unsupported tag "${node.tag}"`, pos);
    const source = node.source ?? String(node.value);
    if (kind === 'str' || kind === 'timestamp') return { type: 'scalar', kind, value: source, pos };
    // An explicit tag forces the type; construct the value from the text as PyYAML does.
    const text = source.trim();
    if (kind === 'int' && INT_RE.test(text))
      return { type: 'scalar', kind, value: constructInt(text), pos };
    if (kind === 'float' && (FLOAT_RE.test(text) || INT_RE.test(text))) {
      return {
        type: 'scalar',
        kind,
        value: INT_RE.test(text) ? constructInt(text) : constructFloat(text),
        pos,
      };
    }
    if (kind === 'bool' && BOOL_RE.test(text))
      return { type: 'scalar', kind, value: /^(?:yes|true|on)$/i.test(text), pos };
    if (kind === 'null') return { type: 'scalar', kind, value: null, pos };
    throw new YamlSyntaxError(`cannot read ${JSON.stringify(source)} as ${node.tag ?? kind}`, pos);
  }

  node(node: YamlNode | null | undefined, fallback: Pos): RawNode {
    if (node == null) return { type: 'scalar', kind: 'null', value: null, pos: fallback };
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (target === undefined)
        throw new YamlSyntaxError(`unknown anchor "${node.source}"`, this.pos(node));
      return this.node(target, this.pos(node));
    }
    if (this.active.has(node)) throw new YamlSyntaxError('recursive alias', this.pos(node));
    this.active.add(node);
    try {
      if (isMap(node)) return this.map(node.items, this.pos(node));
      if (isSeq(node)) {
        const items = node.items.map((item) => this.node(item as YamlNode | null, this.pos(node)));
        return { type: 'seq', items, pos: this.pos(node) };
      }
      return this.scalar(node);
    } finally {
      this.active.delete(node);
    }
  }

  map(items: readonly { key: unknown; value: unknown }[], pos: Pos): RawMap {
    const entries = new Map<string, RawEntry>();
    const merged: RawEntry[] = [];
    for (const pair of items) {
      const keyNode = pair.key as YamlNode | null;
      const valuePos = keyNode ? this.pos(keyNode) : pos;
      const value = this.node(pair.value as YamlNode | null, valuePos);
      const key = keyNode ? this.scalar(keyNode) : { kind: 'null' as const, value: null, pos };
      if (
        key.kind === 'str' &&
        key.value === '<<' &&
        isScalar(keyNode) &&
        keyNode.type === 'PLAIN'
      ) {
        // Compat: PyYAML merge keys; explicit keys win, earlier merged maps win over later.
        const sources = value.type === 'seq' ? value.items : [value];
        for (const src of sources) {
          if (src.type !== 'map') throw new YamlSyntaxError('a merge key needs a mapping', src.pos);
          merged.push(...src.entries);
        }
        continue;
      }
      const text = key.value === null ? 'null' : String(key.value);
      entries.delete(text); // Compat: PyYAML keeps the last of duplicate keys.
      entries.set(text, { key: text, keyKind: key.kind, keyPos: key.pos, value });
    }
    for (const e of merged) if (!entries.has(e.key)) entries.set(e.key, e);
    return { type: 'map', entries: [...entries.values()], pos };
  }
}

/** Moves a position that points at a comment or blank line to the next line with content. */
function skipComments(text: string, pos: Pos): Pos {
  const lines = text.split(/\r?\n/);
  for (let i = pos.line - 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const trimmed = line.trimStart();
    if (trimmed !== '' && !trimmed.startsWith('#')) {
      return i === pos.line - 1 ? pos : { line: i + 1, column: line.length - trimmed.length + 1 };
    }
  }
  return pos;
}

/**
 * Parses one YAML 1.1 document. Returns `null` for an empty document.
 * @throws YamlSyntaxError with the position of the first syntax problem.
 */
export function parseYaml11(text: string): RawNode | null {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    lineCounter: lines,
    uniqueKeys: false,
    prettyErrors: false,
    merge: false,
    keepSourceTokens: false,
  });
  const first = doc.errors[0];
  if (first !== undefined) {
    const p = lines.linePos(first.pos[0]);
    const message = first.message.split('\n')[0] ?? first.message;
    throw new YamlSyntaxError(
      message.replace(/ at line \d+, column \d+:?$/, ''),
      skipComments(text, { line: p.line, column: p.col }),
    );
  }
  if (doc.contents === null) return null;
  return new Converter(doc, lines).node(doc.contents, { line: 1, column: 1 });
}

/** Looks up a key of a mapping node. */
export function getEntry(map: RawMap, key: string): RawEntry | undefined {
  return map.entries.find((e) => e.key === key);
}

/** Converts a node to plain JavaScript values (maps become objects, timestamps strings). */
export function toPlain(node: RawNode): unknown {
  if (node.type === 'scalar') return node.value;
  if (node.type === 'seq') return node.items.map(toPlain);
  const out: Record<string, unknown> = {};
  for (const e of node.entries) out[e.key] = toPlain(e.value);
  return out;
}
