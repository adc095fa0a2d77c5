/**
 * The files os-client-config reads before it resolves a cloud: clouds.yaml, secure.yaml
 * (merged over it) and clouds-public.yaml (vendor profiles), each the first one found on
 * the same search path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseYaml11, toPlain } from './yaml11.js';

type Dict = Record<string, unknown>;

/** A cloud could not be resolved; the loader turns this into a located ConfigError. */
export class CloudResolveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CloudResolveError';
  }
}

/** The clouds.yaml that was found (if any), its `clouds` entries and the vendor profiles. */
export interface CloudsFile {
  readonly path?: string;
  readonly searched: readonly string[];
  /** Entries as written (secure.yaml merged in), setting names with underscores. */
  readonly clouds: Readonly<Record<string, Dict>>;
  /** `public-clouds` of clouds-public.yaml, by profile name. */
  readonly publicClouds?: Readonly<Record<string, Dict>>;
}

/** The directories searched, in os-client-config's order. */
function searchDirs(env: NodeJS.ProcessEnv, cwd: string): string[] {
  const home = env.HOME ?? homedir();
  const dirs = [cwd];
  if (env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== '')
    dirs.push(join(env.XDG_CONFIG_HOME, 'openstack'));
  dirs.push(join(home, '.config', 'openstack'));
  const xdgDirs = (env.XDG_CONFIG_DIRS ?? '').split(':').filter((d) => d !== '');
  dirs.push(join(xdgDirs[0] ?? '/etc/xdg', 'openstack'), '/etc/openstack');
  return [...new Set(dirs)];
}

function candidates(dirs: string[], base: string): string[] {
  return dirs.flatMap((d) => ['yaml', 'yml', 'json'].map((ext) => join(d, `${base}.${ext}`)));
}

/** The clouds.yaml search path: OS_CLIENT_CONFIG_FILE, then cwd, ~/.config/openstack, /etc/openstack. */
export function cloudsSearchPath(env: NodeJS.ProcessEnv, cwd: string): string[] {
  const files = candidates(searchDirs(env, cwd), 'clouds');
  const override = env.OS_CLIENT_CONFIG_FILE;
  return override !== undefined && override !== '' ? [resolve(cwd, override), ...files] : files;
}

/** Setting names get underscores (os-client-config's normalize_keys). */
export function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value === null || typeof value !== 'object') return value;
  const out: Dict = {};
  for (const [k, v] of Object.entries(value as Dict)) out[k.replace(/-/g, '_')] = normalize(v);
  return out;
}

function isDict(v: unknown): v is Dict {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Deep merge of two mappings, `over` winning (os-client-config's merge_clouds). */
export function mergeDicts(base: Dict, over: Dict): Dict {
  const out: Dict = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isDict(b) && isDict(v) ? mergeDicts(b, v) : v;
  }
  return out;
}

function readDoc(path: string): Dict {
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
  if (data === null || data === undefined) return {};
  if (!isDict(data)) throw new CloudResolveError(`Cannot read "${path}": it is not a mapping`);
  return data;
}

function section(path: string, doc: Dict, key: string): Record<string, Dict> {
  const value = doc[key];
  if (value === undefined || value === null) return {};
  if (!isDict(value)) {
    throw new CloudResolveError(`Cannot read "${path}": "${key}" must be a mapping of cloud names`);
  }
  // Setting names get underscores; cloud names are kept as written.
  return Object.fromEntries(
    Object.entries(value).map(([name, entry]) => [name, (normalize(entry) ?? {}) as Dict]),
  );
}

/**
 * Finds and reads clouds.yaml, secure.yaml and clouds-public.yaml. A file that exists but
 * cannot be parsed is an error.
 * @throws CloudResolveError naming the file.
 */
export function readCloudsFile(env: NodeJS.ProcessEnv, cwd: string): CloudsFile {
  const searched = cloudsSearchPath(env, cwd);
  const path = searched.find((p) => existsSync(p));
  const dirs = searchDirs(env, cwd);
  const secureOverride = env.OS_CLIENT_SECURE_FILE;
  const securePath = [
    ...(secureOverride !== undefined && secureOverride !== ''
      ? [resolve(cwd, secureOverride)]
      : []),
    ...candidates(dirs, 'secure'),
  ].find((p) => existsSync(p));
  const publicPath = candidates(dirs, 'clouds-public').find((p) => existsSync(p));
  let clouds = path === undefined ? {} : section(path, readDoc(path), 'clouds');
  if (securePath !== undefined) {
    const secure = section(securePath, readDoc(securePath), 'clouds');
    clouds = mergeDicts(clouds, secure) as Record<string, Dict>;
  }
  const publicClouds =
    publicPath === undefined
      ? undefined
      : section(publicPath, readDoc(publicPath), 'public-clouds');
  return {
    ...(path !== undefined ? { path } : {}),
    searched,
    clouds,
    ...(publicClouds !== undefined ? { publicClouds } : {}),
  };
}
