/**
 * The contract between the launcher and the cluster of launchers (issue #15): who leads
 * allocation, who owns which provider, how a launch reaches its provider's owner, and when
 * this member must stop all cloud work (fencing). `soloCluster()` is the one-member form
 * (no ZooKeeper configured); `ZkCluster` the ZooKeeper one.
 */

/** A live launcher as it registers itself. */
export interface LauncherMember {
  readonly name: string;
  readonly host: string;
  readonly pid: number;
  /** When it joined, epoch seconds. */
  readonly since: number;
  /**
   * False for a `--no-launches` member: it neither leads nor owns a provider while a member
   * that launches is live (absent: true).
   */
  readonly launches?: boolean;
}

/** One object of `nodepool launcher-list --json` and of `/launcher-list`: exactly these keys. */
export interface LauncherListEntry extends LauncherMember {
  readonly leader: boolean;
  /** Names of the providers whose claim this member holds. */
  readonly providers: readonly string[];
}

/**
 * A launch the leader hands to the owner of `provider`. The row (node, or subnode and its
 * parent) already exists in the database, `building`; the row says label, target and AZ.
 */
export interface LaunchRequest {
  readonly provider: string;
  readonly kind: 'node' | 'subnode';
  /** The node id (`kind: 'node'`) or the subnode id (`kind: 'subnode'`). */
  readonly id: number;
}

/**
 * How a launch ended on its provider's owner, sent to the leader, whose launch policies
 * (quota failover, `launch-attempts`, the stuck alarm) decide the next allocations.
 */
export interface LaunchReport {
  readonly provider: string;
  readonly label: string;
  /** `ready` or the statsd error key (`error.quota`, ...). */
  readonly result: string;
  /** The error's stable code, when it has one. */
  readonly code?: string;
  /** Set when the create was refused for quota: the refusal's message. */
  readonly quotaRefusal?: string;
}

/** What the launcher does when the cluster moves providers or leadership. */
export interface ClusterHooks {
  /**
   * The claim on `provider` is now held by this member; `owns(provider)` turns true only
   * after this resolves. Recover what a previous owner left: every `building` node/subnode
   * row of the provider that has no pending launch request is reaped (the start-up rules),
   * then the pending requests are taken. A rejection releases the claim; it is retried later.
   */
  adopt(provider: string, signal: AbortSignal): Promise<void>;
  /**
   * This member must give `provider` up (its rendezvous owner is now another live member,
   * or this member is stopping). `owns(provider)` is already false: start nothing new for
   * it, let in-flight work finish or abort it, then resolve; the claim is deleted after.
   */
  release(provider: string): Promise<void>;
  /**
   * Something the launcher acts on changed: leadership, ownership, a launch request for an
   * owned provider, the member list. Run a pass soon.
   */
  changed(): void;
  /**
   * This member was fenced (its session was lost or may be about to be): every piece of
   * cloud work must stop now. `fenceSignal()` is already aborted when this is called.
   */
  fenced(reason: string): void;
}

/** This launcher's view of the cluster. */
export interface Cluster {
  /** This member's name (`--launcher-name`, default `host-pid`). */
  readonly self: string;
  /** Registers, joins the election and starts claiming; rejects `ERR_LAUNCHER_NAME_TAKEN`. */
  start(hooks: ClusterHooks): Promise<void>;
  /** Releases every owned provider (through `hooks.release`), leaves, unregisters. */
  stop(): Promise<void>;
  /** The providers to distribute: every launcher passes the providers of its config in force. */
  setProviders(names: readonly string[]): void;
  /** Whether this member is the elected leader now (allocation, global gauges, Gearman demand). */
  isLeader(): boolean;
  /** Whether this member holds the claim on `provider` now and has adopted it. */
  owns(provider: string): boolean;
  /** The providers `owns()` is true for. */
  ownedProviders(): readonly string[];
  /**
   * Aborted when this member is fenced; after it rejoins, a fresh signal is returned. Cloud
   * work reads it when it starts and passes it down.
   */
  fenceSignal(): AbortSignal;
  /** Persists launches for the owners of their providers (the leader calls this). */
  requestLaunches(requests: readonly LaunchRequest[]): Promise<void>;
  /** Removes and returns the pending requests of an owned provider (only its owner calls this). */
  takeLaunchRequests(provider: string): Promise<LaunchRequest[]>;
  /** The pending requests of a provider, not removed (adoption: such rows are not orphans). */
  pendingLaunchRequests(provider: string): Promise<LaunchRequest[]>;
  /** Queues launch results for the leader (an owner that does not lead calls this). */
  reportLaunchEnds(reports: readonly LaunchReport[]): Promise<void>;
  /** Removes and returns the queued launch results, oldest first (the leader calls this). */
  takeLaunchReports(): Promise<LaunchReport[]>;
  /** The live members, leader and claims (for launcher-list and the status page). */
  list(): Promise<LauncherListEntry[]>;
}
