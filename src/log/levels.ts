import type { Level } from 'pino';

/** A pino level, or `silent` to drop everything. */
export type LevelName = Level | 'silent';

/** Python level names (case-insensitive) and the pino level each maps to; NOTSET is `null`. */
const PYTHON_LEVELS: Readonly<Record<string, LevelName | null>> = {
  CRITICAL: 'fatal',
  FATAL: 'fatal',
  ERROR: 'error',
  WARNING: 'warn',
  WARN: 'warn',
  INFO: 'info',
  DEBUG: 'debug',
  NOTSET: null,
};

const PINO_LEVELS: readonly LevelName[] = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
  'silent',
];

/** Numeric values of the pino levels, for comparisons. */
export const LEVEL_VALUES: Readonly<Record<LevelName, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
};

/**
 * Parses a level written either the Python way (`DEBUG`, `WARNING`, `NOTSET`) or the pino way
 * (`debug`, `warn`, `trace`). Returns `null` for NOTSET and `undefined` when unknown.
 */
export function parseLevel(text: string): LevelName | null | undefined {
  const trimmed = text.trim();
  const upper = trimmed.toUpperCase();
  if (upper in PYTHON_LEVELS) return PYTHON_LEVELS[upper];
  const lower = trimmed.toLowerCase() as LevelName;
  return PINO_LEVELS.includes(lower) ? lower : undefined;
}

/** The accepted level names, for error messages. */
export const LEVEL_HELP =
  'DEBUG, INFO, WARNING, ERROR, CRITICAL, NOTSET (or pino trace/debug/info/warn/error/fatal/silent)';
