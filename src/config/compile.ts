/**
 * Compiles a validated nodepool.yaml (defaults already applied from the schema) into the
 * frozen `CompiledConfig`: camelCase names, durations in ms, cloud and secure settings merged.
 */
import { compileCron } from './cron.js';
import { jenkinsOf, labelsFromTargets } from './old-forms.js';
import { CRON } from './schema.js';
import type { RawConfig, RawProvider, RawProviderImage } from './schema.js';
import type { SecureConfig } from './secure.js';
import type {
  CompiledCloud,
  CompiledConfig,
  CompiledDiskImage,
  CompiledLabel,
  CompiledNetwork,
  CompiledProvider,
  CompiledProviderImage,
  CompiledTarget,
  ConfigWarning,
} from './types.js';

/** Everything the compiler needs, all already checked. */
export interface CompileInput {
  /** Absolute path of nodepool.yaml. */
  readonly configPath: string;
  readonly raw: RawConfig;
  /** Cloud settings of each provider, in the order of `raw.providers`. */
  readonly clouds: readonly CompiledCloud[];
  readonly secure?: SecureConfig;
  readonly warnings: readonly ConfigWarning[];
}

/** Deep-freezes a plain object graph and returns it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Upstream's Nova metadata rule: more than 5 entries, or a key or value over 255
 * characters, and the whole map is dropped.
 */
export function isMetaDropped(meta: Readonly<Record<string, string>>): boolean {
  const entries = Object.entries(meta);
  return entries.length > 5 || entries.some(([k, v]) => k.length > 255 || v.length > 255);
}

/**
 * The diskimage a provider image is built from: its `diskimage` key when that names a
 * diskimage, else (0.4.0 rule) its own name.
 */
export function diskimageOf(image: RawProviderImage, diskimageNames: ReadonlySet<string>): string {
  if (image.diskimage !== undefined && diskimageNames.has(image.diskimage)) return image.diskimage;
  return image.name;
}

function compileNetwork(n: RawProvider['networks'][number]): CompiledNetwork {
  if ('net-id' in n && n['net-id'] !== undefined) return { id: n['net-id'] };
  if ('net-label' in n && n['net-label'] !== undefined) return { name: n['net-label'] };
  if ('name' in n)
    return n.public === undefined ? { name: n.name } : { name: n.name, isPublic: n.public };
  return {};
}

function compileImage(
  i: RawProviderImage,
  diskimageNames: ReadonlySet<string>,
): CompiledProviderImage {
  return {
    name: i.name,
    diskimage: diskimageOf(i, diskimageNames),
    minRam: i['min-ram'],
    ...(i['name-filter'] !== undefined ? { nameFilter: i['name-filter'] } : {}),
    pause: i.pause,
    username: i.username,
    userHome: i['user-home'],
    privateKey: i['private-key'],
    ...(i['config-drive'] !== undefined ? { configDrive: i['config-drive'] } : {}),
    // Compat: upstream silently drops a map Nova would refuse (validation warns about it).
    meta: isMetaDropped(i.meta) ? {} : { ...i.meta },
    ...(i['base-image'] !== undefined ? { baseImage: i['base-image'] } : {}),
    ...(i.setup !== undefined ? { setup: i.setup } : {}),
    ...(i['ready-script'] !== undefined ? { readyScript: i['ready-script'] } : {}),
  };
}

function compileProvider(
  p: RawProvider,
  cloud: CompiledCloud,
  diskimageNames: ReadonlySet<string>,
): CompiledProvider {
  return {
    name: p.name,
    driver: p.driver,
    cloud,
    ...(p['region-name'] !== undefined ? { regionName: p['region-name'] } : {}),
    maxServers: p['max-servers'],
    ...(p.pool !== undefined ? { pool: p.pool } : {}),
    imageType: p['image-type'] ?? cloud.imageFormat,
    networks: p.networks.map(compileNetwork),
    ipv6Preferred: p['ipv6-preferred'],
    bootTimeoutMs: p['boot-timeout'] * 1000,
    launchTimeoutMs: p['launch-timeout'] * 1000,
    rateMs: p.rate * 1000,
    ...(p['availability-zones'] !== undefined
      ? { availabilityZones: [...p['availability-zones']] }
      : {}),
    ...(p.keypair !== undefined ? { keypair: p.keypair } : {}),
    templateHostname: p['template-hostname'],
    cleanFloatingIps: p['clean-floating-ips'],
    launchAttempts: p['launch-attempts'],
    images: p.images.map((i) => compileImage(i, diskimageNames)),
  };
}

function compileTargets(raw: RawConfig, secure: SecureConfig | undefined): CompiledTarget[] {
  return raw.targets.map((t) => ({
    name: t.name,
    hostname: t.hostname,
    subnodeHostname: t['subnode-hostname'],
    rateMs: t.rate * 1000,
    assignViaGearman: t['assign-via-gearman'],
    // secure.conf's section wins; the YAML's url/user/apikey are the 0.3-era fallback.
    jenkins: jenkinsOf(t, secure),
  }));
}

function compileDiskImages(
  raw: RawConfig,
  providers: readonly CompiledProvider[],
): CompiledDiskImage[] {
  const types = new Map<string, Set<string>>();
  for (const p of providers) {
    for (const i of p.images) {
      if (i.baseImage !== undefined) continue; // snapshot images are not built with dib
      let set = types.get(i.diskimage);
      if (set === undefined) types.set(i.diskimage, (set = new Set()));
      set.add(p.imageType);
    }
  }
  return (raw.diskimages ?? []).map((d) => ({
    name: d.name,
    elements: [...d.elements],
    release: String(d.release),
    rebuildAgeMs: d['rebuild-age'] * 1000,
    envVars: { ...d['env-vars'] },
    pause: d.pause,
    imageTypes: [...(types.get(d.name) ?? [])].sort(),
  }));
}

function dedupeServers<T extends { host: string; port: number }>(servers: readonly T[]): T[] {
  // Compat: upstream keys servers by "host_port"; a repeated pair counts once (the last wins).
  const byKey = new Map<string, T>();
  for (const s of servers) byKey.set(`${s.host}_${s.port}`, s);
  return [...byKey.values()];
}

/** The keys beyond 0.4.0 of a label; none of them is set on a 0.4.0 label. */
function labelPolicies(
  l: RawConfig['labels'][number],
): Pick<CompiledLabel, 'minReadySchedule' | 'maxReadyAgeMs' | 'refreshOnNewImage'> {
  const schedule = l['min-ready-schedule'];
  return {
    ...(schedule !== undefined
      ? {
          minReadySchedule: {
            timezone: schedule.timezone,
            periods: schedule.periods.map((p) => ({
              cron: p.cron.trim().split(/\s+/).join(' '),
              minReady: p['min-ready'],
            })),
          },
        }
      : {}),
    ...(l['max-ready-age'] !== undefined ? { maxReadyAgeMs: l['max-ready-age'] * 1000 } : {}),
    ...(l['refresh-on-new-image'] !== undefined
      ? { refreshOnNewImage: l['refresh-on-new-image'] }
      : {}),
  };
}

/** Builds the frozen CompiledConfig. Inputs must have passed validation. */
export function compileConfig(input: CompileInput): CompiledConfig {
  const { raw } = input;
  const diskimageNames = new Set((raw.diskimages ?? []).map((d) => d.name));
  const providers = raw.providers.map((p, i) =>
    compileProvider(p, input.clouds[i] ?? missingCloud(p.name), diskimageNames),
  );
  const labels: CompiledLabel[] = raw.labels.map((l) => ({
    name: l.name,
    image: l.image,
    minReady: l['min-ready'],
    subnodes: l.subnodes,
    ...(l['ready-script'] !== undefined ? { readyScript: l['ready-script'] } : {}),
    providers: l.providers.map((p) => ({ name: p.name })),
    ...labelPolicies(l),
  }));
  labels.push(...labelsFromTargets(raw));
  const cron = raw.cron;
  const defaults = CRON.fields;
  const updateImage =
    cron?.['update-image'] ?? cron?.['image-update'] ?? defaults['update-image'].default;
  const config: CompiledConfig = {
    configPath: input.configPath,
    ...(raw['elements-dir'] !== undefined ? { elementsDir: raw['elements-dir'] } : {}),
    ...(raw['images-dir'] !== undefined ? { imagesDir: raw['images-dir'] } : {}),
    ...(raw['script-dir'] !== undefined ? { scriptDir: raw['script-dir'] } : {}),
    ...((input.secure?.dburi ?? raw.dburi) !== undefined
      ? { dburi: input.secure?.dburi ?? raw.dburi }
      : {}),
    cron: {
      cleanup: compileCron(cron?.cleanup ?? defaults.cleanup.default),
      check: compileCron(cron?.check ?? defaults.check.default),
      updateImage: compileCron(updateImage),
    },
    zmqPublishers: [...new Set(raw['zmq-publishers'])],
    gearmanServers: dedupeServers(
      raw['gearman-servers'].map((g) => ({ host: g.host, port: g.port })),
    ),
    zookeeperServers: dedupeServers(
      raw['zookeeper-servers'].map((z) => ({
        host: z.host,
        port: z.port,
        ...(z.chroot !== undefined ? { chroot: z.chroot } : {}),
      })),
    ),
    providers,
    labels,
    targets: compileTargets(raw, input.secure),
    diskimages: compileDiskImages(raw, providers),
    stuckAfterMs: raw['stuck-after'] * 1000,
    warnings: [...input.warnings],
  };
  return deepFreeze(config);
}

function missingCloud(provider: string): never {
  throw new RangeError(`No cloud settings were resolved for provider "${provider}"`);
}
