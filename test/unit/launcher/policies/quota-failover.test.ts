/**
 * Quota failover over in-memory ports: a provider that refuses a create for quota, or whose
 * limits show no room, gets no further create until a later read of its limits shows room;
 * the label's demand is met by its other provider meanwhile. One WARNING and one counted
 * episode per episode, one INFO at its end.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { launcherYaml } from '../../../support/memory/memory-launcher.js';
import { policyWorld } from '../../../support/memory/policy-world.js';
import type { PolicyWorld } from '../../../support/memory/policy-world.js';

let world: PolicyWorld | null = null;
afterEach(async () => {
  await world?.w.close();
  world = null;
});

async function twoProviders(minReady: number): Promise<PolicyWorld> {
  world = await policyWorld(
    launcherYaml({
      labels: [{ name: 'small', minReady, providers: ['alpha', 'beta'] }],
      providers: [
        { name: 'alpha', maxServers: 10 },
        { name: 'beta', maxServers: 10 },
      ],
    }),
  );
  return world;
}

function quotaLines(p: PolicyWorld, provider: string): string[] {
  return p.w.stats.lines.filter((l) =>
    l.startsWith(`nodepool.provider.${provider}.quota_exceeded`),
  );
}

describe('quota failover', () => {
  it('moves the share of a provider that refuses a create for quota to the other provider', async () => {
    const p = await twoProviders(6);
    p.w.provider('alpha').maxInstances = 1;
    const first = await p.pass();
    expect(first.filter((s) => s.endsWith('@alpha')).length).toBeGreaterThan(1);
    // alpha took one server, refused the rest; each refusal ended its node.
    expect(p.w.provider('alpha').servers.size).toBe(1);
    const creates = p.w.provider('alpha').callsOf('createServer').length;
    expect(p.policies.quota.isBlocked('alpha')).toBe(true);

    // The next passes place the missing nodes on beta only.
    for (let i = 0; i < 3; i++) {
      await p.clock.advance(1000);
      expect((await p.pass()).every((s) => s === 'small@beta')).toBe(true);
    }
    expect(await p.states('small')).toEqual({ ready: 6 });
    expect(p.w.provider('alpha').callsOf('createServer').length).toBe(creates);

    expect(p.logs.find('is over quota')).toHaveLength(1);
    expect(p.logs.find('is over quota')[0]!.level).toBe(40);
    expect(quotaLines(p, 'alpha')).toEqual(['nodepool.provider.alpha.quota_exceeded:1|c']);
    expect(p.ctx.activity.policies.snapshot()).toMatchObject({
      overQuota: ['alpha'],
      quotaExceeded: [{ labels: { provider: 'alpha' }, value: 1 }],
    });
  });

  it('skips a provider whose limits show no room before any create to it', async () => {
    const p = await twoProviders(4);
    p.w.provider('alpha').maxInstances = 0;
    await p.pass();
    await p.clock.advance(1000);
    await p.pass();
    expect(p.w.provider('alpha').callsOf('createServer')).toEqual([]);
    expect(await p.states('small')).toEqual({ ready: 4 });
    expect(p.logs.find('is over quota')).toHaveLength(1);
  });

  it('launches there again once a later read of its limits shows room, and logs the end once', async () => {
    const p = await twoProviders(2);
    p.w.provider('alpha').maxInstances = 0;
    await p.pass();
    await p.pass();
    expect(await p.states('small')).toEqual({ ready: 2 });
    // Limits unchanged: still skipped after an interval.
    await p.clock.advance(p.ctx.timing.intervalMs);
    await p.pass();
    expect(p.policies.quota.isBlocked('alpha')).toBe(true);

    p.w.provider('alpha').maxInstances = 10;
    // Not read again before one interval has passed since the last read.
    await p.pass();
    expect(p.policies.quota.isBlocked('alpha')).toBe(true);
    await p.clock.advance(p.ctx.timing.intervalMs);
    await p.pass();
    expect(p.policies.quota.isBlocked('alpha')).toBe(false);
    expect(p.logs.find('is no longer over quota')).toHaveLength(1);
    expect(p.logs.find('is no longer over quota')[0]!.level).toBe(30);
    expect(p.ctx.activity.policies.snapshot().overQuota).toEqual([]);

    // More demand now reaches alpha again.
    p.demand.set('small', 4);
    const started = await p.pass();
    expect(started).toContain('small@alpha');
    expect(quotaLines(p, 'alpha')).toHaveLength(1);
  });

  it('keeps a one-provider label on its provider and launches nothing while it is full', async () => {
    world = await policyWorld(
      launcherYaml({
        labels: [{ name: 'solo', minReady: 2, providers: ['alpha'] }],
        providers: [{ name: 'alpha', maxServers: 10 }],
      }),
    );
    const p = world;
    p.w.provider('alpha').maxInstances = 1;
    await p.pass();
    expect(await p.states('solo')).toEqual({ ready: 1 });
    const creates = p.w.provider('alpha').callsOf('createServer').length;
    await p.pass();
    await p.pass();
    expect(p.w.provider('alpha').callsOf('createServer').length).toBe(creates);
  });
});
