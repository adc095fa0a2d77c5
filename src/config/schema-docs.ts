/**
 * Renders the key reference of docs/configuration.md from the schema, so the docs cannot
 * drift from what the validator checks. Regenerate with `npx tsx scripts/gen-config-docs.ts`.
 */
import {
  CRON,
  DISKIMAGE,
  GEARMAN_SERVER,
  JENKINS,
  LABEL,
  LABEL_PROVIDER,
  MIN_READY_SCHEDULE,
  NETWORK_BY_NAME,
  NETWORK_OLD,
  PROVIDER,
  PROVIDER_IMAGE,
  SCHEDULE_PERIOD,
  TARGET,
  TOP_LEVEL,
  ZOOKEEPER_SERVER,
} from './schema.js';
import type { Field, ObjectSchema, SchemaNode } from './schema-types.js';

/** Markers around the generated part of docs/configuration.md. */
export const DOCS_BEGIN = '<!-- BEGIN GENERATED KEY REFERENCE (src/config/schema-docs.ts) -->';
export const DOCS_END = '<!-- END GENERATED KEY REFERENCE -->';

function typeName(node: SchemaNode): string {
  switch (node.kind) {
    case 'string':
      if (node.format === 'cron') return 'cron string';
      if (node.format === 'cron5') return 'five-field cron string';
      return node.format === 'timezone' ? 'time zone name' : 'string';
    case 'int':
      return node.min === undefined ? 'integer' : `integer ≥ ${node.min}`;
    case 'float':
      return 'float';
    case 'number':
      return 'number';
    case 'bool':
      return 'boolean';
    case 'stringOrInt':
      return 'string or integer';
    case 'dict':
      return 'mapping of strings';
    case 'list':
      return `list of ${typeName(node.items)}s`;
    case 'object':
      return 'mapping';
    case 'shapes':
      return 'mapping';
  }
}

function defaultText(field: Field): string {
  if (field.defaultText !== undefined) return field.defaultText;
  if (field.default === undefined) return '';
  if (typeof field.default === 'string') return `\`${field.default}\``;
  if (typeof field.default === 'number' && field.schema.kind === 'float')
    return `\`${field.default.toFixed(1)}\``;
  return `\`${JSON.stringify(field.default)}\``;
}

function requiredText(field: Field): string {
  if (field.required === true) return 'yes';
  if (field.required === 'validate') return 'validate';
  return '';
}

function notes(field: Field): string {
  const extra: string[] = [];
  if (field.origin === '0.3') extra.push('0.3-era form.');
  if (field.origin === 'port') extra.push('Port addition.');
  return [field.description, ...extra].join(' ');
}

function table(title: string, schema: ObjectSchema): string {
  const rows = Object.entries(schema.fields).map(
    ([key, f]) =>
      `| \`${key}\` | ${typeName(f.schema)} | ${requiredText(f)} | ${defaultText(f)} | ${notes(f).replace(/\|/g, '\\|')} |`,
  );
  return [
    `### ${title}`,
    '',
    '| key | type | required | default | meaning |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The generated markdown, markers included. */
export function renderKeyReference(): string {
  const sections: [string, ObjectSchema][] = [
    ['Top level', TOP_LEVEL],
    ['`cron`', CRON],
    ['`gearman-servers[]`', GEARMAN_SERVER],
    ['`zookeeper-servers[]`', ZOOKEEPER_SERVER],
    ['`providers[]`', PROVIDER],
    ['`providers[].networks[]` (by name)', NETWORK_BY_NAME],
    ['`providers[].networks[]` (older form: by id or label)', NETWORK_OLD],
    ['`providers[].images[]`', PROVIDER_IMAGE],
    ['`labels[]`', LABEL],
    ['`labels[].providers[]`', LABEL_PROVIDER],
    ['`labels[].min-ready-schedule`', MIN_READY_SCHEDULE],
    ['`labels[].min-ready-schedule.periods[]`', SCHEDULE_PERIOD],
    ['`targets[]`', TARGET],
    ['`targets[].jenkins`', JENKINS],
    ['`diskimages[]`', DISKIMAGE],
  ];
  const body = sections.map(([title, schema]) => table(title, schema)).join('\n\n');
  return `${DOCS_BEGIN}\n\n${body}\n\n${DOCS_END}`;
}
