import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createStatsFromEnv,
  launchMetrics,
  providerMaxServersGauge,
  taskMetric,
  TASK,
} from '../../../src/stats/index.js';
import type { Stats } from '../../../src/stats/index.js';
import { StatsdCapture } from '../../support/statsd.js';
import { waitFor } from '../../support/wait-for.js';

describe('statsd client', () => {
  let capture: StatsdCapture;
  let stats: Stats;

  beforeEach(async () => {
    capture = await StatsdCapture.start();
    stats = createStatsFromEnv({ STATSD_HOST: '127.0.0.1', STATSD_PORT: String(capture.port) });
  });

  afterEach(async () => {
    await stats.close();
    await capture.stop();
  });

  it('sends timers, counters and gauges in upstream wire format over UDP', async () => {
    const key = taskMetric('rax-dfw', TASK.serverCreate);
    stats.timing(key, 12.6);
    stats.increment(key);
    stats.gauge('nodepool.nodes.ready', 3);
    await waitFor(() => capture.lines.length >= 3);
    expect(capture.lines).toEqual([
      'nodepool.task.rax-dfw.ServerCreate:13|ms',
      'nodepool.task.rax-dfw.ServerCreate:1|c',
      'nodepool.nodes.ready:3|g',
    ]);
  });

  it('sends a negative gauge as zero then the value in one packet', async () => {
    stats.gauge(providerMaxServersGauge('old'), -1);
    await waitFor(() => capture.packets.length >= 1);
    expect(capture.packets[0]).toBe(
      'nodepool.provider.old.max_servers:0|g\nnodepool.provider.old.max_servers:-1|g',
    );
  });

  it('is a no-op without STATSD_HOST and rejects a bad STATSD_PORT', () => {
    const off = createStatsFromEnv({});
    expect(off.isEnabled).toBe(false);
    off.increment('x');
    expect(() => createStatsFromEnv({ STATSD_HOST: 'h', STATSD_PORT: 'ten' })).toThrow(
      'Cannot use STATSD_PORT: expected a port number: current value is "ten"',
    );
  });
});

describe('launchMetrics', () => {
  it('lists the keys in upstream order, with the AZ and manager variants', () => {
    expect(launchMetrics({ provider: 'p', image: 'i', az: 'az1', target: 't' }, 'ready')).toEqual([
      'nodepool.launch.provider.p.ready',
      'nodepool.launch.provider.p.az1.ready',
      'nodepool.launch.image.i.ready',
      'nodepool.launch.ready',
      'nodepool.launch.target.t.ready',
    ]);
    expect(
      launchMetrics({ provider: 'p', image: 'i', manager: 'm', target: 't' }, 'error.ssh').at(-1),
    ).toBe('nodepool.launch.manager.m.error.ssh');
  });
});
