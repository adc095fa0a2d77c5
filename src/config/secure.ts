/**
 * secure.conf: an INI file read with Python 2 `ConfigParser` semantics (interfaces §6), so
 * that an operator's existing file reads the same.
 */

/** A located problem in an INI file. */
export class IniError extends SyntaxError {
  readonly line: number;
  readonly section?: string;
  readonly option?: string;
  constructor(message: string, line: number, at: { section?: string; option?: string } = {}) {
    super(message);
    this.name = 'IniError';
    this.line = line;
    if (at.section !== undefined) this.section = at.section;
    if (at.option !== undefined) this.option = at.option;
  }
}

interface RawOption {
  readonly lines: string[];
  readonly line: number;
}

const SECTION_RE = /^\[([^\]]+)\]/;
const OPTION_RE = /^([^:=\s][^:=]*?)\s*([:=])\s*(.*)$/;
const MAX_DEPTH = 10;

/** A parsed INI file. Section names are case-sensitive, option names are not. */
export class IniFile {
  private readonly sections = new Map<string, Map<string, RawOption>>();
  private readonly defaults = new Map<string, RawOption>();

  /** Section names in file order, without DEFAULT. */
  sectionNames(): string[] {
    return [...this.sections.keys()];
  }

  /** True when the section exists (DEFAULT does not count). */
  hasSection(section: string): boolean {
    return this.sections.has(section);
  }

  /** True when the section, or DEFAULT, has the option. */
  hasOption(section: string, option: string): boolean {
    const s = this.sections.get(section);
    const key = option.toLowerCase();
    return (s?.has(key) ?? false) || this.defaults.has(key);
  }

  /** Line of an option (or 0 when absent), for messages. */
  lineOf(section: string, option: string): number {
    const key = option.toLowerCase();
    return (this.sections.get(section)?.get(key) ?? this.defaults.get(key))?.line ?? 0;
  }

  /**
   * Reads an option with `%(name)s` interpolation from the section and DEFAULT.
   * @returns undefined when the section or option is absent.
   * @throws IniError when interpolation fails.
   */
  get(section: string, option: string): string | undefined {
    const s = this.sections.get(section);
    if (s === undefined) return undefined;
    const key = option.toLowerCase();
    const raw = s.get(key) ?? this.defaults.get(key);
    if (raw === undefined) return undefined;
    const vars = new Map<string, string>([['__name__', section]]);
    for (const [k, v] of this.defaults) vars.set(k, v.lines.join('\n'));
    for (const [k, v] of s) vars.set(k, v.lines.join('\n'));
    return interpolate(raw.lines.join('\n'), vars, { section, option: key, line: raw.line });
  }

  /**
   * Parses INI text.
   * @throws IniError listing the first line that is neither a section, an option, a
   *   continuation nor a comment, or an option before any section.
   */
  static parse(text: string): IniFile {
    const ini = new IniFile();
    let current: Map<string, RawOption> | undefined;
    let last: RawOption | undefined;
    const lines = text.split(/\r?\n/);
    lines.forEach((line, i) => {
      const lineNo = i + 1;
      if (line.trim() === '' || line[0] === '#' || line[0] === ';') return;
      // Compat: Python 2 ConfigParser also treats "rem ..." lines as comments.
      if (/^[rR]/.test(line) && line.split(/\s+/, 1)[0]?.toLowerCase() === 'rem') return;
      if (/^\s/.test(line) && current !== undefined && last !== undefined) {
        const value = line.trim();
        if (value !== '') last.lines.push(value);
        return;
      }
      const section = SECTION_RE.exec(line);
      if (section !== null) {
        const name = section[1] ?? '';
        if (name === 'DEFAULT') current = ini.defaults;
        else current = ini.sections.get(name) ?? new Map<string, RawOption>();
        if (name !== 'DEFAULT') ini.sections.set(name, current);
        last = undefined;
        return;
      }
      if (current === undefined)
        throw new IniError('expected a [section] header before the first option', lineNo);
      const option = OPTION_RE.exec(line);
      if (option === null) throw new IniError(`cannot parse line: ${JSON.stringify(line)}`, lineNo);
      let value = option[3] ?? '';
      // Compat: an inline comment is a ';' preceded by whitespace; Python 2 looks only at the first ';'.
      const semi = value.indexOf(';');
      if (semi > 0 && /\s/.test(value[semi - 1] ?? '')) value = value.slice(0, semi);
      value = value.trim();
      if (value === '""') value = '';
      last = { lines: [value], line: lineNo };
      current.set((option[1] ?? '').trimEnd().toLowerCase(), last);
    });
    return ini;
  }
}

/** Python `value % vars` for a mapping: `%(name)s` and `%%`; anything else is an error. */
function formatPercent(
  value: string,
  vars: ReadonlyMap<string, string>,
  at: { section: string; option: string; line: number },
): string {
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
        if (conv !== 's')
          throw new IniError(
            `"${at.option}" uses "%(${name})${conv ?? ''}"; only "%(name)s" is supported`,
            at.line,
            at,
          );
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

function interpolate(
  raw: string,
  vars: ReadonlyMap<string, string>,
  at: { section: string; option: string; line: number },
): string {
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
  if (value.includes('%('))
    throw new IniError(`"${at.option}" nests "%(...)s" references too deeply`, at.line, at);
  return value;
}

/** The settings nodepool takes from secure.conf. */
export interface SecureConfig {
  readonly dburi?: string;
  /** `[jenkins "<target>"]` sections, by target name. */
  readonly jenkins: ReadonlyMap<
    string,
    { url?: string; user?: string; apikey?: string; credentials?: string }
  >;
}
