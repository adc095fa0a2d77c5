/**
 * The status web app of nodepoold (docs/web.md) on `node:http`: upstream's
 * `/image-list` and `/dib-image-list` text tables with its caching headers, our read-only
 * JSON and table extras, the HTML status page, Prometheus `/metrics` and the health
 * endpoints (health.ts). Any method is
 * answered the same way; the query string is ignored except `format=json`.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { BaseService } from '../util/index.js';
import type { ServiceState } from '../util/index.js';
import { resolveEndpoint } from './endpoints.js';
import { HEALTH_PATHS, answerHealth } from './health.js';
import type { HealthSource } from './health.js';
import type { Endpoint, EndpointFormat, Rendered } from './endpoints.js';
import { PROMETHEUS_CONTENT_TYPE, renderMetrics } from './metrics.js';
import { httpDate, isNotModified, send, sendError, sendNotFound } from './responses.js';
import { STATUS_PAGE_HTML } from './status-page.js';
import { StatusUnavailableError } from './status-source.js';
import type { StatusSource } from './status-source.js';

/** Upstream's listen address. */
export const DEFAULT_WEB_HOST = '0.0.0.0';
/** Upstream's port. */
export const DEFAULT_WEB_PORT = 8005;

/** Options of {@link createWebApp}. */
export interface WebAppOptions {
  /** What the pages show. */
  readonly source: StatusSource;
  /** Logger named `nodepool.WebApp`. */
  readonly log: Logger;
  /** Address to listen on. @default '0.0.0.0' */
  readonly host?: string;
  /** Port to listen on; 0 picks a free one (see {@link WebApp.port}). @default 8005 */
  readonly port?: number;
  /** How long each path's rendering is reused (upstream: 1 s). @default 1000 */
  readonly cacheMs?: number;
  /** Time limit of the reads behind one rendering. @default 30_000 */
  readonly readTimeoutMs?: number;
  /** Clock for ages, `Last-Modified` and the cache. @default Date.now */
  readonly now?: () => number;
  /** What `/health/live` and `/health/ready` answer from; without it they are 404. */
  readonly health?: HealthSource;
}

interface CacheEntry {
  readonly lastModified: number;
  readonly rendered: Rendered;
}

/** The running web app. Build it with {@link createWebApp}. */
export class WebApp extends BaseService {
  private server: Server | null = null;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<CacheEntry>>();
  private readonly now: () => number;

  constructor(private readonly options: WebAppOptions) {
    super();
    this.now = options.now ?? Date.now;
  }

  /** The port actually listened on (useful with port 0). @throws Error before start */
  get port(): number {
    const address = this.server?.address();
    if (address === null || address === undefined || typeof address === 'string') {
      throw new Error(
        `Cannot read the web app's port: it is not listening: state is "${this.state}"`,
      );
    }
    return address.port;
  }

  /** `http://host:port` of the running app (`127.0.0.1` when bound to all addresses). */
  get url(): string {
    const host = this.options.host ?? DEFAULT_WEB_HOST;
    const shown =
      host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    return `http://${shown}:${this.port}`;
  }

  protected override onStateChange(from: ServiceState, to: ServiceState): void {
    this.options.log.info('Web app %s (was %s)', to, from);
  }

  protected async doStart(): Promise<void> {
    const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
      void this.handle(req, res).catch((err: unknown) => this.failRequest(req, res, err));
    });
    this.server = server;
    const host = this.options.host ?? DEFAULT_WEB_HOST;
    const port = this.options.port ?? DEFAULT_WEB_PORT;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void =>
        reject(
          new Error(`Cannot start the web app on ${host}:${port}: ${err.message}`, { cause: err }),
        );
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (err) => this.options.log.error({ err }, 'Web app server error'));
    this.options.log.info('Web app listening on %s', this.url);
  }

  protected async doStop(): Promise<void> {
    const server = this.server;
    if (server === null || !server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // In-flight reads were aborted with the service signal; drop keep-alive sockets too.
    server.closeAllConnections();
    await closed;
  }

  private failRequest(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    this.options.log.error(
      { err, method: req.method, url: req.url },
      'Cannot answer %s %s',
      req.method,
      req.url,
    );
    const why = err instanceof Error ? err.message : String(err);
    if (!res.headersSent) sendError(res, 500, `Cannot answer ${req.method} ${req.url}: ${why}`);
    else res.destroy();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    let pathname: string;
    try {
      pathname = decodeURIComponent(q < 0 ? raw : raw.slice(0, q));
    } catch {
      sendNotFound(req, res);
      return;
    }
    this.options.log.debug(
      { method: req.method, path: pathname },
      'Request %s %s',
      req.method,
      pathname,
    );
    if (HEALTH_PATHS.has(pathname) && this.options.health !== undefined) {
      await answerHealth(req, res, pathname, this.options.health);
      return;
    }
    if (pathname === '/' || pathname === '/status') {
      send(res, 200, STATUS_PAGE_HTML, {
        'Content-Type': 'text/html; charset=UTF-8',
        'Cache-Control': 'no-cache',
      });
      return;
    }
    if (pathname === '/metrics') {
      const body = await renderMetrics(this.options.source, this.options.log, {
        signal: this.readSignal(),
      });
      send(res, 200, body, {
        'Content-Type': PROMETHEUS_CONTENT_TYPE,
        'Cache-Control': 'no-store',
      });
      return;
    }
    const found = resolveEndpoint(pathname, query);
    if (found === null) {
      sendNotFound(req, res);
      return;
    }
    let entry: CacheEntry;
    try {
      entry = await this.rendered(found.endpoint, found.format);
    } catch (err) {
      if (!(err instanceof StatusUnavailableError)) throw err;
      sendError(res, 503, err.message);
      return;
    }
    this.sendCached(req, res, entry);
  }

  private sendCached(req: IncomingMessage, res: ServerResponse, entry: CacheEntry): void {
    const cacheSeconds = Math.floor((this.options.cacheMs ?? 1000) / 1000);
    const headers: Record<string, string> = {
      'Access-Control-Allow-Origin': '*',
      'Cache-Control': `public, max-age=${cacheSeconds}`,
      'Last-Modified': httpDate(entry.lastModified),
      Expires: httpDate(entry.lastModified + (this.options.cacheMs ?? 1000)),
    };
    if (isNotModified(req, entry.lastModified)) {
      // Compat: WebOb drops Content-Type and Content-Length from a 304.
      res.writeHead(304, headers);
      res.end();
      return;
    }
    send(res, 200, entry.rendered.body, { 'Content-Type': entry.rendered.contentType, ...headers });
  }

  private readSignal(): AbortSignal {
    return AbortSignal.any([
      this.signal,
      AbortSignal.timeout(this.options.readTimeoutMs ?? 30_000),
    ]);
  }

  private async render(
    key: string,
    endpoint: Endpoint,
    format: EndpointFormat,
  ): Promise<CacheEntry> {
    const lastModified = this.now();
    const rendered = await endpoint.render(this.options.source, format, lastModified, {
      signal: this.readSignal(),
    });
    const entry = { lastModified, rendered };
    this.cache.set(key, entry);
    return entry;
  }

  /** The cached rendering of a path, re-rendered after `cacheMs`; concurrent misses share one read. */
  private rendered(endpoint: Endpoint, format: EndpointFormat): Promise<CacheEntry> {
    const key = `${endpoint.path}:${format}`;
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit !== undefined && now <= hit.lastModified + (this.options.cacheMs ?? 1000))
      return Promise.resolve(hit);
    const running = this.inflight.get(key);
    if (running !== undefined) return running;
    const next = this.render(key, endpoint, format).finally(() => this.inflight.delete(key));
    this.inflight.set(key, next);
    return next;
  }
}

/** Builds (does not start) the web app; nodepoold starts it unless `--no-webapp`. */
export function createWebApp(options: WebAppOptions): WebApp {
  return new WebApp(options);
}

/**
 * Parses a `HOST:PORT`, `:PORT`, `PORT` or `[V6]:PORT` listen address.
 * @throws RangeError naming the value when it is not one
 */
export function parseListenAddress(text: string): { host: string; port: number } {
  const m = /^(?:(?:\[([^\]]+)\]|([^:[\]]*)):)?(\d+)$/.exec(text.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !Number.isInteger(port) || port > 65535) {
    throw new RangeError(
      `Cannot use web app address "${text}": expected HOST:PORT, such as 0.0.0.0:8005`,
    );
  }
  const host = m[1] ?? (m[2] === undefined || m[2] === '' ? DEFAULT_WEB_HOST : m[2]);
  return { host, port };
}
