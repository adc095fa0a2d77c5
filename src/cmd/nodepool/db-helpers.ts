/**
 * What the SQL verbs share: opening the database named by secure.conf, parsing ids, and
 * printing nodes and jobs as upstream's tables or as JSON.
 */
import { ConfigError } from '../../config/index.js';
import { acquireDatabase, DbUriError } from '../../db/index.js';
import type { Database, JobRecord, NodeRecord } from '../../db/index.js';
import { usageError } from '../../errors.js';
import { NODE_LIST_HEADERS, formatTable, nodeJson, nodeListTable } from '../../status/index.js';
import type { CliContext } from './verb.js';

/**
 * Opens the database of `[database] dburi` (creating missing tables) and closes it when
 * the command ends.
 * @throws ConfigError when secure.conf has no dburi or an unusable one (exit status 2).
 */
export async function openCliDatabase(ctx: CliContext): Promise<Database> {
  const config = await ctx.config();
  const where = { file: ctx.securePath, path: ['database', 'dburi'] };
  if (config.dburi === undefined || config.dburi === '') {
    throw new ConfigError(ctx.securePath, [
      {
        ...where,
        message: 'is required by this command: add "dburi=..." to the [database] section',
      },
    ]);
  }
  try {
    const lease = await acquireDatabase(config.dburi, { log: ctx.log });
    ctx.onClose(() => lease.release());
    return lease.db;
  } catch (err) {
    if (err instanceof DbUriError)
      throw new ConfigError(ctx.securePath, [{ ...where, message: err.message }], { cause: err });
    throw err;
  }
}

/** Largest id an upstream INTEGER column holds. */
const MAX_ID = 2 ** 31 - 1;

/**
 * Parses a node or job id given on the command line.
 * @throws NodepoolError (ERR_USAGE) when it is not a positive integer.
 */
export function parseId(text: string, what: 'node' | 'job'): number {
  if (!/^\d+$/.test(text.trim())) {
    throw usageError(
      `Cannot find ${what}: ID must be a positive integer: current value is "${text}"`,
    );
  }
  return Number(text.trim());
}

/** True when `id` cannot exist in an upstream table (it would overflow INTEGER). */
export function isOutOfRange(id: number): boolean {
  return id < 1 || id > MAX_ID;
}

/** Column headers of `nodepool list`, in upstream's order. */
export const NODE_HEADERS = NODE_LIST_HEADERS;

/** The JSON form of a node for `--json`: the table's columns plus raw state fields. */
export { nodeJson };

/** Prints nodes as the `list` table, or as a JSON array with `--json`. */
export function printNodes(
  ctx: CliContext,
  nodes: readonly NodeRecord[],
  nowMs: number = Date.now(),
): void {
  if (ctx.json) {
    ctx.out(
      JSON.stringify(
        nodes.map((n) => nodeJson(n, nowMs)),
        null,
        2,
      ),
    );
    return;
  }
  ctx.out(nodeListTable(nodes, nowMs));
}

/** Prints jobs as the `job-list` table, or as a JSON array with `--json`. */
export function printJobs(ctx: CliContext, jobs: readonly JobRecord[]): void {
  if (ctx.json) {
    ctx.out(
      JSON.stringify(
        jobs.map((j) => ({ id: j.id, name: j.name, holdOnFailure: j.holdOnFailure })),
        null,
        2,
      ),
    );
    return;
  }
  ctx.out(
    formatTable(
      ['ID', 'Name', 'Hold on Failure'],
      jobs.map((j) => [j.id, j.name, j.holdOnFailure]),
    ),
  );
}
