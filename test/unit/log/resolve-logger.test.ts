import { describe, expect, it } from 'vitest';
import { ancestry, parsePinoLogConfig, resolveLogger } from '../../../src/log/index.js';

describe('ancestry', () => {
  it('lists the name and each dotted prefix, nearest first, ending at root', () => {
    expect(ancestry('nodepool.builder.BuildWorker.0')).toEqual([
      'nodepool.builder.BuildWorker.0',
      'nodepool.builder.BuildWorker',
      'nodepool.builder',
      'nodepool',
      '',
    ]);
  });
});

describe('resolveLogger', () => {
  const config = parsePinoLogConfig(
    [
      'level: warn',
      'loggers:',
      '  nodepool: info',
      '  nodepool.builder: debug',
      '  nodepool.builder.UploadWorker: error',
      '  nodepool.image.build:',
      '    destination: /var/log/nodepool/image-build.log',
      '    propagate: false',
    ].join('\n'),
    'log.yaml',
  );

  it('uses the longest configured dotted prefix', () => {
    expect(resolveLogger(config, 'nodepool.builder.BuildWorker.3').level).toBe('debug');
    expect(resolveLogger(config, 'nodepool.builder.UploadWorker.0').level).toBe('error');
    expect(resolveLogger(config, 'nodepool.NodePool').level).toBe('info');
    expect(resolveLogger(config, 'nodepool').level).toBe('info');
  });

  it('matches whole name components only', () => {
    expect(resolveLogger(config, 'nodepoolx.Thing').level).toBe('warn');
    expect(resolveLogger(config, 'nodepool.builderx').level).toBe('info');
  });

  it('falls back to the root level for unknown names', () => {
    expect(resolveLogger(config, 'kazoo.client').level).toBe('warn');
  });

  it('stops collecting handlers at a logger that does not propagate', () => {
    const r = resolveLogger(config, 'nodepool.image.build.ubuntu');
    expect(r.handlers.map((h) => h.target)).toEqual([
      { kind: 'file', path: '/var/log/nodepool/image-build.log', append: true, watched: true },
    ]);
    // NOTSET on the image-build logger: level comes from `nodepool`.
    expect(r.level).toBe('info');
  });

  it('sends everything else to the root destination (stderr by default)', () => {
    expect(resolveLogger(config, 'nodepool.NodePool').handlers.map((h) => h.target)).toEqual([
      { kind: 'stream', fd: 2 },
    ]);
  });
});
