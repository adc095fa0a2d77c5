/**
 * Where a launch end goes in a cluster: the leader applies it to its own launch policies,
 * another member reports it to the leader, and with no cluster in force (a reconfigure
 * replacing it) it is applied locally rather than lost.
 */
import { describe, expect, it, vi } from 'vitest';
import type { LaunchReport } from '../../../src/cluster/index.js';
import type { LauncherContext } from '../../../src/launcher/index.js';
import { LaunchPolicies } from '../../../src/launcher/policies/index.js';
import { routedPolicies } from '../../../src/launcher/policy-routing.js';
import { quotaExceeded } from '../../../src/provider/index.js';

function setUp(o: { isLeader: boolean; hasCluster: boolean }) {
  const local = new LaunchPolicies();
  const applied = vi.spyOn(local, 'launchEnded').mockImplementation(() => {});
  const reports: LaunchReport[] = [];
  const hooks = routedPolicies(local, () => ({
    isLeader: () => o.isLeader,
    reportLaunchEnd: (r) => {
      if (!o.hasCluster) return false;
      reports.push(r);
      return true;
    },
  }));
  return { hooks, applied, reports, ctx: {} as LauncherContext };
}

const refused = {
  label: 'small',
  provider: 'alpha',
  result: 'error.quota',
  error: quotaExceeded('over the instances quota', { provider: 'alpha', service: 'compute' }),
};

describe('launch-end routing', () => {
  it('applies a launch end locally on the leader', () => {
    const s = setUp({ isLeader: true, hasCluster: true });
    s.hooks.launchEnded(s.ctx, refused);
    expect(s.applied).toHaveBeenCalledTimes(1);
    expect(s.reports).toEqual([]);
  });

  it('reports a launch end to the leader from another member, as plain data', () => {
    const s = setUp({ isLeader: false, hasCluster: true });
    s.hooks.launchEnded(s.ctx, refused);
    s.hooks.launchEnded(s.ctx, { label: 'small', provider: 'alpha', result: 'ready' });
    expect(s.applied).not.toHaveBeenCalled();
    expect(s.reports).toEqual([
      {
        provider: 'alpha',
        label: 'small',
        result: 'error.quota',
        code: 'ERR_PROVIDER_QUOTA',
        quotaRefusal: 'over the instances quota',
      },
      { provider: 'alpha', label: 'small', result: 'ready' },
    ]);
    // It survives the trip through ZooKeeper's JSON unchanged.
    expect(JSON.parse(JSON.stringify(s.reports))).toEqual(s.reports);
  });

  it('applies it locally when no cluster is in force', () => {
    const s = setUp({ isLeader: false, hasCluster: false });
    s.hooks.launchEnded(s.ctx, refused);
    expect(s.applied).toHaveBeenCalledTimes(1);
  });
});
