import { usageError } from '../../errors.js';
import { openCliDatabase, printJobs } from './db-helpers.js';
import { startLauncherPoke } from './poke.js';
import type { CliContext, VerbOptions } from './verb.js';

/** Upstream's column is a signed INTEGER. */
const MAX_COUNT = 2 ** 31 - 1;

/** `nodepool job-create NAME [--hold-on-failure N]`: adds an auto-hold job, then lists jobs. */
export async function run(
  ctx: CliContext,
  args: readonly string[],
  opts: VerbOptions,
): Promise<void> {
  const name = args[0] ?? '';
  let count: number | null = null;
  if (opts.holdOnFailure !== undefined) {
    const text =
      typeof opts.holdOnFailure === 'string'
        ? opts.holdOnFailure
        : JSON.stringify(opts.holdOnFailure);
    if (!/^\d+$/.test(text.trim()) || Number(text.trim()) > MAX_COUNT) {
      throw usageError(
        `Cannot create job "${name}": --hold-on-failure must be an integer from 0 to ${MAX_COUNT}: current value is "${text}"`,
      );
    }
    count = Number(text.trim());
  }
  const launchers = startLauncherPoke(ctx);
  const db = await openCliDatabase(ctx);
  const job = await db.jobs.create(name, count);
  await launchers.poke({ kind: 'job', id: job.id, by: 'cli' });
  printJobs(ctx, await db.jobs.list());
}
