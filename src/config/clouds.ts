/**
 * Cloud settings for each provider, resolved the way os-client-config's "get one cloud"
 * resolves them for upstream (docs/configuration.md): a clouds.yaml entry (or OS_* variables),
 * with the provider's compatibility keys layered on top.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CompiledCloud } from './types.js';
import { parseYaml11, toPlain } from './yaml11.js';

type Dict = Record<string, unknown>;

/** A cloud could not be resolved; the loader turns this into a located ConfigError. */
export class CloudResolveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CloudResolveError';
  }
}

/** The clouds.yaml that was found (if any) and its `clouds` entries. */
export interface CloudsFile {
  readonly path?: string;
  readonly searched: readonly string[];
  readonly clouds: Readonly<Record<string, Dict>>;
}

/** What a provider asks for, in nodepool.yaml spelling. */
export interface ProviderCloudKeys {
  readonly cloud?: string;
  readonly 'region-name'?: string;
  readonly 'api-timeout'?: number;
  readonly 'service-type'?: string;
  readonly 'service-name'?: string;
  readonly username?: string;
  readonly password?: string;
  readonly 'auth-url'?: string;
  readonly 'project-id'?: string;
  readonly 'project-name'?: string;
}

// Compat: os-client-config vendor profiles that change the default image format.
const VENDOR_IMAGE_FORMATS: Readonly<Record<string, string>> = {
  betacloud: 'raw',
  catalyst: 'raw',
  dreamcompute: 'raw',
  dreamhost: 'raw',
  otc: 'vhd',
  rackspace: 'vhd',
  switchengines: 'raw',
  unitedstack: 'raw',
};
const AUTH_ENV_KEYS = new Set([
  'auth_url',
  'username',
  'password',
  'project_id',
  'project_name',
  'tenant_id',
  'tenant_name',
  'user_id',
  'user_domain_id',
  'user_domain_name',
  'project_domain_id',
  'project_domain_name',
  'domain_id',
  'domain_name',
  'token',
]);
const ENV_SELECTORS = new Set([
  'OS_CLOUD',
  'OS_REGION_NAME',
  'OS_CLIENT_CONFIG_FILE',
  'OS_CLIENT_SECURE_FILE',
  'OS_CLOUD_NAME',
]);
const KNOWN_KEYS = new Set([
  'auth',
  'auth_type',
  'region_name',
  'interface',
  'identity_api_version',
  'compute_service_type',
  'compute_service_name',
  'api_timeout',
  'image_format',
  'verify',
  'insecure',
  'regions',
  'profile',
  'cloud',
]);

/** The clouds.yaml search path: OS_CLIENT_CONFIG_FILE, then cwd, ~/.config/openstack, /etc/openstack. */
export function cloudsSearchPath(env: NodeJS.ProcessEnv, cwd: string): string[] {
  const home = env.HOME ?? homedir();
  const dirs = [cwd];
  if (env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== '')
    dirs.push(join(env.XDG_CONFIG_HOME, 'openstack'));
  dirs.push(join(home, '.config', 'openstack'), '/etc/openstack');
  const files = dirs.flatMap((d) =>
    ['clouds.yaml', 'clouds.yml', 'clouds.json'].map((f) => join(d, f)),
  );
  const override = env.OS_CLIENT_CONFIG_FILE;
  return override !== undefined && override !== '' ? [resolve(cwd, override), ...files] : files;
}

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value === null || typeof value !== 'object') return value;
  const out: Dict = {};
  for (const [k, v] of Object.entries(value as Dict)) out[k.replace(/-/g, '_')] = normalize(v);
  return out;
}

/**
 * Finds and reads clouds.yaml. A file that exists but cannot be parsed is an error.
 * @throws CloudResolveError naming the file.
 */
export function readCloudsFile(env: NodeJS.ProcessEnv, cwd: string): CloudsFile {
  const searched = cloudsSearchPath(env, cwd);
  const path = searched.find((p) => existsSync(p));
  if (path === undefined) return { searched, clouds: {} };
  let data: unknown;
  try {
    const root = parseYaml11(readFileSync(path, 'utf8'));
    data = root === null ? {} : toPlain(root);
  } catch (err) {
    const pos = (err as { pos?: { line: number; column: number } }).pos;
    const where = pos === undefined ? '' : `:${pos.line}:${pos.column}`;
    throw new CloudResolveError(
      `Cannot read "${path}${where}": ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const clouds = (data as Dict | null)?.clouds;
  if (clouds === undefined || clouds === null) return { path, searched, clouds: {} };
  if (typeof clouds !== 'object' || Array.isArray(clouds)) {
    throw new CloudResolveError(`Cannot read "${path}": "clouds" must be a mapping of cloud names`);
  }
  // Setting names get underscores; cloud names are kept as written.
  const entries = Object.entries(clouds as Dict).map(([name, entry]) => [
    name,
    (normalize(entry) ?? {}) as Dict,
  ]);
  return { path, searched, clouds: Object.fromEntries(entries) as Record<string, Dict> };
}

/** The `envvars` cloud os-client-config builds from OS_* variables, if any. */
function envCloud(env: NodeJS.ProcessEnv): Dict | undefined {
  const keys = Object.keys(env).filter(
    (k) => k.startsWith('OS_') && !k.startsWith('OS_TEST') && !k.startsWith('OS_STD'),
  );
  if (!keys.some((k) => !ENV_SELECTORS.has(k))) return undefined;
  const cloud: Dict = {};
  const auth: Dict = {};
  for (const k of keys) {
    if (
      k === 'OS_CLIENT_CONFIG_FILE' ||
      k === 'OS_CLIENT_SECURE_FILE' ||
      k === 'OS_CLOUD' ||
      k === 'OS_CLOUD_NAME'
    )
      continue;
    let key = k.slice(3).toLowerCase();
    if (key === 'tenant_name') key = 'project_name';
    if (key === 'tenant_id') key = 'project_id';
    if (AUTH_ENV_KEYS.has(key)) auth[key] = env[k];
    else cloud[key] = env[k];
  }
  return { ...cloud, auth };
}

function pickBase(
  keys: ProviderCloudKeys,
  file: CloudsFile,
  env: NodeJS.ProcessEnv,
): { name?: string; entry: Dict } {
  const named =
    keys.cloud ?? (env.OS_CLOUD !== undefined && env.OS_CLOUD !== '' ? env.OS_CLOUD : undefined);
  if (named !== undefined) {
    const entry = file.clouds[named];
    if (entry === undefined) {
      const where =
        file.path === undefined
          ? `no clouds.yaml was found (searched ${file.searched.join(', ')})`
          : `"${file.path}" has no such entry`;
      throw new CloudResolveError(`cloud "${named}" is not defined: ${where}`);
    }
    return { name: named, entry };
  }
  const fromEnv = envCloud(env);
  if (fromEnv !== undefined) return { name: 'envvars', entry: fromEnv };
  // Compat: os-client-config uses the only cloud of clouds.yaml when none is named.
  const names = Object.keys(file.clouds);
  const only = names.length === 1 && names[0] !== undefined ? names[0] : undefined;
  if (only !== undefined) return { name: only, entry: file.clouds[only] ?? {} };
  return { entry: {} };
}

function regionOf(
  name: string | undefined,
  entry: Dict,
  wanted: string | undefined,
): { name?: string; values: Dict } {
  let regions: { name: string; values: Dict }[] = [];
  const list =
    entry.regions ??
    (typeof entry.region_name === 'string' ? entry.region_name.split(',') : undefined);
  if (Array.isArray(list)) {
    regions = list.map((r) =>
      typeof r === 'object' && r !== null
        ? { name: String((r as Dict).name), values: ((r as Dict).values as Dict | undefined) ?? {} }
        : { name: String(r), values: {} },
    );
  }
  if (regions.length === 0 || name === undefined)
    return wanted === undefined ? { values: {} } : { name: wanted, values: {} };
  if (wanted === undefined || wanted === '') return regions[0] ?? { values: {} };
  const found = regions.find((r) => r.name === wanted);
  if (found === undefined) {
    throw new CloudResolveError(
      `region "${wanted}" is not a region of cloud "${name}"; valid regions: ${regions.map((r) => r.name).join(', ')}`,
    );
  }
  return found;
}

/** A scalar setting as text; absent, empty and non-scalar values count as unset. */
function optString(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/**
 * Resolves one provider's cloud settings.
 * @throws CloudResolveError for a named cloud missing from clouds.yaml or an unknown region.
 */
export function resolveCloud(
  keys: ProviderCloudKeys,
  { file, env }: { file: CloudsFile; env: NodeJS.ProcessEnv },
): CompiledCloud {
  // Compat: upstream's test switch; such providers use the bundled fake cloud and qcow2.
  const isFake = keys['auth-url'] === 'fake';
  const base = isFake && keys.cloud === undefined ? { entry: {} } : pickBase(keys, file, env);
  const entry = structuredClone(base.entry);
  const profile = optString(entry.profile) ?? optString(entry.cloud);
  const region = regionOf(base.name, entry, keys['region-name']);
  const config: Dict = { ...entry, ...(normalize(region.values) as Dict) };
  const auth: Dict = {
    ...((entry.auth as Dict | undefined) ?? {}),
    ...((normalize(region.values) as Dict).auth as Dict | undefined),
  };
  const layer: Dict = {
    region_name: region.name,
    api_timeout: keys['api-timeout'],
    compute_service_type: keys['service-type'],
    compute_service_name: keys['service-name'],
  };
  for (const [k, v] of Object.entries(layer)) if (v !== undefined && v !== '') config[k] = v;
  const compat: Record<string, string | undefined> = {
    username: keys.username,
    password: keys.password,
    auth_url: keys['auth-url'],
    project_id: keys['project-id'],
    project_name: keys['project-name'],
  };
  for (const [k, v] of Object.entries(compat)) if (v !== undefined && v !== '') auth[k] = v;

  const authStrings: Record<string, string> = {};
  for (const [k, v] of Object.entries(auth)) {
    const text = optString(v);
    if (text !== undefined) authStrings[k] = text;
  }
  const extra: Dict = {};
  for (const [k, v] of Object.entries(config)) if (!KNOWN_KEYS.has(k)) extra[k] = v;
  const verify =
    config.verify ??
    (config.insecure === undefined
      ? undefined
      : !(config.insecure === true || config.insecure === 'true'));

  const cloud: CompiledCloud = {
    ...(base.name !== undefined ? { cloudName: base.name } : {}),
    auth: authStrings,
    authType: optString(config.auth_type) ?? 'password',
    ...(optString(config.region_name) !== undefined
      ? { regionName: optString(config.region_name) }
      : {}),
    interface: optString(config.interface) ?? 'public',
    ...(optString(config.identity_api_version) !== undefined
      ? { identityApiVersion: optString(config.identity_api_version) }
      : {}),
    ...(optString(config.compute_service_type) !== undefined
      ? { computeServiceType: optString(config.compute_service_type) }
      : {}),
    ...(optString(config.compute_service_name) !== undefined
      ? { computeServiceName: optString(config.compute_service_name) }
      : {}),
    ...(config.api_timeout !== undefined && config.api_timeout !== null
      ? { apiTimeoutMs: Number(config.api_timeout) * 1000 }
      : {}),
    imageFormat: isFake
      ? 'qcow2'
      : (optString(config.image_format) ??
        (profile !== undefined ? VENDOR_IMAGE_FORMATS[profile] : undefined) ??
        'qcow2'),
    ...(typeof verify === 'boolean' ? { verify } : {}),
    isFake,
    extra,
  };
  return cloud;
}
