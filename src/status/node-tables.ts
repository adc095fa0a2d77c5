/**
 * The node listing docs/behaviour.md#command-line-and-daemons (`nodepool list`, the web app's `/node-list`) and the
 * per-label summary of `/label-list`: min-ready against what each label has now.
 */
import { NODE_STATES, stateFromCode, stateName } from '../db/index.js';
import type { NodeRecord, NodeState } from '../db/index.js';
import { formatAge, formatTable } from './format.js';
import type { Cell } from './format.js';

/** Column headers of `nodepool list`, in upstream's order. */
export const NODE_LIST_HEADERS = [
  'ID',
  'Provider',
  'AZ',
  'Label',
  'Target',
  'Manager',
  'Hostname',
  'NodeName',
  'Server ID',
  'IP',
  'State',
  'Age',
  'Comment',
] as const;

function nodeCells(n: NodeRecord, nowMs: number): Cell[] {
  return [
    n.id,
    n.providerName,
    n.az,
    n.labelName,
    n.targetName,
    n.managerName,
    n.hostname,
    n.nodename,
    n.externalId,
    n.ip,
    stateName(n.state),
    formatAge(n.stateTime, nowMs),
    n.comment,
  ];
}

/** The `nodepool list` table, without a trailing newline. */
export function nodeListTable(nodes: readonly NodeRecord[], nowMs: number): string {
  return formatTable(
    NODE_LIST_HEADERS,
    nodes.map((n) => nodeCells(n, nowMs)),
  );
}

/** The JSON form of a node (`list --json`, `/node-list.json`): the columns plus raw state. */
export function nodeJson(n: NodeRecord, nowMs: number): Record<string, unknown> {
  return {
    id: n.id,
    provider: n.providerName,
    az: n.az,
    label: n.labelName,
    target: n.targetName,
    manager: n.managerName,
    hostname: n.hostname,
    nodename: n.nodename,
    serverId: n.externalId,
    ip: n.ip,
    ipPrivate: n.ipPrivate,
    state: stateName(n.state),
    stateCode: n.state,
    stateTime: n.stateTime,
    age: formatAge(n.stateTime, nowMs),
    comment: n.comment,
  };
}

/** Node counts by state name; every known state is present. */
export type StateCounts = Record<NodeState, number>;

/** A zero count for every state. */
export function emptyStateCounts(): StateCounts {
  const out = {} as StateCounts;
  for (const s of NODE_STATES) out[s] = 0;
  return out;
}

/** Counts nodes by state; rows with a code 0.4.0 never writes are not counted. */
export function countByState(nodes: readonly Pick<NodeRecord, 'state'>[]): StateCounts {
  const out = emptyStateCounts();
  for (const n of nodes) {
    const s = stateFromCode(n.state);
    if (s !== undefined) out[s] += 1;
  }
  return out;
}

/** Counts by state from grouped counts (as `NodeRepo.countBy(['state'])` returns them). */
export function stateCountsOf(
  groups: readonly { readonly state?: number | null; readonly count: number }[],
): StateCounts {
  const out = emptyStateCounts();
  for (const g of groups) {
    const s = stateFromCode(g.state);
    if (s !== undefined) out[s] += g.count;
  }
  return out;
}

/** Where a scheduled label's effective min-ready comes from (`min-ready-schedule`). */
export interface MinReadySource {
  /** Index of the period in force, or null outside every period. */
  readonly period: number | null;
  /** That period's cron string. */
  readonly cron?: string;
  readonly timezone: string;
  /** The label's own `min-ready`, which applies outside every period. */
  readonly configured: number;
}

/** What the summary needs to know of a configured label. */
export interface LabelInfo {
  readonly name: string;
  readonly image: string;
  /** The effective value; -1 (or any negative) means the label is disabled. */
  readonly minReady: number;
  readonly subnodes: number;
  readonly providers: readonly string[];
  /** Set for a label with a `min-ready-schedule`. */
  readonly schedule?: MinReadySource;
}

/** The Min Ready cell: the value, and for a scheduled label which period set it. */
export function minReadyText(minReady: number | null, schedule?: MinReadySource): string {
  if (minReady === null) return '';
  if (schedule === undefined) return String(minReady);
  return schedule.period === null
    ? `${minReady} (no period)`
    : `${minReady} (period ${schedule.period})`;
}

/** One row of the label summary. */
export interface LabelSummary {
  readonly label: string;
  readonly image: string | null;
  /** `null` for a label that has nodes but is no longer configured. */
  readonly minReady: number | null;
  /** Set for a label with a `min-ready-schedule`. */
  readonly schedule?: MinReadySource;
  readonly providers: readonly string[];
  readonly counts: StateCounts;
  readonly total: number;
  /** `min-ready - (ready + building)`, at least 0: what the next pass would still launch. */
  readonly deficit: number;
}

/** Column headers of the `/label-list` table. */
export const LABEL_LIST_HEADERS = [
  'Label',
  'Image',
  'Min Ready',
  'Ready',
  'Building',
  'Used',
  'Hold',
  'Delete',
  'Total',
  'Deficit',
] as const;

/**
 * Summarises nodes per label: configured labels in config order, then labels only seen in
 * the database (sorted), so a removed label's leftovers stay visible.
 */
export function summariseLabels(
  labels: readonly LabelInfo[],
  nodes: readonly NodeRecord[],
): LabelSummary[] {
  const byLabel = new Map<string, NodeRecord[]>();
  for (const n of nodes) {
    const list = byLabel.get(n.labelName);
    if (list === undefined) byLabel.set(n.labelName, [n]);
    else list.push(n);
  }
  const rows: LabelSummary[] = labels.map((l) => {
    const counts = countByState(byLabel.get(l.name) ?? []);
    const total = byLabel.get(l.name)?.length ?? 0;
    const deficit = Math.max(0, l.minReady - counts.ready - counts.building);
    return {
      label: l.name,
      image: l.image,
      minReady: l.minReady,
      ...(l.schedule !== undefined ? { schedule: l.schedule } : {}),
      providers: l.providers,
      counts,
      total,
      deficit,
    };
  });
  const known = new Set(labels.map((l) => l.name));
  for (const name of [...byLabel.keys()].filter((k) => !known.has(k)).sort()) {
    const list = byLabel.get(name) ?? [];
    const providers = [...new Set(list.map((n) => n.providerName))].sort();
    rows.push({
      label: name,
      image: null,
      minReady: null,
      providers,
      counts: countByState(list),
      total: list.length,
      deficit: 0,
    });
  }
  return rows;
}

/** The `/label-list` table, without a trailing newline. */
export function labelListTable(rows: readonly LabelSummary[]): string {
  return formatTable(
    LABEL_LIST_HEADERS,
    rows.map((r) => [
      r.label,
      r.image,
      r.schedule === undefined ? r.minReady : minReadyText(r.minReady, r.schedule),
      r.counts.ready,
      r.counts.building,
      r.counts.used,
      r.counts.hold,
      r.counts.delete,
      r.total,
      r.deficit,
    ]),
  );
}

/** What the summary needs to know of a configured provider. */
export interface ProviderLimit {
  readonly name: string;
  readonly maxServers: number;
}

/** One row of the provider summary. */
export interface ProviderSummary {
  readonly provider: string;
  /** `null` for a provider that has nodes but is no longer configured. */
  readonly maxServers: number | null;
  readonly counts: StateCounts;
  readonly total: number;
}

/** Column headers of the `/provider-list` table. */
export const PROVIDER_LIST_HEADERS = [
  'Provider',
  'Max Servers',
  'Building',
  'Ready',
  'Used',
  'Hold',
  'Delete',
  'Total',
] as const;

/** Summarises nodes per provider: configured ones in config order, then leftovers sorted. */
export function summariseProviders(
  providers: readonly ProviderLimit[],
  nodes: readonly NodeRecord[],
): ProviderSummary[] {
  const names = providers.map((p) => p.name);
  const extra = [...new Set(nodes.map((n) => n.providerName))]
    .filter((p) => !names.includes(p))
    .sort();
  const limits = new Map(providers.map((p) => [p.name, p.maxServers]));
  return [...names, ...extra].map((name) => {
    const mine = nodes.filter((n) => n.providerName === name);
    return {
      provider: name,
      maxServers: limits.get(name) ?? null,
      counts: countByState(mine),
      total: mine.length,
    };
  });
}

/** The `/provider-list` table, without a trailing newline. */
export function providerListTable(rows: readonly ProviderSummary[]): string {
  return formatTable(
    PROVIDER_LIST_HEADERS,
    rows.map((r) => [
      r.provider,
      r.maxServers,
      r.counts.building,
      r.counts.ready,
      r.counts.used,
      r.counts.hold,
      r.counts.delete,
      r.total,
    ]),
  );
}
