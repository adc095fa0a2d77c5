/**
 * Several cluster members sharing one in-memory registry: the double of the ZooKeeper
 * cluster (issue #15) for unit tests. It keeps the contract's rules:
 *
 * - the leader is the first live member that joined;
 * - each provider is claimed by its rendezvous owner among the live members (highest hash
 *   of member + provider); a claim is held only after `hooks.adopt` resolved, and a
 *   rejected adoption is retried at the next settle;
 * - a live member losing a provider has `owns()` false at once, then `hooks.release`, then
 *   loses the claim; a crashed or fenced member's claims go at once (its session ended);
 * - launch requests are kept per provider until the owner takes them;
 * - `fence(member)` aborts its fence signal, calls `hooks.fenced`, and drops it from the
 *   live members (`rejoin()` brings it back with a fresh signal).
 *
 * Every change is applied by {@link MemoryClusterRegistry.settle}, one at a time; tests await
 * `registry.settled()`.
 */
import { createHash } from 'node:crypto';
import type {
  Cluster,
  ClusterHooks,
  LaunchReport,
  LaunchRequest,
  LauncherListEntry,
} from '../../../src/cluster/index.js';

function score(member: string, provider: string): number {
  return createHash('sha1').update(`${member}\0${provider}`).digest().readUInt32BE(0);
}

interface Claim {
  readonly member: MemoryClusterMember;
  isAdopted: boolean;
}

/** The shared registry (the ZooKeeper ensemble of the double). */
export class MemoryClusterRegistry {
  /** Live members, in join order. */
  readonly live: MemoryClusterMember[] = [];
  readonly claims = new Map<string, Claim>();
  readonly requests: LaunchRequest[] = [];
  /** Launch reports queued for the leader. */
  readonly reports: LaunchReport[] = [];
  /** Every `adopt` call, in order: `member/provider`. */
  readonly adoptions: string[] = [];
  providers: readonly string[] = [];
  /** What a settle threw (a hook that rejected where it must not). */
  readonly errors: unknown[] = [];
  private chain: Promise<void> = Promise.resolve();

  /** A member called `name` (not joined until its `start`); `launches: false` as `--no-launches`. */
  member(name: string, options: { launches?: boolean } = {}): MemoryClusterMember {
    return new MemoryClusterMember(this, name, options.launches ?? true);
  }

  /** The first live member that launches (a `--no-launches` member never leads). */
  leader(): MemoryClusterMember | undefined {
    return this.live.find((m) => m.launches);
  }

  /**
   * The rendezvous owner of `provider` among the live members that launch, or among all of
   * them while none does.
   */
  ownerOf(provider: string): MemoryClusterMember | undefined {
    let best: MemoryClusterMember | undefined;
    const launching = this.live.filter((m) => m.launches);
    for (const m of launching.length > 0 ? launching : this.live)
      if (best === undefined || score(m.self, provider) > score(best.self, provider)) best = m;
    return best;
  }

  /** Queues a settle: releases, claims and adoptions as the membership now says. */
  settle(): Promise<void> {
    this.chain = this.chain
      .then(() => this.doSettle())
      .catch((err: unknown) => {
        this.errors.push(err);
      });
    return this.chain;
  }

  /** Resolves when every queued settle ran. */
  async settled(): Promise<void> {
    let last: Promise<void>;
    do {
      last = this.chain;
      await last;
    } while (last !== this.chain);
  }

  /** Removes a member whose session ended (kill -9, expiry): its claims go at once. */
  drop(member: MemoryClusterMember): Promise<void> {
    const i = this.live.indexOf(member);
    if (i >= 0) this.live.splice(i, 1);
    for (const [p, c] of this.claims) if (c.member === member) this.claims.delete(p);
    return this.settle();
  }

  /** Fences a member: its fence signal aborts, `hooks.fenced` is called, its session ends. */
  fence(member: MemoryClusterMember, reason = 'session expired'): Promise<void> {
    member.abortTerm(reason);
    return this.drop(member);
  }

  private async doSettle(): Promise<void> {
    // Releases run side by side (each provider's grace at once), as a member leaving does.
    const releases: Array<Promise<void>> = [];
    for (const [provider, claim] of [...this.claims]) {
      const wanted = this.providers.includes(provider) ? this.ownerOf(provider) : undefined;
      if (wanted === claim.member) continue;
      claim.isAdopted = false;
      releases.push(
        (async () => {
          await claim.member.hooks?.release(provider);
          this.claims.delete(provider);
        })(),
      );
    }
    await Promise.all(releases);
    for (const provider of this.providers) {
      if (this.claims.has(provider)) continue;
      const owner = this.ownerOf(provider);
      if (owner?.hooks === undefined) continue;
      const claim: Claim = { member: owner, isAdopted: false };
      this.claims.set(provider, claim);
      this.adoptions.push(`${owner.self}/${provider}`);
      try {
        await owner.hooks.adopt(provider, owner.fenceSignal());
        claim.isAdopted = true;
      } catch {
        this.claims.delete(provider);
      }
    }
    for (const m of this.live) m.hooks?.changed();
  }
}

/** One member's view (a `Cluster`). */
export class MemoryClusterMember implements Cluster {
  hooks: ClusterHooks | undefined;
  private term = new AbortController();
  readonly since = Math.floor(Date.now() / 1000);

  constructor(
    private readonly registry: MemoryClusterRegistry,
    readonly self: string,
    readonly launches = true,
  ) {}

  async start(hooks: ClusterHooks): Promise<void> {
    if (this.registry.live.some((m) => m.self === this.self))
      throw Object.assign(new Error(`Launcher name "${this.self}" is taken`), {
        code: 'ERR_LAUNCHER_NAME_TAKEN',
      });
    this.hooks = hooks;
    this.registry.live.push(this);
    await this.registry.settle();
  }

  async stop(): Promise<void> {
    const i = this.registry.live.indexOf(this);
    if (i >= 0) this.registry.live.splice(i, 1);
    await this.registry.settle();
    this.hooks = undefined;
  }

  /** Back after a fence: a fresh fence signal, joined again at the end of the list. */
  async rejoin(): Promise<void> {
    const hooks = this.hooks;
    if (hooks === undefined) throw new Error(`${this.self} never started`);
    this.term = new AbortController();
    this.registry.live.push(this);
    await this.registry.settle();
  }

  /** Aborts the fence signal and calls `hooks.fenced` (the registry drops the member). */
  abortTerm(reason: string): void {
    this.term.abort(new Error(`fenced: ${reason}`));
    this.hooks?.fenced(reason);
  }

  setProviders(names: readonly string[]): void {
    this.registry.providers = [...names];
    void this.registry.settle();
  }

  isLeader(): boolean {
    return this.registry.leader() === this && !this.term.signal.aborted;
  }

  owns(provider: string): boolean {
    const c = this.registry.claims.get(provider);
    return c?.member === this && c.isAdopted && !this.term.signal.aborted;
  }

  ownedProviders(): readonly string[] {
    return this.registry.providers.filter((p) => this.owns(p));
  }

  fenceSignal(): AbortSignal {
    return this.term.signal;
  }

  requestLaunches(requests: readonly LaunchRequest[]): Promise<void> {
    if (this.term.signal.aborted) return Promise.reject(new Error('fenced'));
    this.registry.requests.push(...requests);
    for (const p of new Set(requests.map((r) => r.provider)))
      this.registry.claims.get(p)?.member.hooks?.changed();
    return Promise.resolve();
  }

  takeLaunchRequests(provider: string): Promise<LaunchRequest[]> {
    const all = this.registry.requests;
    const taken = all.filter((r) => r.provider === provider);
    for (const r of taken) all.splice(all.indexOf(r), 1);
    return Promise.resolve(taken);
  }

  pendingLaunchRequests(provider: string): Promise<LaunchRequest[]> {
    return Promise.resolve(this.registry.requests.filter((r) => r.provider === provider));
  }

  reportLaunchEnds(reports: readonly LaunchReport[]): Promise<void> {
    this.registry.reports.push(...reports);
    this.registry.leader()?.hooks?.changed();
    return Promise.resolve();
  }

  takeLaunchReports(): Promise<LaunchReport[]> {
    return Promise.resolve(this.registry.reports.splice(0));
  }

  list(): Promise<LauncherListEntry[]> {
    return Promise.resolve(
      this.registry.live.map((m) => ({
        name: m.self,
        host: 'memory',
        pid: 0,
        since: m.since,
        leader: this.registry.leader() === m,
        providers: m.ownedProviders(),
      })),
    );
  }
}
