/**
 * Matches what a Gearman server sends to what the client is waiting for, without touching a
 * socket: requests (submit, admin, echo, option) are answered in order, so they wait in one
 * FIFO; job progress packets are routed by job handle to the job's sink.
 */
import type { Logger } from 'pino';
import { NodepoolError } from '../errors.js';
import { gearmanStopped } from './errors.js';
import { PacketType, StreamDecoder, splitArgs } from './protocol.js';
import type { AdminReplyShape, Packet } from './protocol.js';

/** Callbacks of a foreground job, called as its packets arrive. */
export interface JobSink {
  onData(kind: 'data' | 'warning', data: Buffer): void;
  onStatus(numerator: string, denominator: string): void;
  onComplete(data: Buffer): void;
  onFail(): void;
  onException(data: Buffer): void;
  onDisconnect(): void;
}

/** How a request is settled. */
export interface Settle<T> {
  resolve(v: T): void;
  reject(e: unknown): void;
}

/** A request waiting for its reply. */
export type Pending =
  | { kind: 'submit'; sink: JobSink; done: Settle<string> }
  | { kind: 'admin'; shape: AdminReplyShape; done: Settle<string> }
  | { kind: 'echo'; done: Settle<string> }
  | { kind: 'option'; done: Settle<string> };

/** A pending request before its settle callbacks are attached. */
export type PendingRequest = Pending extends infer P
  ? P extends unknown
    ? Omit<P, 'done'>
    : never
  : never;

/** The routing state of one connected session; a new session gets a new router. */
export class ReplyRouter {
  private readonly decoder = new StreamDecoder();
  private readonly pending: Pending[] = [];
  private readonly jobs = new Map<string, JobSink>();

  constructor(
    private readonly server: string,
    private readonly log: Logger,
  ) {}

  /** Queues a request whose reply comes next after those already queued. */
  expect(p: Pending): void {
    this.pending.push(p);
  }

  /**
   * Decodes bytes from the server and settles requests / feeds jobs.
   * @throws GearmanProtocolError or Error when the stream does not match what was asked;
   *   the caller must then drop the connection
   */
  feed(chunk: Buffer): void {
    this.decoder.push(chunk);
    for (;;) {
      const head = this.pending[0];
      const item = this.decoder.next(head?.kind === 'admin' ? head.shape : null);
      if (item === null) return;
      if (item.kind === 'text') this.onText(item.text);
      else this.onPacket(item.packet);
    }
  }

  /** The session ended: every request fails, every job sees a disconnect. */
  close(stopped: boolean): void {
    for (const p of this.pending.splice(0)) {
      p.done.reject(
        stopped
          ? gearmanStopped()
          : new NodepoolError(`Lost the connection to Gearman server ${this.server}`, {
              code: 'ERR_GEARMAN_DISCONNECTED',
              details: { server: this.server },
            }),
      );
    }
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    for (const job of jobs) job.onDisconnect();
  }

  private shift(kind: Pending['kind'], what: string): Pending {
    const head = this.pending.shift();
    if (head?.kind !== kind) {
      throw new Error(
        `Unexpected ${what} from Gearman server ${this.server}: waiting for ${head?.kind ?? 'nothing'}`,
      );
    }
    return head;
  }

  private onText(text: string): void {
    const head = this.shift('admin', 'admin reply');
    if (text.startsWith('ERR ')) {
      const [, code = 'UNKNOWN', ...rest] = text.trim().split(' ');
      const message = `Gearman server ${this.server} refused the admin command: ${code} ${rest.join(' ')}`;
      head.done.reject(
        new NodepoolError(message.trim(), {
          code: 'ERR_GEARMAN_SERVER',
          details: { server: this.server, serverCode: code },
        }),
      );
      return;
    }
    head.done.resolve(text);
  }

  private onPacket(packet: Packet): void {
    const t = PacketType;
    switch (packet.type) {
      case t.JOB_CREATED: {
        const head = this.shift('submit', 'JOB_CREATED');
        const handle = packet.data.toString('utf8');
        // Registered before anyone resumes, so no WORK_* packet can miss its job.
        if (head.kind === 'submit') this.jobs.set(handle, head.sink);
        head.done.resolve(handle);
        return;
      }
      case t.ECHO_RES:
        this.shift('echo', 'ECHO_RES').done.resolve('');
        return;
      case t.OPTION_RES:
        this.shift('option', 'OPTION_RES').done.resolve(packet.data.toString('utf8'));
        return;
      case t.ERROR: {
        const [code = 'UNKNOWN', text = ''] = splitArgs(packet.data, 2).map((b) =>
          b.toString('utf8'),
        );
        const head = this.pending.shift();
        const err = new NodepoolError(
          `Gearman server ${this.server} returned an error: ${code} ${text}`.trim(),
          { code: 'ERR_GEARMAN_SERVER', details: { server: this.server, serverCode: code } },
        );
        if (head) head.done.reject(err);
        else this.log.warn({ err }, 'Unsolicited error from Gearman server %s', this.server);
        return;
      }
      case t.NOOP:
      case t.STATUS_RES:
        return;
      default:
        this.onJobPacket(packet);
    }
  }

  private onJobPacket(packet: Packet): void {
    const t = PacketType;
    const [handleBuf, ...rest] = splitArgs(packet.data, packet.type === t.WORK_STATUS ? 3 : 2);
    const handle = (handleBuf ?? Buffer.alloc(0)).toString('utf8');
    const sink = this.jobs.get(handle);
    const where = { server: this.server, type: packet.type };
    if (sink === undefined) {
      this.log.debug(where, 'Gearman packet for unknown job %s', handle);
      return;
    }
    const arg = rest[0] ?? Buffer.alloc(0);
    switch (packet.type) {
      case t.WORK_DATA:
        return sink.onData('data', arg);
      case t.WORK_WARNING:
        return sink.onData('warning', arg);
      case t.WORK_STATUS:
        return sink.onStatus(arg.toString('utf8'), (rest[1] ?? Buffer.alloc(0)).toString('utf8'));
      case t.WORK_COMPLETE:
        this.jobs.delete(handle);
        return sink.onComplete(arg);
      case t.WORK_FAIL:
        this.jobs.delete(handle);
        return sink.onFail();
      case t.WORK_EXCEPTION:
        this.jobs.delete(handle);
        return sink.onException(arg);
      default:
        this.log.debug(where, 'Ignoring Gearman packet type %d', packet.type);
    }
  }
}
