import StatsDClient from 'hot-shots';
import type { StatsD } from 'hot-shots';

/**
 * What the project reports to statsd. Keys come from `metric-names.ts`; values are sent as
 * upstream did: timers in whole milliseconds (`|ms`), counters `1|c`, gauges `N|g`.
 */
export interface Stats {
  /** False for the no-op client (statsd not configured). */
  readonly isEnabled: boolean;
  /** Sends a timer in whole milliseconds. */
  timing(key: string, ms: number): void;
  /** Adds one (or `value`) to a counter. */
  increment(key: string, value?: number): void;
  /**
   * Sets a gauge. A negative value is sent as `key:0|g` then `key:<v>|g` in one packet, so
   * statsd does not read it as a delta (upstream's behaviour for `max_servers: -1`).
   */
  gauge(key: string, value: number): void;
  /** Flushes and closes the socket; idempotent. */
  close(): Promise<void>;
}

/** Options of {@link createStats}. */
export interface StatsOptions {
  host: string;
  /** @default 8125 */
  port?: number;
  /** Called with socket errors (statsd is best effort; errors never reach callers). */
  onError?: (err: Error) => void;
}

class NoopStats implements Stats {
  readonly isEnabled = false;
  timing(): void {}
  increment(): void {}
  gauge(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
}

class HotShotsStats implements Stats {
  readonly isEnabled = true;
  private closing: Promise<void> | null = null;

  constructor(private readonly client: StatsD) {}

  timing(key: string, ms: number): void {
    this.client.timing(key, Math.max(0, Math.round(ms)));
  }

  increment(key: string, value = 1): void {
    this.client.increment(key, value);
  }

  gauge(key: string, value: number): void {
    if (value >= 0) {
      this.client.gauge(key, value);
      return;
    }
    // hot-shots has no typed raw send; `send` is its public, documented-in-source method.
    const raw = this.client as unknown as { send(message: string): void };
    raw.send(`${key}:0|g\n${key}:${value}|g`);
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.client.close(() => resolve());
    });
    return this.closing;
  }
}

/** A client that sends nothing; used when statsd is not configured. */
export function createNoopStats(): Stats {
  return new NoopStats();
}

/** A UDP statsd client (no prefix, no buffering: one packet per metric, as upstream). */
export function createStats(options: StatsOptions): Stats {
  const onError = options.onError ?? (() => {});
  const client = new StatsDClient({
    host: options.host,
    port: options.port ?? 8125,
    protocol: 'udp',
    maxBufferSize: 0,
    cacheDns: true,
    errorHandler: onError,
  });
  return new HotShotsStats(client);
}

/**
 * The client the daemons use: enabled only when `STATSD_HOST` is set (`STATSD_PORT` defaults
 * to 8125), otherwise a no-op client.
 *
 * @throws RangeError when `STATSD_PORT` is not a port number
 */
export function createStatsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: Pick<StatsOptions, 'onError'> = {},
): Stats {
  const host = env['STATSD_HOST'];
  if (host === undefined || host === '') return createNoopStats();
  const rawPort = env['STATSD_PORT'];
  let port = 8125;
  if (rawPort !== undefined && rawPort !== '') {
    port = Number(rawPort);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RangeError(
        `Cannot use STATSD_PORT: expected a port number: current value is "${rawPort}"`,
      );
    }
  }
  return createStats({ host, port, ...options });
}
