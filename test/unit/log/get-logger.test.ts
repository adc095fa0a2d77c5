import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, getLogger, logConfigError, setupLogging } from '../../../src/log/index.js';
import type { LoggingSetup } from '../../../src/log/index.js';
import { NodepoolError } from '../../../src/errors.js';

let dir: string;
let logging: LoggingSetup | null = null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-log-'));
});
afterEach(() => {
  logging?.close();
  logging = null;
  rmSync(dir, { recursive: true, force: true });
});

function lines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function setup(conf: string): LoggingSetup {
  const path = join(dir, 'logging.conf');
  writeFileSync(path, conf.replaceAll('DIR', dir));
  logging = setupLogging({ configPath: path });
  return logging;
}

const CONF = `[loggers]
keys=root,nodepool,builder

[handlers]
keys=main,builder

[formatters]
keys=json

[formatter_json]
class=pythonjsonlogger.jsonlogger.JsonFormatter

[logger_root]
level=WARNING
handlers=main

[logger_nodepool]
level=INFO
handlers=
qualname=nodepool

[logger_builder]
level=DEBUG
handlers=builder
qualname=nodepool.builder
propagate=0

[handler_main]
class=FileHandler
formatter=json
args=('DIR/main.log',)

[handler_builder]
class=handlers.WatchedFileHandler
formatter=json
args=('DIR/builder.log',)
`;

describe('getLogger', () => {
  it('routes each upstream name to its level and file', () => {
    const { root } = setup(CONF);
    const pool = getLogger(root, 'nodepool.NodePool');
    pool.debug('dropped: nodepool is at INFO');
    pool.info('kept');
    const worker = getLogger(root, 'nodepool.builder.BuildWorker.0');
    worker.debug('builder debug');
    getLogger(root, 'kazoo.client').info('dropped: root is at WARNING');
    getLogger(root, 'kazoo.client').warn('kazoo warning');
    expect(lines(join(dir, 'main.log')).map((l) => [l.name, l.msg])).toEqual([
      ['nodepool.NodePool', 'kept'],
      ['kazoo.client', 'kazoo warning'],
    ]);
    expect(lines(join(dir, 'builder.log')).map((l) => [l.name, l.msg])).toEqual([
      ['nodepool.builder.BuildWorker.0', 'builder debug'],
    ]);
  });

  it('keeps the parent bindings and replaces the name', () => {
    const { root } = setup(CONF);
    const provider = getLogger(root, 'nodepool.ProviderManager', { provider: 'cloud1' });
    getLogger(provider, 'nodepool.TaskManager', { task: 'ListServers' }).info('ran');
    expect(lines(join(dir, 'main.log'))[0]).toMatchObject({
      name: 'nodepool.TaskManager',
      provider: 'cloud1',
      task: 'ListServers',
      msg: 'ran',
    });
  });

  it('reopens a watched file after logrotate moved it', () => {
    const { root } = setup(CONF);
    const log = getLogger(root, 'nodepool.builder.NodePoolBuilder');
    log.info('before');
    renameSync(join(dir, 'builder.log'), join(dir, 'builder.log.1'));
    log.info('after');
    expect(lines(join(dir, 'builder.log.1')).map((l) => l.msg)).toEqual(['before']);
    expect(lines(join(dir, 'builder.log')).map((l) => l.msg)).toEqual(['after']);
  });

  it('names children of a plain logger without routing', () => {
    const out: string[] = [];
    const root = createLogger({ destination: { write: (s: string) => void out.push(s) } });
    getLogger(root, 'nodepool.NodePool').info('hi');
    expect(JSON.parse(out[0]!)).toMatchObject({ name: 'nodepool.NodePool', msg: 'hi' });
  });
});

describe('setupLogging', () => {
  it('reports a missing logging config clearly', () => {
    expect(() => setupLogging({ configPath: join(dir, 'nope.conf') })).toThrow(
      logConfigError(join(dir, 'nope.conf'), 'file not found'),
    );
  });

  it('reports a log file that cannot be opened, naming its handler', () => {
    writeFileSync(join(dir, 'blocker'), '');
    let caught: unknown;
    try {
      setup(CONF.replace("'DIR/main.log'", "'DIR/blocker/main.log'"));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(NodepoolError);
    expect((caught as NodepoolError).code).toBe('ERR_CONFIG_INVALID');
    expect((caught as NodepoolError).details?.['section']).toBe('handler_main');
    expect((caught as NodepoolError).message).toContain(
      `cannot open log file "${dir}/blocker/main.log"`,
    );
  });
});
