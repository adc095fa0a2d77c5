/**
 * The seed documents' configurations (`test/fixtures/config/seeds/`), with test values for
 * their placeholders (`{script_dir}`, `{auth_url}`, ...).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { substitute } from './compat-fixtures.js';

/** Directory of the seed configurations. */
export const SEEDS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/config/seeds');

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

/** Every seed configuration file name. */
export function seedFiles(): string[] {
  return readdirSync(SEEDS_DIR).filter((f) => f.endsWith('.yaml')).sort();
}

/** A seed configuration with its placeholders replaced. */
export function seedConfig(name: string, values: Readonly<Record<string, string>> = {}): string {
  return substitute(readFileSync(join(SEEDS_DIR, name), 'utf8'), { ...SEED_VALUES, ...values });
}
