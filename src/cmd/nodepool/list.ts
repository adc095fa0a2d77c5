import { openCliDatabase, printNodes } from './db-helpers.js';
import type { CliContext } from './verb.js';

/** `nodepool list`: every node, ordered by provider then label. */
export async function run(ctx: CliContext): Promise<void> {
  const db = await openCliDatabase(ctx);
  printNodes(ctx, await db.nodes.list());
}
