/**
 * Jenkins targets (docs/behaviour.md#applying-a-new-configuration "Jenkins managers", docs/behaviour.md#jenkins-nodes, docs/behaviour.md#targets): one manager per
 * target that has a Jenkins URL (secure.conf `[jenkins "<target>"]`), rebuilt when its url,
 * user, apikey or rate change. The launcher hooks built on it decide each pass whether a
 * target is online, register ready nodes (with the test job when the target has one) and
 * remove Jenkins nodes on deletion.
 */
import type { Logger } from 'pino';
import type { CompiledTarget } from '../config/index.js';
import { illegalStateError } from '../errors.js';
import { JenkinsManager, JenkinsNotFoundError, nodeDescription } from '../jenkins/index.js';
import type { CreateNodeSpec } from '../jenkins/index.js';
import { getLogger } from '../log/index.js';
import type { NodeRecord } from '../db/index.js';
import type { Stats } from '../stats/index.js';
import type { JenkinsHooks, ReadyNodeInfo } from '../launcher/index.js';
import type { JenkinsTarget } from './jenkins-target.js';

export type { JenkinsTarget } from './jenkins-target.js';

/** A target whose secure.conf section gives a Jenkins URL. */
export type TargetWithJenkins = CompiledTarget & { jenkins: { url: string } };

/**
 * Builds the Jenkins of a target in place of a {@link JenkinsManager} when it returns one
 * (`cmd/` composes upstream's in-memory Jenkins of `apikey: fake` this way).
 */
export type JenkinsConnector = (
  target: TargetWithJenkins,
  log: Logger,
) => JenkinsTarget | undefined;

/** Options of {@link JenkinsTargets}. */
export interface JenkinsTargetsOptions {
  log: Logger;
  stats: Stats;
  /** @default none: every target gets a JenkinsManager */
  connect?: JenkinsConnector;
  /** Limit of each Jenkins HTTP call. @default 30_000 */
  timeoutMs?: number;
  /** Limit of the per-pass online check of one target. @default 10_000 */
  onlineTimeoutMs?: number;
}

interface Entry {
  readonly key: string;
  readonly ready: Promise<JenkinsTarget>;
}

/** The last online check of a target with Jenkins, for diagnostics. */
export interface TargetOnlineStatus {
  target: string;
  /** The answer of the last check; null before the first one. */
  isOnline: boolean | null;
  /** When it was made (ISO time), or null. */
  checkedAt: string | null;
}

/** The rebuild key: a change in any of these makes a new manager. */
function keyOf(target: CompiledTarget): string {
  const j = target.jenkins;
  return JSON.stringify([j.url, j.user ?? '', j.apikey ?? '', target.rateMs]);
}

/** True when the target has a Jenkins master (its secure.conf section gives a URL). */
export function hasJenkins(target: CompiledTarget | undefined): target is TargetWithJenkins {
  return target?.jenkins.url !== undefined && target.jenkins.url !== '';
}

/** The Jenkins managers of all targets. */
export class JenkinsTargets {
  private readonly entries = new Map<string, Entry>();
  private readonly log: Logger;
  private readonly retiring = new Set<Promise<void>>();
  /** The last online answer per target name, with its time (ms). */
  private readonly online = new Map<string, { isOnline: boolean; at: number }>();
  /** Names of the configured targets with Jenkins, in config order. */
  private targetNames: string[] = [];
  private isStopped = false;

  constructor(private readonly options: JenkinsTargetsOptions) {
    this.log = getLogger(options.log, 'nodepool.JenkinsManager');
  }

  /** The target's manager (started), or null when it has no Jenkins. Rebuilt when its settings changed. */
  async get(target: CompiledTarget): Promise<JenkinsTarget | null> {
    if (!hasJenkins(target)) return null;
    if (this.isStopped)
      throw illegalStateError(
        `Cannot use Jenkins of target "${target.name}": the launcher is stopping`,
        'stopped',
      );
    const key = keyOf(target);
    const current = this.entries.get(target.name);
    if (current?.key === key) return current.ready;
    const ready = this.make(target);
    this.entries.set(target.name, { key, ready });
    // A manager that failed to start is forgotten, so the next call tries again.
    ready.catch(() => {
      if (this.entries.get(target.name)?.ready === ready) this.entries.delete(target.name);
    });
    if (current !== undefined) this.retire(target.name, current);
    return ready;
  }

  /** Targets with Jenkins and their last online check, in config order. */
  onlineStatus(): TargetOnlineStatus[] {
    return this.targetNames.map((target) => {
      const o = this.online.get(target);
      return {
        target,
        isOnline: o?.isOnline ?? null,
        checkedAt: o === undefined ? null : new Date(o.at).toISOString(),
      };
    });
  }

  /** Applies a config: managers of removed targets, or targets without Jenkins now, are stopped. */
  async configure(targets: readonly CompiledTarget[]): Promise<void> {
    const byName = new Map(targets.map((t) => [t.name, t]));
    this.targetNames = targets.filter((t) => hasJenkins(t)).map((t) => t.name);
    for (const name of [...this.online.keys()]) {
      if (!this.targetNames.includes(name)) this.online.delete(name);
    }
    for (const [name, entry] of [...this.entries]) {
      const t = byName.get(name);
      if (!hasJenkins(t) || keyOf(t) !== entry.key) {
        this.entries.delete(name);
        this.retire(name, entry);
      }
    }
    // Start the new ones now, so that a bad URL shows up in the log at reload time.
    for (const t of targets) {
      if (hasJenkins(t)) await this.get(t);
    }
  }

  /** Stops every manager. */
  async stop(): Promise<void> {
    this.isStopped = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) await stopEntry(e, this.log);
    await Promise.all([...this.retiring]);
  }

  private async make(target: TargetWithJenkins): Promise<JenkinsTarget> {
    const j = target.jenkins;
    const log = this.log.child({ target: target.name });
    let m: JenkinsTarget | undefined = this.options.connect?.(target, log);
    if (m === undefined) {
      m = new JenkinsManager({
        name: target.name,
        url: j.url,
        ...(j.user !== undefined ? { user: j.user } : {}),
        ...(j.apikey !== undefined ? { apikey: j.apikey } : {}),
        rateMs: target.rateMs,
        ...(this.options.timeoutMs !== undefined ? { timeoutMs: this.options.timeoutMs } : {}),
        stats: this.options.stats,
        log,
      });
      log.info('Starting Jenkins manager for target %s (%s)', target.name, j.url);
    }
    await m.start();
    return m;
  }

  private retire(name: string, entry: Entry): void {
    this.log.info('Stopping the Jenkins manager of target %s (settings changed or removed)', name);
    // Calls already queued on the old manager fail with ERR_JENKINS_STOPPED; their launch
    // or deletion fails and is retried as usual.
    const p = stopEntry(entry, this.log).finally(() => this.retiring.delete(p));
    this.retiring.add(p);
  }

  /**
   * The launcher hooks. `signal` aborts the online checks when the launcher stops.
   */
  hooks(signal: () => AbortSignal): Required<JenkinsHooks> {
    return {
      isTargetOnline: (target) => this.isTargetOnline(target, signal()),
      registerNode: (info, opts) => this.registerNode(info, opts),
      removeNode: (node, target) => this.removeNode(node, target),
    };
  }

  /** docs/behaviour.md#applying-a-new-configuration: no Jenkins → online; quieting down or any error → offline. */
  async isTargetOnline(target: CompiledTarget, signal?: AbortSignal): Promise<boolean> {
    if (!hasJenkins(target)) return true;
    const limit = AbortSignal.timeout(this.options.onlineTimeoutMs ?? 10_000);
    let isOnline: boolean;
    try {
      const m = await this.get(target);
      isOnline =
        m === null
          ? true
          : await m.isOnline({ signal: signal ? AbortSignal.any([signal, limit]) : limit });
    } catch (err) {
      if (signal?.aborted) throw err;
      this.log.error(
        { err, target: target.name },
        'Target %s is offline: cannot ask Jenkins',
        target.name,
      );
      isOnline = false;
    }
    this.online.set(target.name, { isOnline, at: Date.now() });
    return isOnline;
  }

  /** docs/behaviour.md#jenkins-nodes create node; with a test job, the node is unlabelled and the job is started. */
  async registerNode(info: ReadyNodeInfo, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const { node, label, target } = info;
    const m = await this.get(target);
    if (m === null) return;
    if (node.nodename === null || node.ip === null) {
      throw illegalStateError(
        `Cannot register node ${node.id} with Jenkins: it has no nodename or ip`,
        'incomplete',
      );
    }
    const testJob = target.jenkins.testJob;
    const credentialsId = target.jenkins.credentialsId;
    const spec: CreateNodeSpec = {
      name: node.nodename,
      host: node.ip,
      description: nodeDescription(label.name),
      executors: 1,
      root: info.userHome,
      labels: testJob !== undefined && testJob !== '' ? null : label.name,
      ...(credentialsId !== undefined && credentialsId !== ''
        ? { credentialsId }
        : { username: info.username, privateKey: info.privateKey }),
    };
    const call = opts.signal ? { signal: opts.signal } : {};
    await m.createNode(spec, call);
    this.log.info(
      { nodeId: node.id, target: target.name },
      'Node id: %d added to jenkins',
      node.id,
    );
    if (testJob !== undefined && testJob !== '') {
      await m.startBuild(testJob, { NODE: node.nodename }, call);
      this.log.info(
        { nodeId: node.id, target: target.name },
        'Started test job %s for node id: %d',
        testJob,
        node.id,
      );
    }
  }

  /**
   * docs/behaviour.md#deleting-a-node: deletes the Jenkins node if it exists. A Jenkins that cannot be asked
   * throws, which leaves the node in `delete` for the next cleanup (its Jenkins node is not leaked).
   */
  async removeNode(node: NodeRecord, target: CompiledTarget | undefined): Promise<void> {
    if (!hasJenkins(target) || node.nodename === null) return;
    const m = await this.get(target);
    if (m === null) return;
    if (!(await m.nodeExists(node.nodename))) return;
    try {
      await m.deleteNode(node.nodename);
      this.log.info(
        { nodeId: node.id, target: target.name },
        'Deleted jenkins node %s of node id: %d',
        node.nodename,
        node.id,
      );
    } catch (err) {
      if (!(err instanceof JenkinsNotFoundError)) throw err; // gone in between: fine
    }
  }
}

async function stopEntry(entry: Entry, log: Logger): Promise<void> {
  try {
    await (await entry.ready).stop();
  } catch (err) {
    log.warn({ err }, 'Cannot stop a Jenkins manager cleanly');
  }
}
