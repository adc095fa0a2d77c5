/**
 * The checks behind nodepoold's `/health/live` and `/health/ready` (docs/web.md#health-endpoints).
 *
 * Live: the main loop finished a pass within three intervals. Ready: a config is in force,
 * the database answers `select 1`, the ZooKeeper session is connected (when ZooKeeper is
 * configured), and at least one provider answers. A provider costs the cloud nothing most of
 * the time: an answer is remembered for {@link PROVIDER_FRESH_MS}, and the question asked is
 * the provider's shared server list, which the launcher's own passes keep fresh anyway.
 */
import type { CompiledConfig } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { Provider } from '../provider/index.js';
import type { ServiceState } from '../util/index.js';
import type { HealthCheck, HealthProbes } from '../web/index.js';

/** How long a provider's answer counts before it is asked again. */
export const PROVIDER_FRESH_MS = 30_000;
/** How long a provider that did not answer is left alone before it is asked again. */
export const PROVIDER_RETRY_MS = 10_000;

/** What the checks read, at each check. */
export interface LauncherHealthDeps {
  readonly state: () => ServiceState;
  /** When the last pass ended, or null before the first. */
  readonly lastPassAt: () => number | null;
  /** When the launcher started (the reference before the first pass). */
  readonly startedAt: () => number | null;
  readonly intervalMs: number;
  readonly config: () => CompiledConfig | null;
  readonly db: () => Database | null;
  /** The launcher's ZooKeeper session: null when none is configured or opened. */
  readonly zookeeper: () => {
    readonly isConnected: boolean;
    readonly connectionState: string;
  } | null;
  readonly provider: (name: string) => Provider | undefined;
  /** @default Date.now */
  readonly now?: () => number;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Builds the live and ready checks of a launcher. */
export function launcherHealthProbes(deps: LauncherHealthDeps): HealthProbes {
  const now = deps.now ?? Date.now;
  const answered = new Map<string, number>();
  const failed = new Map<string, { at: number; detail: string }>();

  const loop = (): HealthCheck => {
    const state = deps.state();
    if (state !== 'running') return { status: 'down', detail: `launcher is ${state}` };
    const since = deps.lastPassAt() ?? deps.startedAt();
    if (since === null) return { status: 'down', detail: 'no pass yet' };
    const age = now() - since;
    const limit = 3 * deps.intervalMs;
    const what = deps.lastPassAt() === null ? 'no pass yet, started' : 'last pass ended';
    return age <= limit
      ? { status: 'up', detail: `${what} ${seconds(age)} ago` }
      : { status: 'down', detail: `${what} ${seconds(age)} ago (limit ${seconds(limit)})` };
  };

  const config = (): HealthCheck =>
    deps.config() === null
      ? { status: 'down', detail: 'no configuration loaded yet' }
      : { status: 'up' };

  const database = async (): Promise<HealthCheck> => {
    const db = deps.db();
    if (db === null) return { status: 'down', detail: 'no database opened yet' };
    // A query that hangs past the time limit is reported down; it ends with its connection.
    await db.knex.raw('select 1');
    return { status: 'up' };
  };

  const zookeeper = (): HealthCheck => {
    const c = deps.config();
    if (c !== null && c.zookeeperServers.length === 0)
      return { status: 'skipped', detail: 'no zookeeper-servers configured' };
    const zk = deps.zookeeper();
    if (zk === null) return { status: 'down', detail: 'no session opened yet' };
    return zk.isConnected
      ? { status: 'up' }
      : { status: 'down', detail: `session is ${zk.connectionState}` };
  };

  /** One provider: its remembered answer, else its shared server list. */
  const askProvider = async (name: string, signal: AbortSignal): Promise<string | null> => {
    const t = now();
    if (t - (answered.get(name) ?? -Infinity) < PROVIDER_FRESH_MS) return null;
    const last = failed.get(name);
    if (last !== undefined && t - last.at < PROVIDER_RETRY_MS) return last.detail;
    const p = deps.provider(name);
    if (p === undefined) return 'not started';
    try {
      await p.listServers({ signal });
      answered.set(name, now());
      failed.delete(name);
      return null;
    } catch (err) {
      const detail = signal.aborted ? 'no answer in time' : errorText(err);
      failed.set(name, { at: now(), detail });
      answered.delete(name);
      return detail;
    }
  };

  const providers = async (signal: AbortSignal): Promise<HealthCheck> => {
    const names = (deps.config()?.providers ?? []).map((p) => p.name);
    if (names.length === 0) return { status: 'down', detail: 'no providers configured' };
    const problems = await Promise.all(names.map((n) => askProvider(n, signal)));
    const up = names.filter((_n, i) => problems[i] === null);
    const down = names.flatMap((n, i) => (problems[i] === null ? [] : [`${n}: ${problems[i]}`]));
    const detail = [up.length > 0 ? `answered: ${up.join(', ')}` : '', ...down]
      .filter((s) => s !== '')
      .join('; ');
    return { status: up.length > 0 ? 'up' : 'down', detail };
  };

  return {
    live: { loop },
    ready: { config, database, zookeeper, providers },
  };
}
