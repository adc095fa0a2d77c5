/**
 * Health endpoints (docs/web.md#health-endpoints): `GET /health/live` and `GET /health/ready`
 * answer 200 when every check is up and 503 otherwise, always with a JSON body
 * `{"status":"up"|"down","checks":{"<name>":{"status":"up"|"down"|"skipped","detail":"..."}}}`.
 *
 * The daemons supply the checks ({@link HealthProbes}); this file runs them with a time limit
 * each, shares one run between concurrent requests and reuses a result for `cacheMs`, so a
 * storm of probes costs one round of checks per cache period.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { delay } from '../util/index.js';
import { APPLICATION_JSON, send } from './responses.js';

/** The result of one check. `skipped`: not configured, so not required (no ZooKeeper). */
export interface HealthCheck {
  readonly status: 'up' | 'down' | 'skipped';
  /** One line on what was seen (an error message, an age). */
  readonly detail?: string;
}

/** The body of a health answer: `down` when any check is down. */
export interface HealthReport {
  readonly status: 'up' | 'down';
  readonly checks: Readonly<Record<string, HealthCheck>>;
}

/** One check; it should honour `signal` (aborted at its time limit). */
export type HealthProbe = (signal: AbortSignal) => HealthCheck | Promise<HealthCheck>;

/** The checks of the two endpoints, by the name shown in the body. */
export interface HealthProbes {
  readonly live: Readonly<Record<string, HealthProbe>>;
  readonly ready: Readonly<Record<string, HealthProbe>>;
}

/** What the web apps answer `/health/live` and `/health/ready` from. */
export interface HealthSource {
  live(): Promise<HealthReport>;
  ready(): Promise<HealthReport>;
}

/** Options of {@link createHealthSource}. */
export interface HealthSourceOptions {
  /** Time limit of each check; a check that exceeds it is down. @default 2000 */
  readonly timeoutMs?: number;
  /** How long a report is reused. @default 1500 */
  readonly cacheMs?: number;
  /** Clock of the cache. @default Date.now */
  readonly now?: () => number;
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
}

/** Runs one probe within `timeoutMs`; a throw or a timeout is `down` with the reason. */
async function runProbe(probe: HealthProbe, timeoutMs: number): Promise<HealthCheck> {
  const limit = new AbortController();
  const done = new AbortController();
  const tooLate = `no answer within ${timeoutMs} ms`;
  const expired = delay(timeoutMs, { signal: done.signal }).then(
    (): HealthCheck => {
      limit.abort(new Error(tooLate));
      return { status: 'down', detail: tooLate };
    },
    // Cancelled: the probe answered first, so this value is never used.
    (): HealthCheck => ({ status: 'down', detail: tooLate }),
  );
  try {
    return await Promise.race([
      Promise.resolve()
        .then(() => probe(limit.signal))
        .catch((err: unknown): HealthCheck => ({ status: 'down', detail: message(err) })),
      expired,
    ]);
  } finally {
    done.abort();
  }
}

/** Runs every probe at once and sums them up. */
export async function runHealthProbes(
  probes: Readonly<Record<string, HealthProbe>>,
  timeoutMs: number,
): Promise<HealthReport> {
  const names = Object.keys(probes);
  const results = await Promise.all(names.map((n) => runProbe(probes[n]!, timeoutMs)));
  const checks: Record<string, HealthCheck> = {};
  names.forEach((n, i) => (checks[n] = results[i]!));
  const isDown = results.some((r) => r.status === 'down');
  return { status: isDown ? 'down' : 'up', checks };
}

/** A cached, shared run of a set of probes. */
class CachedReport {
  private last: { at: number; report: HealthReport } | null = null;
  private running: Promise<HealthReport> | null = null;

  constructor(
    private readonly probes: Readonly<Record<string, HealthProbe>>,
    private readonly options: Required<HealthSourceOptions>,
  ) {}

  get(): Promise<HealthReport> {
    const { now, cacheMs, timeoutMs } = this.options;
    if (this.last !== null && now() - this.last.at < cacheMs)
      return Promise.resolve(this.last.report);
    this.running ??= runHealthProbes(this.probes, timeoutMs)
      .then((report) => {
        this.last = { at: now(), report };
        return report;
      })
      .finally(() => (this.running = null));
    return this.running;
  }
}

/** Builds a {@link HealthSource} over the daemon's checks. */
export function createHealthSource(
  probes: HealthProbes,
  options: HealthSourceOptions = {},
): HealthSource {
  const o = {
    timeoutMs: options.timeoutMs ?? 2000,
    cacheMs: options.cacheMs ?? 1500,
    now: options.now ?? Date.now,
  };
  const live = new CachedReport(probes.live, o);
  const ready = new CachedReport(probes.ready, o);
  return { live: () => live.get(), ready: () => ready.get() };
}

/** The two health paths. */
export const HEALTH_PATHS: ReadonlySet<string> = new Set(['/health/live', '/health/ready']);

/**
 * Answers a health path: GET and HEAD get 200 or 503 with the report as JSON (no caching by
 * clients); other methods get 405.
 */
export async function answerHealth(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  health: HealthSource,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, `Cannot ${req.method} ${pathname}: use GET or HEAD\n`, {
      Allow: 'GET, HEAD',
      'Content-Type': 'text/plain; charset=UTF-8',
    });
    return;
  }
  const report = pathname === '/health/live' ? await health.live() : await health.ready();
  send(res, report.status === 'up' ? 200 : 503, JSON.stringify(report) + '\n', {
    'Content-Type': APPLICATION_JSON,
    'Cache-Control': 'no-store',
  });
}
