/**
 * Cloud settings for each provider, resolved the way os-client-config's "get one cloud"
 * resolves them for upstream (docs/configuration.md): a clouds.yaml entry (or OS_* variables), its
 * vendor profile and region, the provider's compatibility keys, then the same
 * backwards-compatible fixes (top-level project and domain keys moved into `auth`,
 * `endpoint_type` read as `interface`, a lone `domain_*` shared by user and project).
 */
import { CloudResolveError, normalize } from './clouds-files.js';
import type { CloudsFile } from './clouds-files.js';
import type { CompiledCloud } from './types.js';

export { CloudResolveError, cloudsSearchPath, readCloudsFile } from './clouds-files.js';
export type { CloudsFile } from './clouds-files.js';

type Dict = Record<string, unknown>;

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
/**
 * keystoneauth's password plugin options (name, then deprecated names): a value outside
 * `auth` is moved in when `auth` has none.
 */
const PASSWORD_OPTIONS: ReadonlyArray<readonly string[]> = [
  ['auth_url'],
  ['system_scope'],
  ['domain_id'],
  ['domain_name'],
  ['project_id', 'tenant_id'],
  ['project_name', 'tenant_name'],
  ['project_domain_id'],
  ['project_domain_name'],
  ['trust_id'],
  ['default_domain_id'],
  ['default_domain_name'],
  ['user_id'],
  ['username', 'user_name'],
  ['user_domain_id'],
  ['user_domain_name'],
  ['password'],
];

function isDict(v: unknown): v is Dict {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A scalar as Python's str() prints it; anything else as JSON. */
function scalarText(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
    ? String(v)
    : JSON.stringify(v);
}

/** `dict.update` that merges the nested `auth` mapping (os-client-config's _auth_update). */
function authUpdate(target: Dict, source: Dict): Dict {
  for (const [k, v] of Object.entries(structuredClone(source))) {
    if (k === 'auth' && isDict(v))
      target.auth = { ...(isDict(target.auth) ? target.auth : {}), ...v };
    else target[k] = v;
  }
  return target;
}

/** The `envvars` cloud os-client-config builds from OS_* variables, if any. */
function envCloud(env: NodeJS.ProcessEnv): Dict | undefined {
  const keys = Object.keys(env).filter(
    (k) =>
      k.startsWith('OS_') &&
      !k.startsWith('OS_TEST') &&
      !k.startsWith('OS_STD') &&
      !k.startsWith('OS_LOG'),
  );
  if (!keys.some((k) => !ENV_SELECTORS.has(k))) return undefined;
  // Every variable becomes a top-level key; the fixes below move the auth ones into `auth`.
  return Object.fromEntries(keys.map((k) => [k.slice(3).toLowerCase(), env[k]]));
}

function pickBase(
  keys: ProviderCloudKeys,
  file: CloudsFile,
  env: NodeJS.ProcessEnv,
): { name?: string; entry: Dict } {
  const named =
    keys.cloud ?? (env.OS_CLOUD !== undefined && env.OS_CLOUD !== '' ? env.OS_CLOUD : undefined);
  const envKey =
    env.OS_CLOUD_NAME !== undefined && env.OS_CLOUD_NAME !== '' ? env.OS_CLOUD_NAME : 'envvars';
  const fromEnv = envCloud(env);
  if (fromEnv !== undefined && file.clouds[envKey] !== undefined) {
    throw new CloudResolveError(
      `"${file.path ?? 'clouds.yaml'}" defines a cloud named "${envKey}", which is also the name of the cloud made of OS_* variables; rename one of them`,
    );
  }
  if (named !== undefined) {
    const entry = named === envKey ? fromEnv : file.clouds[named];
    if (entry === undefined) {
      const where =
        file.path === undefined
          ? `no clouds.yaml was found (searched ${file.searched.join(', ')})`
          : `"${file.path}" has no such entry`;
      throw new CloudResolveError(`cloud "${named}" is not defined: ${where}`);
    }
    return { name: named, entry };
  }
  if (fromEnv !== undefined) return { name: envKey, entry: fromEnv };
  // Compat: os-client-config uses the only cloud of clouds.yaml when none is named.
  const names = Object.keys(file.clouds);
  const only = names.length === 1 && names[0] !== undefined ? names[0] : undefined;
  if (only !== undefined) return { name: only, entry: file.clouds[only] ?? {} };
  return { entry: {} };
}

interface Region {
  name: string;
  values: Dict;
}

function expandRegions(cloud: string, list: unknown[]): Region[] {
  return list.map((r) => {
    if (!isDict(r)) return { name: scalarText(r), values: {} };
    const extra = Object.keys(r).filter((k) => k !== 'name' && k !== 'values');
    if (r.name === undefined || extra.length > 0 || (r.values !== undefined && !isDict(r.values))) {
      throw new CloudResolveError(
        `cloud "${cloud}" has an invalid region entry ${JSON.stringify(r)}: a region is a name, or a mapping with "name" and optional "values"`,
      );
    }
    return { name: scalarText(r.name), values: isDict(r.values) ? r.values : {} };
  });
}

/** The regions a cloud entry (or else its profile) lists; undefined when none. */
function knownRegions(cloud: string, entry: Dict, profile: Dict | undefined): Region[] | undefined {
  if (Array.isArray(entry.regions)) return expandRegions(cloud, entry.regions);
  if (entry.region_name !== undefined && entry.region_name !== null) {
    const list = Array.isArray(entry.region_name)
      ? entry.region_name
      : scalarText(entry.region_name).split(',');
    return expandRegions(cloud, list);
  }
  if (profile === undefined) return undefined;
  if (Array.isArray(profile.regions) && profile.regions.length > 0)
    return expandRegions(cloud, profile.regions);
  const one = profile.region_name;
  return typeof one === 'string' && one !== '' ? [{ name: one, values: {} }] : undefined;
}

function regionOf(
  name: string | undefined,
  entry: Dict,
  profile: Dict | undefined,
  wanted: string | undefined,
): Region {
  const regions = name === undefined ? undefined : knownRegions(name, entry, profile);
  if (regions === undefined || regions.length === 0) return { name: wanted ?? '', values: {} };
  if (wanted === undefined || wanted === '') return regions[0] ?? { name: '', values: {} };
  const found = regions.find((r) => r.name === wanted);
  if (found === undefined) {
    throw new CloudResolveError(
      `region "${wanted}" is not a region of cloud "${name}"; valid regions: ${regions.map((r) => r.name).join(', ')}`,
    );
  }
  return found;
}

/** A vendor profile from clouds-public.yaml (built-in profiles only set the image format). */
function profileOf(file: CloudsFile, name: string | undefined): Dict | undefined {
  if (name === undefined) return undefined;
  const found = file.publicClouds?.[name];
  return found === undefined ? undefined : (normalize(found) as Dict);
}

/** A scalar setting as text; absent, empty and non-scalar values count as unset. */
function optString(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** os-client-config's magic_fixes and auth validation, for the password plugin. */
function applyFixes(config: Dict): Dict {
  const auth: Dict = isDict(config.auth) ? { ...config.auth } : {};
  config.auth = auth;
  // A service-specific timeout (`compute_timeout`) sets api_timeout.
  for (const k of Object.keys(config)) {
    if (k.endsWith('timeout') && k !== 'timeout' && k !== 'api_timeout') {
      config.api_timeout = config[k];
      delete config[k];
    }
  }
  if ('endpoint_type' in config) {
    config.interface = config.endpoint_type;
    delete config.endpoint_type;
  }
  const authType = config.auth_type ?? config.auth_plugin;
  delete config.auth_plugin;
  config.auth_type = authType;
  // Later names win; for one name, `auth` wins over the top level.
  const v2 = authType === 'v2password';
  const project: Array<[string, string[]]> = v2
    ? [
        ['tenant_id', ['project_id', 'tenant_id']],
        ['tenant_name', ['project_name', 'tenant_name']],
      ]
    : [
        ['project_id', ['tenant_id', 'project_id']],
        ['project_name', ['tenant_name', 'project_name']],
      ];
  const mappings: Array<[string, string[]]> = [
    ['domain_id', ['domain_id']],
    ['domain_name', ['domain_name']],
    ['user_domain_id', ['user_domain_id']],
    ['user_domain_name', ['user_domain_name']],
    ['project_domain_id', ['project_domain_id']],
    ['project_domain_name', ['project_domain_name']],
    ['token', ['auth_token', 'token']],
    ...project,
  ];
  for (const [target, names] of mappings) {
    let value: string | undefined;
    for (const k of names) {
      if (k in config) {
        value = String(config[k]);
        delete config[k];
      }
      if (k in auth) {
        value = String(auth[k]);
        delete auth[k];
      }
    }
    if (value !== undefined && value !== '') auth[target] = value;
  }
  for (const k of Object.keys(config)) {
    if (k.endsWith('endpoint_type')) {
      config[k.replace('endpoint_type', 'interface')] = config[k];
      delete config[k];
    }
  }
  // A lone domain_* names the user's and the project's domain when a project is set, and
  // scopes the token to that domain when none is.
  const projectScoped = 'project_id' in auth || 'project_name' in auth;
  for (const [target, pair] of [
    ['domain_id', ['user_domain_id', 'project_domain_id']],
    ['domain_name', ['user_domain_name', 'project_domain_name']],
  ] as const) {
    if (!projectScoped) continue;
    for (const k of pair) if (target in auth && !(k in auth)) auth[k] = auth[target];
    delete auth[target];
  }
  if (typeof auth.auth_url === 'string') {
    auth.auth_url = auth.auth_url.replace(
      /\{(\w+)\}/g,
      (m, k: string) => optString(config[k]) ?? m,
    );
  }
  if (authType === 'password' || authType === 'v3password' || authType === 'v2password') {
    for (const names of PASSWORD_OPTIONS) {
      const [name] = names as [string];
      const from = (d: Dict): unknown =>
        names.map((n) => d[n]).find((v) => v !== undefined && v !== '');
      const value = from(auth) ?? from(config);
      for (const n of names) {
        delete config[n];
        delete auth[n];
      }
      if (value !== undefined && value !== null) auth[name] = value;
    }
  }
  return config;
}

/**
 * keystoneauth refuses domain settings with an identity v2.0 auth URL (v2.0 has no domains);
 * so does the loader, before any request.
 * @throws CloudResolveError naming the URL and the keys.
 */
function refuseV2WithDomains(cloud: string | undefined, auth: Dict): void {
  const url = optString(auth.auth_url);
  if (url === undefined || !/\/v2\.0\/?$/.test(url)) return;
  const keys = [
    'domain_id',
    'domain_name',
    'project_domain_id',
    'project_domain_name',
    'user_domain_id',
    'user_domain_name',
  ].filter((k) => optString(auth[k]) !== undefined);
  if (keys.length === 0) return;
  const where = cloud === undefined ? '' : ` of cloud "${cloud}"`;
  throw new CloudResolveError(
    `auth_url "${url}"${where} is identity v2.0, which has no domains, but ${keys.join(', ')} ${keys.length === 1 ? 'is' : 'are'} set: remove ${keys.length === 1 ? 'it' : 'them'} or use a v3 auth_url`,
  );
}

/**
 * Resolves one provider's cloud settings.
 * @throws CloudResolveError for a named cloud missing from clouds.yaml, an unknown region
 *   or a malformed region entry.
 */
export function resolveCloud(
  keys: ProviderCloudKeys,
  { file, env }: { file: CloudsFile; env: NodeJS.ProcessEnv },
): CompiledCloud {
  // Compat: upstream's test switch; such providers use the bundled fake cloud and qcow2.
  const isFake = keys['auth-url'] === 'fake';
  const base = isFake && keys.cloud === undefined ? { entry: {} } : pickBase(keys, file, env);
  const entry = structuredClone(base.entry);
  const profileName = optString(entry.profile) ?? optString(entry.cloud);
  const profile = profileOf(file, profileName);
  let config: Dict = { auth_type: 'password', interface: 'public', auth: {} };
  if (profile !== undefined) authUpdate(config, profile);
  authUpdate(config, entry);
  delete config.cloud;
  const region = regionOf(base.name, entry, profile, keys['region-name']);
  delete config.regions;
  authUpdate(config, normalize(region.values) as Dict);
  const args: Dict = {
    region_name: region.name,
    api_timeout: keys['api-timeout'],
    compute_service_type: keys['service-type'],
    compute_service_name: keys['service-name'],
  };
  for (const [k, v] of Object.entries(args)) if (v !== undefined) config[k] = v;
  const compat: Record<string, string | undefined> = {
    username: keys.username,
    password: keys.password,
    auth_url: keys['auth-url'],
    project_id: keys['project-id'],
    project_name: keys['project-name'],
  };
  const compatAuth = Object.fromEntries(
    Object.entries(compat).filter(([, v]) => v !== undefined && v !== ''),
  );
  if (Object.keys(compatAuth).length > 0) authUpdate(config, { auth: compatAuth });
  config = applyFixes(config);
  refuseV2WithDomains(base.name, config.auth as Dict);

  const authStrings: Record<string, string> = {};
  for (const [k, v] of Object.entries(config.auth as Dict)) {
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

  return {
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
        (profileName !== undefined ? VENDOR_IMAGE_FORMATS[profileName] : undefined) ??
        'qcow2'),
    ...(typeof verify === 'boolean' ? { verify } : {}),
    isFake,
    extra,
  };
}
