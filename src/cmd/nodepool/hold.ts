import { notFoundError } from '../../errors.js';
import { isOutOfRange, openCliDatabase, parseId, printNodes } from './db-helpers.js';
import { startLauncherPoke } from './poke.js';
import type { CliContext, VerbOptions } from './verb.js';

/** `nodepool hold ID [--reason TEXT]`: keeps a node indefinitely, then prints it. */
export async function run(
  ctx: CliContext,
  args: readonly string[],
  opts: VerbOptions,
): Promise<void> {
  const id = parseId(args[0] ?? '', 'node');
  const reason = typeof opts.reason === 'string' ? opts.reason : undefined;
  const launchers = startLauncherPoke(ctx);
  const db = await openCliDatabase(ctx);
  // One UPDATE of state, state_time and comment only: a daemon writing other columns of
  // the same node at the same moment keeps its change.
  const found =
    !isOutOfRange(id) &&
    (await db.nodes.setState(id, 'hold', reason !== undefined ? { comment: reason } : {}));
  if (found) await launchers.poke({ kind: 'node', id, by: 'cli' });
  const node = found ? await db.nodes.get(id) : undefined;
  if (!node) throw notFoundError(`Node ${id} not found.`);
  printNodes(ctx, [node]);
}
