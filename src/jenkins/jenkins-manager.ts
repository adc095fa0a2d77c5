/**
 * One Jenkins target (upstream 0.4.0 `JenkinsManager`): a {@link JenkinsClient} behind the
 * target's rate-limited FIFO (the provider task queue, `rate` between calls), each call
 * timed under `nodepool.task.<target>.<TaskName>`. The online check bypasses the queue, as
 * upstream.
 */
import type { Logger } from 'pino';
import { createLogger } from '../log/index.js';
import { JENKINS_TASK, createNoopStats, taskTimer } from '../stats/index.js';
import type { Stats } from '../stats/index.js';
import { BaseService, TaskQueue } from '../util/index.js';
import type { Clock } from '../util/index.js';
import { JenkinsError } from './errors.js';
import type { CreateNodeSpec } from './node-spec.js';
import { JenkinsClient } from './rest-client.js';
import type { JenkinsCallOptions } from './rest-client.js';

/** Options of {@link JenkinsManager}. */
export interface JenkinsManagerOptions {
  /** Target name: the `<target>` part of task metrics. */
  name: string;
  url: string;
  user?: string;
  apikey?: string;
  /** Minimum time between two queued calls. @default 1000 */
  rateMs?: number;
  /** Per-HTTP-call limit. @default 30_000 */
  timeoutMs?: number;
  /** @default no-op */
  stats?: Stats;
  /** @default a silent logger */
  log?: Logger;
  /** For tests of the spacing. */
  clock?: Clock;
}

const LABEL_RE = /<label>(.*)<\/label>/;
const LABEL_RE_ALL = /<label>(.*)<\/label>/g;

/**
 * Replaces every single-line `<label>…</label>` of a node's config.xml with `labels` joined
 * by spaces. Returns the new XML and the first old label text (null when there was none).
 */
export function relabelConfig(
  xml: string,
  labels: readonly string[],
): { xml: string; old: string | null } {
  const old = LABEL_RE.exec(xml)?.[1] ?? null;
  const text = labels.join(' ');
  return { xml: xml.replace(LABEL_RE_ALL, () => `<label>${text}</label>`), old };
}

/** The queued Jenkins calls of one target. */
export class JenkinsManager extends BaseService {
  readonly client: JenkinsClient;
  private readonly queue: TaskQueue;
  private readonly log: Logger;

  constructor(private readonly options: JenkinsManagerOptions) {
    super();
    this.log = options.log ?? createLogger({ level: 'silent' });
    this.client = new JenkinsClient({
      url: options.url,
      ...(options.user === undefined ? {} : { user: options.user }),
      ...(options.apikey === undefined ? {} : { apikey: options.apikey }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      log: this.log,
    });
    this.queue = new TaskQueue({
      name: options.name,
      rateMs: options.rateMs ?? 1000,
      onTaskDone: taskTimer(options.stats ?? createNoopStats(), options.name),
      stoppedError: (name) =>
        new JenkinsError(`Cannot call Jenkins: target "${name}" is no longer running`, {
          url: this.client.url,
          code: 'ERR_JENKINS_STOPPED',
          details: { target: name },
        }),
      log: this.log,
      ...(options.clock ? { clock: options.clock } : {}),
    });
  }

  /** Target name. */
  get name(): string {
    return this.options.name;
  }

  protected async doStart(): Promise<void> {
    await this.queue.start();
  }

  protected async doStop(): Promise<void> {
    await this.queue.stop();
  }

  private async submit<T>(
    task: string,
    fn: (signal?: AbortSignal) => Promise<T>,
    opts: JenkinsCallOptions,
  ): Promise<T> {
    return this.queue.submit(task, fn, opts);
  }

  /** `CreateNodeTask`. Resolves `false` when the node already existed. */
  createNode(spec: CreateNodeSpec, opts: JenkinsCallOptions = {}): Promise<boolean> {
    return this.submit(
      JENKINS_TASK.createNode,
      (signal) => this.client.createNode(spec, signalOf(signal)),
      opts,
    );
  }

  /** `NodeExistsTask`. */
  nodeExists(name: string, opts: JenkinsCallOptions = {}): Promise<boolean> {
    return this.submit(
      JENKINS_TASK.nodeExists,
      (signal) => this.client.nodeExists(name, signalOf(signal)),
      opts,
    );
  }

  /** `DeleteNodeTask`. */
  deleteNode(name: string, opts: JenkinsCallOptions = {}): Promise<void> {
    return this.submit(
      JENKINS_TASK.deleteNode,
      (signal) => this.client.deleteNode(name, signalOf(signal)),
      opts,
    );
  }

  /**
   * Replaces the node's labels (`GetNodeConfigTask` then `SetNodeConfigTask`), for a node
   * that passed its test job. Returns the old label text, or null.
   */
  async relabelNode(
    name: string,
    labels: readonly string[],
    opts: JenkinsCallOptions = {},
  ): Promise<string | null> {
    const xml = await this.submit(
      JENKINS_TASK.getNodeConfig,
      (signal) => this.client.getNodeConfig(name, signalOf(signal)),
      opts,
    );
    const next = relabelConfig(xml, labels);
    await this.submit(
      JENKINS_TASK.setNodeConfig,
      (signal) => this.client.setNodeConfig(name, next.xml, signalOf(signal)),
      opts,
    );
    return next.old;
  }

  /** `StartBuildTask`: e.g. the test job with `{ NODE: nodename }`. */
  startBuild(
    job: string,
    params: Readonly<Record<string, string>>,
    opts: JenkinsCallOptions = {},
  ): Promise<void> {
    return this.submit(
      JENKINS_TASK.startBuild,
      (signal) => this.client.buildJob(job, params, signalOf(signal)),
      opts,
    );
  }

  /** `GET api/json`, not queued (upstream calls it directly every pass). */
  getInfo(opts: JenkinsCallOptions = {}): Promise<Record<string, unknown>> {
    return this.client.getInfo(opts);
  }

  /**
   * The target is online unless Jenkins is quieting down or cannot be asked (docs/behaviour.md#targets).
   * Never throws; a failure is logged and counts as offline.
   */
  async isOnline(opts: JenkinsCallOptions = {}): Promise<boolean> {
    try {
      const info = await this.getInfo(opts);
      if (info.quietingDown === true) {
        this.log.info('Target %s is offline: Jenkins is quieting down', this.options.name);
        return false;
      }
      return true;
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      this.log.error({ err }, 'Target %s is offline: cannot ask Jenkins', this.options.name);
      return false;
    }
  }
}

function signalOf(signal: AbortSignal | undefined): JenkinsCallOptions {
  return signal ? { signal } : {};
}
