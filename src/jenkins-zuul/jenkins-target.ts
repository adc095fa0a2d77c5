/**
 * The port a Jenkins target fills: {@link JenkinsManager} (real) and `FakeJenkinsTarget`
 * (`apikey: fake`) both implement it. Declared apart from `jenkins-targets.ts` so the fake
 * does not import the module that creates it.
 */
import type { CreateNodeSpec, JenkinsCallOptions } from '../jenkins/index.js';

/** What the launcher needs from one Jenkins master; {@link JenkinsManager} is the real one. */
export interface JenkinsTarget {
  start(): Promise<void>;
  stop(): Promise<void>;
  createNode(spec: CreateNodeSpec, opts?: JenkinsCallOptions): Promise<boolean>;
  nodeExists(name: string, opts?: JenkinsCallOptions): Promise<boolean>;
  deleteNode(name: string, opts?: JenkinsCallOptions): Promise<void>;
  relabelNode(
    name: string,
    labels: readonly string[],
    opts?: JenkinsCallOptions,
  ): Promise<string | null>;
  startBuild(
    job: string,
    params: Readonly<Record<string, string>>,
    opts?: JenkinsCallOptions,
  ): Promise<void>;
  /** Never throws for Jenkins failures (they mean offline). */
  isOnline(opts?: JenkinsCallOptions): Promise<boolean>;
}
