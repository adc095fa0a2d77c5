/**
 * The contract between the launcher and long-lived integrations (the Jenkins/Zuul one in
 * `src/jenkins-zuul/`): the launcher hands each integration its context once, tells it about
 * every configuration it applies, and stops it on shutdown after in-flight launches and
 * deletions have settled (so their Jenkins and Gearman calls still work).
 *
 * Not in the contract: what an integration does with the configuration; it must be
 * idempotent (the same config may be applied many times) and must not throw for one
 * broken part (log it and keep the rest working).
 */
import type { CompiledConfig } from '../config/index.js';
import type { LauncherContext } from './context.js';

/** What the launcher gives an integration. */
export interface IntegrationHost {
  /** The launcher's shared context (config, database, stats, timing, wake, gauges). */
  readonly ctx: LauncherContext;
  /** Starts deleting a node in the background (deduplicated by node id). */
  deleteNode(nodeId: number, reason: string): void;
  /**
   * Whether this launcher owns `provider` now (several launchers, issue #15): an event about
   * a node is applied by the owner of the node's provider only, so exactly once.
   * @default every provider (one launcher)
   */
  owns?(provider: string): boolean;
  /**
   * Whether this launcher is the cluster's leader now (work that must run in one launcher
   * but is not tied to one provider, e.g. snapshot images). @default true (one launcher)
   */
  isLeader?(): boolean;
}

/** A part of nodepoold that follows the configuration and lives as long as the launcher. */
export interface LauncherIntegration {
  /** For logs. */
  readonly name: string;
  /** Called once, when the launcher is built (before any configure). */
  attach(host: IntegrationHost): void;
  /** Called after every successful config load, with the config now in force. */
  configure(config: CompiledConfig): Promise<void>;
  /** Called once on launcher stop; releases sockets and timers. */
  stop(): Promise<void>;
  /**
   * What the integration reports in the SIGUSR2 report (connections, last results), as
   * plain JSON data. Must not throw or wait.
   */
  status?(): unknown;
}
