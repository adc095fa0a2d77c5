/**
 * Several launchers sharing one in-memory world (database, clouds, uploads) and one
 * {@link MemoryClusterRegistry}: each member has its own context, deleter, task group and
 * `ClusterMember`, and runs passes as the pool's loop would (owner duties, then allocation
 * on the leader). No timer: tests call `pass()` and `settled()`.
 */
import type { LauncherContext } from '../../../src/launcher/index.js';
import { AllocationHistory } from '../../../src/launcher/index.js';
import { ClusterMember } from '../../../src/launcher/cluster-member.js';
import { routedPolicies } from '../../../src/launcher/policy-routing.js';
import { LaunchPolicies } from '../../../src/launcher/policies/index.js';
import { NodeDeleter } from '../../../src/launcher/node-deleter.js';
import { runPass } from '../../../src/launcher/pass.js';
import type { PassResult } from '../../../src/launcher/pass.js';
import type { Provider } from '../../../src/provider/index.js';
import { ActivityCounters } from '../../../src/status/index.js';
import { TaskGroup } from '../../../src/util/index.js';
import { MemoryClusterRegistry } from './memory-cluster.js';
import type { MemoryClusterMember } from './memory-cluster.js';
import type { MemoryLauncher } from './memory-launcher.js';

/** One launcher of the world. */
export class MemoryMember {
  readonly cluster: MemoryClusterMember;
  readonly member: ClusterMember;
  readonly deleter: NodeDeleter;
  readonly tasks: TaskGroup;
  readonly ctx: LauncherContext;
  /** This launcher's own launch policy state (each process has one). */
  readonly policies = new LaunchPolicies();
  /** Aborted when the launcher gives up its in-flight work (stop grace over, or kill -9). */
  readonly stopping = new AbortController();
  readonly errors: unknown[] = [];
  private readonly history = new AllocationHistory();
  private readonly refreshed = new WeakMap<Provider, number>();
  private readonly isLaunching: boolean;

  constructor(
    readonly world: MemoryLauncher,
    readonly registry: MemoryClusterRegistry,
    readonly name: string,
    options: { noLaunches?: boolean } = {},
  ) {
    this.isLaunching = options.noLaunches !== true;
    this.cluster = registry.member(name, { launches: this.isLaunching });
    this.tasks = new TaskGroup((err) => this.errors.push(err));
    const member = (): ClusterMember => this.member;
    this.ctx = {
      ...world.ctx,
      log: world.ctx.log.child({ launcher: name }),
      activity: new ActivityCounters(),
      policies: routedPolicies(this.policies, member),
      get signal() {
        return member().signal();
      },
    };
    this.deleter = new NodeDeleter(this.ctx, this.tasks);
    this.member = new ClusterMember({
      ctx: this.ctx,
      cluster: () => this.cluster,
      deleter: this.deleter,
      tasks: this.tasks,
      stopSignal: this.stopping.signal,
      noDeletes: false,
      noLaunches: options.noLaunches === true,
      policies: this.policies,
    });
  }

  /** Joins the cluster with this launcher's providers (every configured one). */
  async start(): Promise<void> {
    await this.cluster.start(this.member);
    this.cluster.setProviders(this.ctx.config().providers.map((p) => p.name));
    await this.registry.settled();
  }

  /** Launches this member ran to `ready`, per provider. */
  readyLaunches(): Map<string, number> {
    const out = new Map<string, number>();
    for (const e of this.ctx.activity.launchEntries())
      if (e.labels['result'] === 'ready')
        out.set(e.labels['provider'] ?? '', (out.get(e.labels['provider'] ?? '') ?? 0) + e.value);
    return out;
  }

  /** One loop iteration: owner duties, then allocation when leader (null otherwise). */
  pass(): Promise<PassResult | null> {
    // As the pool's loop: a `--no-launches` launcher runs no pass at all.
    if (!this.isLaunching) return Promise.resolve(null);
    return this.member.pass((starter) =>
      runPass(this.ctx, {
        history: this.history,
        jenkins: {},
        starter,
        refreshed: this.refreshed,
      }),
    );
  }

  /**
   * kill -9: in-flight work is aborted (it ends, abandoned, at its next step), the session
   * ends and the other members adopt its providers. `tasks.drain()` waits for the rest.
   */
  async crash(): Promise<void> {
    this.stopping.abort(new Error(`${this.name} killed`));
    await this.registry.drop(this.cluster);
  }

  /** A graceful stop: releases every provider (draining them), leaves. */
  async stop(): Promise<void> {
    await this.cluster.stop();
    await this.tasks.drain();
  }
}

/** `n` launchers `l1`…`ln` on one world and one registry, started in order. */
export async function memoryMembers(world: MemoryLauncher, n: number): Promise<MemoryMember[]> {
  const registry = new MemoryClusterRegistry();
  const members: MemoryMember[] = [];
  for (let i = 1; i <= n; i++) {
    const m = new MemoryMember(world, registry, `l${i}`);
    await m.start();
    members.push(m);
  }
  return members;
}
