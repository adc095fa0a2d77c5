/**
 * The 0.3-era (and older) forms nodepool.yaml may use beside 0.4.0's: `targets[].images`
 * instead of `labels` (seed 002), inline Jenkins credentials in a target, and a top-level
 * `dburi` without any secure.conf. Each is a superset rule: a file 0.4.0 accepts means the
 * same here.
 */
import { ConfigError } from './errors.js';
import type { RawConfig } from './schema.js';
import { readSecureConfig } from './secure-config.js';
import type { SecureConfig } from './secure.js';
import type { CompiledLabel, CompiledTarget, ConfigWarning } from './types.js';
import type { Finding } from './validate.js';

type RawTarget = RawConfig['targets'][number];

/** True when some target lists `images` (the pre-`labels` form). */
export function hasTargetImages(
  raw: { readonly targets?: readonly unknown[] } | undefined,
): boolean {
  return (raw?.targets ?? []).some(
    (t) => typeof t === 'object' && t !== null && Array.isArray((t as { images?: unknown }).images),
  );
}

/**
 * Drops the "missing required key labels" finding when targets carry `images`: such a file
 * has its labels, in the older place.
 */
export function dropSatisfiedFindings(findings: Finding[], value: unknown): Finding[] {
  if (!hasTargetImages(value as { targets?: readonly unknown[] } | undefined)) return findings;
  return findings.filter(
    (f) => !(f.path.length === 0 && f.message === 'missing required key "labels"'),
  );
}

/**
 * Labels made from `targets[].images`: one per image name (image = label = that name), in
 * file order, after the `labels` entries. A name that is also in `labels` keeps the `labels`
 * entry. A name listed by several targets adds up their `min-ready` and joins their
 * providers; as at 0.4.0, the nodes are then spread over all targets.
 */
export function labelsFromTargets(raw: RawConfig): CompiledLabel[] {
  const explicit = new Set(raw.labels.map((l) => l.name));
  const made = new Map<string, { minReady: number; providers: string[] }>();
  for (const t of raw.targets) {
    for (const i of t.images ?? []) {
      if (explicit.has(i.name)) continue;
      const entry = made.get(i.name) ?? { minReady: 0, providers: [] };
      entry.minReady += i['min-ready'];
      for (const p of i.providers)
        if (!entry.providers.includes(p.name)) entry.providers.push(p.name);
      made.set(i.name, entry);
    }
  }
  return [...made].map(([name, e]) => ({
    name,
    image: name,
    minReady: e.minReady,
    subnodes: 0,
    providers: e.providers.map((p) => ({ name: p })),
  }));
}

/**
 * A target's Jenkins settings: secure.conf's `[jenkins "<target>"]` section when it exists
 * (0.4.0), else the `url`/`user`/`apikey`/`credentials-id` written in the target (0.3-era
 * files). The `test-job` always comes from the YAML.
 */
export function jenkinsOf(
  t: RawTarget,
  secure: SecureConfig | undefined,
): CompiledTarget['jenkins'] {
  const s = secure?.jenkins.get(t.name);
  const y = t.jenkins;
  const url = s !== undefined ? s.url : y?.url;
  const user = s !== undefined ? s.user : y?.user;
  const apikey = s !== undefined ? s.apikey : y?.apikey;
  const credentialsId = s !== undefined ? s.credentials : y?.['credentials-id'];
  const testJob = y?.['test-job'];
  return {
    ...(url !== undefined ? { url } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(apikey !== undefined ? { apikey } : {}),
    ...(credentialsId !== undefined ? { credentialsId } : {}),
    ...(testJob !== undefined ? { testJob } : {}),
  };
}

/**
 * Reads secure.conf; when the file does not exist but nodepool.yaml has its own `dburi`
 * (files from before secure.conf existed), goes on without it and records a warning.
 * @throws ConfigError as {@link readSecureConfig} otherwise
 */
export async function readSecureOrYamlDburi(
  path: string,
  raw: RawConfig,
  warnings: ConfigWarning[],
): Promise<SecureConfig | undefined> {
  try {
    return await readSecureConfig(path, raw);
  } catch (err) {
    const code = (
      err instanceof ConfigError ? (err.cause as NodeJS.ErrnoException | undefined) : undefined
    )?.code;
    if (code !== 'ENOENT' || raw.dburi === undefined) throw err;
    warnings.push({
      file: path,
      path: [],
      message:
        'the secure file does not exist: using the dburi of nodepool.yaml and no Jenkins credentials from it',
    });
    return undefined;
  }
}
