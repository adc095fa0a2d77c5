/**
 * Writes etc/nodepool.schema.json, the JSON Schema (draft 2020-12) of nodepool.yaml, from the
 * config schema in src/config (`toJsonSchema()`), for editors (docs/installation.md#editor-support-for-nodepoolyaml).
 * Usage: npx tsx scripts/gen-json-schema.ts [--check]
 * `--check` writes nothing and exits 1 when the committed file is stale
 * (test/integration/etc/json-schema.test.ts checks the same).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toJsonSchema } from '../src/config/index.js';

/** Where the generated schema is committed. */
export const JSON_SCHEMA_PATH = fileURLToPath(
  new URL('../etc/nodepool.schema.json', import.meta.url),
);

/** The exact text of etc/nodepool.schema.json. */
export function renderJsonSchema(): string {
  return JSON.stringify(toJsonSchema(), null, 2) + '\n';
}

function main(argv: readonly string[]): number {
  const text = renderJsonSchema();
  if (argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(JSON_SCHEMA_PATH, 'utf8');
    } catch {
      // A missing file is stale too.
    }
    if (current === text) return 0;
    process.stderr.write(`${JSON_SCHEMA_PATH} is stale: run npx tsx scripts/gen-json-schema.ts\n`);
    return 1;
  }
  writeFileSync(JSON_SCHEMA_PATH, text);
  process.stdout.write(`Wrote ${JSON_SCHEMA_PATH}\n`);
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
