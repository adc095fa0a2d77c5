/**
 * One TCP connection to one Gearman server, re-made with exponential back-off whenever it is
 * lost. Requests (submit, admin command, echo, option) are answered in order, so they wait
 * in one FIFO; a request that times out desynchronises that FIFO, so the connection is
 * dropped and re-made (as gear does). Routing replies is `reply-router.ts`'s job.
 */
import net from 'node:net';
import type { Logger } from 'pino';
import { delay, schedule } from '../util/index.js';
import { NodepoolError } from '../errors.js';
import { gearmanStopped } from './errors.js';
import { PacketType, encodeAdminCommand, encodePacket } from './protocol.js';
import type { AdminReplyShape } from './protocol.js';
import { ReplyRouter } from './reply-router.js';
import type { JobSink, Pending, PendingRequest } from './reply-router.js';

export type { JobSink } from './reply-router.js';

/** Settings shared by every connection of a client. */
export interface ConnectionOptions {
  clientId: string;
  /** First wait after a failed connect; doubled per failure up to `reconnectMaxMs`. */
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  connectTimeoutMs: number;
  /** Period of the ECHO liveness probe; 0 disables it. */
  echoIntervalMs: number;
  echoTimeoutMs: number;
  log: Logger;
  /** Called after every change of `isConnected`. */
  onChange: (conn: GearmanConnection) => void;
}

/** Per-request options. */
export interface RequestOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A connection to one server; `start()` begins the connect loop, `close()` ends it. */
export class GearmanConnection {
  readonly name: string;
  private socket: net.Socket | null = null;
  private router: ReplyRouter | null = null;
  private readonly stopper = new AbortController();
  private loop: Promise<void> | null = null;
  private connected = false;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly options: ConnectionOptions,
  ) {
    this.name = `${host}:${port}`;
  }

  /** True while the socket is open and the on-connect packets were sent. */
  get isConnected(): boolean {
    return this.connected;
  }

  /** Starts the connect loop in the background. */
  start(): void {
    this.loop ??= this.run().catch((err: unknown) => {
      this.options.log.error(
        { err, server: this.name },
        'Gearman connect loop for %s stopped',
        this.name,
      );
    });
  }

  /** Closes the socket and ends the loop; outstanding requests and jobs fail. */
  async close(): Promise<void> {
    this.stopper.abort(gearmanStopped());
    this.socket?.destroy();
    await this.loop;
  }

  /** Drops the current socket (after a timeout or a protocol error); the loop reconnects. */
  drop(reason: string): void {
    if (this.socket === null) return;
    this.options.log.warn(
      { server: this.name },
      'Dropping Gearman connection %s: %s',
      this.name,
      reason,
    );
    this.socket.destroy();
  }

  /** Sends SUBMIT_JOB (or a variant) and resolves with the job handle once JOB_CREATED arrives. */
  submit(
    type: number,
    args: [string, string, Buffer],
    sink: JobSink,
    opts: RequestOptions,
  ): Promise<string> {
    return this.request({ kind: 'submit', sink }, encodePacket(type, args), opts, 'submit job');
  }

  /** Sends a text admin command and resolves with the whole reply text. */
  admin(command: string, shape: AdminReplyShape, opts: RequestOptions): Promise<string> {
    return this.request(
      { kind: 'admin', shape },
      encodeAdminCommand(command),
      opts,
      `admin "${command}"`,
    );
  }

  /** Sends ECHO_REQ and resolves when the echo comes back. */
  echo(opts: RequestOptions): Promise<void> {
    const payload = `nodepool-${Date.now()}`;
    return this.request(
      { kind: 'echo' },
      encodePacket(PacketType.ECHO_REQ, [payload]),
      opts,
      'echo',
    ).then(() => undefined);
  }

  private request(
    p: PendingRequest,
    bytes: Buffer,
    opts: RequestOptions,
    what: string,
  ): Promise<string> {
    const sock = this.socket;
    const router = this.router;
    if (this.stopper.signal.aborted) return Promise.reject(gearmanStopped());
    if (sock === null || router === null || !this.connected) {
      return Promise.reject(
        new NodepoolError(`Cannot send ${what} to Gearman server ${this.name}: not connected`, {
          code: 'ERR_GEARMAN_DISCONNECTED',
          details: { server: this.name },
        }),
      );
    }
    if (opts.signal?.aborted) return Promise.reject(opts.signal.reason);
    return new Promise<string>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        cancelTimer();
        opts.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const cancelTimer = schedule(() => {
        finish(() =>
          reject(
            new NodepoolError(
              `Cannot ${what} on Gearman server ${this.name}: no reply within ${opts.timeoutMs} ms`,
              { code: 'ERR_GEARMAN_TIMEOUT', details: { server: this.name } },
            ),
          ),
        );
        // The FIFO now has a hole the server will still fill; only a new socket is safe.
        if (this.socket === sock) this.drop(`no reply to ${what}`);
      }, opts.timeoutMs);
      // An aborted request stays in the FIFO (its reply still arrives) but nobody waits.
      const onAbort = (): void => finish(() => reject(opts.signal?.reason));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const entry: Pending = {
        ...p,
        done: {
          resolve: (v: string) => finish(() => resolve(v)),
          reject: (e: unknown) => finish(() => reject(e)),
        },
      };
      router.expect(entry);
      sock.write(bytes);
    });
  }

  private async run(): Promise<void> {
    const signal = this.stopper.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const sock = await this.connect();
        failures = 0;
        await this.serve(sock);
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        this.options.log.debug(
          { err, server: this.name },
          'Cannot connect to Gearman server %s',
          this.name,
        );
      }
      if (signal.aborted) break;
      const wait = Math.min(
        this.options.reconnectMaxMs,
        this.options.reconnectInitialMs * 2 ** Math.min(failures, 20),
      );
      try {
        await delay(failures === 0 ? this.options.reconnectInitialMs : wait, { signal });
      } catch {
        break;
      }
    }
  }

  private connect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: this.host, port: this.port });
      const cancel = schedule(
        () =>
          sock.destroy(new Error(`connect timed out after ${this.options.connectTimeoutMs} ms`)),
        this.options.connectTimeoutMs,
      );
      const onAbort = (): void => {
        sock.destroy();
      };
      this.stopper.signal.addEventListener('abort', onAbort, { once: true });
      const cleanup = (): void => {
        cancel();
        this.stopper.signal.removeEventListener('abort', onAbort);
      };
      sock.once('connect', () => {
        cleanup();
        sock.removeAllListeners('error');
        resolve(sock);
      });
      sock.once('error', (err) => {
        cleanup();
        reject(err);
      });
      sock.once('close', () => {
        cleanup();
        reject(new Error('connection closed while connecting'));
      });
    });
  }

  /** Runs one connected session; resolves when the socket closes. */
  private serve(sock: net.Socket): Promise<void> {
    return new Promise<void>((resolve) => {
      sock.removeAllListeners('close');
      sock.setNoDelay(true);
      sock.setKeepAlive(true, 30_000);
      this.socket = sock;
      const router = new ReplyRouter(this.name, this.options.log);
      this.router = router;
      const session = new AbortController();
      sock.on('data', (chunk: Buffer) => {
        try {
          router.feed(chunk);
        } catch (err) {
          this.options.log.error(
            { err, server: this.name },
            'Bad data from Gearman server %s',
            this.name,
          );
          sock.destroy();
        }
      });
      sock.on('error', (err) => {
        this.options.log.warn(
          { err, server: this.name },
          'Gearman connection %s failed',
          this.name,
        );
      });
      sock.once('close', () => {
        session.abort();
        this.onClosed(sock);
        resolve();
      });
      if (this.stopper.signal.aborted) {
        sock.destroy();
        return;
      }
      sock.write(encodePacket(PacketType.SET_CLIENT_ID, [this.options.clientId]));
      this.connected = true;
      this.options.log.info({ server: this.name }, 'Connected to Gearman server %s', this.name);
      this.options.onChange(this);
      // Ask for WORK_EXCEPTION packets; without the option gearmand turns them into WORK_FAIL.
      this.request(
        { kind: 'option' },
        encodePacket(PacketType.OPTION_REQ, ['exceptions']),
        { timeoutMs: this.options.echoTimeoutMs },
        'set option',
      ).catch((err: unknown) =>
        this.options.log.debug({ err, server: this.name }, 'Gearman option "exceptions" refused'),
      );
      if (this.options.echoIntervalMs > 0) {
        this.probe(session.signal).catch((err: unknown) =>
          this.options.log.debug({ err }, 'Gearman echo probe ended'),
        );
      }
    });
  }

  private async probe(signal: AbortSignal): Promise<void> {
    for (;;) {
      await delay(this.options.echoIntervalMs, { signal });
      try {
        await this.echo({ timeoutMs: this.options.echoTimeoutMs, signal });
      } catch (err) {
        if (signal.aborted) return;
        this.options.log.warn(
          { err, server: this.name },
          'Gearman server %s failed the echo probe',
          this.name,
        );
      }
    }
  }

  private onClosed(sock: net.Socket): void {
    if (this.socket !== sock) return;
    this.socket = null;
    const wasConnected = this.connected;
    this.connected = false;
    this.router?.close(this.stopper.signal.aborted);
    this.router = null;
    if (wasConnected) {
      const level = this.stopper.signal.aborted ? 'debug' : 'warn';
      this.options.log[level](
        { server: this.name },
        'Disconnected from Gearman server %s',
        this.name,
      );
      this.options.onChange(this);
    }
  }
}
