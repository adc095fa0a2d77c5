/**
 * The in-memory Jenkins used for targets whose secure.conf `apikey` is `fake` (upstream
 * `fakeprovider.FakeJenkins`, used by upstream's tests and quick-start): nodes live in a
 * map, user `quiet` makes the master quiet down, user `down` makes it unreachable.
 */
import { JenkinsError, relabelConfig } from '../jenkins/index.js';
import type { CreateNodeSpec } from '../jenkins/index.js';
import type { Logger } from 'pino';
import type { JenkinsTarget, TargetWithJenkins } from './jenkins-targets.js';

/**
 * The {@link JenkinsConnector} of 0.4.0's `apikey: fake`: upstream's in-memory Jenkins for
 * such a target, nothing (a real JenkinsManager) for the others.
 */
export function connectFakeJenkins(
  target: TargetWithJenkins,
  log: Logger,
): JenkinsTarget | undefined {
  if (target.jenkins.apikey !== 'fake') return undefined;
  // Compat: upstream swaps in its in-memory Jenkins when the apikey is `fake`.
  log.info('Target %s uses the in-memory fake Jenkins (apikey "fake")', target.name);
  return new FakeJenkinsTarget(target.name, target.jenkins.user);
}

/** A fake Jenkins master for one target. */
export class FakeJenkinsTarget implements JenkinsTarget {
  /** Registered nodes by name, with their current label text. */
  readonly nodes = new Map<string, CreateNodeSpec & { labelText: string }>();
  /** Builds started (e.g. test jobs). */
  readonly builds: Array<{ job: string; params: Readonly<Record<string, string>> }> = [];
  private readonly isQuiet: boolean;
  private readonly isDown: boolean;

  constructor(
    readonly name: string,
    user: string | undefined,
  ) {
    this.isQuiet = user === 'quiet';
    this.isDown = user === 'down';
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  createNode(spec: CreateNodeSpec): Promise<boolean> {
    this.throwIfDown();
    if (this.nodes.has(spec.name)) return Promise.resolve(false);
    this.nodes.set(spec.name, { ...spec, labelText: spec.labels ?? '' });
    return Promise.resolve(true);
  }

  nodeExists(name: string): Promise<boolean> {
    this.throwIfDown();
    return Promise.resolve(this.nodes.has(name));
  }

  deleteNode(name: string): Promise<void> {
    this.throwIfDown();
    this.nodes.delete(name);
    return Promise.resolve();
  }

  relabelNode(name: string, labels: readonly string[]): Promise<string | null> {
    this.throwIfDown();
    const node = this.nodes.get(name);
    if (node === undefined) return Promise.resolve(null);
    const { old } = relabelConfig(`<label>${node.labelText}</label>`, labels);
    node.labelText = labels.join(' ');
    return Promise.resolve(old === '' ? null : old);
  }

  startBuild(job: string, params: Readonly<Record<string, string>>): Promise<void> {
    this.throwIfDown();
    this.builds.push({ job, params: { ...params } });
    return Promise.resolve();
  }

  isOnline(): Promise<boolean> {
    return Promise.resolve(!this.isDown && !this.isQuiet);
  }

  private throwIfDown(): void {
    if (this.isDown) {
      throw new JenkinsError(
        `Cannot reach the fake Jenkins of target "${this.name}": its user is "down"`,
        { url: 'fake', code: 'ERR_JENKINS_UNREACHABLE' },
      );
    }
  }
}
