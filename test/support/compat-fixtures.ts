/**
 * The upstream 0.4.0 config fixtures in `test/fixtures/config/compat/`: their names, the
 * placeholder substitution upstream's test harness does, and the `config-validate` verdicts
 * measured with upstream's validator (../shared/compat/README.md).
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directory of the copied fixtures. */
export const COMPAT_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../fixtures/config/compat',
);

/** The values used when upstream's verdicts were measured. */
export const DEFAULT_SUBSTITUTIONS: Readonly<Record<string, string>> = {
  images_dir: '/srv/nodepool/images',
  gearman_port: '4730',
  zookeeper_host: 'localhost',
  zookeeper_port: '2181',
  zookeeper_chroot: '/nodepool_test/abc_1',
  dburi: 'sqlite://',
};

/** Every YAML fixture, relative to COMPAT_DIR. */
export function compatYamlFiles(): string[] {
  const list = (sub: string): string[] =>
    readdirSync(join(COMPAT_DIR, sub))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => (sub === '' ? f : `${sub}/${f}`));
  return [...list(''), ...list('config_validate'), ...list('tools')].sort();
}

/** True when the fixture contains `{placeholders}`. */
export function isTemplated(name: string): boolean {
  return /\{[a-z_]+\}/.test(readFileSync(join(COMPAT_DIR, name), 'utf8'));
}

/** Upstream's verdict for a fixture, substituted or not. */
export function upstreamVerdict(name: string, substituted: boolean): 'accept' | 'reject' {
  if (name === 'config_validate/schema_error.yaml' || name === 'config_validate/yaml_error.yaml')
    return 'reject';
  if (!substituted && isTemplated(name)) return 'reject';
  return 'accept';
}

/** Replaces `{name}` placeholders (no fixture has literal braces, so this equals str.format). */
export function substitute(
  text: string,
  values: Readonly<Record<string, string>> = DEFAULT_SUBSTITUTIONS,
): string {
  return text.replace(/\{([a-z_]+)\}/g, (m, key: string) => values[key] ?? m);
}

/**
 * Writes a fixture (substituted unless `substituted` is false) into a fresh temp dir and
 * returns its path.
 */
export function writeCompatFixture(
  name: string,
  opts: { substituted?: boolean; values?: Record<string, string>; dir?: string } = {},
): string {
  const text = readFileSync(join(COMPAT_DIR, name), 'utf8');
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'nodepool-compat-'));
  const path = join(dir, name.replace(/\//g, '_'));
  writeFileSync(
    path,
    opts.substituted === false
      ? text
      : substitute(text, { ...DEFAULT_SUBSTITUTIONS, ...opts.values }),
  );
  return path;
}
