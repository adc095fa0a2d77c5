/**
 * The text tables nodepool prints (CLI verbs and status web app alike): PrettyTable 0.7's
 * default style (every column left-aligned, `None` for nulls) and upstream's `DD:HH:MM:SS` ages.
 */
import { pyStr } from '../compat/index.js';
import type { PyScalar } from '../compat/index.js';

/** A table cell, printed as Python's `str()` would print it. */
export type Cell = PyScalar;

/**
 * Renders a PrettyTable-style table; an empty table still prints its header frame.
 * Column widths are counted in UTF-16 code units, as `String.length` does.
 *
 * Built for big listings (`nodepool list` of 10,000 nodes), which run once per process,
 * before the JIT has warmed up: one pass turns the cells into text and measures the
 * columns, then each line is one `map` + `join` (builtins, fast even in cold code).
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
): string {
  const columns = headers.length;
  const widths = headers.map((h) => h.length);
  const texts = rows.map((row) => {
    const cells = new Array<string>(columns);
    for (let i = 0; i < columns; i++) {
      const text = pyStr(row[i]);
      cells[i] = text;
      if (text.length > (widths[i] ?? 0)) widths[i] = text.length;
    }
    return cells;
  });
  const pad = (text: string, i: number): string => text.padEnd(widths[i] ?? 0);
  const line = (cells: readonly string[]): string => '| ' + cells.map(pad).join(' | ') + ' |';
  const rule = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const body = texts.length === 0 ? '' : texts.map(line).join('\n') + '\n';
  return rule + '\n' + line(headers) + '\n' + rule + '\n' + body + rule;
}

/**
 * Formats the time since `stateTime` (Unix seconds) as `DD:HH:MM:SS`, each field truncated
 * and zero-padded; days may grow past two digits. A future time prints as zero.
 */
export function formatAge(
  stateTime: number | null | undefined,
  nowMs: number = Date.now(),
): string {
  if (stateTime === null || stateTime === undefined) return 'None';
  let secs = Math.max(0, Math.floor(nowMs / 1000 - stateTime));
  const d = Math.floor(secs / 86400);
  secs -= d * 86400;
  const h = Math.floor(secs / 3600);
  secs -= h * 3600;
  const m = Math.floor(secs / 60);
  const s = secs - m * 60;
  return `${twoDigits(d)}:${twoDigits(h)}:${twoDigits(m)}:${twoDigits(s)}`;
}

/** `n` (a non-negative integer) zero-padded to at least two digits. */
function twoDigits(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
