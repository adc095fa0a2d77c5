/**
 * An HTTP proxy in front of the fake cloud that makes a fraction of the API calls fail the
 * way real clouds do: a 5xx before the request reaches the cloud, a 5xx after the cloud did
 * the work (the client never learns the result), or no answer at all (the client's timeout
 * fires), again before or after the cloud acted. The fake cloud's URLs in answers (service
 * catalog, links, `Location`) are rewritten to the proxy's, so every call goes through it.
 */
import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Rng } from './rng.js';

/** How one call fails. */
export type FaultKind = '5xx-before' | '5xx-after' | 'hang-before' | 'hang-after';

const KINDS: readonly FaultKind[] = ['5xx-before', '5xx-after', 'hang-before', 'hang-after'];

/** A running proxy. */
export class FaultProxy {
  /** Fraction (0..1) of calls that fail. */
  failureRate = 0;
  /** Calls seen, and failures injected by kind. */
  readonly counts: Record<FaultKind | 'calls', number> = {
    calls: 0,
    '5xx-before': 0,
    '5xx-after': 0,
    'hang-before': 0,
    'hang-after': 0,
  };
  private readonly hung = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly origin: string,
    private readonly target: string,
    private readonly rng: Rng,
  ) {}

  /** Starts a proxy to `target` (an origin like `http://127.0.0.1:1234`). */
  static async start(target: string, rng: Rng): Promise<FaultProxy> {
    let proxy: FaultProxy | null = null;
    const server = createServer((req, res) => proxy?.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    if (typeof addr !== 'object' || addr === null)
      throw new Error('Cannot start the fault proxy: it has no port');
    proxy = new FaultProxy(server, `http://127.0.0.1:${addr.port}`, target, rng);
    return proxy;
  }

  /** Keystone v3 auth URL through the proxy. */
  get authUrl(): string {
    return `${this.origin}/v3`;
  }

  /** Injected failures so far. */
  get injected(): number {
    return KINDS.reduce((s, k) => s + this.counts[k], 0);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.counts.calls++;
    const control = (req.url ?? '').startsWith('/_fake');
    const kind = !control && this.rng.chance(this.failureRate) ? this.rng.pick(KINDS) : null;
    if (kind !== null) this.counts[kind]++;
    if (kind === '5xx-before') {
      req.resume();
      res
        .writeHead(503, { 'content-type': 'application/json' })
        .end('{"error": {"code": 503, "message": "chaos: service unavailable"}}');
      return;
    }
    if (kind === 'hang-before') {
      req.resume();
      this.hang(res);
      return;
    }
    const upstream = request(
      `${this.target}${req.url ?? '/'}`,
      { method: req.method, headers: req.headers },
      (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('error', () => res.destroy());
        up.on('end', () => {
          if (kind === '5xx-after') {
            res
              .writeHead(500, { 'content-type': 'application/json' })
              .end('{"error": {"code": 500, "message": "chaos: internal error"}}');
            return;
          }
          if (kind === 'hang-after') {
            this.hang(res);
            return;
          }
          const body = Buffer.concat(chunks)
            .toString('latin1')
            .split(this.target)
            .join(this.origin);
          const headers = { ...up.headers };
          delete headers['content-length'];
          delete headers['transfer-encoding'];
          if (typeof headers.location === 'string')
            headers.location = headers.location.split(this.target).join(this.origin);
          res
            .writeHead(up.statusCode ?? 502, {
              ...headers,
              'content-length': Buffer.byteLength(body, 'latin1'),
            })
            .end(body, 'latin1');
        });
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  /** Never answers; the socket is closed when the client gives up or the proxy stops. */
  private hang(res: ServerResponse): void {
    this.hung.add(res);
    res.once('close', () => this.hung.delete(res));
  }

  /** Closes the listener and every held call. */
  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
