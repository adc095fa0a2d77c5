/**
 * The compiled configuration: what leaves `src/config`. Built from `nodepool.yaml`,
 * `secure.conf` and `clouds.yaml` by the loader; deep-frozen; camelCase; durations in ms.
 *
 * Contract: every other area reads configuration only through these types. YAML key names
 * (kebab-case) appear only inside `src/config`.
 */

/** A cron schedule, kept in upstream's form and in the form `cron-parser` expects. */
export interface CompiledCron {
  /** As written in nodepool.yaml: 5 fields, or 6 with seconds LAST (APScheduler order). */
  readonly spec: string;
  /** The same schedule for cron-parser: 6 fields with seconds FIRST. */
  readonly parserSpec: string;
}

/** The `cron` section, with upstream's code defaults. */
export interface CompiledCrons {
  /** @default '* * * * *' */
  readonly cleanup: CompiledCron;
  /** @default '*\/15 * * * *' */
  readonly check: CompiledCron;
  /** 0.3-era snapshot image refresh. @default '14 2 * * *' */
  readonly updateImage: CompiledCron;
}

/** One `gearman-servers` entry. */
export interface CompiledGearmanServer {
  readonly host: string;
  /** @default 4730 */
  readonly port: number;
}

/** One `zookeeper-servers` entry. */
export interface CompiledZooKeeperServer {
  readonly host: string;
  /** @default 2181 */
  readonly port: number;
  readonly chroot?: string;
}

/** One `providers[].networks` entry: by id (`net-id`) or by name (`name`, `net-label`). */
export interface CompiledNetwork {
  readonly id?: string;
  readonly name?: string;
  /** Accepted and ignored, as upstream. */
  readonly isPublic?: boolean;
}

/** One `providers[].images` entry. */
export interface CompiledProviderImage {
  readonly name: string;
  /** The diskimage this provider image is built from (0.3-era `diskimage:` key, else `name`). */
  readonly diskimage: string;
  readonly minRam: number;
  readonly nameFilter?: string;
  /** @default false */
  readonly pause: boolean;
  /** @default 'jenkins' */
  readonly username: string;
  /** @default '/home/jenkins' */
  readonly userHome: string;
  /** @default '/var/lib/jenkins/.ssh/id_rsa' */
  readonly privateKey: string;
  readonly configDrive?: boolean;
  /** Properties put on uploaded images; `{}` when upstream's size rules drop it. */
  readonly meta: Readonly<Record<string, string>>;
  /** 0.3-era snapshot images: the cloud image to boot before running `setup`. */
  readonly baseImage?: string;
  /** 0.3-era snapshot images: script (in `script-dir`) run on the template server. */
  readonly setup?: string;
  /** 0.3-era form: ready script of nodes booted from this image when their label has none. */
  readonly readyScript?: string;
}

/** Resolved os-client-config style cloud settings for one provider. */
export interface CompiledCloud {
  /** Name of the `clouds.yaml` entry used, if any. */
  readonly cloudName?: string;
  /** `auth` block, keys in os-client-config spelling (auth_url, username, project_id, ...). */
  readonly auth: Readonly<Record<string, string>>;
  readonly authType?: string;
  readonly regionName?: string;
  readonly interface?: string;
  readonly identityApiVersion?: string;
  readonly computeServiceType?: string;
  readonly computeServiceName?: string;
  readonly apiTimeoutMs?: number;
  readonly imageFormat: string;
  readonly verify?: boolean;
  /** True when `auth-url: fake` selects the bundled in-process fake cloud. */
  readonly isFake: boolean;
  /** Every other clouds.yaml setting of the entry (e.g. `cacert`), keys with underscores. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** One `providers` entry. */
export interface CompiledProvider {
  readonly name: string;
  /** Provider driver name. @default 'openstack' */
  readonly driver: string;
  readonly cloud: CompiledCloud;
  readonly regionName?: string;
  readonly maxServers: number;
  readonly pool?: string;
  /** Dib output format and upload file extension. */
  readonly imageType: string;
  readonly networks: readonly CompiledNetwork[];
  /** @default false */
  readonly ipv6Preferred: boolean;
  /** @default 60_000 */
  readonly bootTimeoutMs: number;
  /** @default 3_600_000 */
  readonly launchTimeoutMs: number;
  /** Minimum time between two API calls. @default 1000 */
  readonly rateMs: number;
  readonly availabilityZones?: readonly string[];
  readonly keypair?: string;
  /** Name template of uploaded images. @default 'template-{image.name}-{timestamp}' */
  readonly templateHostname: string;
  /** @default false */
  readonly cleanFloatingIps: boolean;
  /**
   * Failed launches of one label in a row before its nodes go elsewhere (port). Always set
   * by the compiler; optional so that hand-built test configs need not name it. @default 3
   */
  readonly launchAttempts?: number;
  readonly images: readonly CompiledProviderImage[];
}

/** One `labels[].providers` entry. */
export interface CompiledLabelProvider {
  readonly name: string;
}

/** One `labels` entry. */
export interface CompiledLabel {
  readonly name: string;
  readonly image: string;
  /** -1 means disabled. @default 2 */
  readonly minReady: number;
  /** @default 0 */
  readonly subnodes: number;
  readonly readyScript?: string;
  readonly providers: readonly CompiledLabelProvider[];
  /** Time-of-day `min-ready` (beyond 0.4.0); absent: `minReady` always applies. */
  readonly minReadySchedule?: CompiledSchedule;
  /** Ready nodes older than this (since they became ready) are replaced (beyond 0.4.0). */
  readonly maxReadyAgeMs?: number;
  /** Ready nodes booted from an older image upload are replaced (beyond 0.4.0). */
  readonly refreshOnNewImage?: boolean;
}

/** One `min-ready-schedule.periods[]` entry. */
export interface CompiledSchedulePeriod {
  /** Five-field cron string (Sunday = 0), read in the schedule's time zone. */
  readonly cron: string;
  readonly minReady: number;
}

/** A label's `min-ready-schedule`. */
export interface CompiledSchedule {
  /** IANA time zone name. @default 'UTC' */
  readonly timezone: string;
  /** The first period whose cron matches the current minute wins. */
  readonly periods: readonly CompiledSchedulePeriod[];
}

/** Jenkins settings of a target: `test-job` from YAML, the rest from secure.conf. */
export interface CompiledJenkins {
  readonly url?: string;
  readonly user?: string;
  readonly apikey?: string;
  readonly credentialsId?: string;
  readonly testJob?: string;
}

/** One `targets` entry. */
export interface CompiledTarget {
  readonly name: string;
  /** @default '{label.name}-{provider.name}-{node_id}' */
  readonly hostname: string;
  /** @default '{label.name}-{provider.name}-{node_id}-{subnode_id}' */
  readonly subnodeHostname: string;
  /** Minimum time between Jenkins API calls. @default 1000 */
  readonly rateMs: number;
  /** @default false */
  readonly assignViaGearman: boolean;
  readonly jenkins: CompiledJenkins;
}

/** One `diskimages` entry. */
export interface CompiledDiskImage {
  readonly name: string;
  readonly elements: readonly string[];
  /** `DIB_RELEASE`, always a string. @default '' */
  readonly release: string;
  /** @default 86_400_000 */
  readonly rebuildAgeMs: number;
  readonly envVars: Readonly<Record<string, string>>;
  /** @default false */
  readonly pause: boolean;
  /** Output formats: the `image-type` of every provider using this image, sorted. */
  readonly imageTypes: readonly string[];
}

/** The whole compiled configuration. */
export interface CompiledConfig {
  /** Absolute path of the nodepool.yaml it came from. */
  readonly configPath: string;
  readonly elementsDir?: string;
  readonly imagesDir?: string;
  /** 0.3-era: directory of setup scripts for snapshot images. */
  readonly scriptDir?: string;
  /** Database URI: secure.conf `[database] dburi`, else the 0.3-era top-level `dburi`. */
  readonly dburi?: string;
  readonly cron: CompiledCrons;
  readonly zmqPublishers: readonly string[];
  readonly gearmanServers: readonly CompiledGearmanServer[];
  readonly zookeeperServers: readonly CompiledZooKeeperServer[];
  /** In file order. */
  readonly providers: readonly CompiledProvider[];
  readonly labels: readonly CompiledLabel[];
  readonly targets: readonly CompiledTarget[];
  readonly diskimages: readonly CompiledDiskImage[];
  /** How long a label's need may stay unmet before the stuck-demand alarm (port). @default 600_000 */
  readonly stuckAfterMs: number;
  /**
   * Problems the daemons tolerate, as upstream's loader does (unknown keys, `rate: 1`,
   * dropped image `meta`): `config-validate` rejects most of them; daemons log them.
   */
  readonly warnings: readonly ConfigWarning[];
}

/** One tolerated configuration problem, located like a ConfigError problem. */
export interface ConfigWarning {
  readonly file: string;
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}
