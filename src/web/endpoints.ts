/**
 * The listing endpoints of the web app. `/image-list` and `/dib-image-list` are upstream's
 * (docs/web.md) and print exactly the CLI's tables; the rest are our read-only extras.
 * Each answers as a text table, or as JSON with a `.json` suffix or `?format=json`.
 */
import {
  dibImageListJson,
  dibImageListTable,
  formatTable,
  imageListJson,
  imageListTable,
  labelListTable,
  launcherListJson,
  launcherListTable,
  nodeJson,
  nodeListTable,
  providerListTable,
  snapshotImageListJson,
  summariseLabels,
  summariseProviders,
} from '../status/index.js';
import type { LabelSummary, NodeSample } from '../status/index.js';
import { APPLICATION_JSON, TEXT_PLAIN } from './responses.js';
import type { StatusCallOptions, StatusSource } from './status-source.js';

/** How an endpoint is rendered. */
export type EndpointFormat = 'text' | 'json';

/** A rendered body. */
export interface Rendered {
  readonly body: string;
  readonly contentType: string;
}

/** One listing endpoint. */
export interface Endpoint {
  readonly path: string;
  render(
    source: StatusSource,
    format: EndpointFormat,
    nowMs: number,
    o: StatusCallOptions,
  ): Promise<Rendered>;
}

function json(rows: unknown): Rendered {
  return { body: JSON.stringify(rows, null, 2), contentType: APPLICATION_JSON };
}

function text(body: string): Rendered {
  return { body, contentType: TEXT_PLAIN };
}

function labelJson(r: LabelSummary): Record<string, unknown> {
  return {
    label: r.label,
    image: r.image,
    minReady: r.minReady,
    ...(r.schedule !== undefined ? { minReadySchedule: r.schedule } : {}),
    providers: r.providers,
    ...r.counts,
    total: r.total,
    deficit: r.deficit,
  };
}

const HISTORY_HEADERS = ['Time', 'Building', 'Ready', 'Used', 'Delete', 'Hold', 'Test', 'Total'];

function historyTable(samples: readonly NodeSample[]): string {
  return formatTable(
    HISTORY_HEADERS,
    samples.map((s) => [
      new Date(s.time).toISOString(),
      s.counts.building,
      s.counts.ready,
      s.counts.used,
      s.counts.delete,
      s.counts.hold,
      s.counts.test,
      s.total,
    ]),
  );
}

/** Every listing endpoint by path. */
export const ENDPOINTS: ReadonlyMap<string, Endpoint> = new Map(
  (
    [
      {
        path: '/image-list',
        async render(source, format, now, o) {
          // As `nodepool image-list`: the uploads, then the 0.3-era snapshot images.
          const uploads = await source.listUploads(o);
          const snapshots = await source.listSnapshotImages(o);
          return format === 'json'
            ? json([...imageListJson(uploads, now), ...snapshotImageListJson(snapshots, now)])
            : text(imageListTable(uploads, now, snapshots));
        },
      },
      {
        path: '/dib-image-list',
        async render(source, format, now, o) {
          const builds = await source.listBuilds(o);
          return format === 'json'
            ? json(dibImageListJson(builds, now))
            : text(dibImageListTable(builds, now));
        },
      },
      {
        path: '/node-list',
        async render(source, format, now, o) {
          const nodes = await source.listNodes(o);
          return format === 'json'
            ? json(nodes.map((n) => nodeJson(n, now)))
            : text(nodeListTable(nodes, now));
        },
      },
      {
        path: '/label-list',
        async render(source, format, _now, o) {
          const rows = summariseLabels(source.labels(), await source.listNodes(o));
          return format === 'json' ? json(rows.map(labelJson)) : text(labelListTable(rows));
        },
      },
      {
        path: '/provider-list',
        async render(source, format, _now, o) {
          const rows = summariseProviders(source.providers(), await source.listNodes(o));
          return format === 'json'
            ? json(
                rows.map((r) => ({
                  provider: r.provider,
                  maxServers: r.maxServers,
                  ...r.counts,
                  total: r.total,
                })),
              )
            : text(providerListTable(rows));
        },
      },
      {
        path: '/launcher-list',
        async render(source, format, _now, o) {
          const entries = await source.listLaunchers(o);
          return format === 'json'
            ? json(launcherListJson(entries))
            : text(launcherListTable(entries));
        },
      },
      {
        // Port addition: what the status page's banner shows (stuck labels, quota episodes).
        path: '/alarms',
        render(source, format, now) {
          const a = source.alarms?.() ?? { quotaExceeded: [], overQuota: [], stuck: [] };
          const stuck = a.stuck.map((s) => ({
            label: s.label,
            cause: s.cause,
            message: s.message,
            since: new Date(s.since).toISOString(),
            seconds: Math.max(0, Math.round((now - s.since) / 1000)),
          }));
          const body = { stuck, overQuota: a.overQuota };
          if (format === 'json') return Promise.resolve(json(body));
          const lines = [
            ...stuck.map((s) => `label ${s.label} stuck for ${s.seconds} s: ${s.message}`),
            ...a.overQuota.map((p) => `provider ${p} over quota`),
          ];
          return Promise.resolve(
            text(lines.length === 0 ? 'no alarms\n' : lines.join('\n') + '\n'),
          );
        },
      },
      {
        path: '/node-history',
        render(source, format) {
          const samples = source.history();
          return Promise.resolve(format === 'json' ? json(samples) : text(historyTable(samples)));
        },
      },
    ] satisfies Endpoint[]
  ).map((e) => [e.path, e]),
);

/** Finds the endpoint and format of a request path, or null (404). */
export function resolveEndpoint(
  pathname: string,
  query: URLSearchParams,
): { endpoint: Endpoint; format: EndpointFormat } | null {
  if (pathname.endsWith('.json')) {
    const endpoint = ENDPOINTS.get(pathname.slice(0, -'.json'.length));
    return endpoint === undefined ? null : { endpoint, format: 'json' };
  }
  const endpoint = ENDPOINTS.get(pathname);
  if (endpoint === undefined) return null;
  return { endpoint, format: query.get('format') === 'json' ? 'json' : 'text' };
}
