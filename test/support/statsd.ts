/**
 * A statsd stand-in for tests: a UDP socket on 127.0.0.1 (port 0) that records every line it
 * receives, and every packet as received (to check lines that must share one packet).
 */
import dgram from 'node:dgram';
import { waitFor } from './wait-for.js';

/** A running capture socket; `stop()` closes it. */
export class StatsdCapture {
  readonly packets: string[] = [];
  private constructor(
    private readonly socket: dgram.Socket,
    readonly port: number,
  ) {}

  /** Starts a capture socket on 127.0.0.1 and a free port. */
  static async start(): Promise<StatsdCapture> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const capture = new StatsdCapture(socket, socket.address().port);
    socket.on('message', (msg) => capture.packets.push(msg.toString('utf8')));
    return capture;
  }

  /** Every line received so far, in order (`key:value|type`). */
  get lines(): string[] {
    return this.packets.flatMap((p) => p.split('\n').filter((l) => l !== ''));
  }

  /** Lines whose key equals `key`. */
  linesFor(key: string): string[] {
    return this.lines.filter((l) => l.slice(0, l.lastIndexOf(':')) === key);
  }

  /** Waits until a line matching `pattern` (exact key, or a RegExp over the line) arrives. */
  async waitForLine(
    pattern: string | RegExp,
    options: { timeoutMs?: number } = {},
  ): Promise<string> {
    let found: string | undefined;
    await waitFor(
      () => {
        found = this.lines.find((l) =>
          typeof pattern === 'string' ? l.startsWith(`${pattern}:`) : pattern.test(l),
        );
        return found !== undefined;
      },
      { timeoutMs: options.timeoutMs ?? 5000, what: `statsd line ${String(pattern)}` },
    );
    return found!;
  }

  /** Forgets what was received. */
  clear(): void {
    this.packets.length = 0;
  }

  /** Closes the socket. */
  stop(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
