/**
 * Cluster test support: ZkCluster members on their own ZooKeeper clients (optionally behind a
 * TcpProxy to cut them off), with hooks that record every adopt, release and fence on one
 * shared timeline, and checks over that timeline.
 */
import type { ClusterHooks } from '../../src/cluster/index.js';
import { ZkCluster } from '../../src/cluster/index.js';
import type { CompiledZooKeeperServer } from '../../src/config/index.js';
import { ZkClient } from '../../src/zk/index.js';
import { TcpProxy } from './tcp-proxy.js';

/** One recorded hook call. `adopted` is when adopt resolved, `release` when release began. */
export interface ClusterEvent {
  readonly seq: number;
  readonly at: number;
  readonly member: string;
  readonly kind: 'adopt' | 'adopted' | 'release' | 'released' | 'fenced' | 'changed';
  readonly provider?: string;
}

/** How recording hooks behave. */
export interface RecordingHookOptions {
  /** Each adopt waits this long first. */
  readonly adoptDelayMs?: number;
  /** The first adopt of each of these providers rejects. */
  readonly failAdoptOnce?: readonly string[];
}

/** A shared timeline of hook calls of several members. */
export class ClusterRecorder {
  readonly events: ClusterEvent[] = [];
  private seq = 0;

  record(member: string, kind: ClusterEvent['kind'], provider?: string): void {
    this.events.push({ seq: this.seq++, at: Date.now(), member, kind, provider });
  }

  /** Hooks of `member` that record into this timeline. */
  hooks(member: string, options: RecordingHookOptions = {}): ClusterHooks {
    const failing = new Set(options.failAdoptOnce ?? []);
    return {
      adopt: async (provider) => {
        this.record(member, 'adopt', provider);
        if (options.adoptDelayMs) await new Promise((r) => setTimeout(r, options.adoptDelayMs));
        if (failing.delete(provider)) {
          this.record(member, 'release', provider); // a failed adopt holds nothing
          throw new Error(`adopting ${provider} failed (test)`);
        }
        this.record(member, 'adopted', provider);
      },
      release: async (provider) => {
        this.record(member, 'release', provider);
        await Promise.resolve();
        this.record(member, 'released', provider);
      },
      changed: () => this.record(member, 'changed'),
      fenced: () => this.record(member, 'fenced'),
    };
  }

  count(member: string, kind: ClusterEvent['kind']): number {
    return this.events.filter((e) => e.member === member && e.kind === kind).length;
  }

  /**
   * Where two members held a provider at once on the timeline: a member holds a provider
   * from the start of its `adopt` to the start of its `release` or its `fenced`. The
   * next holder must start adopting only after the previous one stopped.
   */
  overlaps(): string[] {
    const holding = new Map<string, Map<string, number>>(); // provider → member → since seq
    const problems: string[] = [];
    for (const e of this.events) {
      if (e.kind === 'adopt' && e.provider !== undefined) {
        const holders = holding.get(e.provider) ?? new Map<string, number>();
        for (const [m, since] of holders)
          if (m !== e.member)
            problems.push(
              `${e.provider}: ${e.member} adopted (#${e.seq}) while ${m} held it since #${since}`,
            );
        holders.set(e.member, e.seq);
        holding.set(e.provider, holders);
      } else if (e.kind === 'release' && e.provider !== undefined) {
        holding.get(e.provider)?.delete(e.member);
      } else if (e.kind === 'fenced') {
        for (const holders of holding.values()) holders.delete(e.member);
      }
    }
    return problems;
  }
}

/** A running member and what it runs on. */
export interface TestMember {
  readonly name: string;
  readonly cluster: ZkCluster;
  readonly client: ZkClient;
  /** Present when started with `proxied: true`: cut it to partition the member. */
  readonly proxy: TcpProxy | null;
  stop(): Promise<void>;
}

/** Options of {@link startMember}. */
export interface StartMemberOptions {
  readonly name: string;
  readonly servers: readonly CompiledZooKeeperServer[];
  readonly recorder: ClusterRecorder;
  readonly providers: readonly string[];
  /** @default 10_000 */
  readonly sessionTimeoutMs?: number;
  /** Reach only the first server, through a TcpProxy. */
  readonly proxied?: boolean;
  readonly pid?: number;
  readonly hooks?: RecordingHookOptions;
  /** False: a `--no-launches` member. @default true */
  readonly launches?: boolean;
}

/** Starts a client and a ZkCluster member on it with recording hooks. */
export async function startMember(options: StartMemberOptions): Promise<TestMember> {
  let proxy: TcpProxy | null = null;
  let servers = [...options.servers];
  if (options.proxied === true) {
    const first = servers[0]!;
    proxy = await TcpProxy.start({ host: first.host, port: first.port });
    servers = [{ ...first, host: '127.0.0.1', port: proxy.port }];
  }
  const client = new ZkClient({ servers, sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000 });
  const cluster = new ZkCluster({
    client,
    name: options.name,
    pid: options.pid,
    retryMs: 500,
    ...(options.launches === false ? { launches: false } : {}),
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await cluster.stop();
    await client.stop();
    await proxy?.stop();
  };
  try {
    await client.start();
    cluster.setProviders(options.providers);
    await cluster.start(options.recorder.hooks(options.name, options.hooks));
  } catch (err) {
    await stop();
    throw err;
  }
  return { name: options.name, cluster, client, proxy, stop };
}

/** Provider → owning member names, over `members` (owns() now). */
export function ownership(
  members: readonly TestMember[],
  providers: readonly string[],
): Map<string, string[]> {
  return new Map(
    providers.map((p) => [p, members.filter((m) => m.cluster.owns(p)).map((m) => m.name)]),
  );
}

/** True when every provider has exactly the owner `expected` gives it. */
export function ownedAsExpected(
  members: readonly TestMember[],
  expected: ReadonlyMap<string, string>,
): boolean {
  for (const [p, owners] of ownership(members, [...expected.keys()]))
    if (owners.length !== 1 || owners[0] !== expected.get(p)) return false;
  return true;
}

/**
 * Samples `owns()` of every member every 10 ms until `stop()`, which returns the moments
 * when a provider had two owners.
 */
export function sampleOwnership(
  members: () => readonly TestMember[],
  providers: readonly string[],
): { stop(): string[] } {
  const problems: string[] = [];
  const timer = setInterval(() => {
    for (const [p, owners] of ownership(members(), providers))
      if (owners.length > 1) problems.push(`${p} owned by ${owners.join(', ')}`);
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      return problems;
    },
  };
}
