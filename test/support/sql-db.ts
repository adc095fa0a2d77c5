/**
 * Fresh SQL databases for tests (one per test file or per test) on the backends that
 * global-setup found, and schema introspection to compare two databases.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import type { Knex } from 'knex';
import type { SqlBackendInfo } from './sql-backends.js';

/** A database that exists only for one test file (or test). */
export interface TestDatabase {
  readonly dialect: 'sqlite' | 'mysql' | 'postgresql';
  /** SQLAlchemy-style URL of the database. */
  readonly dburi: string;
  /** A knex connected to it, for setup and checks (closed by `drop`). */
  readonly knex: Knex;
  /** Closes `knex` and removes the database. */
  drop(): Promise<void>;
}

let pgUser: string | undefined;

async function findPgUser(b: SqlBackendInfo): Promise<string> {
  if (pgUser !== undefined) return pgUser;
  let lastErr: unknown;
  for (const user of ['postgres', 'root']) {
    const k = knexFactory({
      client: 'pg',
      connection: { host: b.host, port: b.port, user, database: 'postgres' },
    });
    try {
      await k.raw('select 1');
      pgUser = user;
      return user;
    } catch (err) {
      lastErr = err;
    } finally {
      await k.destroy();
    }
  }
  throw new Error('Cannot log in to PostgreSQL as "postgres" or "root"', { cause: lastErr });
}

function adminKnex(b: SqlBackendInfo, user: string): Knex {
  return b.name === 'mysql'
    ? knexFactory({ client: 'mysql2', connection: { host: b.host, port: b.port, user: 'root' } })
    : knexFactory({
        client: 'pg',
        connection: { host: b.host, port: b.port, user, database: 'postgres' },
      });
}

/** Creates an empty database (SQLite: a temp file) on backend `b`. */
export async function createTestDatabase(b: SqlBackendInfo): Promise<TestDatabase> {
  if (b.name === 'sqlite') {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'np-sql-'));
    const file = path.join(dir, 'nodepool.db');
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: file },
      useNullAsDefault: true,
    });
    return {
      dialect: 'sqlite',
      dburi: `sqlite:///${file}`,
      knex,
      async drop() {
        await knex.destroy();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `np_test_${randomBytes(6).toString('hex')}`;
  const user = b.name === 'postgresql' ? await findPgUser(b) : 'root';
  const admin = adminKnex(b, user);
  try {
    await admin.raw(`CREATE DATABASE ${name}`);
  } finally {
    await admin.destroy();
  }
  const knex =
    b.name === 'mysql'
      ? knexFactory({
          client: 'mysql2',
          connection: { host: b.host, port: b.port, user, database: name },
        })
      : knexFactory({
          client: 'pg',
          connection: { host: b.host, port: b.port, user, database: name },
        });
  const scheme = b.name === 'mysql' ? 'mysql+pymysql' : 'postgresql';
  return {
    dialect: b.name,
    dburi: `${scheme}://${user}@${b.host}:${b.port}/${name}`,
    knex,
    async drop() {
      await knex.destroy();
      const a = adminKnex(b, user);
      try {
        await a.raw(
          b.name === 'mysql'
            ? `DROP DATABASE IF EXISTS ${name}`
            : `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`,
        );
      } finally {
        await a.destroy();
      }
    },
  };
}

/** Runs a `.sql` file of `;`-terminated statements (no `;` inside strings). */
export async function runSqlFile(knex: Knex, file: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  const statements = text
    .split(/;\s*\n/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s !== '');
  for (const s of statements) await knex.raw(s);
}

/** A dialect-neutral description of tables, columns and indexes, for equality checks. */
export interface SchemaShape {
  tables: Record<string, { columns: string[]; indexes: string[]; engine?: string }>;
}

/** Describes `tables` of the database behind `knex`. */
export async function introspect(
  knex: Knex,
  dialect: TestDatabase['dialect'],
  tables: readonly string[],
): Promise<SchemaShape> {
  const out: SchemaShape = { tables: {} };
  for (const t of tables) {
    if (dialect === 'sqlite') {
      const cols = (await knex.raw(`PRAGMA table_info(${t})`)) as any[];
      const idx = ((await knex.raw(`PRAGMA index_list(${t})`)) as any[]).filter(
        (i) => !String(i.name).startsWith('sqlite_autoindex'),
      );
      const indexes: string[] = [];
      for (const i of idx) {
        const info = (await knex.raw(`PRAGMA index_info(${i.name})`)) as any[];
        indexes.push(`${i.name}(${info.map((c) => c.name).join(',')}) unique=${i.unique}`);
      }
      out.tables[t] = {
        columns: cols.map(
          (c) => `${c.name} ${c.type} notnull=${c.notnull} pk=${c.pk} default=${c.dflt_value}`,
        ),
        indexes: indexes.sort(),
      };
    } else if (dialect === 'mysql') {
      const [cols] = (await knex.raw(
        'SELECT column_name AS n, column_type AS t, is_nullable AS nl, column_default AS d, extra AS e, column_key AS k FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position',
        [t],
      )) as any[];
      const [idx] = (await knex.raw(
        'SELECT index_name AS n, column_name AS c, non_unique AS u FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? ORDER BY index_name, seq_in_index',
        [t],
      )) as any[];
      const [eng] = (await knex.raw(
        'SELECT engine AS e FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?',
        [t],
      )) as any[];
      out.tables[t] = {
        columns: (cols as any[]).map(
          (c) => `${c.n} ${c.t} nullable=${c.nl} default=${c.d} extra=${c.e} key=${c.k}`,
        ),
        indexes: (idx as any[]).map((i) => `${i.n}(${i.c}) non_unique=${i.u}`).sort(),
        engine: eng[0]?.e,
      };
    } else {
      const cols = await knex.raw(
        'SELECT column_name AS n, data_type AS t, character_maximum_length AS l, is_nullable AS nl, column_default AS d FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position',
        [t],
      );
      const idx = await knex.raw(
        'SELECT indexname AS n, indexdef AS d FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ?',
        [t],
      );
      out.tables[t] = {
        columns: (cols.rows as any[]).map(
          (c) => `${c.n} ${c.t}(${c.l}) nullable=${c.nl} default=${c.d}`,
        ),
        indexes: (idx.rows as any[]).map((i) => `${i.n}: ${i.d}`).sort(),
      };
    }
  }
  return out;
}

/** Names of the tables in the database behind `knex`. */
export async function listTables(knex: Knex, dialect: TestDatabase['dialect']): Promise<string[]> {
  if (dialect === 'sqlite') {
    const rows = (await knex.raw(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )) as any[];
    return rows.map((r) => String(r.name)).sort();
  }
  if (dialect === 'mysql') {
    const [rows] = (await knex.raw(
      'SELECT table_name AS n FROM information_schema.tables WHERE table_schema = DATABASE()',
    )) as any[];
    return (rows as any[]).map((r) => String(r.n)).sort();
  }
  const res = await knex.raw(
    'SELECT tablename AS n FROM pg_tables WHERE schemaname = current_schema()',
  );
  return (res.rows as any[]).map((r) => String(r.n)).sort();
}
