/**
 * A web app that serves only the health endpoints (`nodepool-builder --web-address`): the
 * builder has no status pages, so this is all it listens for. Any other path is 404.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { BaseService } from '../util/index.js';
import type { ServiceState } from '../util/index.js';
import { HEALTH_PATHS, answerHealth } from './health.js';
import type { HealthSource } from './health.js';
import { sendError, sendNotFound } from './responses.js';

/** Options of {@link HealthApp}. */
export interface HealthAppOptions {
  readonly health: HealthSource;
  readonly log: Logger;
  /** Address to listen on. */
  readonly host: string;
  /** Port to listen on; 0 picks a free one (see {@link HealthApp.port}). */
  readonly port: number;
}

/** The health-only web app (a Service). */
export class HealthApp extends BaseService {
  private server: Server | null = null;

  constructor(private readonly options: HealthAppOptions) {
    super();
  }

  /** The port actually listened on (useful with port 0). @throws Error before start */
  get port(): number {
    const address = this.server?.address();
    if (address === null || address === undefined || typeof address === 'string') {
      throw new Error(
        `Cannot read the health app's port: it is not listening: state is "${this.state}"`,
      );
    }
    return address.port;
  }

  protected override onStateChange(from: ServiceState, to: ServiceState): void {
    this.options.log.info('Health web app %s (was %s)', to, from);
  }

  protected async doStart(): Promise<void> {
    const { host, port, log } = this.options;
    const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
      void this.handle(req, res).catch((err: unknown) => this.fail(req, res, err));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void =>
        reject(
          new Error(`Cannot start the health web app on ${host}:${port}: ${err.message}`, {
            cause: err,
          }),
        );
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (err) => log.error({ err }, 'Health web app server error'));
    log.info('Health web app listening on %s:%d', host, this.port);
  }

  protected async doStop(): Promise<void> {
    const server = this.server;
    if (server === null || !server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const pathname = q < 0 ? raw : raw.slice(0, q);
    if (!HEALTH_PATHS.has(pathname)) {
      sendNotFound(req, res);
      return;
    }
    await answerHealth(req, res, pathname, this.options.health);
  }

  private fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    this.options.log.error({ err, url: req.url }, 'Cannot answer %s %s', req.method, req.url);
    if (!res.headersSent) sendError(res, 500, `Cannot answer ${req.method} ${req.url}`);
    else res.destroy();
  }
}
