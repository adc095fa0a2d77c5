import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  compileLineFormat,
  getLogger,
  parsePinoLogConfig,
  parsePythonLoggingConf,
  setupLogging,
  strftime,
} from '../../../src/log/index.js';
import type { LoggingSetup } from '../../../src/log/index.js';
import { NodepoolError } from '../../../src/errors.js';

/** A pino line as the router's destinations receive it. */
function pinoLine(fields: Record<string, unknown>): string {
  return (
    JSON.stringify({ level: 30, time: '2017-03-29T10:00:00.123Z', pid: 4242, ...fields }) + '\n'
  );
}

/** The local-time rendering Python's asctime gives for the instant above. */
function localAsctime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}

describe('compileLineFormat', () => {
  it('lays a record out as the Python nodepool did', () => {
    const render = compileLineFormat({
      kind: 'text',
      format: '%(asctime)s %(levelname)s %(name)s: %(message)s',
    });
    expect(
      render(pinoLine({ name: 'nodepool.NodePool', msg: 'Need to launch 1 centos-7 nodes' })),
    ).toBe(
      `${localAsctime('2017-03-29T10:00:00.123Z')} INFO nodepool.NodePool: Need to launch 1 centos-7 nodes\n`,
    );
    expect(render(pinoLine({ level: 40, msg: 'no name' }))).toMatch(/ WARNING root: no name\n$/);
    expect(render(pinoLine({ level: 60, msg: 'x' }))).toMatch(/ CRITICAL root: x\n$/);
  });

  it('honours widths, flags, numeric conversions, %% and datefmt', () => {
    const render = compileLineFormat({
      kind: 'text',
      format:
        '[%(levelname)-8s|%(levelno)3d|%(process)06d|%(msecs)03d|%(threadName)s] 100%% %(message).4s',
      datefmt: '%d/%b/%Y',
    });
    expect(render(pinoLine({ msg: 'truncated' }))).toBe(
      '[INFO    | 20|004242|123|MainThread] 100% trun\n',
    );
    const dated = compileLineFormat({
      kind: 'text',
      format: '%(asctime)s',
      datefmt: '%Y-%m-%dT%H:%M',
    });
    const d = new Date('2017-03-29T10:00:00.123Z');
    expect(dated(pinoLine({ msg: '' }))).toBe(strftime('%Y-%m-%dT%H:%M', d) + '\n');
    expect(strftime('%Y %j %a %B %% %Q', new Date(2017, 2, 29))).toBe('2017 088 Wed March % %Q');
  });

  it('adds the message of an error of ours, and the stack of anything else', () => {
    const render = compileLineFormat({ kind: 'text', format: '%(levelname)s %(message)s' });
    expect(
      render(
        pinoLine({
          level: 50,
          msg: 'Cannot start',
          err: {
            code: 'ERR_PIDFILE_LOCKED',
            message: 'held by 7',
            stack: 'Error: held by 7\n    at x',
          },
        }),
      ),
    ).toBe('ERROR Cannot start: held by 7\n');
    expect(
      render(
        pinoLine({
          level: 50,
          msg: 'Crashed',
          err: {
            type: 'TypeError',
            message: 'y is undefined',
            stack: 'TypeError: y is undefined\n    at f (a.js:1:1)',
          },
        }),
      ),
    ).toBe('ERROR Crashed\nTypeError: y is undefined\n    at f (a.js:1:1)\n');
  });

  it('rejects unknown fields and stray conversions', () => {
    expect(() => compileLineFormat({ kind: 'text', format: '%(asctime)s %(lvl)s' })).toThrow(
      /unknown field "%\(lvl\)" at offset 12/,
    );
    expect(() => compileLineFormat({ kind: 'text', format: '%(message)s %s' })).toThrow(
      /cannot read the conversion at offset 12/,
    );
  });
});

describe('formatters of a logging config', () => {
  const conf = (formatter: string): string =>
    `[loggers]\nkeys=root\n[handlers]\nkeys=h\n[formatters]\nkeys=f\n[logger_root]\nlevel=INFO\nhandlers=h\n` +
    `[handler_h]\nclass=StreamHandler\nformatter=f\nargs=(sys.stderr,)\n[formatter_f]\n${formatter}`;

  it('reads format= and datefmt= raw, and a JSON formatter class', () => {
    const text = parsePythonLoggingConf(
      conf('format=%(name)s %%(x) %(message)s\ndatefmt=%H'),
      'l.conf',
    );
    expect(text.handlers.get('h')?.format).toEqual({
      kind: 'text',
      format: '%(name)s %%(x) %(message)s',
      datefmt: '%H',
    });
    const json = parsePythonLoggingConf(
      conf('class=pythonjsonlogger.jsonlogger.JsonFormatter'),
      'l.conf',
    );
    expect(json.handlers.get('h')?.format).toEqual({ kind: 'json' });
    const empty = parsePythonLoggingConf(conf('format=%(message)s\ndatefmt='), 'l.conf');
    expect(empty.handlers.get('h')?.format).toEqual({ kind: 'text', format: '%(message)s' });
  });

  it('locates a bad format, class or style', () => {
    const err = (text: string): NodepoolError => {
      try {
        parsePythonLoggingConf(text, 'l.conf');
      } catch (e) {
        if (e instanceof NodepoolError && e.code === 'ERR_CONFIG_INVALID') return e;
      }
      throw new Error('expected an ERR_CONFIG_INVALID error');
    };
    expect(err(conf('format=%(asctime)s %(levl)s')).message).toBe(
      'Cannot load logging config "l.conf": [formatter_f] format (line 15): unknown field "%(levl)" at offset 12: ' +
        'expected one of asctime, created, msecs, relativeCreated, levelname, levelno, name, message, process, ' +
        'processName, thread, threadName, hostname, module, filename, pathname, funcName, lineno',
    );
    expect(err(conf('class=colorlog.ColoredFormatter')).details?.['key']).toBe('class');
    expect(err(conf('style={')).details?.['key']).toBe('style');
  });

  it('takes format and datefmt in the YAML format', () => {
    expect(parsePinoLogConfig('format: text', 'l.yaml').handlers.get('fd:2')?.format).toEqual({
      kind: 'text',
      format: '%(asctime)s %(levelname)s %(name)s: %(message)s',
    });
    expect(() => parsePinoLogConfig('format: "%(nme)s"', 'l.yaml')).toThrow(
      /format: unknown field/,
    );
    expect(() => parsePinoLogConfig('datefmt: "%H"', 'l.yaml')).toThrow(
      /datefmt: applies to text lines only/,
    );
  });
});

describe('setupLogging formats', () => {
  let dir: string;
  let logging: LoggingSetup | null = null;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'np-fmt-'));
  });
  afterEach(() => {
    logging?.close();
    logging = null;
    rmSync(dir, { recursive: true, force: true });
  });

  const fileConf = (formatter: string): string =>
    `[loggers]\nkeys=root\n[handlers]\nkeys=h\n[formatters]\nkeys=f\n[logger_root]\nlevel=INFO\nhandlers=h\n` +
    `[handler_h]\nclass=FileHandler\nformatter=f\nargs=('${dir}/out.log',)\n[formatter_f]\n${formatter}`;

  it('writes text lines from format= and JSON lines when NODEPOOL_LOG_FORMAT=json', () => {
    writeFileSync(join(dir, 'l.conf'), fileConf('format=%(levelname)s %(name)s: %(message)s'));
    logging = setupLogging({ configPath: join(dir, 'l.conf') });
    getLogger(logging.root, 'nodepool.NodePool').info('Need to launch %d %s nodes', 1, 'centos-7');
    logging.close();
    expect(readFileSync(join(dir, 'out.log'), 'utf8')).toBe(
      'INFO nodepool.NodePool: Need to launch 1 centos-7 nodes\n',
    );

    rmSync(join(dir, 'out.log'));
    logging = setupLogging({ configPath: join(dir, 'l.conf'), formatOverride: 'json' });
    getLogger(logging.root, 'nodepool.NodePool').info('as json');
    logging.close();
    expect(JSON.parse(readFileSync(join(dir, 'out.log'), 'utf8'))).toMatchObject({
      level: 30,
      name: 'nodepool.NodePool',
      msg: 'as json',
    });
    expect(() => setupLogging({ formatOverride: 'xml' })).toThrow(
      'Cannot use NODEPOOL_LOG_FORMAT="xml": expected json or text',
    );
  });
});
