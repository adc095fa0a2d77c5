/**
 * Reads and writes of the launcher cluster tree that need no membership: the launch request
 * queue and the `launcher-list` view. Used by {@link ZkCluster} and by `nodepool
 * launcher-list`, which reads ZooKeeper without a daemon.
 */
import type { ZkClient } from '../zk/index.js';
import { ConnectionLossError, NoNodeError, NodeExistsError } from '../zk/index.js';
import type { LaunchReport, LaunchRequest, LauncherListEntry, LauncherMember } from './types.js';
import {
  ELECTION_DIR,
  MEMBERS_DIR,
  OWNERS_DIR,
  REPORTS_DIR,
  REPORT_PREFIX,
  decodeClaim,
  decodeMember,
  decodeReport,
  decodeSegment,
  parseRequestRun,
  requestDir,
  requestRuns,
  runPath,
  runRequests,
  sortElection,
} from './znodes.js';
import type { RequestRun } from './znodes.js';

/** The client calls the cluster tree needs (a ZkClient, or a test double of it). */
export type ClusterZk = Pick<
  ZkClient,
  'create' | 'get' | 'exists' | 'getChildren' | 'delete' | 'mkdirp' | 'multi' | 'waitConnected'
>;

/** Children of `path`, or none when it does not exist. */
export async function childrenOrNone(zk: ClusterZk, path: string): Promise<string[]> {
  try {
    return await zk.getChildren(path);
  } catch (err) {
    if (err instanceof NoNodeError) return [];
    throw err;
  }
}

/** Data of `path`, or null when it does not exist. */
export async function dataOrNull(zk: ClusterZk, path: string): Promise<Buffer | null> {
  try {
    return (await zk.get(path)).data;
  } catch (err) {
    if (err instanceof NoNodeError) return null;
    throw err;
  }
}

/**
 * Request znodes written or deleted per ZooKeeper transaction (`multi`): one round trip and
 * one log write for the lot, where one create each cost the ensemble a write per launch and
 * the owners' clouds sat idle while thousands went over (the `launcher-cluster-throughput`
 * bench). Well under the 1 MB packet limit at about 80 bytes an op. Each znode names a run of
 * consecutive ids (znodes.ts), so a pass of thousands of rows writes a few dozen.
 */
export const REQUEST_MULTI = 500;

/**
 * How many single creates or deletes are in flight at once when a transaction cannot be
 * used (one of its znodes exists already, or is gone): pipelined, not a round trip each.
 */
export const REQUEST_PIPELINE = 64;

/** How many request transactions are in flight at once. */
export const REQUEST_MULTI_PIPELINE = 8;

/** Runs `fn` over `items` with at most `limit` calls in flight; rejects with the first error. */
async function eachPipelined<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** `items` in slices of at most `size`. */
function slices<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `fn` again after each connection loss, once the client is connected again. */
async function retryOnLoss(zk: ClusterZk, fn: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof ConnectionLossError)) throw err;
      await zk.waitConnected();
    }
  }
}

/** Creates one request znode; one that exists already is kept (an applied create). */
function putOne(zk: ClusterZk, r: RequestRun): Promise<void> {
  return retryOnLoss(zk, async () => {
    try {
      await zk.create(runPath(r), { makeParents: true });
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
    }
  });
}

/**
 * Creates the request znodes of `requests`, a znode per run of consecutive ids (with its
 * parents; `knownDirs` are the parents already made, kept up to date); one that exists already
 * is kept. The znodes go in transactions of {@link REQUEST_MULTI}; a transaction that fails
 * because one of its znodes exists (a retried batch) or on a connection loss (it may have been
 * applied) is done again one create at a time, which keeps what exists.
 */
export async function putLaunchRequests(
  zk: ClusterZk,
  requests: readonly LaunchRequest[],
  knownDirs: Set<string> = new Set(),
): Promise<void> {
  const runs = requestRuns(requests);
  // The parents first: a transaction cannot make them. Those made before are not asked
  // about again (a round trip before each batch); one deleted since fails its transaction,
  // which is then done one create at a time, parents included.
  await Promise.all(
    [...new Set(runs.map((r) => requestDir(r.provider)))]
      .filter((dir) => !knownDirs.has(dir))
      .map(async (dir) => {
        await retryOnLoss(zk, () => zk.mkdirp(dir));
        knownDirs.add(dir);
      }),
  );
  // The transactions pipelined: the session keeps them in order, and a big batch goes over
  // in one round trip instead of one per transaction.
  await eachPipelined(slices(runs, REQUEST_MULTI), REQUEST_MULTI_PIPELINE, async (slice) => {
    try {
      await zk.multi(slice.map((r) => ({ op: 'create', path: runPath(r) })));
    } catch (err) {
      const gone = err instanceof NoNodeError;
      if (!(gone || err instanceof NodeExistsError || err instanceof ConnectionLossError))
        throw err;
      if (gone) for (const r of slice) knownDirs.delete(requestDir(r.provider));
      await eachPipelined(slice, REQUEST_PIPELINE, (r) => putOne(zk, r));
    }
  });
}

/** The request znodes of `provider`, by kind then first id. */
async function readRuns(zk: ClusterZk, provider: string): Promise<RequestRun[]> {
  const out: RequestRun[] = [];
  for (const child of await childrenOrNone(zk, requestDir(provider))) {
    const r = parseRequestRun(provider, child);
    if (r !== null) out.push(r);
  }
  return out.sort((a, b) => a.kind.localeCompare(b.kind) || a.first - b.first);
}

/** The pending requests of `provider`, by kind then id. */
export async function readLaunchRequests(
  zk: ClusterZk,
  provider: string,
): Promise<LaunchRequest[]> {
  return (await readRuns(zk, provider)).flatMap(runRequests);
}

/**
 * Deletes the pending requests of `provider` and returns the ones this call deleted: a
 * request someone else deleted first (NoNode) was not taken here. Deletes go in
 * transactions of {@link REQUEST_MULTI}; one that fails because a znode is gone already (a
 * concurrent taker) is done again one delete at a time, each won or lost on its own.
 */
export async function removeLaunchRequests(
  zk: ClusterZk,
  provider: string,
): Promise<LaunchRequest[]> {
  const pending = await readRuns(zk, provider);
  const won = new Set<RequestRun>();
  for (const slice of slices(pending, REQUEST_MULTI)) {
    try {
      await zk.multi(slice.map((r) => ({ op: 'delete', path: runPath(r) })));
      for (const r of slice) won.add(r);
      continue;
    } catch (err) {
      // After a connection loss the transaction may have been applied: the deletes below
      // then find nothing, and those rows are left to the orphan rule, as after a lost reply
      // to a single delete.
      if (!(err instanceof NoNodeError || err instanceof ConnectionLossError)) throw err;
    }
    await eachPipelined(slice, REQUEST_PIPELINE, async (r) => {
      try {
        await zk.delete(runPath(r));
        won.add(r);
      } catch (err) {
        if (!(err instanceof NoNodeError)) throw err;
      }
    });
  }
  // In the order read (kind, then id), whatever order the deletes were answered in.
  return pending.filter((r) => won.has(r)).flatMap(runRequests);
}

/**
 * Queues launch reports for the leader, one sequential znode each. Not retried on a
 * connection loss (a retry could count a failure twice): such a report is lost, which
 * only delays a policy decision.
 */
export async function putLaunchReports(
  zk: ClusterZk,
  reports: readonly LaunchReport[],
): Promise<void> {
  for (const r of reports)
    await zk.create(REPORT_PREFIX, {
      data: JSON.stringify(r),
      mode: 'persistent_sequential',
      makeParents: true,
    });
}

/**
 * Deletes the queued reports and returns the ones this call deleted, oldest first; a
 * znode that is not a report is deleted and skipped.
 */
export async function removeLaunchReports(zk: ClusterZk): Promise<LaunchReport[]> {
  const taken: LaunchReport[] = [];
  for (const child of (await childrenOrNone(zk, REPORTS_DIR)).sort()) {
    const path = `${REPORTS_DIR}/${child}`;
    try {
      const data = (await zk.get(path)).data;
      await zk.delete(path);
      const r = decodeReport(data);
      if (r !== null) taken.push(r);
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
    }
  }
  return taken;
}

/** The live members with their data, by name. */
export async function readMembers(zk: ClusterZk): Promise<LauncherMember[]> {
  const out: LauncherMember[] = [];
  for (const child of await childrenOrNone(zk, MEMBERS_DIR)) {
    const data = await dataOrNull(zk, `${MEMBERS_DIR}/${child}`);
    if (data !== null) out.push(decodeMember(decodeSegment(child), data));
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The name of the elected leader (the lowest election node), or null when none. */
export async function readLeader(zk: ClusterZk): Promise<string | null> {
  for (const child of sortElection(await childrenOrNone(zk, ELECTION_DIR))) {
    const data = await dataOrNull(zk, `${ELECTION_DIR}/${child}`);
    if (data !== null) return data.toString('utf8');
  }
  return null;
}

/** Provider claims: member name → provider names (sorted). */
export async function readClaims(zk: ClusterZk): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const child of (await childrenOrNone(zk, OWNERS_DIR)).sort()) {
    const data = await dataOrNull(zk, `${OWNERS_DIR}/${child}`);
    const name = data === null ? null : decodeClaim(data);
    if (name === null) continue;
    out.set(name, [...(out.get(name) ?? []), decodeSegment(child)]);
  }
  return out;
}

/** Members, leader and claims as `launcher-list` shows them. */
export async function readLauncherList(zk: ClusterZk): Promise<LauncherListEntry[]> {
  const members = await readMembers(zk);
  const leader = await readLeader(zk);
  const claims = await readClaims(zk);
  return members.map((m) => ({
    name: m.name,
    host: m.host,
    pid: m.pid,
    since: m.since,
    leader: m.name === leader,
    providers: claims.get(m.name) ?? [],
  }));
}
