import { notFoundError } from '../../errors.js';
import { isOutOfRange, openCliDatabase, parseId } from './db-helpers.js';
import { startLauncherPoke } from './poke.js';
import type { CliContext } from './verb.js';

/** `nodepool job-delete ID`: removes an auto-hold job; prints nothing. */
export async function run(ctx: CliContext, args: readonly string[]): Promise<void> {
  const id = parseId(args[0] ?? '', 'job');
  const launchers = startLauncherPoke(ctx);
  const db = await openCliDatabase(ctx);
  if (isOutOfRange(id) || !(await db.jobs.delete(id))) throw notFoundError(`Job ${id} not found.`);
  await launchers.poke({ kind: 'job', id, by: 'cli' });
}
