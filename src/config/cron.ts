/**
 * Cron strings in upstream's form, converted for `cron-parser`.
 *
 * Upstream splits the string on whitespace: minute, hour, day of month, month, day of week,
 * and an optional sixth field, seconds, LAST; the fields go to an APScheduler CronTrigger.
 * `cron-parser` wants seconds FIRST. APScheduler also numbers weekdays from Monday = 0,
 * while cron numbers them from Sunday = 0, so numeric weekdays are rewritten too.
 */
import { createRequire } from 'node:module';
import type * as CronParserModule from 'cron-parser';
import { CRON } from './schema.js';
import type { CompiledCron } from './types.js';

type CronParser = typeof CronParserModule.CronExpressionParser;

/**
 * cron-parser (and luxon under it) is loaded on the first schedule that needs checking:
 * a CLI verb over a config that keeps the default schedules never pays for it.
 */
let parser: CronParser | undefined;
function cronParser(): CronParser {
  parser ??= (createRequire(import.meta.url)('cron-parser') as typeof CronParserModule)
    .CronExpressionParser;
  return parser;
}

/**
 * Schedules already checked, and what was wrong with each (undefined: valid). Seeded with
 * the schema's defaults, which the cron unit tests check against cron-parser itself.
 */
const checked = new Map<string, string | undefined>(
  defaultCronSpecs().map((spec) => [spec, undefined]),
);

/** The schema's default schedules (checked against cron-parser by the unit tests). */
export function defaultCronSpecs(): string[] {
  return Object.values(CRON.fields).flatMap((f) =>
    'default' in f && typeof f.default === 'string' ? [f.default] : [],
  );
}

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function apsDay(text: string): number {
  const lower = text.toLowerCase();
  const byName = DAY_NAMES.indexOf(lower);
  if (byName >= 0) return byName;
  if (/^[0-6]$/.test(lower)) return Number(lower);
  throw new RangeError(`day of week "${text}" is not 0-6 (Monday = 0) or mon-sun`);
}

/**
 * Converts an APScheduler day-of-week expression (0 = Monday) to a cron-parser one
 * (0/7 = Sunday) by expanding it to the days it selects.
 */
export function convertDayOfWeek(expr: string): string {
  const days = new Set<number>();
  for (const item of expr.split(',')) {
    const m = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/i.exec(item);
    if (m === null) throw new RangeError(`day of week "${item}" is not supported`);
    const [, range = '', stepText] = m;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw new RangeError(`day of week step "${item}" must be at least 1`);
    let first = 0;
    let last = 6;
    if (range !== '*') {
      const [a = '', b] = range.split('-');
      first = apsDay(a);
      last = b === undefined ? (stepText === undefined ? first : 6) : apsDay(b);
      if (first > last)
        throw new RangeError(`day of week range "${range}" runs backwards (Monday = 0)`);
    }
    for (let d = first; d <= last; d += step) days.add(d);
  }
  if (days.size === 7) return '*';
  // Monday = 0 becomes 1 ... Sunday = 6 becomes 7; cron-parser reads 7 as Sunday.
  return [...days]
    .sort((x, y) => x - y)
    .map((d) => String(d + 1))
    .join(',');
}

function convertDay(expr: string): string {
  if (/^last$/i.test(expr)) return 'L';
  if (/(?:st|nd|rd|th|last)\s/i.test(expr) || /^last/i.test(expr)) {
    throw new RangeError(`day "${expr}" (APScheduler "nth weekday" form) is not supported`);
  }
  return expr;
}

/**
 * Converts an upstream cron string to cron-parser's six-field form.
 * @throws RangeError when it does not have 5 or 6 fields or a field cannot be converted.
 */
export function toParserSpec(spec: string): string {
  const parts = spec
    .trim()
    .split(/\s+/)
    .filter((p) => p !== '');
  if (parts.length < 5 || parts.length > 6) {
    throw new RangeError(
      `expected 5 fields (minute hour day month day-of-week) and an optional 6th (seconds), got ${parts.length}`,
    );
  }
  const [minute, hour, day = '', month, dow = '', second = '0'] = parts;
  return [second, minute, hour, convertDay(day), month, convertDayOfWeek(dow)].join(' ');
}

/**
 * Checks an upstream cron string; returns what is wrong, or undefined when it is valid.
 */
export function cronProblem(spec: string): string | undefined {
  if (checked.has(spec)) return checked.get(spec);
  let problem: string | undefined;
  try {
    cronParser().parse(toParserSpec(spec), { tz: 'UTC' });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    problem = `not a valid cron schedule "${spec}": ${reason}`;
  }
  checked.set(spec, problem);
  return problem;
}

/**
 * Compiles an upstream cron string into both forms.
 * @throws RangeError when the string is not a valid schedule.
 */
export function compileCron(spec: string): CompiledCron {
  const problem = cronProblem(spec);
  if (problem !== undefined) throw new RangeError(problem);
  return { spec, parserSpec: toParserSpec(spec) };
}
