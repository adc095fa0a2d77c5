/**
 * `launch-attempts`: after that many failed launches of a label in a row on one provider, the
 * label's next nodes go to its other provider; with one provider, 0.4.0's retry on the same
 * provider at every pass is kept.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError, quotaExceeded } from '../../../../src/provider/index.js';
import { launcherYaml } from '../../../support/memory/memory-launcher.js';
import { policyWorld } from '../../../support/memory/policy-world.js';
import type { PolicyWorld } from '../../../support/memory/policy-world.js';

let world: PolicyWorld | null = null;
afterEach(async () => {
  await world?.w.close();
  world = null;
});

function apiError(provider: string): ProviderError {
  return new ProviderError(`Cannot create server in provider "${provider}": compute answered 500`, {
    provider,
    service: 'compute',
    status: 500,
    code: 'ERR_PROVIDER_SERVER',
    statsKey: 'error.unknown',
  });
}

describe('launch-attempts', () => {
  it('places the label on its other provider after that many failures in a row', async () => {
    world = await policyWorld(
      launcherYaml({
        labels: [{ name: 'small', minReady: 4, providers: ['alpha', 'beta'] }],
        providers: [
          { name: 'alpha', maxServers: 10, launchAttempts: 2 },
          { name: 'beta', maxServers: 10 },
        ],
      }),
    );
    const p = world;
    p.w.provider('alpha').failNext('createServer', apiError('alpha'), 100);
    // At first only alpha has an upload, so only alpha can take the label.
    p.w.uploads.remove('small-image', 'beta');
    const first = await p.pass();
    expect(first).toEqual(Array(4).fill('small@alpha'));
    expect(p.policies.attempts.count('small', 'alpha')).toBe(4);
    expect(p.logs.find('failed 2 launches in a row on provider alpha')).toHaveLength(1);

    // beta's upload appears: every node goes to beta, none to alpha (without the policy
    // allocation would split the label over both).
    p.w.uploads.set('small-image', 'beta', 'image-beta');
    const second = await p.pass();
    expect(second).toEqual(Array(4).fill('small@beta'));
    expect(await p.states('small')).toEqual({ ready: 4 });
    // A node of the label became ready: alpha gets its attempts again.
    expect(p.policies.attempts.count('small', 'alpha')).toBe(0);
    p.demand.set('small', 4);
    expect(await p.pass()).toContain('small@alpha');
  });

  it('keeps 0.4.0 behaviour for a label with one provider: retried there at every pass', async () => {
    world = await policyWorld(
      launcherYaml({
        labels: [{ name: 'solo', minReady: 1, providers: ['alpha'] }],
        providers: [{ name: 'alpha', maxServers: 10, launchAttempts: 1 }],
      }),
    );
    const p = world;
    p.w.provider('alpha').failNext('createServer', apiError('alpha'), 3);
    const placed: string[] = [];
    for (let i = 0; i < 4; i++) placed.push(...(await p.pass()));
    expect(placed).toEqual(Array(4).fill('solo@alpha'));
    expect(await p.states('solo')).toEqual({ ready: 1 });
  });

  it('does not count a quota refusal as a failed attempt', async () => {
    world = await policyWorld(
      launcherYaml({
        labels: [{ name: 'small', minReady: 2, providers: ['alpha', 'beta'] }],
        providers: [
          { name: 'alpha', maxServers: 10, launchAttempts: 1 },
          { name: 'beta', maxServers: 10 },
        ],
      }),
    );
    const p = world;
    // The cloud refuses although the limits nodepool read showed room.
    p.w
      .provider('alpha')
      .failNext(
        'createServer',
        quotaExceeded('Quota exceeded for instances', { provider: 'alpha', service: 'compute' }),
        2,
      );
    await p.pass();
    await p.pass();
    expect(p.w.provider('alpha').callsOf('createServer').length).toBeGreaterThan(0);
    expect(p.policies.quota.isBlocked('alpha')).toBe(true);
    expect(p.policies.attempts.count('small', 'alpha')).toBe(0);
    expect(await p.states('small')).toEqual({ ready: 2 });
  });
});
