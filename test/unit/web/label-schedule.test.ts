/**
 * `/label-list` (text and JSON) for a label with a `min-ready-schedule`: the effective
 * min-ready at the source's clock and the period that set it; a 0.4.0 label's row unchanged.
 */
import { describe, expect, it } from 'vitest';
import { ENDPOINTS, createStatusSource } from '../../../src/web/index.js';
import type { NodeRecord } from '../../../src/db/index.js';
import { compileYaml, launcherYaml } from '../../support/memory/memory-launcher.js';

const SCHEDULE = `    min-ready-schedule:
      timezone: Asia/Kolkata
      periods:
        - cron: '* 9-17 * * 1-5'
          min-ready: 6`;

async function render(atIso: string, format: 'text' | 'json'): Promise<string> {
  const yaml = launcherYaml({
    labels: [
      { name: 'busy', minReady: 1, providers: ['p'] },
      { name: 'plain', minReady: 2, providers: ['p'] },
    ],
    providers: [{ name: 'p', maxServers: 9 }],
  }).replace('    min-ready: 1\n', `$&${SCHEDULE}\n`);
  const config = await compileYaml(yaml);
  const nodes: NodeRecord[] = [];
  const source = createStatusSource({
    config: () => config,
    imageBuilds: () => null,
    database: () =>
      ({ nodes: { list: () => Promise.resolve(nodes) } }) as unknown as ReturnType<
        Parameters<typeof createStatusSource>[0]['database']
      >,
    now: () => Date.parse(atIso),
  });
  const r = await ENDPOINTS.get('/label-list')!.render(source, format, Date.parse(atIso), {});
  return r.body;
}

describe('/label-list with a min-ready schedule', () => {
  it('shows the period in force and its value', async () => {
    // Monday 04:00 UTC is 09:30 in Kolkata.
    const text = await render('2026-12-07T04:00:00Z', 'text');
    expect(text).toMatch(/\| busy +\| busy-image +\| 6 \(period 0\) +\|/);
    expect(text).toMatch(/\| plain +\| plain-image +\| 2 +\|/);
    const json = JSON.parse(await render('2026-12-07T04:00:00Z', 'json')) as Record<
      string,
      unknown
    >[];
    expect(json[0]).toMatchObject({
      label: 'busy',
      minReady: 6,
      minReadySchedule: {
        period: 0,
        cron: '* 9-17 * * 1-5',
        timezone: 'Asia/Kolkata',
        configured: 1,
      },
      deficit: 6,
    });
    expect(json[1]).not.toHaveProperty('minReadySchedule');
  });

  it('falls back to the label min-ready outside every period', async () => {
    // 03:00 UTC is 08:30 in Kolkata.
    const text = await render('2026-12-07T03:00:00Z', 'text');
    expect(text).toMatch(/\| busy +\| busy-image +\| 1 \(no period\) +\|/);
    const json = JSON.parse(await render('2026-12-07T03:00:00Z', 'json')) as Record<
      string,
      unknown
    >[];
    expect(json[0]).toMatchObject({ minReady: 1, minReadySchedule: { period: null } });
  });
});
