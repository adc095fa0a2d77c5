/**
 * Compiles a Python `logging.config.fileConfig` file (upstream's `-l` format, e.g. upstream
 * `tools/logging.conf`) into a {@link LogConfig}. Levels, qualnames, propagate and the
 * stream, file, watched-file and null handlers are honoured, and so are formatters:
 * `format=` and `datefmt=` lay out text lines as Python would, and a JSON formatter class
 * (`pythonjsonlogger.jsonlogger.JsonFormatter`, `nodepool.JsonFormatter`) keeps pino's JSON
 * lines. Anything else is rejected with the section and key named.
 */
import type { IniFile } from './ini.js';
import { parseIni } from './ini.js';
import { logConfigError } from './errors.js';
import { LEVEL_HELP, parseLevel } from './levels.js';
import type { LevelName } from './levels.js';
import type { HandlerSpec, HandlerTarget, LogConfig, LoggerSpec } from './log-config.js';
import { compileLineFormat, JSON_FORMAT, LineFormatError } from './line-format.js';
import type { LineFormat } from './line-format.js';
import { parsePyArgs, PyArgsSyntaxError } from './python-args.js';
import type { PyArg } from './python-args.js';

const LOGGER_KEYS = ['level', 'handlers', 'qualname', 'propagate'];
const HANDLER_KEYS = ['class', 'level', 'formatter', 'args', 'kwargs'];
const FORMATTER_KEYS = ['format', 'datefmt', 'style', 'class', 'validate', 'defaults'];

type HandlerKind = 'stream' | 'file' | 'watched' | 'null';

/** Handler classes as fileConfig resolves them (relative to the `logging` module or absolute). */
const HANDLER_CLASSES: Readonly<Record<string, HandlerKind>> = {
  StreamHandler: 'stream',
  FileHandler: 'file',
  NullHandler: 'null',
  'handlers.WatchedFileHandler': 'watched',
  WatchedFileHandler: 'watched',
};

/** Formatter classes: Python's own lays out text; the JSON ones keep pino's lines. */
const FORMATTER_CLASSES: Readonly<Record<string, 'text' | 'json'>> = {
  'logging.Formatter': 'text',
  Formatter: 'text',
  'pythonjsonlogger.jsonlogger.JsonFormatter': 'json',
  'pythonjsonlogger.json.JsonFormatter': 'json',
  'nodepool.JsonFormatter': 'json',
};

/** Python's Formatter without `format=`: the message alone. */
const PYTHON_BARE_FORMAT: LineFormat = { kind: 'text', format: '%(message)s' };

function handlerKind(cls: string): HandlerKind | undefined {
  const name = cls.trim().replace(/^logging\./, '');
  return HANDLER_CLASSES[name];
}

function keyList(ini: IniFile, section: string): string[] {
  return (ini.get(section, 'keys') ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
}

/** Parses and compiles a logging.conf text. @throws NodepoolError ERR_CONFIG_INVALID (logConfigError) */
export function parsePythonLoggingConf(text: string, file: string): LogConfig {
  return compile(parseIni(text, file));
}

function compile(ini: IniFile): LogConfig {
  const fail = (problem: string, section?: string, key?: string): never => {
    throw logConfigError(ini.file, problem, {
      ...(section !== undefined ? { section } : {}),
      ...(key !== undefined ? { key } : {}),
      ...(section !== undefined && key !== undefined && ini.line(section, key) !== undefined
        ? { line: ini.line(section, key) }
        : {}),
    });
  };
  const checkKeys = (section: string, allowed: string[]): void => {
    if (!ini.has(section)) fail('section is missing', section);
    for (const k of ini.keys(section)) {
      if (!allowed.includes(k))
        fail(`unsupported key: expected one of ${allowed.join(', ')}`, section, k);
    }
  };
  const level = (section: string): LevelName | null | undefined => {
    const text = ini.get(section, 'level');
    if (text === undefined) return undefined;
    const parsed = parseLevel(text);
    if (parsed === undefined)
      fail(`unknown level "${text}": expected one of ${LEVEL_HELP}`, section, 'level');
    return parsed;
  };

  const formatters = new Map<string, LineFormat>();
  for (const f of ini.has('formatters') ? keyList(ini, 'formatters') : []) {
    checkKeys(`formatter_${f}`, FORMATTER_KEYS);
    formatters.set(f, formatterOf(ini, `formatter_${f}`, fail));
  }

  const handlers = new Map<string, HandlerSpec>();
  for (const id of ini.has('handlers') ? keyList(ini, 'handlers') : []) {
    const section = `handler_${id}`;
    checkKeys(section, HANDLER_KEYS);
    const formatter = ini.get(section, 'formatter')?.trim();
    if (formatter !== undefined && formatter !== '' && !formatters.has(formatter)) {
      fail(`formatter "${formatter}" is not listed in [formatters] keys`, section, 'formatter');
    }
    const kwargs = ini.get(section, 'kwargs');
    if (kwargs !== undefined && kwargs.trim() !== '{}')
      fail('kwargs is not supported: pass the arguments in args', section, 'kwargs');
    handlers.set(id, {
      id,
      section,
      target: handlerTarget(ini, section, fail),
      level: level(section) ?? null,
      format:
        formatter === undefined || formatter === ''
          ? PYTHON_BARE_FORMAT
          : (formatters.get(formatter) ?? PYTHON_BARE_FORMAT),
    });
  }

  const loggerKeys = keyList(ini, 'loggers');
  if (!ini.has('loggers')) fail('section is missing', 'loggers');
  if (!loggerKeys.includes('root')) fail('keys must include "root"', 'loggers', 'keys');
  const loggers = new Map<string, LoggerSpec>();
  for (const key of loggerKeys) {
    const section = `logger_${key}`;
    checkKeys(section, LOGGER_KEYS);
    const isRoot = key === 'root';
    const qualname = isRoot ? '' : ini.get(section, 'qualname')?.trim();
    if (qualname === undefined || (!isRoot && qualname === ''))
      fail('qualname is required', section, 'qualname');
    const hl = (ini.get(section, 'handlers') ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter((h) => h !== '');
    for (const h of hl) {
      if (!handlers.has(h))
        fail(`handler "${h}" is not listed in [handlers] keys`, section, 'handlers');
    }
    const propagateText = ini.get(section, 'propagate')?.trim() ?? '1';
    if (!/^-?\d+$/.test(propagateText))
      fail(
        `expected an integer (0 or 1): current value is "${propagateText}"`,
        section,
        'propagate',
      );
    let lv = level(section);
    // Compat: Python's root logger starts at WARNING; an explicit NOTSET on root passes everything.
    if (isRoot) lv = lv === undefined ? 'warn' : (lv ?? 'trace');
    loggers.set(qualname as string, {
      qualname: qualname as string,
      level: lv ?? null,
      handlers: hl,
      propagate: Number(propagateText) !== 0,
    });
  }
  return { source: ini.file, handlers, loggers };
}

/** A `[formatter_X]` section: its class, `format=` (`%` style) and `datefmt=`. */
function formatterOf(
  ini: IniFile,
  section: string,
  fail: (p: string, s?: string, k?: string) => never,
): LineFormat {
  const cls = ini.get(section, 'class')?.trim() ?? '';
  const kind = cls === '' ? 'text' : FORMATTER_CLASSES[cls];
  if (kind === undefined) {
    return fail(
      `formatter class "${cls}" is not supported: use logging.Formatter (text) or pythonjsonlogger.jsonlogger.JsonFormatter (JSON lines)`,
      section,
      'class',
    );
  }
  if (kind === 'json') return JSON_FORMAT;
  const style = ini.get(section, 'style')?.trim() ?? '%';
  if (style !== '%' && style !== '')
    fail(`style "${style}" is not supported: use %(name)s fields (style=%)`, section, 'style');
  // Compat: fileConfig reads both raw (no interpolation), and an empty datefmt is the default.
  const datefmt = ini.get(section, 'datefmt', { raw: true }) ?? '';
  const format: LineFormat = {
    kind: 'text',
    format: ini.get(section, 'format', { raw: true }) ?? '%(message)s',
    ...(datefmt.trim() !== '' ? { datefmt } : {}),
  };
  try {
    compileLineFormat(format);
  } catch (err) {
    if (err instanceof LineFormatError) return fail(err.message, section, 'format');
    throw err;
  }
  return format;
}

function handlerTarget(
  ini: IniFile,
  section: string,
  fail: (p: string, s?: string, k?: string) => never,
): HandlerTarget {
  const cls = ini.get(section, 'class');
  if (cls === undefined) return fail('class is required', section, 'class');
  const kind = handlerKind(cls);
  if (kind === undefined) {
    return fail(
      `handler class "${cls.trim()}" is not supported: use StreamHandler, FileHandler, handlers.WatchedFileHandler or NullHandler`,
      section,
      'class',
    );
  }
  let args: PyArg[];
  try {
    args = parsePyArgs(ini.get(section, 'args') ?? '()');
  } catch (err) {
    if (err instanceof PyArgsSyntaxError)
      return fail(`cannot read the arguments: ${err.message}`, section, 'args');
    throw err;
  }
  const argError = (what: string): never => fail(`${cls.trim()} ${what}`, section, 'args');
  switch (kind) {
    case 'null':
      if (args.length > 0) argError('takes no arguments');
      return { kind: 'null' };
    case 'stream': {
      const [stream, ...rest] = args;
      if (rest.length > 0) argError('takes one argument, sys.stdout or sys.stderr');
      if (stream === undefined || (stream.kind === 'name' && stream.value === 'sys.stderr'))
        return { kind: 'stream', fd: 2 };
      if (stream.kind === 'name' && stream.value === 'sys.stdout') return { kind: 'stream', fd: 1 };
      return argError(
        `stream must be sys.stdout or sys.stderr: current value is "${String(stream.value)}"`,
      );
    }
    case 'file':
    case 'watched':
      return fileTarget(args, kind === 'watched', argError);
  }
}

function fileTarget(
  args: PyArg[],
  watched: boolean,
  argError: (what: string) => never,
): HandlerTarget {
  const [filename, mode, encoding, delay, ...rest] = args;
  if (filename?.kind !== 'str' || filename.value === '')
    return argError('needs a file name as its first argument');
  if (rest.length > 0) argError('takes at most 4 arguments (filename, mode, encoding, delay)');
  const modeText = mode === undefined ? 'a' : mode.kind === 'str' ? mode.value : '';
  if (modeText !== 'a' && modeText !== 'w')
    return argError(`mode must be 'a' or 'w': current value is "${String(mode?.value)}"`);
  if (
    encoding !== undefined &&
    !(encoding.kind === 'name' && encoding.value === 'None') &&
    !(encoding.kind === 'str' && /^utf-?8$/i.test(encoding.value))
  ) {
    argError(`encoding must be None or 'utf-8': current value is "${String(encoding.value)}"`);
  }
  if (
    delay !== undefined &&
    !(delay.kind === 'name' && /^(True|False)$/.test(delay.value)) &&
    delay.kind !== 'num'
  ) {
    argError(`delay must be True or False: current value is "${String(delay.value)}"`);
  }
  return { kind: 'file', path: filename.value, append: modeText === 'a', watched };
}
