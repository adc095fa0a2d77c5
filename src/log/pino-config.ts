/**
 * The native `-l` format, YAML or JSON:
 *
 * ```yaml
 * level: info                                   # root level (default info)
 * destination: /var/log/nodepool/nodepool.log   # stderr (default), stdout, or a file
 * format: json                                  # json (default), text, or a Python format
 * datefmt: '%Y-%m-%d %H:%M:%S'                  # strftime codes of %(asctime)s in text
 * loggers:
 *   kazoo: warn                                 # a level alone
 *   nodepool.builder:                           # or level, destination, propagate
 *     level: debug
 *     destination: /var/log/nodepool/builder.log
 *     propagate: false
 * ```
 *
 * Files are reopened when moved away (like Python's WatchedFileHandler), so logrotate works
 * without a signal.
 */
import { parse as parseYaml } from 'yaml';
import { logConfigError } from './errors.js';
import { LEVEL_HELP, parseLevel } from './levels.js';
import type { LevelName } from './levels.js';
import type { HandlerSpec, HandlerTarget, LogConfig, LoggerSpec } from './log-config.js';
import {
  compileLineFormat,
  DEFAULT_TEXT_FORMAT,
  JSON_FORMAT,
  LineFormatError,
} from './line-format.js';
import type { LineFormat } from './line-format.js';

const TOP_KEYS = ['level', 'destination', 'format', 'datefmt', 'loggers'];
const LOGGER_KEYS = ['level', 'destination', 'propagate'];

/** Parses and compiles the YAML/JSON logging config. @throws NodepoolError ERR_CONFIG_INVALID (logConfigError) */
export function parsePinoLogConfig(text: string, file: string): LogConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw logConfigError(
      file,
      `invalid YAML/JSON: ${err instanceof Error ? err.message : String(err)}`,
      {},
      { cause: err },
    );
  }
  const fail = (path: string, problem: string): never => {
    throw logConfigError(file, problem, path === '' ? {} : { key: path });
  };
  if (doc === null || doc === undefined) doc = {};
  if (!isRecord(doc)) return fail('', 'expected a mapping');
  checkKeys(doc, TOP_KEYS, '', fail);

  const format = lineFormat(doc.format, doc.datefmt, fail);
  const handlers = new Map<string, HandlerSpec>();
  const handlerFor = (dest: unknown, path: string): string => {
    const target = destination(dest, path, fail);
    const id =
      target.kind === 'file'
        ? `file:${target.path}`
        : target.kind === 'stream'
          ? `fd:${target.fd}`
          : 'null';
    if (!handlers.has(id)) handlers.set(id, { id, section: path, target, level: null, format });
    return id;
  };

  const loggers = new Map<string, LoggerSpec>();
  loggers.set('', {
    qualname: '',
    level: level(doc.level, 'level', fail) ?? 'info',
    handlers: [handlerFor(doc.destination ?? 'stderr', 'destination')],
    propagate: true,
  });
  const entries = doc.loggers ?? {};
  if (!isRecord(entries))
    return fail('loggers', 'expected a mapping of logger name to level or settings');
  for (const [name, value] of Object.entries(entries)) {
    const path = `loggers.${name}`;
    if (name === '') fail(path, 'logger name must not be empty');
    if (typeof value === 'string') {
      loggers.set(name, {
        qualname: name,
        level: level(value, path, fail) ?? null,
        handlers: [],
        propagate: true,
      });
      continue;
    }
    if (!isRecord(value))
      return fail(path, 'expected a level or a mapping with level, destination, propagate');
    checkKeys(value, LOGGER_KEYS, path, fail);
    if (value.propagate !== undefined && typeof value.propagate !== 'boolean') {
      fail(
        `${path}.propagate`,
        `expected true or false: current value is ${JSON.stringify(value.propagate)}`,
      );
    }
    loggers.set(name, {
      qualname: name,
      level: level(value.level, `${path}.level`, fail) ?? null,
      handlers:
        value.destination === undefined
          ? []
          : [handlerFor(value.destination, `${path}.destination`)],
      propagate: value.propagate !== false,
    });
  }
  return { source: file, handlers, loggers };
}

/** `format:` (json, text or a Python `%(field)s` format) and `datefmt:` of every handler. */
function lineFormat(
  format: unknown,
  datefmt: unknown,
  fail: (p: string, m: string) => never,
): LineFormat {
  if (datefmt !== undefined && typeof datefmt !== 'string')
    fail('datefmt', `expected strftime codes: current value is ${JSON.stringify(datefmt)}`);
  if (format === undefined || format === 'json') {
    if (datefmt !== undefined) fail('datefmt', 'applies to text lines only: set format too');
    return JSON_FORMAT;
  }
  if (typeof format !== 'string' || format.trim() === '')
    return fail(
      'format',
      `expected json, text or a format such as "${DEFAULT_TEXT_FORMAT}": current value is ${JSON.stringify(format)}`,
    );
  const result: LineFormat = {
    kind: 'text',
    format: format === 'text' ? DEFAULT_TEXT_FORMAT : format,
    ...(typeof datefmt === 'string' && datefmt !== '' ? { datefmt } : {}),
  };
  try {
    compileLineFormat(result);
  } catch (err) {
    if (err instanceof LineFormatError) return fail('format', err.message);
    throw err;
  }
  return result;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(
  obj: Record<string, unknown>,
  allowed: string[],
  path: string,
  fail: (p: string, m: string) => never,
): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k))
      fail(path, `unknown key "${k}": expected one of ${allowed.join(', ')}`);
  }
}

function level(
  v: unknown,
  path: string,
  fail: (p: string, m: string) => never,
): LevelName | null | undefined {
  if (v === undefined) return undefined;
  const parsed = typeof v === 'string' ? parseLevel(v) : undefined;
  if (parsed === undefined)
    return fail(
      path,
      `unknown level ${JSON.stringify(v) ?? 'undefined'}: expected one of ${LEVEL_HELP}`,
    );
  return parsed;
}

function destination(
  v: unknown,
  path: string,
  fail: (p: string, m: string) => never,
): HandlerTarget {
  if (typeof v !== 'string' || v.trim() === '')
    return fail(
      path,
      `expected stdout, stderr or a file path: current value is ${JSON.stringify(v) ?? 'undefined'}`,
    );
  if (v === 'stderr') return { kind: 'stream', fd: 2 };
  if (v === 'stdout') return { kind: 'stream', fd: 1 };
  if (v === 'null' || v === '/dev/null') return { kind: 'null' };
  return { kind: 'file', path: v, append: true, watched: true };
}
