/**
 * How a handler writes a record: pino's JSON line, or a text line laid out by a Python
 * `logging.Formatter` format string (`%(asctime)s %(levelname)s %(name)s: %(message)s`),
 * with `datefmt` as Python's `time.strftime` codes.
 *
 * Records reach a handler as the JSON line pino serialised; a text handler reads it back and
 * lays it out. The record fields Python has and a Node process does not (thread ids, source
 * file and line) are filled with fixed stand-ins, listed in {@link FIELD_NAMES}.
 */
import { strftime } from './strftime.js';

/** A handler's output: JSON lines, or text from a Python format string. */
export type LineFormat =
  | { readonly kind: 'json' }
  | { readonly kind: 'text'; readonly format: string; readonly datefmt?: string };

/** The text format of the Python nodepool's sample logging.conf, and ours by default. */
export const DEFAULT_TEXT_FORMAT = '%(asctime)s %(levelname)s %(name)s: %(message)s';

export const JSON_FORMAT: LineFormat = { kind: 'json' };
export const TEXT_FORMAT: LineFormat = { kind: 'text', format: DEFAULT_TEXT_FORMAT };

/** pino level numbers → Python level names. */
const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARNING',
  50: 'ERROR',
  60: 'CRITICAL',
};
const PYTHON_LEVEL_NUMBERS: Readonly<Record<number, number>> = {
  10: 5,
  20: 10,
  30: 20,
  40: 30,
  50: 40,
  60: 50,
};

const STARTED_AT = Date.now();

/** Every `%(field)` a format may use. */
export const FIELD_NAMES = [
  'asctime',
  'created',
  'msecs',
  'relativeCreated',
  'levelname',
  'levelno',
  'name',
  'message',
  'process',
  'processName',
  'thread',
  'threadName',
  'hostname',
  'module',
  'filename',
  'pathname',
  'funcName',
  'lineno',
] as const;
type FieldName = (typeof FIELD_NAMES)[number];

/** A format string `format=` cannot be used: the reason names the field or offset. */
export class LineFormatError extends SyntaxError {}

interface Pending {
  readonly time: number;
  readonly record: Record<string, unknown>;
  readonly datefmt: string | undefined;
}

type Piece = string | ((p: Pending) => string);

const SPEC = /%(?:%|\((\w+)\)([#0\- +]*)(\d+)?(?:\.(\d+))?([diouxXeEfFgGrsa]))/g;

/**
 * Compiles a format into a function from a pino JSON line to an output line.
 * @throws LineFormatError for an unknown `%(field)` or a conversion Python would reject
 */
export function compileLineFormat(format: LineFormat): (jsonLine: string) => string {
  if (format.kind === 'json') return (line) => line;
  const pieces = parseFormat(format.format);
  const datefmt = format.datefmt === '' ? undefined : format.datefmt;
  return (line) => {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return line;
    }
    const time = typeof record.time === 'string' ? Date.parse(record.time) : Number(record.time);
    const p: Pending = { time: Number.isFinite(time) ? time : Date.now(), record, datefmt };
    let out = '';
    for (const piece of pieces) out += typeof piece === 'string' ? piece : piece(p);
    return out + errorSuffix(record) + '\n';
  };
}

function parseFormat(format: string): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  const literal = (from: number, to: number): void => {
    if (to <= from) return;
    const text = format.slice(from, to);
    const at = text.indexOf('%');
    if (at >= 0) {
      throw new LineFormatError(
        `cannot read the conversion at offset ${from + at} ("${format.slice(from + at, from + at + 12)}"): expected %(field)s or %%`,
      );
    }
    pieces.push(text);
  };
  for (const m of format.matchAll(SPEC)) {
    literal(last, m.index);
    last = m.index + m[0].length;
    if (m[0] === '%%') {
      pieces.push('%');
      continue;
    }
    const [, field = '', flags = '', width, precision, conversion = 's'] = m;
    if (!(FIELD_NAMES as readonly string[]).includes(field)) {
      throw new LineFormatError(
        `unknown field "%(${field})" at offset ${m.index}: expected one of ${FIELD_NAMES.join(', ')}`,
      );
    }
    const get = FIELDS[field as FieldName];
    const conv = converter(conversion, flags, precision);
    const w = width === undefined ? 0 : Number(width);
    const left = flags.includes('-');
    const zero = flags.includes('0') && !left && !'sra'.includes(conversion);
    pieces.push((p) => pad(conv(get(p)), w, left, zero));
  }
  literal(last, format.length);
  return pieces;
}

function pad(text: string, width: number, left: boolean, zero: boolean): string {
  if (text.length >= width) return text;
  if (left) return text.padEnd(width);
  if (zero) {
    const sign = /^[-+ ]/.test(text) ? text.slice(0, 1) : '';
    return sign + text.slice(sign.length).padStart(width - sign.length, '0');
  }
  return text.padStart(width);
}

function converter(
  conversion: string,
  flags: string,
  precision: string | undefined,
): (v: unknown) => string {
  const sign = (n: number, s: string): string =>
    n >= 0 && flags.includes('+') ? '+' + s : n >= 0 && flags.includes(' ') ? ' ' + s : s;
  const prec = precision === undefined ? undefined : Number(precision);
  switch (conversion) {
    case 's':
    case 'r':
    case 'a':
      return (v) => {
        const s = conversion === 's' ? String(v) : `'${String(v)}'`;
        return prec === undefined ? s : s.slice(0, prec);
      };
    case 'd':
    case 'i':
    case 'u':
      return (v) => {
        const n = Math.trunc(Number(v));
        return sign(n, String(n));
      };
    case 'o':
    case 'x':
    case 'X':
      return (v) => {
        const n = Math.trunc(Number(v));
        const s = n.toString(conversion === 'o' ? 8 : 16);
        return sign(n, conversion === 'X' ? s.toUpperCase() : s);
      };
    case 'e':
    case 'E':
      return (v) => {
        const n = Number(v);
        const s = n.toExponential(prec ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
        return sign(n, conversion === 'E' ? s.toUpperCase() : s);
      };
    case 'g':
    case 'G':
      return (v) => {
        const n = Number(v);
        return sign(n, String(Number(n.toPrecision(prec === 0 ? 1 : (prec ?? 6)))));
      };
    default:
      return (v) => {
        const n = Number(v);
        return sign(n, n.toFixed(prec ?? 6));
      };
  }
}

/** Python's default asctime: local time, `YYYY-MM-DD HH:MM:SS,mmm`. */
function asctime(p: Pending): string {
  const d = new Date(p.time);
  if (p.datefmt !== undefined) return strftime(p.datefmt, d);
  return strftime('%Y-%m-%d %H:%M:%S', d) + ',' + String(d.getMilliseconds()).padStart(3, '0');
}

const str = (v: unknown, fallback: string): string =>
  typeof v === 'string' ? v : v === undefined || v === null ? fallback : JSON.stringify(v);

const FIELDS: Readonly<Record<FieldName, (p: Pending) => unknown>> = {
  asctime,
  created: (p) => p.time / 1000,
  msecs: (p) => p.time % 1000,
  relativeCreated: (p) => p.time - STARTED_AT,
  levelname: (p) => LEVEL_NAMES[Number(p.record.level)] ?? `Level ${str(p.record.level, '?')}`,
  levelno: (p) => PYTHON_LEVEL_NUMBERS[Number(p.record.level)] ?? Number(p.record.level),
  name: (p) => str(p.record.name, 'root'),
  message: (p) => str(p.record.msg, ''),
  process: (p) => p.record.pid ?? process.pid,
  processName: () => 'MainProcess',
  // Node runs the daemon on one thread: Python's main-thread values stand in.
  thread: () => 0,
  threadName: () => 'MainThread',
  hostname: (p) => str(p.record.hostname, ''),
  module: (p) => lastPart(str(p.record.name, 'root')),
  filename: (p) => lastPart(str(p.record.name, 'root')),
  pathname: (p) => str(p.record.name, 'root'),
  funcName: () => '',
  lineno: () => 0,
};

function lastPart(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/**
 * What Python's formatter adds after the message for `exc_info`: an error of ours (it has a
 * stable `ERR_` code, so it is an expected condition) adds its message only when the
 * message does not already say it; anything else adds its stack, indented as a traceback.
 */
function errorSuffix(record: Record<string, unknown>): string {
  const err = record.err;
  if (typeof err !== 'object' || err === null) return '';
  const e = err as { message?: unknown; stack?: unknown; code?: unknown };
  const message = typeof e.message === 'string' ? e.message : '';
  const msg = typeof record.msg === 'string' ? record.msg : '';
  if (typeof e.code === 'string' && e.code.startsWith('ERR_')) {
    return message === '' || msg.includes(message) ? '' : `: ${message}`;
  }
  if (typeof e.stack === 'string' && e.stack !== '') return '\n' + e.stack;
  return message === '' || msg.includes(message) ? '' : `: ${message}`;
}
