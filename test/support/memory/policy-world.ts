/**
 * An in-memory launcher with the pool policies (quota failover, launch attempts, the stuck
 * alarm), a ManualClock and a capturing logger: `pass()` runs one pass and lets every launch
 * it started run to its end, deleting failed nodes at once (row and server), as the deleter
 * would.
 */
import { stateFromCode } from '../../../src/db/index.js';
import type { LauncherContext } from '../../../src/launcher/index.js';
import { AllocationHistory } from '../../../src/launcher/index.js';
import type { LaunchOutcome } from '../../../src/launcher/node-launcher.js';
import { launchNode } from '../../../src/launcher/node-launcher.js';
import { runPass } from '../../../src/launcher/pass.js';
import { LaunchPolicies } from '../../../src/launcher/policies/index.js';
import type { Provider } from '../../../src/provider/index.js';
import { captureLog } from '../log-capture.js';
import type { CapturedLog } from '../log-capture.js';
import { ManualClock } from './manual-clock.js';
import { memoryLauncher } from './memory-launcher.js';
import type { MemoryLauncher, MemoryLauncherOptions } from './memory-launcher.js';

/** The world a policy test drives. */
export interface PolicyWorld {
  readonly w: MemoryLauncher;
  readonly ctx: LauncherContext;
  readonly clock: ManualClock;
  readonly policies: LaunchPolicies;
  readonly logs: CapturedLog;
  /** Gearman demand per label the next passes see. */
  readonly demand: Map<string, number>;
  /** One pass, then every launch it started to its end; returns `label@provider` per launch. */
  pass(): Promise<string[]>;
  /** Nodes of `label` per state, e.g. `{ ready: 2 }`. */
  states(label?: string): Promise<Record<string, number>>;
}

/** Builds a {@link PolicyWorld} over a nodepool.yaml text. */
export async function policyWorld(
  yaml: string,
  options: MemoryLauncherOptions = {},
): Promise<PolicyWorld> {
  const w = await memoryLauncher(yaml, options);
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const policies = new LaunchPolicies();
  const logs = captureLog('info');
  const ctx: LauncherContext = { ...w.ctx, log: logs.log, clock, policies };
  const history = new AllocationHistory();
  const refreshed = new WeakMap<Provider, number>();
  const demand = new Map<string, number>();
  const requestDelete = (id: number): void => {
    void (async () => {
      const row = await w.db.nodes.get(id);
      if (row?.externalId) w.provider(row.providerName).servers.delete(row.externalId);
      await w.db.nodes.delete(id);
    })();
  };
  return {
    w,
    ctx,
    clock,
    policies,
    logs,
    demand,
    async pass() {
      const launches: Promise<LaunchOutcome>[] = [];
      const started: string[] = [];
      await runPass(ctx, {
        history,
        jenkins: ctx.jenkins,
        demandSource: () => Promise.resolve(new Map(demand)),
        starter: {
          launch: (s) => {
            started.push(`${s.label.name}@${s.provider.name}`);
            launches.push(launchNode(ctx, s, requestDelete));
          },
          launchSubnode: () => undefined,
        },
        refreshed,
      });
      await Promise.all(launches);
      await new Promise((resolve) => setImmediate(resolve));
      return started;
    },
    async states(label) {
      const out: Record<string, number> = {};
      for (const n of await w.db.nodes.list()) {
        if (label !== undefined && n.labelName !== label) continue;
        const key = stateFromCode(n.state) ?? String(n.state);
        out[key] = (out[key] ?? 0) + 1;
      }
      return out;
    },
  };
}
