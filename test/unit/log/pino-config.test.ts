import { describe, expect, it } from 'vitest';
import { looksLikeIni, parsePinoLogConfig, resolveLogger } from '../../../src/log/index.js';
import { NodepoolError } from '../../../src/errors.js';

function parseError(text: string): NodepoolError {
  try {
    parsePinoLogConfig(text, 'log.yaml');
  } catch (err) {
    if (err instanceof NodepoolError && err.code === 'ERR_CONFIG_INVALID') return err;
    throw err;
  }
  throw new Error('expected an ERR_CONFIG_INVALID error');
}

describe('parsePinoLogConfig', () => {
  it('reads JSON as well as YAML', () => {
    const config = parsePinoLogConfig(
      '{"level": "debug", "destination": "stdout", "loggers": {"kazoo": "WARNING"}}',
      'log.json',
    );
    expect(resolveLogger(config, 'nodepool.NodePool')).toMatchObject({
      level: 'debug',
      handlers: [{ target: { kind: 'stream', fd: 1 } }],
    });
    expect(resolveLogger(config, 'kazoo.client').level).toBe('warn');
  });

  it('defaults to info on stderr for an empty file', () => {
    expect(resolveLogger(parsePinoLogConfig('', 'log.yaml'), 'x')).toMatchObject({
      level: 'info',
      handlers: [{ target: { kind: 'stream', fd: 2 } }],
    });
  });

  it('rejects unknown keys, bad levels and bad destinations with their path', () => {
    expect(parseError('levle: debug').message).toBe(
      'Cannot load logging config "log.yaml": unknown key "levle": expected one of level, destination, format, datefmt, loggers',
    );
    expect(parseError('loggers:\n  kazoo: loud').details?.['key']).toBe('loggers.kazoo');
    expect(parseError('loggers:\n  kazoo: {level: info, file: x}').message).toContain(
      'unknown key "file"',
    );
    expect(parseError('destination: 3').details?.['key']).toBe('destination');
    expect(parseError('loggers:\n  kazoo: {propagate: "no"}').details?.['key']).toBe(
      'loggers.kazoo.propagate',
    );
    expect(parseError('- a\n- b').message).toContain('expected a mapping');
    expect(parseError('level: [').message).toContain('invalid YAML/JSON');
  });
});

describe('looksLikeIni', () => {
  it('tells INI from YAML and JSON by the first significant line', () => {
    expect(looksLikeIni('# comment\n\n[loggers]\nkeys=root\n')).toBe(true);
    expect(looksLikeIni('level: debug\n')).toBe(false);
    expect(looksLikeIni('{"level": "debug"}')).toBe(false);
    expect(looksLikeIni('[a, b]\n')).toBe(false);
  });
});
