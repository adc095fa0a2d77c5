/**
 * What a daemon checks before it starts its services, so that an operator learns about a
 * problem on the terminal (before detaching) rather than from a log file later:
 *
 * - the first config load: a failure is final (exit 2), as for `nodepool-builder`;
 * - the database and ZooKeeper: a server that cannot be reached is retried every
 *   {@link RETRY_MS} with a WARNING each attempt (or fails at once with `--fail-fast`);
 *   a server that refuses our credentials is final (exit 2).
 */
import type { Logger } from 'pino';
import { ConfigError, loadConfig } from '../config/index.js';
import type { CompiledConfig, CompiledZooKeeperServer } from '../config/index.js';
import { openDatabase, redactDbUri } from '../db/index.js';
import { NodepoolError } from '../errors.js';
import { delay, untilAborted } from '../util/index.js';
import { ZkClient } from '../zk/index.js';

/** Time between two attempts to reach a server at start-up. */
export const RETRY_MS = 5_000;
/** How long one ZooKeeper attempt waits for a session. */
const ZK_ATTEMPT_MS = 5_000;

/** A server needed at start-up cannot be used. */
export class StartupCheckError extends NodepoolError {
  /** Whether trying again can help (the server is down) or not (it refused us). */
  readonly isRetryable: boolean;
  constructor(
    message: string,
    opts: { code: 'ERR_DB_UNREACHABLE' | 'ERR_DB_REFUSED' | 'ERR_ZK_UNREACHABLE'; cause?: unknown },
  ) {
    super(message, opts);
    this.isRetryable = opts.code !== 'ERR_DB_REFUSED';
  }
}

/** One server to reach before starting. */
export interface StartupCheck {
  /** Resolves when usable; rejects with a {@link StartupCheckError}. */
  attempt(signal: AbortSignal): Promise<void>;
}

/** What {@link waitForServers} needs from its daemon. */
export interface WaitOptions {
  log: Logger;
  signal: AbortSignal;
  /** `--fail-fast`: the first unreachable server ends the start. */
  failFast: boolean;
  /** Called once, on the first failed attempt: the operator's terminal hears about it. */
  notice: (text: string) => Promise<void> | void;
  /** @default RETRY_MS */
  retryMs?: number;
}

/** Waits until every check passes; retries unreachable servers unless `failFast`. */
export async function waitForServers(
  checks: readonly StartupCheck[],
  options: WaitOptions,
): Promise<void> {
  const retryMs = options.retryMs ?? RETRY_MS;
  let noticed = false;
  for (const check of checks) {
    for (let attempt = 1; ; attempt++) {
      options.signal.throwIfAborted();
      try {
        await check.attempt(options.signal);
        if (attempt > 1) options.log.warn('Start-up check passed after %d attempts', attempt);
        break;
      } catch (err) {
        options.signal.throwIfAborted();
        if (!(err instanceof StartupCheckError) || !err.isRetryable || options.failFast) throw err;
        const seconds = retryMs / 1000;
        options.log.warn('%s; retrying in %d s (attempt %d)', err.message, seconds, attempt);
        if (!noticed) {
          noticed = true;
          await options.notice(
            `${err.message}; retrying every ${seconds} s and starting once it answers ` +
              '(--fail-fast exits instead)',
          );
        }
        await delay(retryMs, { signal: options.signal });
      }
    }
  }
}

/** Loads the config the way the daemon will; a failure ends the start with exit status 2. */
export async function loadFirstConfig(
  configPath: string,
  securePath?: string,
): Promise<CompiledConfig> {
  const config = await loadConfig(configPath, securePath === undefined ? {} : { securePath });
  if (securePath !== undefined && (config.dburi === undefined || config.dburi === '')) {
    throw new ConfigError(securePath, [
      { file: securePath, path: ['database', 'dburi'], message: 'is required by nodepoold' },
    ]);
  }
  return config;
}

/** PostgreSQL and MySQL errors that mean "wrong role, password or database": final. */
const REFUSED = new Set([
  '28P01', // pg: password authentication failed
  '28000', // pg: role does not exist / no pg_hba entry
  '3D000', // pg: database does not exist
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
]);

function driverCode(err: unknown): string | undefined {
  for (let e: unknown = err; typeof e === 'object' && e !== null;) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('ERR_')) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function rootMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

/** The database of `dburi` answers a query with our credentials. */
export function databaseCheck(dburi: string): StartupCheck {
  return {
    async attempt(signal) {
      const db = await openDatabase(dburi, { ensureSchema: false, poolMax: 1 });
      try {
        await untilAborted(db.knex.raw('select 1'), signal);
      } catch (err) {
        if (signal.aborted) throw err;
        const code = driverCode(err);
        const where = redactDbUri(dburi);
        if (code !== undefined && REFUSED.has(code)) {
          throw new StartupCheckError(
            `Cannot use the database "${where}": ${rootMessage(err)} (check the user, password and database name of dburi)`,
            { code: 'ERR_DB_REFUSED', cause: err },
          );
        }
        throw new StartupCheckError(
          `Cannot connect to the database "${where}": ${rootMessage(err)}`,
          { code: 'ERR_DB_UNREACHABLE', cause: err },
        );
      } finally {
        await db.close();
      }
    },
  };
}

/** A ZooKeeper session can be opened on `servers` (the chroot is created when missing). */
export function zookeeperCheck(servers: readonly CompiledZooKeeperServer[]): StartupCheck {
  return {
    async attempt(signal) {
      if (servers.length === 0) return;
      const client = new ZkClient({ servers, connectTimeoutMs: ZK_ATTEMPT_MS });
      try {
        await untilAborted(client.start(), signal);
      } catch (err) {
        if (signal.aborted) throw err;
        const why = rootMessage(err);
        throw new StartupCheckError(
          why.startsWith('Cannot connect to ZooKeeper')
            ? why
            : `Cannot connect to ZooKeeper at ${client.hosts}: ${why}`,
          { code: 'ERR_ZK_UNREACHABLE', cause: err },
        );
      } finally {
        await client.stop();
      }
    },
  };
}
