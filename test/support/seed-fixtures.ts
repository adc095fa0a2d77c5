/**
 * The seed documents' configurations (`test/fixtures/config/seeds/`), with test values for
 * their placeholders (`{script_dir}`, `{auth_url}`, ...).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { substitute } from './compat-fixtures.js';

/** Directory of the seed configurations. */
export const SEEDS_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../fixtures/config/seeds',
);

/** Test values used when a test does not give its own. */
export const SEED_VALUES: Readonly<Record<string, string>> = {
  script_dir: '/etc/nodepool/scripts',
  dburi: 'mysql://nodepool@localhost/nodepool',
  os_username: 'nodepool',
  os_password: 'secret',
  os_project_id: 'nodepool-project',
  auth_url: 'fake',
  private_key: '/var/lib/nodepool/.ssh/id_rsa',
  elements_dir: '/etc/nodepool/elements',
  images_dir: '/var/lib/nodepool/dib',
};

/** Every seed configuration (nodepool.yaml) file name; `*-clouds.yaml` are clouds.yaml files. */
export function seedFiles(): string[] {
  return readdirSync(SEEDS_DIR)
    .filter((f) => f.endsWith('.yaml') && !f.endsWith('-clouds.yaml'))
    .sort();
}

/** A seed configuration with its placeholders replaced. */
export function seedConfig(name: string, values: Readonly<Record<string, string>> = {}): string {
  return substitute(readFileSync(join(SEEDS_DIR, name), 'utf8'), { ...SEED_VALUES, ...values });
}

/** `../shared/seeds` from the repository root (the seed documents themselves). */
export const SEED_DOCS_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../shared/seeds',
);

/**
 * Seed 004's clouds.yaml (`004-clouds.yaml`, the walkthrough's text) with its shell
 * placeholders (`${OS_USERNAME}`, ...) filled in from `values`.
 * @throws Error naming a placeholder without a value.
 */
export function seedCloudsYaml(values: Readonly<Record<string, string>>): string {
  return readFileSync(join(SEEDS_DIR, '004-clouds.yaml'), 'utf8').replace(
    /\$\{(\w+)\}/g,
    (_m, name: string) => {
      const v = values[name];
      if (v === undefined) throw new Error(`seed 004 clouds.yaml: no value for \${${name}}`);
      return v;
    },
  );
}
