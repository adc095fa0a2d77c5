/**
 * The database of a process: one knex instance with one bounded pool, upstream's tables
 * ensured, our migrations applied, and the three repositories on top.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { parseDbUri } from './dburi.js';
import type { Dialect } from './dburi.js';
import { NodepoolError } from '../errors.js';
import { DbUriError } from './errors.js';
import { buildKnexConfig, DEFAULT_POOL_MAX } from './knex-config.js';
import type { PoolOptions } from './knex-config.js';
import { JobRepo } from './job-repo.js';
import { runMigrations } from './migrations.js';
import { NodeRepo } from './node-repo.js';
import type { RepoContext } from './records.js';
import { ensureUpstreamSchema } from './schema.js';
import { SnapshotImageRepo } from './snapshot-image-repo.js';
import { SubnodeRepo } from './subnode-repo.js';

/** Options of {@link openDatabase}. */
export interface DatabaseOptions extends PoolOptions {
  /** Receives a warning for ignored dburi options and an info line per created table. */
  log?: Logger;
  /** Clock for `state_time`, in whole Unix seconds. @default the system clock */
  now?: () => number;
  /** Create missing tables and apply migrations on open. @default true */
  ensureSchema?: boolean;
}

/** The repositories, bound to the pool or to one transaction. */
export interface Repos {
  readonly nodes: NodeRepo;
  readonly subnodes: SubnodeRepo;
  readonly jobs: JobRepo;
  /** 0.3-era `snapshot_image` rows (table created on first use; see the repo). */
  readonly snapshotImages: SnapshotImageRepo;
}

function systemNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** An open database. Build it with {@link openDatabase} or {@link acquireDatabase}. */
export class Database implements Repos {
  readonly nodes: NodeRepo;
  readonly subnodes: SubnodeRepo;
  readonly jobs: JobRepo;
  readonly snapshotImages: SnapshotImageRepo;
  private closing: Promise<void> | null = null;

  /** @internal */
  constructor(
    /** The knex instance; its pool is the only one this Database opens. */
    readonly knex: Knex,
    readonly dialect: Dialect,
    /** The dburi with its password replaced, for messages. */
    readonly redactedUri: string,
    /** The pool's upper bound (always 1 for SQLite). */
    readonly poolMax: number,
    private readonly now: () => number,
  ) {
    const repos = this.reposFor(knex);
    this.nodes = repos.nodes;
    this.subnodes = repos.subnodes;
    this.jobs = repos.jobs;
    this.snapshotImages = repos.snapshotImages;
  }

  private reposFor(knex: Knex): Repos {
    const ctx: RepoContext = { knex, dialect: this.dialect, now: this.now };
    return {
      nodes: new NodeRepo(ctx),
      subnodes: new SubnodeRepo(ctx),
      jobs: new JobRepo(ctx),
      snapshotImages: new SnapshotImageRepo(ctx),
    };
  }

  /**
   * Runs `fn` in one transaction and commits when it resolves. Keep it short: never wait
   * on the network (clouds, ZooKeeper) inside, since it holds a pooled connection. On
   * SQLite, write before reading inside a transaction: a transaction that read first cannot
   * wait for another process's write lock and fails with SQLITE_BUSY instead.
   */
  async transaction<T>(fn: (repos: Repos) => Promise<T>): Promise<T> {
    return this.knex.transaction((trx) => fn(this.reposFor(trx)));
  }

  /** True once {@link close} was called. */
  get isClosed(): boolean {
    return this.closing !== null;
  }

  /** Closes the pool after running queries finish. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.knex.destroy();
    return this.closing;
  }
}

/**
 * knex's own messages (e.g. `Acquire connection error` with a stack, printed on stdout by
 * default) go to our log at DEBUG: the error they describe reaches the caller anyway.
 */
function knexLog(log: Logger | undefined): Knex.Config['log'] {
  const debug = (message: unknown): void => {
    log?.debug('knex: %s', typeof message === 'string' ? message : JSON.stringify(message));
  };
  return { warn: debug, error: debug, deprecate: debug, debug };
}

/**
 * Opens a database from a dburi: builds the pool, creates upstream's missing tables and
 * applies our migrations.
 * @throws DbUriError for a malformed or unsupported dburi.
 * @throws DatabaseError when the server cannot be reached or the schema cannot be created.
 */
export async function openDatabase(
  dburi: string,
  options: DatabaseOptions = {},
): Promise<Database> {
  const parsed = parseDbUri(dburi);
  const built = buildKnexConfig(parsed, options);
  if (built.ignoredOptions.length > 0) {
    options.log?.warn(
      { options: built.ignoredOptions },
      'Ignoring dburi options %s',
      built.ignoredOptions.join(', '),
    );
  }
  // Loaded on first use: knex costs ~100 ms of startup that CLI verbs without SQL skip.
  const { default: knexFactory } = await import('knex');
  const knex = knexFactory({ ...built.config, log: knexLog(options.log) });
  const poolMax = parsed.dialect === 'sqlite' ? 1 : (options.poolMax ?? DEFAULT_POOL_MAX);
  const db = new Database(knex, parsed.dialect, parsed.redacted, poolMax, options.now ?? systemNow);
  if (options.ensureSchema === false) return db;
  try {
    const created = await ensureUpstreamSchema(knex, parsed.dialect);
    if (created.length > 0)
      options.log?.info({ tables: created }, 'Created tables %s', created.join(', '));
    await runMigrations(knex, parsed.dialect);
  } catch (err) {
    await db.close();
    const why = err instanceof Error ? err.message : String(err);
    if (err instanceof TypeError && /charset/i.test(why)) {
      throw new DbUriError(`Cannot use dburi "${parsed.redacted}": ${why}`, {
        scheme: parsed.scheme,
        cause: err,
      });
    }
    throw new NodepoolError(`Cannot open database "${parsed.redacted}": ${why}`, {
      code: 'ERR_DATABASE',
      cause: err,
    });
  }
  return db;
}

interface Shared {
  db: Promise<Database>;
  users: number;
}

const shared = new Map<string, Shared>();

/** A use of the process-wide database; call `release()` once when done. */
export interface DatabaseLease {
  readonly db: Database;
  /** Gives the lease back; the last release of a dburi closes its pool. Idempotent. */
  release(): Promise<void>;
}

/**
 * Returns the process-wide Database for `dburi`, opening it on first use, so that a process
 * has one bounded pool however many components use the database. Options apply only on
 * first open.
 */
export async function acquireDatabase(
  dburi: string,
  options: DatabaseOptions = {},
): Promise<DatabaseLease> {
  let entry = shared.get(dburi);
  if (!entry) {
    const created: Shared = { db: openDatabase(dburi, options), users: 0 };
    shared.set(dburi, created);
    created.db.catch(() => {
      if (shared.get(dburi) === created) shared.delete(dburi);
    });
    entry = created;
  }
  entry.users += 1;
  const mine = entry;
  let db: Database;
  try {
    db = await mine.db;
  } catch (err) {
    mine.users -= 1;
    throw err;
  }
  let released = false;
  return {
    db,
    async release() {
      if (released) return;
      released = true;
      mine.users -= 1;
      if (mine.users === 0 && shared.get(dburi) === mine) {
        shared.delete(dburi);
        await db.close();
      }
    },
  };
}
