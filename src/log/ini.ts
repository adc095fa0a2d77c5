/**
 * A reader for the INI dialect of Python's `configparser`, as `logging.config.fileConfig`
 * uses it: `[section]` headers, `key = value` or `key: value`, keys case-insensitive,
 * full-line `#`/`;` comments, indented continuation lines, a `[DEFAULT]` section whose keys
 * every section inherits, and `%(key)s` / `%%` interpolation.
 */
import { LogConfigError } from './errors.js';

/** One key of a section, with the line it was written on. */
export interface IniValue {
  readonly raw: string;
  readonly line: number;
}

/** A parsed INI file: sections in file order, keys lower-cased. */
export class IniFile {
  constructor(
    readonly file: string,
    readonly sections: ReadonlyMap<string, ReadonlyMap<string, IniValue>>,
    private readonly defaults: ReadonlyMap<string, IniValue>,
  ) {}

  /** Whether a section exists. */
  has(section: string): boolean {
    return this.sections.has(section);
  }

  /** Keys written in a section (not the inherited defaults). */
  keys(section: string): string[] {
    return [...(this.sections.get(section)?.keys() ?? [])];
  }

  /** Line of a key, or of nothing when unknown. */
  line(section: string, key: string): number | undefined {
    return (this.sections.get(section)?.get(key) ?? this.defaults.get(key))?.line;
  }

  /**
   * A value with interpolation applied (`raw` skips it, as fileConfig does for `format`).
   * @throws LogConfigError when `%(name)s` names a missing key
   */
  get(section: string, key: string, options: { raw?: boolean } = {}): string | undefined {
    const v = this.sections.get(section)?.get(key) ?? this.defaults.get(key);
    if (v === undefined) return undefined;
    return options.raw === true ? v.raw : this.interpolate(section, key, v, 0);
  }

  private interpolate(section: string, key: string, v: IniValue, depth: number): string {
    if (depth > 10) {
      throw new LogConfigError(this.file, 'interpolation is nested too deeply', {
        section,
        key,
        line: v.line,
      });
    }
    return v.raw.replace(/%(%|\(([^)]*)\)s)/g, (_m, what: string, name: string | undefined) => {
      if (what === '%') return '%';
      const ref = (name ?? '').toLowerCase();
      const target = this.sections.get(section)?.get(ref) ?? this.defaults.get(ref);
      if (target === undefined) {
        throw new LogConfigError(this.file, `interpolation refers to missing key "${ref}"`, {
          section,
          key,
          line: v.line,
        });
      }
      return this.interpolate(section, ref, target, depth + 1);
    });
  }
}

/**
 * Parses INI text.
 * @throws LogConfigError on a line that is neither a header, a key, a comment nor a continuation,
 *   and on duplicate sections or keys (Python 3 is strict about both)
 */
export function parseIni(text: string, file: string): IniFile {
  const sections = new Map<string, Map<string, IniValue>>();
  let current: Map<string, IniValue> | null = null;
  let currentName = '';
  let lastKey: { key: string; indent: number } | null = null;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i] ?? '';
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      if (trimmed === '') lastKey = null;
      continue;
    }
    const indent = line.length - line.trimStart().length;
    if (lastKey !== null && current !== null && indent > lastKey.indent) {
      const prev = current.get(lastKey.key);
      if (prev !== undefined)
        current.set(lastKey.key, { raw: `${prev.raw}\n${trimmed}`, line: prev.line });
      continue;
    }
    const header = /^\[(.+)\]$/.exec(trimmed);
    if (header !== null && indent === 0) {
      currentName = header[1] ?? '';
      if (sections.has(currentName)) {
        throw new LogConfigError(file, 'section appears twice', {
          section: currentName,
          line: lineNo,
        });
      }
      current = new Map();
      sections.set(currentName, current);
      lastKey = null;
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (kv === null) {
      throw new LogConfigError(
        file,
        `cannot parse line: expected "key = value", got "${trimmed}"`,
        { line: lineNo },
      );
    }
    if (current === null) {
      throw new LogConfigError(file, `key "${kv[1] ?? ''}" appears before any [section]`, {
        line: lineNo,
      });
    }
    const key = (kv[1] ?? '').toLowerCase();
    if (current.has(key)) {
      throw new LogConfigError(file, 'key appears twice', {
        section: currentName,
        key,
        line: lineNo,
      });
    }
    current.set(key, { raw: kv[2] ?? '', line: lineNo });
    lastKey = { key, indent };
  }
  const defaults = sections.get('DEFAULT') ?? new Map<string, IniValue>();
  sections.delete('DEFAULT');
  return new IniFile(file, sections, defaults);
}
