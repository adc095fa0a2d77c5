/**
 * `/metrics`: the Prometheus text exposition format 0.0.4, written by hand. Gauges are read
 * from the database and ZooKeeper on each scrape; counters come from the launcher. A source
 * that cannot be read leaves its families out and sets `nodepool_status_source_up` to 0, so
 * one broken dependency does not hide the rest.
 */
import type { Logger } from 'pino';
import { NODE_STATES } from '../db/index.js';
import type { NodeRecord } from '../db/index.js';
import { countByState, summariseLabels } from '../status/index.js';
import type { CounterEntry } from '../status/index.js';
import type { ImageBuild, ImageUpload } from '../zk/index.js';
import { StatusUnavailableError } from './status-source.js';
import type { StatusCallOptions, StatusSource } from './status-source.js';

/** `Content-Type` of the 0.4.0 text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Readonly<Record<string, string>>;

/** One metric family being written. */
interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  readonly samples: { labels: Labels; value: number }[];
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Writes families in the exposition format (a trailing newline included). */
export function writeExposition(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const pairs = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
      lines.push(
        `${f.name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${formatValue(s.value)}`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

function family(name: string, type: Family['type'], help: string): Family {
  return { name, type, help, samples: [] };
}

function nodeFamilies(source: StatusSource, nodes: readonly NodeRecord[]): Family[] {
  const all = family('nodepool_nodes', 'gauge', 'Nodes in the database by state.');
  const total = countByState(nodes);
  for (const s of NODE_STATES) all.samples.push({ labels: { state: s }, value: total[s] });

  const byLabel = family('nodepool_label_nodes', 'gauge', 'Nodes by label and state.');
  for (const row of summariseLabels(source.labels(), nodes)) {
    for (const s of NODE_STATES)
      byLabel.samples.push({ labels: { label: row.label, state: s }, value: row.counts[s] });
  }

  const byProvider = family('nodepool_provider_nodes', 'gauge', 'Nodes by provider and state.');
  const providers = [...source.providers().map((p) => p.name)];
  for (const n of nodes) if (!providers.includes(n.providerName)) providers.push(n.providerName);
  for (const p of providers) {
    const counts = countByState(nodes.filter((n) => n.providerName === p));
    for (const s of NODE_STATES)
      byProvider.samples.push({ labels: { provider: p, state: s }, value: counts[s] });
  }
  return [all, byLabel, byProvider];
}

function configFamilies(source: StatusSource): Family[] {
  const minReady = family(
    'nodepool_label_min_ready',
    'gauge',
    'Min-ready of each label now: its min-ready-schedule period in force, else the configured value (-1: disabled).',
  );
  for (const l of source.labels())
    minReady.samples.push({ labels: { label: l.name }, value: l.minReady });
  const maxServers = family(
    'nodepool_provider_max_servers',
    'gauge',
    'Configured max-servers of each provider.',
  );
  for (const p of source.providers())
    maxServers.samples.push({ labels: { provider: p.name }, value: p.maxServers });
  return [minReady, maxServers];
}

function counterFamily(name: string, help: string, entries: readonly CounterEntry[]): Family {
  const f = family(name, 'counter', help);
  for (const e of entries) f.samples.push({ labels: e.labels, value: e.value });
  return f;
}

function tally<T>(
  items: readonly T[],
  key: (item: T) => Labels,
): { labels: Labels; value: number }[] {
  const out = new Map<string, { labels: Labels; value: number }>();
  for (const item of items) {
    const labels = key(item);
    const id = JSON.stringify(labels);
    const old = out.get(id);
    out.set(id, { labels, value: (old?.value ?? 0) + 1 });
  }
  return [...out.values()];
}

function imageFamilies(builds: readonly ImageBuild[], uploads: readonly ImageUpload[]): Family[] {
  const b = family(
    'nodepool_image_builds',
    'gauge',
    'Image build records in ZooKeeper by image and state.',
  );
  b.samples.push(...tally(builds, (x) => ({ image: x.image, state: x.state ?? 'None' })));
  const u = family(
    'nodepool_image_uploads',
    'gauge',
    'Image upload records in ZooKeeper by image, provider and state.',
  );
  u.samples.push(
    ...tally(uploads, (x) => ({ image: x.image, provider: x.provider, state: x.state ?? 'None' })),
  );
  return [b, u];
}

/** Quota failover and the stuck-demand alarm (port additions). */
function policyFamilies(source: StatusSource): Family[] {
  const alarms = source.alarms?.();
  if (alarms === undefined) return [];
  const episodes = counterFamily(
    'nodepool_provider_quota_exceeded_total',
    'Quota episodes by provider: a create refused for quota or limits with no room.',
    alarms.quotaExceeded,
  );
  const over = family(
    'nodepool_provider_over_quota',
    'gauge',
    'Whether the provider is skipped for quota now (1) or not (0).',
  );
  const overSet = new Set(alarms.overQuota);
  for (const p of source.providers())
    over.samples.push({ labels: { provider: p.name }, value: overSet.has(p.name) ? 1 : 0 });
  const stuck = family(
    'nodepool_label_stuck',
    'gauge',
    'Whether the label is stuck (1): its need unmet past stuck-after while a provider has room.',
  );
  const stuckSet = new Set(alarms.stuck.map((s) => s.label));
  for (const l of source.labels())
    stuck.samples.push({ labels: { label: l.name }, value: stuckSet.has(l.name) ? 1 : 0 });
  return [episodes, over, stuck];
}

function warnUnlessUnconfigured(log: Logger, err: unknown, what: string): void {
  // Not configured is a steady state, not a fault: the up gauge says it without log noise.
  if (!(err instanceof StatusUnavailableError))
    log.warn({ err }, 'Cannot read %s for /metrics', what);
}

/** Reads everything `/metrics` shows and writes the exposition. */
export async function renderMetrics(
  source: StatusSource,
  log: Logger,
  o: StatusCallOptions,
): Promise<string> {
  const up = family(
    'nodepool_status_source_up',
    'gauge',
    'Whether the web app could read each source on this scrape (1) or not (0).',
  );
  const families: Family[] = [];
  try {
    families.push(...nodeFamilies(source, await source.listNodes(o)));
    up.samples.push({ labels: { source: 'database' }, value: 1 });
  } catch (err) {
    warnUnlessUnconfigured(log, err, 'nodes');
    up.samples.push({ labels: { source: 'database' }, value: 0 });
  }
  try {
    families.push(...imageFamilies(await source.listBuilds(o), await source.listUploads(o)));
    up.samples.push({ labels: { source: 'zookeeper' }, value: 1 });
  } catch (err) {
    warnUnlessUnconfigured(log, err, 'images');
    up.samples.push({ labels: { source: 'zookeeper' }, value: 0 });
  }
  const counters = source.counters();
  families.push(
    ...configFamilies(source),
    counterFamily(
      'nodepool_launches_total',
      'Finished launch attempts by provider, label and result (ready or error key).',
      counters.launches,
    ),
    counterFamily(
      'nodepool_deletes_total',
      'Finished node deletions by provider and label.',
      counters.deletes,
    ),
    ...policyFamilies(source),
    up,
  );
  return writeExposition(families);
}
