/**
 * The SQLite driver: knex's better-sqlite3 client, except that a statement finding the
 * database locked by another process waits for it without holding the event loop.
 *
 * better-sqlite3 runs each statement synchronously, and SQLite's own busy handler waits for a
 * lock by sleeping the calling thread (1 ms, 2 ms, 5 ms, 10 ms ...). Several processes on one
 * file (launchers of a cluster, the CLI, a builder) meet each other's write locks often:
 * three launchers writing a row per launch each spent 10-20 % of their time asleep in those
 * waits, with every timer, socket and cloud call of the process stopped meanwhile. Here the
 * connection's own busy timeout is 0 (set after the start-up pragmas, see knex-config.ts), and
 * a statement answered `SQLITE_BUSY` is run again after a turn of the event loop, then after
 * growing pauses, until the busy timeout is spent; then the error is thrown as before.
 *
 * Only a lock that is simply taken is waited for. `SQLITE_BUSY_SNAPSHOT` (a transaction whose
 * snapshot another writer made stale) can never succeed by waiting and is thrown at once, as
 * SQLite's busy handler would.
 */
import { createRequire } from 'node:module';
import type { Knex } from 'knex';
import { delay, nextTurn } from '../util/index.js';

/** The part of knex's better-sqlite3 client this driver overrides. */
interface BaseClient {
  _query(connection: unknown, obj: unknown): Promise<unknown>;
}
type BaseClientClass = new (config: Knex.Config) => BaseClient;

/** knex's own client, loaded when an SQLite database is first configured. */
function betterSqlite3Client(): BaseClientClass {
  // knex ships its dialects as CommonJS without typings of their own.
  return createRequire(import.meta.url)(
    'knex/lib/dialects/better-sqlite3/index.js',
  ) as BaseClientClass;
}

/** Error codes of a lock that may be free a moment later. */
const WAITABLE = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_RECOVERY']);

/** True when `err` says the database is locked by another connection for now. */
export function isLockBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && WAITABLE.has(code);
}

/** How many retries take only a turn of the event loop before the pauses start. */
const TURNS = 3;
/** The longest pause between two tries, in milliseconds. */
const MAX_PAUSE_MS = 8;

/**
 * The pause before retry number `attempt` (0-based): `0` means a turn of the event loop (a
 * write lock is usually held for well under a millisecond), then 1, 1, 2, 2, 4, 4, 8, 8 ... ms.
 */
export function busyPauseMs(attempt: number): number {
  if (attempt < TURNS) return 0;
  return Math.min(MAX_PAUSE_MS, 2 ** Math.floor((attempt - TURNS) / 2));
}

/**
 * Runs `run` again while it fails with a waitable lock error, pausing per {@link busyPauseMs},
 * until `timeoutMs` has passed since the first try; then its last error is thrown.
 */
export async function whileBusy<T>(timeoutMs: number, run: () => Promise<T>): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!isLockBusy(err) || performance.now() >= deadline) throw err;
      const ms = busyPauseMs(attempt);
      await (ms === 0 ? nextTurn() : delay(ms));
    }
  }
}

/** knex's `client` for SQLite files: the better-sqlite3 client waiting as described above. */
export function sqliteClient(busyTimeoutMs: number): BaseClientClass {
  return class WaitingSqlite3Client extends betterSqlite3Client() {
    override async _query(connection: unknown, obj: unknown): Promise<unknown> {
      return whileBusy(busyTimeoutMs, () => super._query(connection, obj));
    }
  };
}
