/**
 * The stuck-demand alarm: a label whose need stays unmet past `stuck-after` while a provider
 * has room gets one WARNING naming the likely cause, the statsd gauge at 1 and an entry for
 * `/metrics` and the status page; all cleared (INFO, gauge 0) once the label is met.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JenkinsHooks } from '../../../../src/launcher/index.js';
import { ProviderError } from '../../../../src/provider/index.js';
import { launcherYaml } from '../../../support/memory/memory-launcher.js';
import type { YamlProvider } from '../../../support/memory/memory-launcher.js';
import { policyWorld } from '../../../support/memory/policy-world.js';
import type { PolicyWorld } from '../../../support/memory/policy-world.js';

let world: PolicyWorld | null = null;
afterEach(async () => {
  await world?.w.close();
  world = null;
});

async function setUp(
  o: { uploads?: boolean; jenkins?: JenkinsHooks; providers?: YamlProvider[] } = {},
): Promise<PolicyWorld> {
  const yaml = launcherYaml({
    labels: [{ name: 'small', minReady: 2, providers: ['alpha'] }],
    providers: o.providers ?? [{ name: 'alpha', maxServers: 10 }],
  });
  world = await policyWorld(`${yaml}stuck-after: 60\n`, {
    ...(o.uploads !== undefined ? { uploads: o.uploads } : {}),
    ...(o.jenkins !== undefined ? { jenkins: o.jenkins } : {}),
  });
  return world;
}

/** Passes every 10 s for `seconds`. */
async function passFor(p: PolicyWorld, seconds: number): Promise<void> {
  for (let t = 0; t < seconds; t += 10) {
    await p.pass();
    await p.clock.advance(10_000);
  }
}

function stuckGauge(p: PolicyWorld): string[] {
  return p.w.stats.lines.filter((l) => l.startsWith('nodepool.label.small.stuck'));
}

describe('stuck-demand alarm', () => {
  it('names a missing upload, warns once, and clears when the label is met', async () => {
    const p = await setUp({ uploads: false });
    await passFor(p, 50);
    expect(p.logs.find('is stuck')).toEqual([]);
    await passFor(p, 60);
    const warned = p.logs.find('is stuck');
    expect(warned).toHaveLength(1);
    expect(warned[0]!.level).toBe(40);
    expect(warned[0]!.msg).toContain('no ready upload of image "small-image"');
    // The first pass sends the current value (0), resetting a 1 left by another process.
    expect(stuckGauge(p)).toEqual([
      'nodepool.label.small.stuck:0|g',
      'nodepool.label.small.stuck:1|g',
    ]);
    expect(p.ctx.activity.policies.snapshot().stuck).toMatchObject([
      { label: 'small', cause: 'no-upload' },
    ]);

    p.w.uploads.set('small-image', 'alpha', 'image-1');
    await passFor(p, 20);
    expect(await p.states('small')).toEqual({ ready: 2 });
    expect(p.logs.find('is no longer stuck')).toHaveLength(1);
    expect(stuckGauge(p)).toEqual([
      'nodepool.label.small.stuck:0|g',
      'nodepool.label.small.stuck:1|g',
      'nodepool.label.small.stuck:0|g',
    ]);
    expect(p.ctx.activity.policies.snapshot().stuck).toEqual([]);
  });

  it('names the error every recent launch failed with', async () => {
    const p = await setUp();
    p.w.provider('alpha').failNext(
      'createServer',
      new ProviderError('compute answered 500', {
        provider: 'alpha',
        service: 'compute',
        status: 500,
        code: 'ERR_PROVIDER_SERVER',
      }),
      1000,
    );
    await passFor(p, 80);
    const warned = p.logs.find('is stuck');
    expect(warned).toHaveLength(1);
    expect(warned[0]!.msg).toMatch(
      /every recent launch failed \(\d+\), the last with error\.unknown \(ERR_PROVIDER_SERVER\)/,
    );
  });

  it('names a provider over quota', async () => {
    const p = await setUp();
    p.w.provider('alpha').maxInstances = 0;
    await passFor(p, 80);
    expect(p.logs.find('is stuck')[0]!.msg).toContain(
      'every provider with an upload is paused or over quota (alpha)',
    );
  });

  it('keeps the banner on the current cause without logging again', async () => {
    const p = await setUp({ uploads: false });
    await passFor(p, 80);
    expect(p.ctx.activity.policies.snapshot().stuck).toMatchObject([{ cause: 'no-upload' }]);
    p.w.provider('alpha').maxInstances = 0;
    p.w.uploads.set('small-image', 'alpha', 'image-1');
    await passFor(p, 30);
    expect(p.ctx.activity.policies.snapshot().stuck).toMatchObject([
      { label: 'small', cause: 'provider-paused' },
    ]);
    expect(p.logs.find('is stuck')).toHaveLength(1);
  });

  it('names offline targets', async () => {
    const p = await setUp({ jenkins: { isTargetOnline: () => Promise.resolve(false) } });
    await passFor(p, 80);
    expect(p.logs.find('is stuck')[0]!.msg).toContain('every target is offline');
  });

  it('stays silent while no provider has room', async () => {
    const p = await setUp({ uploads: false, providers: [{ name: 'alpha', maxServers: 0 }] });
    await passFor(p, 120);
    expect(p.logs.find('is stuck')).toEqual([]);
    expect(stuckGauge(p)).toEqual(['nodepool.label.small.stuck:0|g']);
  });

  it('sends every label’s value again after a leadership change, and drops the old term’s alarm', async () => {
    const p = await setUp({ uploads: false });
    await passFor(p, 120);
    expect(stuckGauge(p)).toEqual([
      'nodepool.label.small.stuck:0|g',
      'nodepool.label.small.stuck:1|g',
    ]);
    // Leadership lost and won back: the alarm starts afresh, the gauge is sent at once.
    p.policies.leadershipChanged(p.ctx);
    expect(p.ctx.activity.policies.snapshot().stuck).toEqual([]);
    await p.pass();
    expect(stuckGauge(p).at(-1)).toBe('nodepool.label.small.stuck:0|g');
    await passFor(p, 120);
    expect(stuckGauge(p).at(-1)).toBe('nodepool.label.small.stuck:1|g');
  });
});
