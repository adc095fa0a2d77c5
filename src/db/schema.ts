/**
 * Upstream 0.4.0's tables `node`, `subnode` and `job`, created exactly as the Python
 * nodepool creates them (SQLAlchemy `metadata.create_all`).
 *
 * Contract: these three tables, their columns, types, nullability and index names
 * (`ix_<table>_<column>`) never change, so the Python nodepool and this port can use one
 * database. Only missing tables are created (with their indexes); existing ones, and any
 * other table (0.3.x `snapshot_image`, `dib_image`), are never touched. Our own additions
 * live in separate tables created by `migrations.ts`.
 */
import type { Knex } from 'knex';
import type { Dialect } from './dburi.js';

/** Upstream's table names, in creation order. */
export const UPSTREAM_TABLES = ['node', 'subnode', 'job'] as const;

/** One of upstream's tables. */
export type UpstreamTable = (typeof UPSTREAM_TABLES)[number];

const COLUMNS: Readonly<Record<UpstreamTable, readonly string[]>> = {
  node: [
    'provider_name VARCHAR(255) NOT NULL',
    'label_name VARCHAR(255) NOT NULL',
    'target_name VARCHAR(255) NOT NULL',
    'manager_name VARCHAR(255)',
    'hostname VARCHAR(255)',
    'nodename VARCHAR(255)',
    'external_id VARCHAR(255)',
    'az VARCHAR(255)',
    'ip VARCHAR(255)',
    'ip_private VARCHAR(255)',
    'state INTEGER',
    'state_time INTEGER',
    'comment VARCHAR(255)',
  ],
  subnode: [
    'node_id INTEGER NOT NULL',
    'hostname VARCHAR(255)',
    'external_id VARCHAR(255)',
    'ip VARCHAR(255)',
    'ip_private VARCHAR(255)',
    'state INTEGER',
    'state_time INTEGER',
  ],
  job: ['name VARCHAR(255)', 'hold_on_failure INTEGER'],
};

/** Indexed columns of each table; the index is named `ix_<table>_<column>`. */
export const UPSTREAM_INDEXES: Readonly<Record<UpstreamTable, readonly string[]>> = {
  node: ['provider_name', 'label_name', 'target_name', 'hostname', 'nodename'],
  subnode: ['node_id', 'hostname'],
  job: ['name'],
};

const ID_COLUMN: Readonly<Record<Dialect, string>> = {
  mysql: 'id INTEGER NOT NULL AUTO_INCREMENT',
  postgresql: 'id SERIAL NOT NULL',
  sqlite: 'id INTEGER NOT NULL',
};

/** The statements that create `table` and its indexes on `dialect`, as upstream emits them. */
export function upstreamDdl(table: UpstreamTable, dialect: Dialect): string[] {
  return tableDdl(table, COLUMNS[table], UPSTREAM_INDEXES[table], dialect);
}

/**
 * SQLAlchemy's `create_all` statements for a table with an integer `id` primary key, the
 * given columns and one `ix_<table>_<column>` index per indexed column.
 */
export function tableDdl(
  table: string,
  columns: readonly string[],
  indexes: readonly string[],
  dialect: Dialect,
): string[] {
  const body = [ID_COLUMN[dialect], ...columns, 'PRIMARY KEY (id)'].join(',\n\t');
  const engine = dialect === 'mysql' ? 'ENGINE=InnoDB' : '';
  return [
    `CREATE TABLE ${table} (\n\t${body}\n)${engine}`,
    ...indexes.map((col) => `CREATE INDEX ix_${table}_${col} ON ${table} (${col})`),
  ];
}

/**
 * Creates whichever of upstream's tables are missing, with their indexes. Returns the
 * names of the tables it created.
 */
export async function ensureUpstreamSchema(knex: Knex, dialect: Dialect): Promise<UpstreamTable[]> {
  const created: UpstreamTable[] = [];
  for (const table of UPSTREAM_TABLES) {
    if (await knex.schema.hasTable(table)) continue;
    try {
      // MySQL commits DDL implicitly, so a transaction would not help; statements run in order.
      for (const sql of upstreamDdl(table, dialect)) await knex.raw(sql);
      created.push(table);
    } catch (err) {
      // Another process (a second CLI, the daemon) may have created it at the same moment.
      if (await knex.schema.hasTable(table)) continue;
      throw err;
    }
  }
  return created;
}
