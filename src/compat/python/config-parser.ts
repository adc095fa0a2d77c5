/**
 * The INI dialect of Python 2.7's `ConfigParser`, which upstream 0.4.0 ran under and used for
 * both secure.conf and `logging.config.fileConfig`: `[section]` headers, `key = value` or
 * `key: value`, option names case-insensitive, full-line `#`/`;`/`rem` comments, `;` inline
 * comments after whitespace, indented continuation lines, a `[DEFAULT]` section every section
 * inherits, and `%(name)s` / `%%` interpolation once a value contains `%(`.
 */
import { NodepoolError } from '../../errors.js';

/** Where an {@link IniError} sits. */
export interface IniLocation {
  readonly section?: string;
  readonly option?: string;
}

/** A located problem in an INI file: a line that does not parse, or a failed interpolation. */
export class IniError extends NodepoolError {
  readonly line: number;
  readonly section?: string;
  readonly option?: string;
  constructor(message: string, line: number, at: IniLocation = {}) {
    super(message, { code: 'ERR_INI_SYNTAX' });
    this.line = line;
    if (at.section !== undefined) this.section = at.section;
    if (at.option !== undefined) this.option = at.option;
  }
}

/** Options of {@link ConfigParser.parse}. */
export interface ConfigParserOptions {
  /** Reject a section or option written twice (Python 3's `strict=True`); Python 2 merges. */
  readonly strict?: boolean;
}

interface RawOption {
  readonly lines: string[];
  readonly line: number;
}

type Section = Map<string, RawOption>;

const SECTION_RE = /^\[([^\]]+)\]/;
const OPTION_RE = /^([^:=\s][^:=]*?)\s*([:=])\s*(.*)$/;
const MAX_DEPTH = 10;

/** A parsed INI file. Section names are case-sensitive, option names are not. */
export class ConfigParser {
  private readonly sections = new Map<string, Section>();
  private readonly defaults: Section = new Map();

  /** Section names in file order, without DEFAULT. */
  sectionNames(): string[] {
    return [...this.sections.keys()];
  }

  /** True when the section exists (DEFAULT does not count). */
  hasSection(section: string): boolean {
    return this.sections.has(section);
  }

  /** Option names written in a section, lower-cased, without the inherited defaults. */
  options(section: string): string[] {
    return [...(this.sections.get(section)?.keys() ?? [])];
  }

  /** True when the section, or DEFAULT, has the option. */
  hasOption(section: string, option: string): boolean {
    const key = option.toLowerCase();
    return (this.sections.get(section)?.has(key) ?? false) || this.defaults.has(key);
  }

  /** Line an option was written on (in the section or DEFAULT), or undefined when absent. */
  lineOf(section: string, option: string): number | undefined {
    const key = option.toLowerCase();
    return (this.sections.get(section)?.get(key) ?? this.defaults.get(key))?.line;
  }

  /**
   * Reads an option; `raw` skips interpolation (as `fileConfig` does for `format`).
   * @returns undefined when the section or option is absent
   * @throws IniError when interpolation fails
   */
  get(section: string, option: string, options: { raw?: boolean } = {}): string | undefined {
    const s = this.sections.get(section);
    if (s === undefined) return undefined;
    const key = option.toLowerCase();
    const raw = s.get(key) ?? this.defaults.get(key);
    if (raw === undefined) return undefined;
    const text = raw.lines.join('\n');
    if (options.raw === true) return text;
    const vars = new Map<string, string>([['__name__', section]]);
    for (const [k, v] of this.defaults) vars.set(k, v.lines.join('\n'));
    for (const [k, v] of s) vars.set(k, v.lines.join('\n'));
    return interpolate(text, vars, { section, option: key, line: raw.line });
  }

  /**
   * Parses INI text.
   * @throws IniError naming the first line that is neither a section, an option, a
   *   continuation nor a comment, an option before any section, or (strict) a repeat
   */
  static parse(text: string, options: ConfigParserOptions = {}): ConfigParser {
    const ini = new ConfigParser();
    let current: Section | undefined;
    let currentName = '';
    let last: RawOption | undefined;
    text.split(/\r?\n/).forEach((line, i) => {
      const lineNo = i + 1;
      if (line.trim() === '' || line[0] === '#' || line[0] === ';') return;
      if (/^[rR]/.test(line) && line.split(/\s+/, 1)[0]?.toLowerCase() === 'rem') return;
      if (/^\s/.test(line) && current !== undefined && last !== undefined) {
        const value = line.trim();
        if (value !== '') last.lines.push(value);
        return;
      }
      const header = SECTION_RE.exec(line);
      if (header !== null) {
        currentName = header[1] ?? '';
        const existing = currentName === 'DEFAULT' ? ini.defaults : ini.sections.get(currentName);
        if (existing !== undefined && options.strict === true && currentName !== 'DEFAULT') {
          throw new IniError(`section [${currentName}] appears twice`, lineNo, {
            section: currentName,
          });
        }
        current = existing ?? new Map<string, RawOption>();
        if (currentName !== 'DEFAULT') ini.sections.set(currentName, current);
        last = undefined;
        return;
      }
      if (current === undefined) {
        throw new IniError('expected a [section] header before the first option', lineNo);
      }
      const option = OPTION_RE.exec(line);
      if (option === null) throw new IniError(`cannot parse line: ${JSON.stringify(line)}`, lineNo);
      const name = (option[1] ?? '').trimEnd().toLowerCase();
      if (options.strict === true && current.has(name)) {
        throw new IniError(`option "${name}" appears twice in [${currentName}]`, lineNo, {
          section: currentName,
          option: name,
        });
      }
      let value = option[3] ?? '';
      // Compat: an inline comment is a ';' preceded by whitespace; Python 2 looks only at the first ';'.
      const semi = value.indexOf(';');
      if (semi > 0 && /\s/.test(value[semi - 1] ?? '')) value = value.slice(0, semi);
      value = value.trim();
      if (value === '""') value = '';
      last = { lines: [value], line: lineNo };
      current.set(name, last);
    });
    return ini;
  }
}

interface At {
  readonly section: string;
  readonly option: string;
  readonly line: number;
}

/** Python `value % vars` for a mapping: `%(name)s` and `%%`; anything else is an error. */
function formatPercent(value: string, vars: ReadonlyMap<string, string>, at: At): string {
  return value.replace(
    /%(?:\(([^)]*)\)(.)|(.)|$)/gs,
    (match, name: string | undefined, conv: string | undefined, other: string | undefined) => {
      if (name !== undefined) {
        const v = vars.get(name);
        if (v === undefined) {
          throw new IniError(
            `"${at.option}" refers to "%(${name})s", which is not an option of [${at.section}] or [DEFAULT]`,
            at.line,
            at,
          );
        }
        if (conv !== 's') {
          throw new IniError(
            `"${at.option}" uses "%(${name})${conv ?? ''}"; only "%(name)s" is supported`,
            at.line,
            at,
          );
        }
        return v;
      }
      if (other === '%') return '%';
      throw new IniError(
        `"${at.option}" has a bare "${match}"; write "%%" for a literal "%" once the value contains "%("`,
        at.line,
        at,
      );
    },
  );
}

function interpolate(raw: string, vars: ReadonlyMap<string, string>, at: At): string {
  // Compat: only a value containing "%(" goes through % formatting (Python 2 ConfigParser),
  // so URL-encoded passwords such as "%40" are taken literally.
  let value = raw;
  for (let depth = 0; depth < MAX_DEPTH && value.includes('%('); depth++) {
    // Names are case-insensitive, like option names.
    value = formatPercent(
      value.replace(/%\(([^)]*)\)s/g, (_m, n: string) => `%(${n.toLowerCase()})s`),
      vars,
      at,
    );
  }
  if (value.includes('%(')) {
    throw new IniError(`"${at.option}" nests "%(...)s" references too deeply`, at.line, at);
  }
  return value;
}
