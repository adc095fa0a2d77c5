import type { Database } from '../../db/index.js';
import type { Provider } from '../../provider/index.js';
import { formatTable } from '../../status/index.js';
import type { Cell } from '../../status/index.js';
import { providersFailedError, recordFailure, startCliProviders } from './cloud-helpers.js';
import { openCliDatabase } from './db-helpers.js';
import type { CliContext } from './verb.js';

const HEADERS = ['Provider', 'Hostname', 'Server ID', 'IP'] as const;

/** One server no node or subnode row knows. */
interface Alien {
  provider: string;
  hostname: string;
  serverId: string;
  ip: string | null;
}

/**
 * Server ids the database knows in `provider`: its nodes' and (unlike upstream 0.4.0, which
 * only checks nodes) their subnodes' `external_id`.
 */
async function knownServerIds(db: Database, provider: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const node of await db.nodes.list({ provider })) {
    if (node.externalId !== null) ids.add(node.externalId);
    for (const sub of await db.subnodes.listByNode(node.id)) {
      if (sub.externalId !== null) ids.add(sub.externalId);
    }
  }
  return ids;
}

async function aliensOf(db: Database, provider: Provider): Promise<Alien[]> {
  const servers = await provider.listServers();
  const known = await knownServerIds(db, provider.name);
  return servers
    .filter((s) => !known.has(s.id))
    .map((s) => ({
      provider: provider.name,
      hostname: s.name,
      serverId: s.id,
      ip: s.publicIpv4 ?? null,
    }));
}

/**
 * `nodepool alien-list [PROVIDER]`: servers in the clouds that no node or subnode row
 * claims. A provider that cannot be listed does not hide the others: the table of those is
 * printed, then an error line per failed provider, and the exit status is 1.
 */
export async function run(ctx: CliContext, args: readonly string[]): Promise<void> {
  const db = await openCliDatabase(ctx);
  const aliens: Alien[] = [];
  const { providers, failures } = await startCliProviders(ctx, args[0]);
  for (const provider of providers) {
    try {
      aliens.push(...(await aliensOf(db, provider)));
    } catch (err) {
      ctx.log.debug({ err }, 'Exception listing aliens for %s', provider.name);
      recordFailure(failures, provider.name, err);
    }
  }
  if (ctx.json) {
    ctx.out(JSON.stringify(aliens, null, 2));
  } else {
    const rows: Cell[][] = aliens.map((a) => [a.provider, a.hostname, a.serverId, a.ip]);
    ctx.out(formatTable(HEADERS, rows));
  }
  if (failures.size > 0) throw providersFailedError(failures);
}
