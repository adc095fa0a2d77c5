import { describe, expect, it } from 'vitest';
import { parsePythonLoggingConf, resolveLogger } from '../../../src/log/index.js';
import { NodepoolError } from '../../../src/errors.js';

/** Upstream's tools/logging.conf at 0.4.0, as operators copied it. */
const UPSTREAM = `[formatters]
keys=simple

[loggers]
keys=root,nodepool,shade

[handlers]
keys=console

[logger_root]
level=WARNING
handlers=console

[logger_nodepool]
level=DEBUG
handlers=console
qualname=nodepool
propagate=0

[logger_shade]
level=DEBUG
handlers=console
qualname=shade
propagate=0

[handler_console]
level=DEBUG
class=StreamHandler
formatter=simple
args=(sys.stdout,)

[formatter_simple]
format=%(asctime)s %(levelname)s %(name)s: %(message)s
datefmt=
`;

/** A production-style file: per-component files, a watched debug log, kazoo quietened. */
const PRODUCTION = `# nodepool logging
[loggers]
keys = root, nodepool, builder, kazoo, gear

[handlers]
keys = console, debug, normal, builder

[formatters]
keys = simple

[logger_root]
level = WARNING
handlers = console

[logger_nodepool]
level = DEBUG
handlers = debug, normal
qualname = nodepool

[logger_builder]
level=INFO
handlers=builder
qualname=nodepool.builder
propagate=0

[logger_kazoo]
level=WARNING
handlers=debug
qualname=kazoo

[logger_gear]
level=NOTSET
handlers=
qualname=gear

[handler_console]
class=StreamHandler
level=WARNING
args=(sys.stderr,)
formatter=simple

[handler_debug]
class=logging.handlers.WatchedFileHandler
level=DEBUG
args=('/var/log/nodepool/debug.log',)
formatter=simple

[handler_normal]
class=handlers.WatchedFileHandler
level=INFO
args=("/var/log/nodepool/nodepool.log", 'a')
formatter=simple

[handler_builder]
class=logging.FileHandler
args=('/var/log/nodepool/builder.log', 'w')

[formatter_simple]
format=%(asctime)s %(levelname)s %(name)s: %(message)s
datefmt=
`;

function parseError(text: string): NodepoolError {
  try {
    parsePythonLoggingConf(text, 'logging.conf');
  } catch (err) {
    if (err instanceof NodepoolError && err.code === 'ERR_CONFIG_INVALID') return err;
    throw err;
  }
  throw new Error('expected an ERR_CONFIG_INVALID error');
}

describe('parsePythonLoggingConf', () => {
  it('reads upstream tools/logging.conf: nodepool and shade at DEBUG to stdout, the rest at WARNING', () => {
    const config = parsePythonLoggingConf(UPSTREAM, 'logging.conf');
    const np = resolveLogger(config, 'nodepool.NodePool');
    expect(np.level).toBe('debug');
    expect(np.handlers.map((h) => h.target)).toEqual([{ kind: 'stream', fd: 1 }]);
    expect(resolveLogger(config, 'shade').level).toBe('debug');
    expect(resolveLogger(config, 'kazoo.client').level).toBe('warn');
    expect(resolveLogger(config, 'kazoo.client').handlers.map((h) => h.id)).toEqual(['console']);
  });

  it('maps each upstream logger name to its level and destinations', () => {
    const config = parsePythonLoggingConf(PRODUCTION, 'logging.conf');
    const targets = (name: string): unknown[] =>
      resolveLogger(config, name).handlers.map((h) => h.target);
    expect(resolveLogger(config, 'nodepool.NodePool').level).toBe('debug');
    expect(targets('nodepool.NodePool')).toEqual([
      { kind: 'file', path: '/var/log/nodepool/debug.log', append: true, watched: true },
      { kind: 'file', path: '/var/log/nodepool/nodepool.log', append: true, watched: true },
      { kind: 'stream', fd: 2 },
    ]);
    expect(resolveLogger(config, 'nodepool.builder.BuildWorker.0').level).toBe('info');
    expect(targets('nodepool.builder.BuildWorker.0')).toEqual([
      { kind: 'file', path: '/var/log/nodepool/builder.log', append: false, watched: false },
    ]);
    expect(resolveLogger(config, 'kazoo').level).toBe('warn');
    expect(targets('kazoo')).toHaveLength(2);
    // gear: NOTSET inherits root's WARNING; no handlers of its own, propagates to root.
    expect(resolveLogger(config, 'gear.Client').level).toBe('warn');
    expect(targets('gear.Client')).toEqual([{ kind: 'stream', fd: 2 }]);
  });

  it('keeps handler levels', () => {
    const config = parsePythonLoggingConf(PRODUCTION, 'logging.conf');
    expect(config.handlers.get('normal')?.level).toBe('info');
    expect(config.handlers.get('builder')?.level).toBeNull();
  });

  it('defaults StreamHandler without args to stderr and NullHandler to nothing', () => {
    const config = parsePythonLoggingConf(
      `[loggers]\nkeys=root\n[handlers]\nkeys=a,n\n[formatters]\nkeys=\n[logger_root]\nlevel=NOTSET\nhandlers=a,n\n` +
        `[handler_a]\nclass=logging.StreamHandler\n[handler_n]\nclass=NullHandler\nargs=()\n`,
      'logging.conf',
    );
    expect(resolveLogger(config, 'x').level).toBe('trace');
    expect(resolveLogger(config, 'x').handlers.map((h) => h.target.kind)).toEqual([
      'stream',
      'null',
    ]);
  });

  it('applies DEFAULT values and %(key)s interpolation in args', () => {
    const config = parsePythonLoggingConf(
      `[DEFAULT]\nlogdir=/srv/logs\n[loggers]\nkeys=root\n[handlers]\nkeys=f\n[logger_root]\nhandlers=f\n` +
        `[handler_f]\nclass=FileHandler\nargs=('%(logdir)s/np.log',)\n`,
      'logging.conf',
    );
    expect(config.handlers.get('f')?.target).toEqual({
      kind: 'file',
      path: '/srv/logs/np.log',
      append: true,
      watched: false,
    });
  });

  it('rejects an unsupported handler class, naming the section and key', () => {
    const err = parseError(
      UPSTREAM.replace('class=StreamHandler', 'class=handlers.RotatingFileHandler'),
    );
    expect(err.code).toBe('ERR_CONFIG_INVALID');
    expect(err.details?.['section']).toBe('handler_console');
    expect(err.details?.['key']).toBe('class');
    expect(err.message).toBe(
      'Cannot load logging config "logging.conf": [handler_console] class (line 28): handler class ' +
        '"handlers.RotatingFileHandler" is not supported: use StreamHandler, FileHandler, handlers.WatchedFileHandler or NullHandler',
    );
  });

  it('rejects an unknown level', () => {
    const err = parseError(UPSTREAM.replace('level=WARNING', 'level=LOUD'));
    expect(err.details?.['section']).toBe('logger_root');
    expect(err.details?.['key']).toBe('level');
    expect(err.message).toContain('unknown level "LOUD"');
  });

  it('rejects a stream other than sys.stdout or sys.stderr', () => {
    const err = parseError(UPSTREAM.replace('args=(sys.stdout,)', "args=(open('/tmp/x'),)"));
    expect(err.details?.['section']).toBe('handler_console');
    expect(err.details?.['key']).toBe('args');
  });

  it('rejects args that are not a tuple', () => {
    const err = parseError(UPSTREAM.replace('args=(sys.stdout,)', 'args=sys.stdout'));
    expect(err.details?.['key']).toBe('args');
    expect(err.message).toContain('cannot read the arguments');
  });

  it('rejects a FileHandler without a file name', () => {
    const err = parseError(UPSTREAM.replace('class=StreamHandler', 'class=FileHandler'));
    expect(err.message).toContain('FileHandler needs a file name as its first argument');
  });

  it('rejects a missing root logger', () => {
    const err = parseError(UPSTREAM.replace('keys=root,nodepool,shade', 'keys=nodepool,shade'));
    expect(err.details?.['section']).toBe('loggers');
    expect(err.message).toContain('keys must include "root"');
  });

  it('rejects a logger without qualname', () => {
    const err = parseError(UPSTREAM.replace('qualname=shade\n', ''));
    expect(err.details?.['section']).toBe('logger_shade');
    expect(err.details?.['key']).toBe('qualname');
  });

  it('rejects a reference to an unlisted handler', () => {
    const err = parseError(
      UPSTREAM.replace(
        'handlers=console\nqualname=nodepool',
        'handlers=console,file\nqualname=nodepool',
      ),
    );
    expect(err.details?.['section']).toBe('logger_nodepool');
    expect(err.message).toContain('handler "file" is not listed in [handlers] keys');
  });

  it('rejects a listed section that does not exist', () => {
    const err = parseError(UPSTREAM.replace('keys=console', 'keys=console,file'));
    expect(err.details?.['section']).toBe('handler_file');
    expect(err.message).toContain('section is missing');
  });

  it('rejects keys fileConfig does not know, and kwargs', () => {
    expect(
      parseError(UPSTREAM.replace('formatter=simple', 'formatter=simple\nfilename=/tmp/x'))
        .details?.['key'],
    ).toBe('filename');
    expect(
      parseError(
        UPSTREAM.replace('formatter=simple', "formatter=simple\nkwargs={'encoding': 'utf8'}"),
      ).details?.['key'],
    ).toBe('kwargs');
  });

  it('rejects a line that is not INI', () => {
    const err = parseError(UPSTREAM.replace('[handlers]', '[handlers]\nthis is not ini'));
    expect(err.details?.['line']).toBe(8);
  });

  it('rejects a propagate that is not an integer', () => {
    expect(parseError(UPSTREAM.replace('propagate=0', 'propagate=no')).details?.['key']).toBe(
      'propagate',
    );
  });
});
