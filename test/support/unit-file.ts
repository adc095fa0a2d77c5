/**
 * A tiny reader of systemd unit files, enough to check the units in `etc/systemd/`: sections,
 * `Key=Value` lines (a key may repeat), comments and backslash continuations. Not a full
 * implementation of systemd.syntax(7): no specifiers, no quoting rules beyond what
 * {@link splitCommandLine} does for `ExecStart=`.
 */

/** A parsed unit file: section name → key → every value given, in order. */
export type UnitFile = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

/**
 * Parses unit file text.
 * @throws SyntaxError naming the line when a line is neither a section, an assignment nor a comment
 */
export function parseUnitFile(text: string): UnitFile {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    const lineNo = i + 1;
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      line = line.slice(0, -1) + ' ' + lines[++i]!.trim();
    }
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header !== null) {
      current = new Map();
      sections.set(header[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0)
      throw new SyntaxError(
        `Cannot parse unit file line ${lineNo}: expected Key=Value: current value is "${line}"`,
      );
    if (current === undefined)
      throw new SyntaxError(
        `Cannot parse unit file line ${lineNo}: assignment before any [Section]`,
      );
    const key = line.slice(0, eq).trim();
    const values = current.get(key) ?? [];
    values.push(line.slice(eq + 1).trim());
    current.set(key, values);
  }
  return sections;
}

/** The last value of `section`/`key` (systemd's rule for single-valued keys), if any. */
export function unitValue(unit: UnitFile, section: string, key: string): string | undefined {
  const values = unit.get(section)?.get(key);
  return values === undefined ? undefined : values[values.length - 1];
}

/** Splits an `ExecStart=` command line on whitespace, honouring simple double and single quotes. */
export function splitCommandLine(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/**
 * A systemd time span (`TimeoutStopSec=`) in milliseconds: a bare number is seconds;
 * units `ms`, `s`, `min`, `h` may be combined (`1min 30s`).
 * @throws SyntaxError when the value is not a time span
 */
export function parseTimeSpanMs(text: string): number {
  const units: Record<string, number> = {
    ms: 1,
    s: 1000,
    sec: 1000,
    m: 60_000,
    min: 60_000,
    h: 3_600_000,
  };
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  let total = 0;
  let rest = trimmed;
  while (rest !== '') {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|sec|s|min|m|h)\s*/.exec(rest);
    if (m === null) throw new SyntaxError(`Cannot parse time span "${text}"`);
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}
