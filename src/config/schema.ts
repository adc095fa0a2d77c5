/**
 * The nodepool.yaml schema: the single source of truth for key names, types, required-ness,
 * defaults and descriptions. The validator walks it, the compiler takes its defaults from
 * it, and `toJsonSchema()` / the reference docs are generated from it.
 */
import { nodeToJsonSchema } from './schema-types.js';
import type { Field, Infer } from './schema-types.js';

const str = { kind: 'string' } as const;
const int = { kind: 'int' } as const;
const bool = { kind: 'bool' } as const;
const cron = { kind: 'string', format: 'cron' } as const;
const strList = { kind: 'list', items: str } as const;

function obj<const F extends Record<string, Field>>(
  fields: F,
): { readonly kind: 'object'; readonly fields: F } {
  return { kind: 'object', fields };
}

/** `cron`: when nodepoold's periodic jobs run. */
export const CRON = obj({
  cleanup: {
    schema: cron,
    default: '* * * * *',
    description: 'When to delete unused, stale and leaked nodes and servers.',
  },
  check: {
    schema: cron,
    default: '*/15 * * * *',
    description: 'When to check every ready node over SSH and delete the dead ones.',
  },
  'update-image': {
    schema: cron,
    default: '14 2 * * *',
    origin: '0.3',
    description: 'When to rebuild snapshot images (0.3-era `base-image` images only).',
  },
  'image-update': {
    schema: cron,
    origin: '0.3',
    description: 'Spelling of `update-image` used by upstream 0.3.1 validation; same meaning.',
  },
});

/** `gearman-servers[]`. */
export const GEARMAN_SERVER = obj({
  host: {
    schema: str,
    required: true,
    description: 'Host name or address of a Zuul Gearman server.',
  },
  port: { schema: int, default: 4730, description: 'TCP port of the Gearman server.' },
});

/** `zookeeper-servers[]`. */
export const ZOOKEEPER_SERVER = obj({
  host: { schema: str, required: true, description: 'Host name or address of a ZooKeeper server.' },
  port: { schema: int, default: 2181, description: 'Client port of the ZooKeeper server.' },
  chroot: {
    schema: str,
    description: 'Path under which every nodepool znode lives; created when missing.',
  },
});

/** `providers[].networks[]`, current form. */
export const NETWORK_BY_NAME = obj({
  name: {
    schema: str,
    required: true,
    description: 'Neutron network name; looked up to get its id.',
  },
  public: {
    schema: bool,
    ignored: true,
    description: 'Accepted for compatibility; has no effect.',
  },
});

/** `providers[].networks[]`, older form. */
export const NETWORK_OLD = obj({
  'net-id': { schema: str, description: 'Neutron network id, used as given.' },
  'net-label': { schema: str, description: 'Neutron network name (older spelling of `name`).' },
});

/** `providers[].images[]`. */
export const PROVIDER_IMAGE = obj({
  name: {
    schema: str,
    required: true,
    description: 'Image name; names the diskimage it is built from unless `diskimage` is given.',
  },
  'min-ram': {
    schema: int,
    required: true,
    description:
      'Smallest amount of RAM (MB) the flavor must have; the smallest such flavor is used.',
  },
  'name-filter': { schema: str, description: 'Text the flavor name must also contain.' },
  pause: {
    schema: bool,
    default: false,
    description: 'Stop uploading this image to this provider.',
  },
  username: {
    schema: str,
    default: 'jenkins',
    description: 'User that logs in to nodes over SSH.',
  },
  'user-home': {
    schema: str,
    default: '/home/jenkins',
    description: 'Home directory of that user (the Jenkins agent root).',
  },
  'private-key': {
    schema: str,
    default: '/var/lib/jenkins/.ssh/id_rsa',
    description: 'SSH private key used to reach nodes.',
  },
  'config-drive': {
    schema: bool,
    description: 'Ask for a config drive; the cloud decides when unset.',
  },
  meta: {
    schema: { kind: 'dict' },
    default: {},
    description:
      'Properties set on uploaded images. Dropped (with a warning) when it has more than 5 entries or a key or value longer than 255 characters.',
  },
  diskimage: {
    schema: str,
    defaultText: 'the image name',
    origin: '0.3',
    description:
      'Name of the diskimage to build this image from, when it differs from the image name.',
  },
  'base-image': {
    schema: str,
    origin: '0.3',
    description:
      'Snapshot images: the cloud image to boot and run `setup` on. Such an image needs no diskimage.',
  },
  setup: {
    schema: str,
    origin: '0.3',
    description:
      'Snapshot images: script in `script-dir` run on the template server before the snapshot.',
  },
  'ready-script': {
    schema: str,
    origin: '0.3',
    description:
      "Script run on nodes booted from this image (and their subnodes) before they become ready, as the label's `ready-script`, unless the label names its own. Accepted with a warning: 0.4.0 expects it on the label.",
  },
});

/** `providers[]` (the `openstack` driver, the only one at 0.4.0). */
export const PROVIDER = obj({
  name: { schema: str, required: true, description: 'Unique provider name.' },
  driver: {
    schema: { kind: 'string', enum: ['openstack'] },
    default: 'openstack',
    origin: 'port',
    description: 'Provider driver; only `openstack` exists.',
  },
  cloud: {
    schema: str,
    description: "Name of the clouds.yaml entry holding this cloud's settings.",
  },
  'region-name': { schema: str, description: 'Cloud region.' },
  username: {
    schema: str,
    description: 'Authentication user name (layered over the clouds.yaml entry).',
  },
  password: { schema: str, description: 'Authentication password.' },
  'auth-url': {
    schema: str,
    description: 'Keystone URL. The value `fake` selects the bundled fake cloud.',
  },
  'project-id': { schema: str, description: 'Project (tenant) id.' },
  'project-name': { schema: str, description: 'Project (tenant) name.' },
  'service-type': { schema: str, description: 'Compute service type in the catalog.' },
  'service-name': { schema: str, description: 'Compute service name in the catalog.' },
  'api-timeout': { schema: int, description: 'Timeout of each API call, in seconds.' },
  'max-servers': {
    schema: int,
    required: true,
    description:
      'Most servers (nodes plus subnodes) this provider may have; a negative value stops launches.',
  },
  pool: {
    schema: str,
    ignored: true,
    description: 'Floating IP pool; kept and compared, otherwise unused.',
  },
  'image-type': {
    schema: str,
    defaultText: "the cloud's `image_format` (qcow2 unless the vendor says otherwise)",
    description: 'Disk image format built and uploaded for this provider.',
  },
  networks: {
    schema: { kind: 'list', items: { kind: 'shapes', shapes: [NETWORK_BY_NAME, NETWORK_OLD] } },
    default: [],
    description:
      'Networks new servers are attached to: `{name}` or the older `{net-id}` / `{net-label}`.',
  },
  'ipv6-preferred': {
    schema: bool,
    default: false,
    description: 'Reach nodes over their public IPv6 address when they have one.',
  },
  'boot-timeout': {
    schema: int,
    default: 60,
    description: 'Seconds to wait for SSH once the server is active.',
  },
  'launch-timeout': {
    schema: int,
    default: 3600,
    description: 'Seconds to wait for a server to become active.',
  },
  rate: {
    schema: { kind: 'float' },
    default: 1.0,
    description: 'Least seconds between two API calls (write it as a float, e.g. `1.0`).',
  },
  'availability-zones': {
    schema: strList,
    description: 'Zones to pick from at random for each node; Nova chooses when unset.',
  },
  keypair: {
    schema: str,
    description: 'Key pair name; cleanup never deletes a key pair of this name.',
  },
  'template-hostname': {
    schema: str,
    default: 'template-{image.name}-{timestamp}',
    description: 'Name template of uploaded images.',
  },
  'clean-floating-ips': {
    schema: bool,
    default: false,
    description: 'Let the cleanup job delete floating IPs that are not attached.',
  },
  'launch-attempts': {
    schema: int,
    default: 3,
    origin: 'port',
    description:
      "Launches of one label that may fail in a row on this provider before its nodes go to the label's other providers.",
  },
  images: {
    schema: { kind: 'list', items: PROVIDER_IMAGE, uniqueBy: 'name' },
    required: true,
    description: 'Images this provider offers; may be `[]`.',
  },
});

/** `labels[].providers[]`. */
export const LABEL_PROVIDER = obj({
  name: { schema: str, required: true, description: 'A provider in `providers`.' },
});

/** `labels[].min-ready-schedule.periods[]` (beyond 0.4.0). */
export const SCHEDULE_PERIOD = obj({
  cron: {
    schema: { kind: 'string', format: 'cron5' },
    required: true,
    description:
      "Five-field cron string (minute hour day-of-month month day-of-week, Sunday = 0) read in the schedule's time zone; the period applies during every minute it matches.",
  },
  'min-ready': {
    schema: { kind: 'int', min: 0 },
    required: true,
    description: 'Ready nodes to keep while this period applies.',
  },
});

/** `labels[].min-ready-schedule` (beyond 0.4.0). */
export const MIN_READY_SCHEDULE = obj({
  timezone: {
    schema: { kind: 'string', format: 'timezone' },
    default: 'UTC',
    description: 'IANA time zone the periods are read in, e.g. `Europe/Berlin`.',
  },
  periods: {
    schema: { kind: 'list', items: SCHEDULE_PERIOD },
    required: true,
    description:
      "Periods in order; the first whose cron matches the current minute sets the label's `min-ready`.",
  },
});

/** `labels[]`. */
export const LABEL = obj({
  name: { schema: str, required: true, description: 'Label name requested by jobs.' },
  image: {
    schema: str,
    required: true,
    description: 'Provider image to boot; every listed provider must have it.',
  },
  'min-ready': {
    schema: int,
    default: 2,
    description: 'Ready nodes to keep; 0 keeps none (Gearman demand still launches).',
  },
  subnodes: {
    schema: int,
    default: 0,
    description: 'Extra nodes booted with each node, for multi-node jobs.',
  },
  'ready-script': {
    schema: str,
    description: 'Script run on the node (and subnodes) before it becomes ready.',
  },
  providers: {
    schema: { kind: 'list', items: LABEL_PROVIDER, uniqueBy: 'name' },
    required: true,
    description: 'Providers that may supply this label.',
  },
  'min-ready-schedule': {
    schema: MIN_READY_SCHEDULE,
    origin: 'port',
    description:
      "Time-of-day `min-ready`: outside every period the label's `min-ready` applies. When the value drops, ready nodes beyond it (plus queued demand) are deleted, oldest first.",
  },
  'max-ready-age': {
    schema: { kind: 'int', min: 1 },
    origin: 'port',
    description:
      'Seconds a node may stay ready; an older one is replaced, the replacement launched first.',
  },
  'refresh-on-new-image': {
    schema: bool,
    defaultText: '`false`',
    origin: 'port',
    description:
      'Replace ready nodes booted from an older image once a newer upload is ready, the replacement launched first.',
  },
});

/** `targets[].jenkins`. */
export const JENKINS = obj({
  'test-job': { schema: str, description: 'Job run on each new node before it becomes ready.' },
  url: {
    schema: str,
    description: 'Jenkins URL, used only when secure.conf has no section for this target.',
  },
  user: {
    schema: str,
    description: 'Jenkins user, used only when secure.conf has no section for this target.',
  },
  apikey: {
    schema: str,
    description: 'Jenkins API key, used only when secure.conf has no section for this target.',
  },
  'credentials-id': {
    schema: str,
    description:
      'Jenkins credentials id, used only when secure.conf has no section for this target.',
  },
});

/** `targets[].images[]`: the pre-`labels` form (seed 002), one label per image name. */
export const TARGET_IMAGE = obj({
  name: {
    schema: str,
    required: true,
    description: 'Provider image to keep ready nodes of; also the name of the label it makes.',
  },
  'min-ready': { schema: int, default: 2, description: 'Ready nodes to keep of this image.' },
  providers: {
    schema: { kind: 'list', items: LABEL_PROVIDER, uniqueBy: 'name' },
    required: true,
    description: 'Providers that may supply these nodes.',
  },
});

/** `targets[]`. */
export const TARGET = obj({
  name: {
    schema: str,
    required: true,
    description: 'Target name; also the `[jenkins "NAME"]` section of secure.conf.',
  },
  hostname: {
    schema: str,
    default: '{label.name}-{provider.name}-{node_id}',
    description: 'Server name template (fields: label, provider, node_id, timestamp).',
  },
  'subnode-hostname': {
    schema: str,
    default: '{label.name}-{provider.name}-{node_id}-{subnode_id}',
    description: 'Subnode server name template (adds subnode_id).',
  },
  'assign-via-gearman': {
    schema: bool,
    default: false,
    description: 'Hand ready nodes to Zuul over Gearman instead of registering them in Jenkins.',
  },
  rate: {
    schema: { kind: 'number' },
    default: 1.0,
    origin: 'port',
    description: 'Least seconds between two Jenkins API calls.',
  },
  jenkins: { schema: JENKINS, description: 'Jenkins settings of this target.' },
  images: {
    schema: { kind: 'list', items: TARGET_IMAGE, uniqueBy: 'name' },
    origin: '0.3',
    description:
      'Older form of `labels`: each entry becomes a label of the same name and image (see the migration guide).',
  },
});

/** `diskimages[]`. */
export const DISKIMAGE = obj({
  name: {
    schema: str,
    required: true,
    description: 'Diskimage name (the image name in ZooKeeper).',
  },
  elements: { schema: strList, default: [], description: 'diskimage-builder elements, in order.' },
  release: {
    schema: { kind: 'stringOrInt' },
    default: '',
    description: 'Passed to diskimage-builder as `DIB_RELEASE`.',
  },
  'rebuild-age': {
    schema: int,
    default: 86400,
    description: 'Seconds after which a ready build is rebuilt.',
  },
  'env-vars': {
    schema: { kind: 'dict' },
    default: {},
    description: 'Extra environment variables for diskimage-builder.',
  },
  pause: { schema: bool, default: false, description: 'Build no new images of this diskimage.' },
});

/** The whole nodepool.yaml document. */
export const TOP_LEVEL = obj({
  'elements-dir': {
    schema: str,
    description: 'Directory of extra diskimage-builder elements (`ELEMENTS_PATH`).',
  },
  'images-dir': {
    schema: str,
    description: 'Where the builder writes images; the builder needs it.',
  },
  'script-dir': {
    schema: str,
    origin: '0.3',
    description: 'Directory of setup scripts for snapshot images.',
  },
  dburi: {
    schema: str,
    origin: '0.3',
    description: 'Database URL used when secure.conf has none.',
  },
  cron: { schema: CRON, description: "Schedules of nodepoold's periodic jobs." },
  'zmq-publishers': {
    schema: strList,
    default: [],
    description: 'Jenkins ZeroMQ event endpoints.',
  },
  'gearman-servers': {
    schema: { kind: 'list', items: GEARMAN_SERVER },
    default: [],
    description: 'Zuul Gearman servers asked for demand.',
  },
  'zookeeper-servers': {
    schema: { kind: 'list', items: ZOOKEEPER_SERVER },
    default: [],
    description: 'The ZooKeeper cluster.',
  },
  providers: {
    schema: { kind: 'list', items: PROVIDER, uniqueBy: 'name' },
    required: 'validate',
    default: [],
    description: 'Clouds to launch nodes in.',
  },
  labels: {
    schema: { kind: 'list', items: LABEL, uniqueBy: 'name' },
    required: 'validate',
    default: [],
    description: 'Node types to keep ready.',
  },
  targets: {
    schema: { kind: 'list', items: TARGET, uniqueBy: 'name' },
    default: [],
    description: 'Where ready nodes are handed over (Jenkins masters or Gearman).',
  },
  diskimages: {
    schema: { kind: 'list', items: DISKIMAGE, uniqueBy: 'name' },
    description: 'Images built with diskimage-builder.',
  },
  'stuck-after': {
    schema: int,
    default: 600,
    origin: 'port',
    description:
      'Seconds a label may go without the nodes it needs, while a provider has room, before nodepoold warns that it is stuck.',
  },
});

/** A validated nodepool.yaml with defaults applied. */
export type RawConfig = Infer<typeof TOP_LEVEL>;
/** A validated `providers[]` entry. */
export type RawProvider = Infer<typeof PROVIDER>;
/** A validated `providers[].images[]` entry. */
export type RawProviderImage = Infer<typeof PROVIDER_IMAGE>;

/** The schema as JSON Schema draft 2020-12 (for editors and generated docs). */
export function toJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://nodepool.invalid/nodepool.yaml.schema.json',
    title: 'nodepool.yaml (Nodepool 0.4.0)',
    ...nodeToJsonSchema(TOP_LEVEL),
  };
}
