/**
 * Where the launchers of one cluster meet in ZooKeeper (relative to the configured chroot),
 * and the records stored there. docs/cluster.md describes the protocols.
 *
 *   /nodepool/launcher/members/<name>          ephemeral; {"name","host","pid","since"}
 *   /nodepool/launcher/election/e-<token>-<seq> ephemeral sequential; data: the member name
 *   /nodepool/launcher/owners/<provider>       ephemeral; {"name"}: the provider's claim
 *   /nodepool/launcher/requests/<provider>/<kind>-<id>[-<last>]  persistent, empty: launch
 *                                              requests, one id or a run of consecutive ids
 *   /nodepool/launcher/reports/r-<seq>         persistent sequential; a LaunchReport (JSON)
 *   (/nodepool/launcher/events belongs to src/zk/launcher-events.ts, the wake-up channel)
 *
 * Names and providers are URI-encoded into one path segment.
 */
import type { LaunchReport, LaunchRequest, LauncherMember } from './types.js';

/** The root of the launcher cluster tree. */
export const CLUSTER_ROOT = '/nodepool/launcher';
export const MEMBERS_DIR = `${CLUSTER_ROOT}/members`;
export const ELECTION_DIR = `${CLUSTER_ROOT}/election`;
export const OWNERS_DIR = `${CLUSTER_ROOT}/owners`;
export const REQUESTS_DIR = `${CLUSTER_ROOT}/requests`;
export const REPORTS_DIR = `${CLUSTER_ROOT}/reports`;
export const REPORT_PREFIX = `${REPORTS_DIR}/r-`;

/** A name as one znode name segment (never `.`, `..`, empty or containing `/`). */
export function encodeSegment(name: string): string {
  const enc = encodeURIComponent(name);
  return enc === '.' || enc === '..' ? enc.replace(/\./g, '%2E') : enc;
}

/** The inverse of {@link encodeSegment}; a malformed segment comes back unchanged. */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export const memberPath = (name: string): string => `${MEMBERS_DIR}/${encodeSegment(name)}`;
export const ownerPath = (provider: string): string => `${OWNERS_DIR}/${encodeSegment(provider)}`;
export const requestDir = (provider: string): string =>
  `${REQUESTS_DIR}/${encodeSegment(provider)}`;
/**
 * Launch requests of one provider and kind whose ids run without a gap, `first` to `last`: one
 * znode (a pass inserts rows by chunks, so most of a chunk's requests are one run). The run
 * is taken whole, by whoever deletes its znode.
 */
export interface RequestRun {
  readonly provider: string;
  readonly kind: LaunchRequest['kind'];
  readonly first: number;
  readonly last: number;
}

/** The most ids one run znode may name; a longer run is split, a longer name ignored. */
export const MAX_RUN_IDS = 1000;

/** `requests` as runs of consecutive ids per provider and kind, in provider, kind, id order. */
export function requestRuns(requests: readonly LaunchRequest[]): RequestRun[] {
  const sorted = [...requests].sort(
    (a, b) => a.provider.localeCompare(b.provider) || a.kind.localeCompare(b.kind) || a.id - b.id,
  );
  const runs: RequestRun[] = [];
  let run: { provider: string; kind: LaunchRequest['kind']; first: number; last: number } | null =
    null;
  for (const r of sorted) {
    if (
      run !== null &&
      run.provider === r.provider &&
      run.kind === r.kind &&
      r.id <= run.last + 1 &&
      r.id - run.first < MAX_RUN_IDS
    ) {
      run.last = Math.max(run.last, r.id);
      continue;
    }
    if (run !== null) runs.push(run);
    run = { provider: r.provider, kind: r.kind, first: r.id, last: r.id };
  }
  if (run !== null) runs.push(run);
  return runs;
}

/** The znode of a run: `node-12` for one id, `node-12-75` for ids 12 to 75. */
export const runPath = (r: RequestRun): string =>
  `${requestDir(r.provider)}/${r.kind}-${r.first}${r.last === r.first ? '' : `-${r.last}`}`;

/** The requests a run names, in id order. */
export function runRequests(r: RequestRun): LaunchRequest[] {
  return Array.from({ length: r.last - r.first + 1 }, (_, i) => ({
    provider: r.provider,
    kind: r.kind,
    id: r.first + i,
  }));
}

/**
 * Parses a request znode name (`node-12`, `subnode-3`, `node-12-75`); null for anything else,
 * a run backwards or longer than {@link MAX_RUN_IDS} included.
 */
export function parseRequestRun(provider: string, child: string): RequestRun | null {
  const m = /^(node|subnode)-([0-9]+)(?:-([0-9]+))?$/.exec(child);
  if (m === null) return null;
  const first = Number(m[2]);
  const last = m[3] === undefined ? first : Number(m[3]);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last)) return null;
  if (last < first || last - first >= MAX_RUN_IDS) return null;
  return { provider, kind: m[1] as LaunchRequest['kind'], first, last };
}

/** The election node prefix of one ZkCluster instance; the server appends 10 digits. */
export const electionPrefix = (token: string): string => `${ELECTION_DIR}/e-${token}-`;

/** The sequence number of an election child, or null when the name is not one. */
export function electionSequence(child: string): number | null {
  const m = /^e-[0-9a-f]+-([0-9]{10})$/.exec(child);
  return m === null ? null : Number(m[1]);
}

/** Election children sorted by sequence (others dropped): the first one leads. */
export function sortElection(children: readonly string[]): string[] {
  return children
    .map((c) => ({ c, seq: electionSequence(c) }))
    .filter((e): e is { c: string; seq: number } => e.seq !== null)
    .sort((a, b) => a.seq - b.seq)
    .map((e) => e.c);
}

export function encodeMember(m: LauncherMember): string {
  return JSON.stringify({
    name: m.name,
    host: m.host,
    pid: m.pid,
    since: m.since,
    ...(m.launches === false ? { launches: false } : {}),
  });
}

/** Reads a launch report; null when it is not one (a foreign or damaged znode). */
export function decodeReport(data: Buffer): LaunchReport | null {
  let o: unknown;
  try {
    o = JSON.parse(data.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null) return null;
  const r = o as Record<string, unknown>;
  if (typeof r.provider !== 'string' || typeof r.label !== 'string') return null;
  if (typeof r.result !== 'string') return null;
  return {
    provider: r.provider,
    label: r.label,
    result: r.result,
    ...(typeof r.code === 'string' ? { code: r.code } : {}),
    ...(typeof r.quotaRefusal === 'string' ? { quotaRefusal: r.quotaRefusal } : {}),
  };
}

/** Reads a member record; fields that are missing or of the wrong type get neutral values. */
export function decodeMember(fallbackName: string, data: Buffer): LauncherMember {
  let raw: unknown = null;
  try {
    raw = JSON.parse(data.toString('utf8'));
  } catch {
    // A foreign or damaged record: shown with what is known (the name).
  }
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  return {
    name: typeof o.name === 'string' ? o.name : fallbackName,
    host: typeof o.host === 'string' ? o.host : '',
    pid: typeof o.pid === 'number' ? o.pid : 0,
    since: typeof o.since === 'number' ? o.since : 0,
    ...(o.launches === false ? { launches: false } : {}),
  };
}

/** The member name in a claim record, or null when unreadable. */
export function decodeClaim(data: Buffer): string | null {
  try {
    const o = JSON.parse(data.toString('utf8')) as unknown;
    if (typeof o === 'object' && o !== null && typeof (o as { name?: unknown }).name === 'string')
      return (o as { name: string }).name;
  } catch {
    // fall through
  }
  return null;
}
