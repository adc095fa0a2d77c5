/**
 * `min-ready-schedule` on a label (beyond 0.4.0): standard five-field cron periods read in
 * an IANA time zone. Checks for the validator, and the rule that picks a label's effective
 * `min-ready` at a given instant: the first period whose cron matches the current minute,
 * else the label's own `min-ready`.
 *
 * Unlike the `cron:` section (upstream's APScheduler form, Monday = 0), these are plain cron
 * strings as crontab(5) reads them: Sunday is 0 (or 7), Saturday 6.
 */
import { createRequire } from 'node:module';
import type * as CronParserModule from 'cron-parser';
import type { CompiledLabel, CompiledSchedule } from './types.js';

type CronExpression = CronParserModule.CronExpression;
type CronParser = typeof CronParserModule.CronExpressionParser;

let parser: CronParser | undefined;
function cronParser(): CronParser {
  parser ??= (createRequire(import.meta.url)('cron-parser') as typeof CronParserModule)
    .CronExpressionParser;
  return parser;
}

/** What is wrong with an IANA time zone name, or undefined when the runtime knows it. */
export function timezoneProblem(zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return `unknown time zone "${zone}"; expected an IANA name such as "UTC" or "Europe/Berlin"`;
  }
}

/** Parsed expressions by `zone\0spec`; a config reload reuses them. */
const parsed = new Map<string, CronExpression>();

function expression(spec: string, zone: string): CronExpression {
  const key = `${zone}\0${spec}`;
  let expr = parsed.get(key);
  if (expr === undefined) {
    expr = cronParser().parse(`0 ${spec.trim()}`, { tz: zone, strict: false });
    parsed.set(key, expr);
  }
  return expr;
}

/** What is wrong with a five-field cron string, or undefined when it is valid. */
export function scheduleCronProblem(spec: string): string | undefined {
  const fields = spec
    .trim()
    .split(/\s+/)
    .filter((f) => f !== '');
  if (fields.length !== 5) {
    return `not a valid cron schedule "${spec}": expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  }
  try {
    expression(spec, 'UTC');
    return undefined;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return `not a valid cron schedule "${spec}": ${reason}`;
  }
}

/** A label's effective `min-ready` and where it came from. */
export interface EffectiveMinReady {
  readonly minReady: number;
  /** Index of the period that set it, or null when the label's own `min-ready` applies. */
  readonly period: number | null;
  /** That period's cron string. */
  readonly cron?: string;
  /** The schedule's time zone, when the label has a schedule. */
  readonly timezone?: string;
}

/** Whether `spec` matches the minute holding `atMs`, read in `zone`. */
export function cronMatchesMinute(spec: string, zone: string, atMs: number): boolean {
  const minute = Math.floor(atMs / 60_000) * 60_000;
  return expression(spec, zone).includesDate(new Date(minute));
}

/** The first matching period of a schedule, or null. */
export function matchingPeriod(schedule: CompiledSchedule, atMs: number): number | null {
  for (let i = 0; i < schedule.periods.length; i++) {
    const p = schedule.periods[i];
    if (p !== undefined && cronMatchesMinute(p.cron, schedule.timezone, atMs)) return i;
  }
  return null;
}

/** The label's `min-ready` at instant `atMs` (epoch ms): its schedule's first match, else its own. */
export function effectiveMinReady(
  label: Pick<CompiledLabel, 'minReady' | 'minReadySchedule'>,
  atMs: number,
): EffectiveMinReady {
  const schedule = label.minReadySchedule;
  if (schedule === undefined) return { minReady: label.minReady, period: null };
  const i = matchingPeriod(schedule, atMs);
  const period = i === null ? undefined : schedule.periods[i];
  if (i === null || period === undefined)
    return { minReady: label.minReady, period: null, timezone: schedule.timezone };
  return { minReady: period.minReady, period: i, cron: period.cron, timezone: schedule.timezone };
}
