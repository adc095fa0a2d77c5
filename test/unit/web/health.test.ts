/** The health runner: time limits, the down rule, the shared and cached run. */
import { describe, expect, it } from 'vitest';
import { createHealthSource, runHealthProbes } from '../../../src/web/index.js';
import type { HealthCheck } from '../../../src/web/index.js';

describe('runHealthProbes', () => {
  it('is up when every check is up or skipped', async () => {
    const report = await runHealthProbes(
      { a: () => ({ status: 'up' }), b: () => Promise.resolve({ status: 'skipped' }) },
      1000,
    );
    expect(report).toEqual({
      status: 'up',
      checks: { a: { status: 'up' }, b: { status: 'skipped' } },
    });
  });

  it('is down, naming the check, when a check throws', async () => {
    const report = await runHealthProbes(
      {
        ok: () => ({ status: 'up' }),
        database: () => Promise.reject(new Error('connect ECONNREFUSED\n127.0.0.1:3306')),
      },
      1000,
    );
    expect(report).toEqual({
      status: 'down',
      checks: {
        ok: { status: 'up' },
        database: { status: 'down', detail: 'connect ECONNREFUSED 127.0.0.1:3306' },
      },
    });
  });

  it('is down when a check does not answer within the limit, and aborts it', async () => {
    let aborted: unknown = null;
    const report = await runHealthProbes(
      {
        slow: (signal) =>
          new Promise<HealthCheck>((resolve) =>
            signal.addEventListener('abort', () => {
              aborted = signal.reason;
              resolve({ status: 'up' });
            }),
          ),
      },
      20,
    );
    expect(report.checks.slow).toEqual({ status: 'down', detail: 'no answer within 20 ms' });
    expect(aborted).toBeInstanceOf(Error);
  });
});

describe('createHealthSource', () => {
  it('shares one run between concurrent requests and reuses it for cacheMs', async () => {
    let now = 1000;
    let runs = 0;
    const health = createHealthSource(
      {
        live: {},
        ready: {
          x: async () => {
            runs++;
            await Promise.resolve();
            return { status: 'up' };
          },
        },
      },
      { cacheMs: 1500, now: () => now },
    );
    await Promise.all([health.ready(), health.ready(), health.ready()]);
    expect(runs).toBe(1);
    now += 1499;
    await health.ready();
    expect(runs).toBe(1);
    now += 1;
    await health.ready();
    expect(runs).toBe(2);
  });
});
