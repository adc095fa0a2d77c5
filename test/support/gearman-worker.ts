/**
 * A minimal Gearman worker for tests, speaking the binary protocol over a real socket:
 * CAN_DO, GRAB_JOB_UNIQ / PRE_SLEEP / NOOP, and WORK_DATA / WORK_COMPLETE / WORK_FAIL /
 * WORK_EXCEPTION as the test's handler decides. It can also drop its connection mid-job.
 */
import net from 'node:net';
import { PacketType, StreamDecoder, encodePacket, splitArgs } from '../../src/gearman/index.js';

/** A job handed to the worker. */
export interface WorkerJob {
  handle: string;
  fn: string;
  unique: string;
  data: string;
}

/** What the worker answers. `hang` answers nothing; `disconnect` closes the socket. */
export type WorkerAnswer =
  | { complete: string; data?: string[] }
  | { fail: true }
  | { exception: string }
  | { disconnect: true }
  | { hang: true };

/** A worker connected to one server, registered for `functions`. */
export class TestWorker {
  readonly jobs: WorkerJob[] = [];
  private readonly decoder = new StreamDecoder();
  private closed = false;

  private constructor(
    private readonly socket: net.Socket,
    private readonly handler: (job: WorkerJob) => WorkerAnswer | Promise<WorkerAnswer>,
  ) {}

  /** Connects, registers the functions and starts grabbing jobs. */
  static async start(
    server: { host: string; port: number },
    functions: string[],
    handler: (job: WorkerJob) => WorkerAnswer | Promise<WorkerAnswer>,
  ): Promise<TestWorker> {
    const socket = net.connect(server);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const w = new TestWorker(socket, handler);
    socket.on('error', () => {});
    socket.on('close', () => {
      w.closed = true;
    });
    socket.on('data', (chunk: Buffer) => w.onData(chunk));
    for (const f of functions) socket.write(encodePacket(PacketType.CAN_DO, [f]));
    w.grab();
    return w;
  }

  /** Closes the connection. */
  stop(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private grab(): void {
    if (!this.closed) this.socket.write(encodePacket(PacketType.GRAB_JOB_UNIQ, []));
  }

  private onData(chunk: Buffer): void {
    this.decoder.push(chunk);
    for (;;) {
      const item = this.decoder.next(null);
      if (item === null || item.kind !== 'packet') return;
      const { type, data } = item.packet;
      if (type === PacketType.NO_JOB) this.socket.write(encodePacket(PacketType.PRE_SLEEP, []));
      else if (type === PacketType.NOOP) this.grab();
      else if (type === PacketType.JOB_ASSIGN_UNIQ) {
        const [handle, fn, unique, payload] = splitArgs(data, 4).map((b) => b.toString('utf8'));
        const job = {
          handle: handle ?? '',
          fn: fn ?? '',
          unique: unique ?? '',
          data: payload ?? '',
        };
        this.jobs.push(job);
        void Promise.resolve(this.handler(job))
          .then((answer) => this.answer(job, answer))
          .catch(() => this.answer(job, { fail: true }));
      }
    }
  }

  private answer(job: WorkerJob, a: WorkerAnswer): void {
    if (this.closed) return;
    const w = (type: number, args: string[]): boolean =>
      this.socket.write(encodePacket(type, args));
    if ('hang' in a) return;
    if ('disconnect' in a) {
      this.stop();
      return;
    }
    if ('complete' in a) {
      for (const d of a.data ?? []) w(PacketType.WORK_DATA, [job.handle, d]);
      w(PacketType.WORK_COMPLETE, [job.handle, a.complete]);
    } else if ('fail' in a) {
      w(PacketType.WORK_FAIL, [job.handle]);
    } else {
      w(PacketType.WORK_EXCEPTION, [job.handle, a.exception]);
    }
    this.grab();
  }
}
