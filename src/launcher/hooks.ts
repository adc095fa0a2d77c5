/**
 * Seams the launcher leaves for the Jenkins and Gearman integrations (docs/behaviour.md#jenkins)
 * and for tests. Every hook is optional; without them every target is online, no Jenkins
 * node is registered or removed, and there is no Zuul demand.
 */
import type { CompiledLabel, CompiledProvider, CompiledTarget } from '../config/index.js';
import type { NodeRecord } from '../db/index.js';
import type { SshConnector } from '../ssh/index.js';

/** A node that just became ready, as the Jenkins/Gearman hooks see it. */
export interface ReadyNodeInfo {
  readonly node: NodeRecord;
  readonly label: CompiledLabel;
  readonly provider: CompiledProvider;
  readonly target: CompiledTarget;
  /** The provider image's `username`, `user-home` and `private-key`. */
  readonly username: string;
  readonly userHome: string;
  readonly privateKey: string;
}

/**
 * What the Jenkins integration plugs in (docs/behaviour.md#applying-a-new-configuration "target online flags", docs/behaviour.md#launch-steps,
 * docs/behaviour.md#deleting-a-node). Errors thrown by `registerNode` fail the launch; by `removeNode` abort the
 * deletion (the node stays `delete` and is retried by the next cleanup).
 */
export interface JenkinsHooks {
  /** Whether a target takes new nodes this pass. @default every target is online */
  isTargetOnline?(target: CompiledTarget): boolean | Promise<boolean>;
  /** Called after the node is `ready` (or `test`). */
  registerNode?(info: ReadyNodeInfo, options: { signal?: AbortSignal }): Promise<void>;
  /** Called first when a node is deleted, when it has a `nodename`. */
  removeNode?(node: NodeRecord, target: CompiledTarget | undefined): Promise<void>;
}

/** What the Gearman integration plugs in (docs/behaviour.md#gearman-and-zuul). */
export interface GearmanHooks {
  /** Assigns a ready node (`assign-via-gearman`); resolves with the manager name. */
  assignNode?(info: ReadyNodeInfo, options: { signal?: AbortSignal }): Promise<string>;
  /** Revokes an assigned node on deletion; not awaited by upstream, errors are logged. */
  revokeNode?(node: NodeRecord): Promise<void>;
}

/** Queued Zuul jobs per label, asked once per pass. @default no demand */
export type DemandSource = () => Promise<ReadonlyMap<string, number>>;

/** How the launcher reaches nodes over SSH, and where it writes on them; set by the composer. */
export interface SshSeam {
  /**
   * The connector for a provider's nodes. @default every node over real SSH
   * (`directSsh`); `cmd/nodepoold` gives `auth-url: fake` providers `fakeSsh`
   */
  connector?(provider: CompiledProvider): SshConnector;
  /** Remote directory of the node files. @default '/etc/nodepool' */
  nodepoolDir?: string;
  /** Remote directory of ready scripts. @default '/opt/nodepool-scripts' */
  scriptsDir?: string;
  /** Pause between SSH attempts. @default 2000 */
  retryDelayMs?: number;
  /**
   * SSH login attempts in flight at once, over all launches and checks of the launcher
   * (see `LoginSlots`). @default 64 (zuul-launcher caps its key scans at 100)
   */
  maxConcurrentLogins?: number;
}
