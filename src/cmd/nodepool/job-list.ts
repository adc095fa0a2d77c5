import { openCliDatabase, printJobs } from './db-helpers.js';
import type { CliContext } from './verb.js';

/** `nodepool job-list`: the auto-hold jobs. */
export async function run(ctx: CliContext): Promise<void> {
  const db = await openCliDatabase(ctx);
  printJobs(ctx, await db.jobs.list());
}
