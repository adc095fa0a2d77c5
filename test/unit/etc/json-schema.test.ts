/**
 * etc/nodepool.schema.json: generated from the config schema and committed for editors. It
 * must be current, and every file the loader accepts (upstream's fixtures, the samples, the
 * quickstart config) must validate against it, while the rejected fixture must not.
 * The validator is test/support/json-schema.ts (no ajv): it implements every keyword the
 * generator emits and throws on any other, so the checks below are complete.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JSON_SCHEMA_PATH, renderJsonSchema } from '../../../scripts/gen-json-schema.js';
import { parseYaml11, toPlain } from '../../../src/config/yaml11.js';
import { ROOT } from '../../support/cli.js';
import {
  COMPAT_DIR,
  compatYamlFiles,
  substitute,
  upstreamVerdict,
} from '../../support/compat-fixtures.js';
import { validateJsonSchema } from '../../support/json-schema.js';

const schema: unknown = JSON.parse(readFileSync(JSON_SCHEMA_PATH, 'utf8'));

/** The document as the loader sees it (YAML 1.1, PyYAML's types), as plain JSON values. */
function yamlDocument(text: string): unknown {
  const node = parseYaml11(text);
  return node === null ? null : toPlain(node);
}

describe('etc/nodepool.schema.json', () => {
  it('is the schema generated from src/config (run: npx tsx scripts/gen-json-schema.ts)', () => {
    expect(readFileSync(JSON_SCHEMA_PATH, 'utf8')).toBe(renderJsonSchema());
  });

  it('declares JSON Schema draft 2020-12', () => {
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
    });
  });

  const fixtures = compatYamlFiles().filter((f) => f !== 'config_validate/yaml_error.yaml');
  it.each(fixtures)('agrees with upstream on compat fixture %s', (name) => {
    const doc = yamlDocument(substitute(readFileSync(join(COMPAT_DIR, name), 'utf8')));
    const violations = validateJsonSchema(schema, doc);
    if (upstreamVerdict(name, true) === 'accept') expect(violations).toEqual([]);
    else expect(violations.length).toBeGreaterThan(0);
  });

  it('rejects the schema-error fixture for its unknown key and missing sections', () => {
    const doc = yamlDocument(
      readFileSync(join(COMPAT_DIR, 'config_validate/schema_error.yaml'), 'utf8'),
    );
    expect(validateJsonSchema(schema, doc)).toEqual([
      { at: '', message: 'missing required key "providers"' },
      { at: '', message: 'missing required key "labels"' },
      { at: '/nothandled', message: 'unknown key "nothandled"' },
    ]);
  });

  it.each(['etc/nodepool.yaml.sample', 'etc/quickstart/nodepool.yaml'])('accepts %s', (path) => {
    const text = substitute(readFileSync(join(ROOT, path), 'utf8'), {
      images_dir: '/tmp/images',
      zookeeper_port: '2181',
    });
    expect(validateJsonSchema(schema, yamlDocument(text))).toEqual([]);
  });

  it('is named by the yaml-language-server modeline of the samples', () => {
    expect(readFileSync(join(ROOT, 'etc/nodepool.yaml.sample'), 'utf8')).toMatch(
      /^# yaml-language-server: \$schema=nodepool\.schema\.json\n/,
    );
    expect(readFileSync(join(ROOT, 'etc/quickstart/nodepool.yaml'), 'utf8')).toMatch(
      /^# yaml-language-server: \$schema=\.\.\/nodepool\.schema\.json\n/,
    );
  });

  it('reports wrong types, unknown keys, missing keys, mixed network forms and bad cron strings with their place', () => {
    const doc = yamlDocument(
      [
        'cron: {cleanup: every minute}',
        'labels: []',
        'providers:',
        '  - name: p1',
        '    max-servers: ten',
        '    flavor: big',
        '    networks: [{name: a, net-id: b}]',
      ].join('\n'),
    );
    expect(validateJsonSchema(schema, doc)).toEqual([
      {
        at: '/cron/cleanup',
        message: '"every minute" does not match ^\\s*\\S+(\\s+\\S+){4,5}\\s*$',
      },
      { at: '/providers/0', message: 'missing required key "images"' },
      { at: '/providers/0/max-servers', message: 'expected integer or boolean, got string "ten"' },
      { at: '/providers/0/flavor', message: 'unknown key "flavor"' },
      {
        at: '/providers/0/networks/0',
        message: 'expected exactly one of 2 shapes to match, 0 did',
      },
    ]);
  });
});

describe('validateJsonSchema', () => {
  it('throws when the schema uses a keyword it does not implement', () => {
    expect(() => validateJsonSchema({ type: 'object', minProperties: 1 }, {})).toThrow(
      new TypeError(
        'Cannot validate with the schema at "#": keyword "minProperties" is not supported',
      ),
    );
  });

  it('checks enum, additionalProperties schemas and integer versus number', () => {
    const s = {
      type: 'object',
      properties: {
        driver: { enum: ['openstack'] },
        rate: { type: 'number' },
        n: { type: 'integer' },
      },
      additionalProperties: { type: 'string' },
    };
    expect(validateJsonSchema(s, { driver: 'aws', rate: 1, n: 1.5, extra: 3 })).toEqual([
      { at: '/driver', message: 'expected one of ["openstack"], got "aws"' },
      { at: '/n', message: 'expected integer, got number 1.5' },
      { at: '/extra', message: 'expected string, got integer 3' },
    ]);
  });
});
