/**
 * How a cluster member's launch ends reach the launch policies: applied here on the leader,
 * reported to the leader through the cluster elsewhere (docs/cluster.md, "Launch policies in
 * a cluster").
 */
import type { LaunchReport } from '../cluster/index.js';
import type { LaunchEnd, LauncherContext, PolicyHooks } from './context.js';
import { launchReportOf } from './policies/index.js';
import type { LaunchPolicies } from './policies/index.js';

/** What the routing needs of the member (a `ClusterMember`). */
export interface ReportingMember {
  isLeader(): boolean;
  /** False when there is no cluster to report to (none in force during a reconfigure). */
  reportLaunchEnd(report: LaunchReport): boolean;
}

/**
 * The policy hooks of a cluster member: everything goes to `local`, except that a launch
 * end on a member that does not lead is reported to the leader through the cluster.
 */
export function routedPolicies(local: LaunchPolicies, member: () => ReportingMember): PolicyHooks {
  return {
    beforePass: (ctx) => local.beforePass(ctx),
    usable: (config, hasImage) => local.usable(config, hasImage),
    checkRoom: (ctx, names) => local.checkRoom(ctx, names),
    observe: (ctx, view) => local.observe(ctx, view),
    launchEnded: (ctx: LauncherContext, e: LaunchEnd) => {
      const m = member();
      if (m.isLeader() || !m.reportLaunchEnd(launchReportOf(e))) local.launchEnded(ctx, e);
    },
  };
}
