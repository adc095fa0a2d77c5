/**
 * The logging model both `-l` formats compile to. It follows Python's `logging` hierarchy,
 * because that is what operators' upstream `logging.conf` files describe: named loggers with
 * a level (or NOTSET to inherit), handlers, and `propagate`; handlers with their own level.
 */
import type { LevelName } from './levels.js';
import { JSON_FORMAT, TEXT_FORMAT } from './line-format.js';
import type { LineFormat } from './line-format.js';

/** Where a handler writes. */
export type HandlerTarget =
  | { readonly kind: 'stream'; readonly fd: 1 | 2 }
  | {
      readonly kind: 'file';
      readonly path: string;
      readonly append: boolean;
      readonly watched: boolean;
    }
  | { readonly kind: 'null' };

/** One handler (Python `[handler_X]`). */
export interface HandlerSpec {
  readonly id: string;
  /** Where it is defined, for error messages (`handler_file`, `loggers.kazoo.destination`). */
  readonly section?: string;
  readonly target: HandlerTarget;
  /** `null` (NOTSET): passes every record. */
  readonly level: LevelName | null;
  /** How lines are written; JSON when absent. */
  readonly format?: LineFormat;
}

/** One configured logger (Python `[logger_X]`); the root logger has qualname `''`. */
export interface LoggerSpec {
  readonly qualname: string;
  /** `null` (NOTSET): inherit from the nearest configured ancestor. */
  readonly level: LevelName | null;
  readonly handlers: readonly string[];
  readonly propagate: boolean;
}

/** A complete logging setup. */
export interface LogConfig {
  /** File it came from, or a description such as `default`. */
  readonly source: string;
  readonly handlers: ReadonlyMap<string, HandlerSpec>;
  /** Keyed by qualname; `''` is the root logger. */
  readonly loggers: ReadonlyMap<string, LoggerSpec>;
}

/** What a logger name resolves to: its effective level and the handlers that receive it. */
export interface ResolvedLogger {
  readonly level: LevelName;
  readonly handlers: readonly HandlerSpec[];
}

/** Python's last-resort handler: warnings and worse to stderr when nothing else handles. */
export const LAST_RESORT: HandlerSpec = {
  id: '<last resort>',
  target: { kind: 'stream', fd: 2 },
  level: 'warn',
  format: TEXT_FORMAT,
};

/** `a.b.c` → `['a.b.c', 'a.b', 'a', '']`: the name and every ancestor, nearest first. */
export function ancestry(name: string): string[] {
  const out: string[] = [];
  let current = name;
  while (current !== '') {
    out.push(current);
    const dot = current.lastIndexOf('.');
    current = dot < 0 ? '' : current.slice(0, dot);
  }
  out.push('');
  return out;
}

/**
 * Resolves a logger name the way Python does: the level is the first non-NOTSET level on the
 * way up the dotted hierarchy (root defaults to WARNING); handlers are collected from the name
 * and its configured ancestors until one has `propagate` off.
 */
export function resolveLogger(config: LogConfig, name: string): ResolvedLogger {
  const chain = ancestry(name)
    .map((n) => config.loggers.get(n))
    .filter((l): l is LoggerSpec => l !== undefined);
  let level: LevelName | null = null;
  for (const l of chain) {
    if (l.level !== null) {
      level = l.level;
      break;
    }
  }
  const handlers: HandlerSpec[] = [];
  const seen = new Set<string>();
  for (const l of chain) {
    for (const id of l.handlers) {
      const h = config.handlers.get(id);
      if (h !== undefined && !seen.has(id)) {
        seen.add(id);
        handlers.push(h);
      }
    }
    if (!l.propagate) break;
  }
  return { level: level ?? 'warn', handlers: handlers.length > 0 ? handlers : [LAST_RESORT] };
}

/**
 * The config used without `-l`: everything from `level` (upstream `basicConfig`: DEBUG) up to
 * stderr, as JSON lines or in `format`.
 */
export function defaultLogConfig(
  level: LevelName = 'debug',
  format: LineFormat = JSON_FORMAT,
): LogConfig {
  const stderr: HandlerSpec = {
    id: 'stderr',
    target: { kind: 'stream', fd: 2 },
    level: null,
    format,
  };
  return {
    source: 'default',
    handlers: new Map([['stderr', stderr]]),
    loggers: new Map([['', { qualname: '', level, handlers: ['stderr'], propagate: true }]]),
  };
}
