/**
 * `nodepool launcher-list` and `/launcher-list`: the live launchers of a ZooKeeper cluster,
 * which one leads, and the providers each one holds the claim of.
 */
import type { LauncherListEntry } from '../cluster/index.js';
import { formatTable } from './format.js';

export const LAUNCHER_LIST_HEADERS = [
  'Name',
  'Host',
  'PID',
  'Since',
  'Leader',
  'Providers',
] as const;

/** Epoch seconds as `YYYY-MM-DDTHH:MM:SSZ`; 0 (unknown) as `None`. */
function isoSeconds(seconds: number): string | null {
  if (!(seconds > 0)) return null;
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The `launcher-list` table, without a trailing newline. */
export function launcherListTable(entries: readonly LauncherListEntry[]): string {
  return formatTable(
    LAUNCHER_LIST_HEADERS,
    entries.map((e) => [
      e.name,
      e.host,
      e.pid,
      isoSeconds(e.since),
      e.leader,
      e.providers.join(','),
    ]),
  );
}

/** The JSON objects of `launcher-list --json` and `/launcher-list`: exactly these keys. */
export function launcherListJson(entries: readonly LauncherListEntry[]): LauncherListEntry[] {
  return entries.map((e) => ({
    name: e.name,
    host: e.host,
    pid: e.pid,
    since: e.since,
    leader: e.leader,
    providers: [...e.providers],
  }));
}
