/**
 * The Jenkins node nodepool creates for a ready node (docs/behaviour.md#jenkins-nodes): the
 * `computer/doCreateItem` query and its `json` form field, byte for byte as python-jenkins 0.4
 * `create_node` builds them for upstream's `CreateNodeTask`.
 */
import { jsonDumps } from '../compat/index.js';
import { pyUrlencode } from './url.js';

/** Jenkins' descriptor of a permanent ("dumb") agent. */
export const NODE_TYPE = 'hudson.slaves.DumbSlave$DescriptorImpl';
/** The SSH Build Agents plugin's launcher class. */
export const SSH_LAUNCHER = 'hudson.plugins.sshslaves.SSHLauncher';

/** A node to create. Either `credentialsId`, or `username` + `privateKey`. */
export interface CreateNodeSpec {
  /** The node's `nodename`. */
  name: string;
  /** IP address Jenkins connects to. */
  host: string;
  /** Upstream: `Dynamic single use <label> node`. */
  description: string;
  /** @default 1 */
  executors?: number;
  /** Remote FS root: the image's `user-home`. */
  root: string;
  /** Label string; empty or missing when the target has a test job (node created unlabelled). */
  labels?: string | null;
  /** Jenkins credentials id from secure.conf; wins over username/key. */
  credentialsId?: string;
  /** Image `username`. */
  username?: string;
  /** Image `private-key` path (on the Jenkins master). */
  privateKey?: string;
  /** @default 22 */
  port?: number;
}

/** The description upstream gives every node it registers. */
export function nodeDescription(label: string): string {
  return `Dynamic single use ${label} node`;
}

/** The inner JSON object, in python-jenkins' key order. */
export function createNodeJson(spec: CreateNodeSpec): string {
  const launcher: Record<string, unknown> =
    spec.credentialsId !== undefined && spec.credentialsId !== ''
      ? { port: spec.port ?? 22, credentialsId: spec.credentialsId, host: spec.host }
      : {
          port: spec.port ?? 22,
          username: spec.username ?? null,
          privatekey: spec.privateKey ?? null,
          host: spec.host,
        };
  launcher['stapler-class'] = SSH_LAUNCHER;
  return jsonDumps({
    name: spec.name,
    nodeDescription: spec.description,
    numExecutors: spec.executors ?? 1,
    remoteFS: spec.root,
    // Compat: upstream passes labels only when non-empty; python-jenkins then sends null.
    labelString:
      spec.labels !== undefined && spec.labels !== null && spec.labels !== '' ? spec.labels : null,
    mode: 'EXCLUSIVE',
    type: NODE_TYPE,
    retentionStrategy: { 'stapler-class': 'hudson.slaves.RetentionStrategy$Always' },
    nodeProperties: { 'stapler-class-bag': 'true' },
    launcher,
  });
}

/** The `computer/doCreateItem` query string: `name`, `type`, `json`. */
export function createNodeQuery(spec: CreateNodeSpec): string {
  return pyUrlencode([
    ['name', spec.name],
    ['type', NODE_TYPE],
    ['json', createNodeJson(spec)],
  ]);
}
