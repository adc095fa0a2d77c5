/** Config files for running the `nodepool` CLI against a test database (no vitest here). */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Paths of a written nodepool.yaml and secure.conf. */
export interface CliFiles {
  configPath: string;
  securePath: string;
}

/**
 * Writes the suite's nodepool.yaml and a secure.conf whose
 * `[database] dburi` is `dburi` (or `secureText` verbatim) into `dir`.
 */
export async function writeCliFiles(
  dir: string,
  dburi: string,
  options: { secureText?: string } = {},
): Promise<CliFiles> {
  const yaml = await readFile(path.join(ROOT, 'test/fixtures/sql/nodepool.yaml'), 'utf8');
  const configPath = path.join(dir, 'nodepool.yaml');
  const securePath = path.join(dir, 'secure.conf');
  await writeFile(configPath, yaml);
  await writeFile(securePath, options.secureText ?? `[database]\ndburi=${dburi}\n`);
  return { configPath, securePath };
}
