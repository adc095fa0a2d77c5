/**
 * Every statsd metric name the project emits is built here, so names stay identical to
 * upstream Nodepool 0.4.0 (docs/behaviour.md#statsd, docs/behaviour.md#builder-processes).
 *
 * Key parts are not sanitised, as upstream: a branch `stable/newton` stays as is, and a dot in
 * a name adds a level.
 */

/** Node states reported in the node gauges. */
export const NODE_STATES = ['building', 'ready', 'used', 'delete', 'hold', 'test'] as const;
/** One node state name. */
export type NodeStateName = (typeof NODE_STATES)[number];

/**
 * Cloud API task names, as upstream's task manager reported them: shade 1.x task class names
 * (`ServerList`, `NeutronFloatingIPCreate`, ...) and, for calls shade made through its REST
 * adapter, the adapter's generated names (`ImagePostImages` for `POST /v2/images`).
 * Names marked "ours" are calls 0.4.0 never made.
 */
export const TASK = {
  serverList: 'ServerList',
  serverGet: 'ServerGet',
  serverCreate: 'ServerCreate',
  serverDelete: 'ServerDelete',
  serverSetMetadata: 'ServerSetMetadata',
  flavorList: 'FlavorList',
  keypairList: 'KeypairList',
  keypairCreate: 'KeypairCreate',
  keypairDelete: 'KeypairDelete',
  networkList: 'NetworkList',
  portList: 'PortList',
  neutronFloatingIpList: 'NeutronFloatingIPList',
  neutronFloatingIpCreate: 'NeutronFloatingIPCreate',
  neutronFloatingIpUpdate: 'NeutronFloatingIPUpdate',
  neutronFloatingIpDelete: 'NeutronFloatingIPDelete',
  novaLimitsGet: 'NovaLimitsGet',
  imageSnapshotCreate: 'ImageSnapshotCreate',
  /** `GET /v2/images` and `GET /v2/images/<id>` (shade adapter name). */
  imageGet: 'ImageGetImages',
  /** `POST /v2/images` (shade adapter name). */
  imageCreate: 'ImagePostImages',
  /** `PUT /v2/images/<id>/file` (shade adapter name). */
  imageUpload: 'ImagePutImagesFile',
  /** `DELETE /v2/images/<id>` (shade adapter name). */
  imageDelete: 'ImageDeleteImages',
  /** Ours: `GET /os-availability-zone`. */
  availabilityZoneList: 'AvailabilityZoneList',
} as const;
/** One cloud API task name. */
export type TaskName = (typeof TASK)[keyof typeof TASK];

/** Jenkins task names (upstream `jenkins_manager.py` task classes), per target. */
export const JENKINS_TASK = {
  createNode: 'CreateNodeTask',
  nodeExists: 'NodeExistsTask',
  deleteNode: 'DeleteNodeTask',
  getNodeConfig: 'GetNodeConfigTask',
  setNodeConfig: 'SetNodeConfigTask',
  startBuild: 'StartBuildTask',
} as const;

/** `nodepool.task.<provider>.<TaskName>`: timer + counter after each API task. */
export function taskMetric(manager: string, task: string): string {
  return `nodepool.task.${manager}.${task}`;
}

/** `nodepool.nodes.<state>` gauge. */
export function nodesGauge(state: NodeStateName): string {
  return `nodepool.nodes.${state}`;
}

/** `nodepool.target.<target>.nodes.<state>` gauge. */
export function targetNodesGauge(target: string, state: NodeStateName): string {
  return `nodepool.target.${target}.nodes.${state}`;
}

/** `nodepool.manager.<manager>.nodes.<state>` gauge. */
export function managerNodesGauge(manager: string, state: NodeStateName): string {
  return `nodepool.manager.${manager}.nodes.${state}`;
}

/** `nodepool.label.<label>.nodes.<state>` gauge. */
export function labelNodesGauge(label: string, state: NodeStateName): string {
  return `nodepool.label.${label}.nodes.${state}`;
}

/** `nodepool.provider.<provider>.nodes.<state>` gauge. */
export function providerNodesGauge(provider: string, state: NodeStateName): string {
  return `nodepool.provider.${provider}.nodes.${state}`;
}

/** `nodepool.provider.<provider>.max_servers` gauge. */
export function providerMaxServersGauge(provider: string): string {
  return `nodepool.provider.${provider}.max_servers`;
}

/** Where a launch ran, for {@link launchMetrics}. */
export interface LaunchMetricSubject {
  provider: string;
  image: string;
  az?: string | null;
  /** Set when the node was assigned via Gearman; wins over `target`. */
  manager?: string | null;
  target?: string | null;
}

/**
 * The keys a launch result is reported under (each gets a timer and a counter), in upstream's
 * order: provider, provider+AZ (when the node has an AZ), image, global, manager or target.
 * `result` is `ready` or an error key such as `error.ssh`.
 */
export function launchMetrics(subject: LaunchMetricSubject, result: string): string[] {
  const keys = [`nodepool.launch.provider.${subject.provider}.${result}`];
  if (subject.az != null && subject.az !== '') {
    keys.push(`nodepool.launch.provider.${subject.provider}.${subject.az}.${result}`);
  }
  keys.push(`nodepool.launch.image.${subject.image}.${result}`);
  keys.push(`nodepool.launch.${result}`);
  if (subject.manager != null && subject.manager !== '') {
    keys.push(`nodepool.launch.manager.${subject.manager}.${result}`);
  } else if (subject.target != null && subject.target !== '') {
    keys.push(`nodepool.launch.target.${subject.target}.${result}`);
  }
  return keys;
}

/** `nodepool.delete.<image>.<provider>.<target>`: timer + counter per node deletion. */
export function deleteMetric(image: string | null, provider: string, target: string): string {
  // Compat: upstream formats a missing label's image as Python's `None`.
  return `nodepool.delete.${image ?? 'None'}.${provider}.${target}`;
}

/**
 * The job metric prefixes at all four depths (`nodepool.job.<job>`, `.<branch>`, `.<label>`,
 * `.<provider>`); append `.runtime` (timer) or `.builds` (counter).
 */
export function jobMetricPrefixes(
  job: string,
  branch: string,
  label: string,
  provider: string,
): string[] {
  const a = `nodepool.job.${job}`;
  const b = `${a}.${branch}`;
  const c = `${b}.${label}`;
  return [a, b, c, `${c}.${provider}`];
}

/** `nodepool.image_update.<image>.<provider>`: timer + counter after a successful upload. */
export function imageUpdateMetric(image: string, provider: string): string {
  return `nodepool.image_update.${image}.${provider}`;
}

/** `nodepool.dib_image_build.<image>.<ext>.size`: gauge (bytes) after a successful build. */
export function dibImageSizeGauge(image: string, ext: string): string {
  return `nodepool.dib_image_build.${image}.${ext}.size`;
}

/** `nodepool.provider.<provider>.quota_exceeded` counter: one per quota episode (port). */
export function providerQuotaExceededMetric(provider: string): string {
  return `nodepool.provider.${provider}.quota_exceeded`;
}

/** `nodepool.label.<label>.stuck` gauge: 1 while the stuck-demand alarm is on (port). */
export function labelStuckGauge(label: string): string {
  return `nodepool.label.${label}.stuck`;
}
