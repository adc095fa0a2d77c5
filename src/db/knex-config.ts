/**
 * Turns a parsed dburi into a knex configuration: driver, connection settings mapped from
 * the URL's query options, and the bounded pool.
 */
import path from 'node:path';
import type { Knex } from 'knex';
import type { ParsedDbUri } from './dburi.js';
import { DbUriError } from './errors.js';
import { sqliteClient } from './sqlite-client.js';

/** Pool and driver settings that do not come from the dburi. */
export interface PoolOptions {
  /** Most connections the process opens (MySQL, PostgreSQL). @default 10 */
  poolMax?: number;
  /** SQLite: how long a writer waits for another process's lock. @default 10_000 */
  busyTimeoutMs?: number;
  /** Base of a relative SQLite path. @default process.cwd() */
  cwd?: string;
}

/** Default bound of the connection pool. */
export const DEFAULT_POOL_MAX = 10;

/** The knex configuration plus the query options that mean nothing to our drivers. */
export interface BuiltKnexConfig {
  readonly config: Knex.Config;
  /** Options of the URL that were ignored (e.g. MySQLdb's `use_unicode`), for a warning. */
  readonly ignoredOptions: readonly string[];
  /** SQLite file path (absolute), or `:memory:`. */
  readonly filename?: string;
}

function seconds(value: string, key: string, p: ParsedDbUri): number {
  if (!/^\d+(\.\d+)?$/.test(value)) {
    throw new DbUriError(
      `Cannot use dburi "${p.redacted}": option "${key}" must be a number of seconds: current value is "${value}"`,
      {
        scheme: p.scheme,
      },
    );
  }
  return Math.round(Number(value) * 1000);
}

function mysqlConnection(p: ParsedDbUri, ignored: string[]): Record<string, unknown> {
  const c: Record<string, unknown> = {
    host: p.host ?? 'localhost',
    port: p.port ?? 3306,
    ...(p.user !== undefined ? { user: p.user } : {}),
    ...(p.password !== undefined ? { password: p.password } : {}),
    ...(p.database !== undefined ? { database: p.database } : {}),
  };
  for (const [key, value] of Object.entries(p.options)) {
    if (key === 'charset') c.charset = value.toUpperCase();
    else if (key === 'unix_socket') c.socketPath = value;
    else if (key === 'connect_timeout') c.connectTimeout = seconds(value, key, p);
    else ignored.push(key);
  }
  return c;
}

function pgSsl(
  mode: string,
  p: ParsedDbUri,
): boolean | { rejectUnauthorized: boolean } | undefined {
  switch (mode) {
    case 'disable':
    case 'allow':
    case 'prefer':
      // Compat: libpq tries TLS first for 'prefer'; pg cannot fall back, so we stay plain.
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
    case 'verify-full':
      return { rejectUnauthorized: true };
    default:
      throw new DbUriError(
        `Cannot use dburi "${p.redacted}": option "sslmode" must be one of disable, allow, prefer, require, verify-ca, verify-full: current value is "${mode}"`,
        { scheme: p.scheme },
      );
  }
}

function pgConnection(p: ParsedDbUri, ignored: string[]): Record<string, unknown> {
  const c: Record<string, unknown> = {
    ...(p.host !== undefined ? { host: p.host } : {}),
    port: p.port ?? 5432,
    ...(p.user !== undefined ? { user: p.user } : {}),
    ...(p.password !== undefined ? { password: p.password } : {}),
    ...(p.database !== undefined ? { database: p.database } : {}),
  };
  for (const [key, value] of Object.entries(p.options)) {
    if (key === 'sslmode') c.ssl = pgSsl(value, p);
    else if (key === 'host') c.host = value;
    else if (key === 'application_name' || key === 'client_encoding' || key === 'options')
      c[key] = value;
    else if (key === 'connect_timeout') c.connectionTimeoutMillis = seconds(value, key, p);
    else ignored.push(key);
  }
  return c;
}

/**
 * Builds the knex configuration for a parsed dburi.
 * @throws DbUriError for an option value we cannot use (`connect_timeout=abc`).
 */
export function buildKnexConfig(p: ParsedDbUri, options: PoolOptions = {}): BuiltKnexConfig {
  const poolMax = options.poolMax ?? DEFAULT_POOL_MAX;
  if (!Number.isInteger(poolMax) || poolMax < 1) {
    throw new RangeError(
      `Cannot build the database pool: poolMax must be an integer >= 1: current value is ${poolMax}`,
    );
  }
  const ignored: string[] = [];
  if (p.dialect === 'sqlite') {
    const db = p.database ?? ':memory:';
    const filename = db === ':memory:' ? db : path.resolve(options.cwd ?? process.cwd(), db);
    const busy = options.busyTimeoutMs ?? 10_000;
    ignored.push(...Object.keys(p.options));
    return {
      filename,
      ignoredOptions: ignored,
      config: {
        // better-sqlite3, waiting for another process's lock without holding the event loop.
        client: sqliteClient(busy) as unknown as Knex.Config['client'],
        connection: { filename },
        useNullAsDefault: true,
        // better-sqlite3 is synchronous: more than one connection per process adds no
        // parallelism, only lock contention. Other processes share the file through WAL.
        pool: {
          min: 1,
          max: 1,
          afterCreate(
            conn: { pragma(s: string): unknown },
            done: (err: Error | null, conn: unknown) => void,
          ) {
            try {
              // The switch to WAL waits for the other processes like any statement ...
              conn.pragma(`busy_timeout = ${busy}`);
              if (filename !== ':memory:') conn.pragma('journal_mode = WAL');
              // ... but the statements do not sleep in SQLite: sqlite-client.ts waits for them.
              conn.pragma('busy_timeout = 0');
              done(null, conn);
            } catch (err) {
              done(err as Error, conn);
            }
          },
        },
      },
    };
  }
  const connection = p.dialect === 'mysql' ? mysqlConnection(p, ignored) : pgConnection(p, ignored);
  return {
    ignoredOptions: ignored,
    config: {
      client: p.dialect === 'mysql' ? 'mysql2' : 'pg',
      connection,
      pool: { min: 0, max: poolMax, idleTimeoutMillis: 30_000 },
      acquireConnectionTimeout: 60_000,
    },
  };
}
