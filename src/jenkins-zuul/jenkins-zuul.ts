/**
 * The Jenkins and Zuul integration of nodepoold (docs/behaviour.md#jenkins): Jenkins targets,
 * the ZeroMQ build-event listener and the Gearman client, all following the configuration
 * the launcher applies. Build it, spread `launcherOptions()` into the launcher's options,
 * and the launcher attaches, configures and stops it.
 */
import type { CompiledConfig } from '../config/index.js';
import { illegalStateError } from '../errors.js';
import { JenkinsEventListener } from '../jenkins/index.js';
import type { JenkinsEventCounters, PublisherState } from '../jenkins/index.js';
import { getLogger } from '../log/index.js';
import type { IntegrationHost, LauncherIntegration } from '../launcher/index.js';
import type { LauncherOptions } from '../launcher/index.js';
import { GearmanLink } from './gearman-link.js';
import type { GearmanLinkOptions, GearmanLinkStatus } from './gearman-link.js';
import { JenkinsTargets } from './jenkins-targets.js';
import type { JenkinsTargetsOptions, TargetOnlineStatus } from './jenkins-targets.js';
import { JobEvents } from './job-events.js';

/** Options of {@link JenkinsZuulIntegration}. */
export interface JenkinsZuulOptions {
  /** `--no-deletes`: no ZeroMQ listeners (so no `used` transitions either, as upstream). */
  noDeletes: boolean;
  /** Jenkins call limits, and what builds a target's Jenkins besides a JenkinsManager. */
  jenkins?: Pick<JenkinsTargetsOptions, 'timeoutMs' | 'onlineTimeoutMs' | 'connect'>;
  /** Gearman tuning. */
  gearman?: Omit<GearmanLinkOptions, 'log' | 'onDemandChange'>;
  /** ZeroMQ reconnect interval. @default 100 */
  zmqReconnectIntervalMs?: number;
}

/** One ZeroMQ publisher in the SIGUSR2 report. */
export interface ZmqPublisherStatus {
  address: string;
  isConnected: boolean;
  received: number;
  /** When its last message arrived (ISO time), or null. */
  lastMessageAt: string | null;
}

/** What tests and the SIGUSR2 report can see. */
export interface JenkinsZuulStatus {
  /** ZeroMQ addresses with an open socket. */
  publishers: string[];
  /** The same with their connection state and traffic. */
  zmq: ZmqPublisherStatus[];
  events: JenkinsEventCounters | null;
  gearmanServers: string[];
  gearmanConnected: number;
  /** Servers, connections and the last demand. */
  gearman: GearmanLinkStatus;
  /** Targets with Jenkins and whether their last check found them online. */
  jenkinsTargets: TargetOnlineStatus[];
  jenkinsPendingDeletions: number;
}

function publisherStatus(p: PublisherState): ZmqPublisherStatus {
  return {
    address: p.address,
    isConnected: p.isConnected,
    received: p.received,
    lastMessageAt: p.lastMessageAt === null ? null : new Date(p.lastMessageAt).toISOString(),
  };
}

/** The Jenkins/ZeroMQ/Gearman integration; see the file header. */
export class JenkinsZuulIntegration implements LauncherIntegration {
  readonly name = 'jenkins-zuul';
  private host: IntegrationHost | null = null;
  private targets: JenkinsTargets | null = null;
  private events: JobEvents | null = null;
  private gearmanLink: GearmanLink | null = null;
  private listener: JenkinsEventListener | null = null;
  private isStopped = false;

  constructor(private readonly options: JenkinsZuulOptions) {}

  /** The hooks and the integration itself, to spread into `LauncherOptions`. */
  launcherOptions(): Required<
    Pick<LauncherOptions, 'jenkins' | 'gearman' | 'demandSource' | 'integrations'>
  > {
    const signal = (): AbortSignal => this.need().ctx.signal;
    return {
      jenkins: {
        isTargetOnline: (t) => this.need('targets').isTargetOnline(t, signal()),
        registerNode: (info, o) => this.need('targets').registerNode(info, o),
        removeNode: (node, t) => this.need('targets').removeNode(node, t),
      },
      gearman: {
        assignNode: (info, o) => this.need('gearman').hooks().assignNode(info, o),
        revokeNode: (node) => this.need('gearman').hooks().revokeNode(node),
      },
      demandSource: () => this.need('gearman').demandSource(signal)(),
      integrations: [this],
    };
  }

  attach(host: IntegrationHost): void {
    if (this.host !== null)
      throw illegalStateError('Cannot attach the Jenkins/Zuul integration twice', 'attached');
    const { ctx } = host;
    this.host = host;
    this.targets = new JenkinsTargets({ log: ctx.log, stats: ctx.stats, ...this.options.jenkins });
    this.events = new JobEvents(host, this.targets);
    this.gearmanLink = new GearmanLink({
      log: ctx.log,
      onDemandChange: () => ctx.wake(),
      ...this.options.gearman,
    });
  }

  async configure(config: CompiledConfig): Promise<void> {
    if (this.isStopped) return;
    const host = this.need();
    const log = host.ctx.log;
    const steps: Array<[string, () => Promise<void>]> = [
      ['Jenkins targets', () => this.need('targets').configure(config.targets)],
      ['ZeroMQ listeners', () => this.configureListener(config.zmqPublishers)],
      ['Gearman client', () => this.need('gearman').configure(config.gearmanServers)],
    ];
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (err) {
        log.error(
          { err },
          'Cannot apply the configuration to the %s: keeping the previous one',
          what,
        );
      }
    }
  }

  private async configureListener(publishers: readonly string[]): Promise<void> {
    const { ctx } = this.need();
    if (this.options.noDeletes) {
      if (publishers.length > 0 && this.listener === null)
        ctx.log.info('--no-deletes: not listening to Jenkins events');
      return;
    }
    if (this.listener !== null) {
      await this.listener.setPublishers(publishers);
      return;
    }
    if (publishers.length === 0) return;
    const events = this.need('events');
    this.listener = new JenkinsEventListener({
      publishers,
      onEvent: (e) => events.handle(e),
      log: getLogger(ctx.log, 'nodepool.NodeUpdateListener'),
      ...(this.options.zmqReconnectIntervalMs !== undefined
        ? { reconnectIntervalMs: this.options.zmqReconnectIntervalMs }
        : {}),
    });
    await this.listener.start();
  }

  /** Counters and connections, for tests and the SIGUSR2 report. */
  status(): JenkinsZuulStatus {
    const gearman = this.gearmanLink?.status() ?? {
      servers: [],
      connected: [],
      lastDemand: {},
      lastDemandAt: null,
    };
    return {
      publishers: this.listener?.addresses ?? [],
      zmq: this.listener?.publisherStates().map(publisherStatus) ?? [],
      events: this.listener?.counters() ?? null,
      gearmanServers: gearman.servers,
      gearmanConnected: gearman.connected.length,
      gearman,
      jenkinsTargets: this.targets?.onlineStatus() ?? [],
      jenkinsPendingDeletions: this.events?.pendingDeletions ?? 0,
    };
  }

  /** Stops listening first, then the pending job deletions, Gearman and the Jenkins managers. */
  async stop(): Promise<void> {
    if (this.isStopped) return;
    this.isStopped = true;
    const log = this.host?.ctx.log;
    const steps: Array<() => Promise<void> | undefined> = [
      () => this.listener?.stop(),
      () => this.events?.stop(),
      () => this.gearmanLink?.stop(),
      () => this.targets?.stop(),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        log?.warn({ err }, 'Cannot stop part of the Jenkins/Zuul integration cleanly');
      }
    }
  }

  private need(): IntegrationHost;
  private need(part: 'targets'): JenkinsTargets;
  private need(part: 'events'): JobEvents;
  private need(part: 'gearman'): GearmanLink;
  private need(
    part?: 'targets' | 'events' | 'gearman',
  ): IntegrationHost | JenkinsTargets | JobEvents | GearmanLink {
    const value =
      part === undefined
        ? this.host
        : part === 'targets'
          ? this.targets
          : part === 'events'
            ? this.events
            : this.gearmanLink;
    if (value === null)
      throw illegalStateError(
        'Cannot use the Jenkins/Zuul integration: it is not attached to a launcher',
        'detached',
      );
    return value;
  }
}
