/**
 * A real ZeroMQ PUB socket on 127.0.0.1 that sends what the Jenkins "ZMQ Event Publisher"
 * plugin sends: one frame `<topic> <json>`. PUB/SUB drops messages sent before a
 * subscriber's subscription arrives, so `untilReceived` re-sends a probe until it is seen.
 */
import * as zmq from 'zeromq';
import { formatJenkinsEvent } from '../../src/jenkins/index.js';
import { delay } from '../../src/util/index.js';
import { freePort } from './zookeeper.js';

/** Fields of a build event; anything omitted gets the plugin's usual value. */
export interface BuildEventSpec {
  job?: string;
  node?: string | null;
  status?: string;
  number?: number;
  parameters?: Record<string, unknown> | null;
}

/** The plugin's JSON body for a build event (fields as in upstream's sample event). */
export function buildEventBody(topic: string, spec: BuildEventSpec = {}): Record<string, unknown> {
  const job = spec.job ?? 'test';
  const number = spec.number ?? 1;
  const build: Record<string, unknown> = {
    full_url: `http://localhost:8080/job/${job}/${number}/`,
    number,
    phase: topic === 'onStarted' ? 'STARTED' : topic === 'onCompleted' ? 'COMPLETED' : 'FINISHED',
    url: `job/${job}/${number}/`,
  };
  if (topic !== 'onStarted') build.status = spec.status ?? 'SUCCESS';
  if (spec.node !== null) build.node_name = spec.node ?? 'fake-label-fake-provider-1';
  if (spec.parameters !== null) build.parameters = spec.parameters ?? { ZUUL_BRANCH: 'master' };
  return { name: job, url: `job/${job}/`, build };
}

/** A PUB socket bound on 127.0.0.1; `restart()` re-binds on the same port. */
export class ZmqPublisher {
  private socket: zmq.Publisher;

  private constructor(
    readonly port: number,
    socket: zmq.Publisher,
  ) {
    this.socket = socket;
  }

  /** Binds a publisher on a free port (or `port`). */
  static async start(options: { port?: number } = {}): Promise<ZmqPublisher> {
    const port = options.port ?? (await freePort());
    return new ZmqPublisher(port, await ZmqPublisher.bind(port));
  }

  private static async bind(port: number): Promise<zmq.Publisher> {
    const socket = new zmq.Publisher({ sendHighWaterMark: 1_000_000, linger: 0 });
    await socket.bind(`tcp://127.0.0.1:${port}`);
    return socket;
  }

  /** The address subscribers connect to. */
  get address(): string {
    return `tcp://127.0.0.1:${this.port}`;
  }

  /** Sends one raw message (one frame, or several). */
  async sendRaw(message: string | Buffer | Array<string | Buffer>): Promise<void> {
    await this.socket.send(message);
  }

  /** Sends a build event exactly as the plugin formats it. */
  async send(topic: string, spec: BuildEventSpec = {}): Promise<void> {
    await this.sendRaw(formatJenkinsEvent(topic, buildEventBody(topic, spec)));
  }

  /**
   * Sends `probe()` every 50 ms until `seen()` is true (the subscription has arrived).
   * @throws when nothing was seen within `timeoutMs`
   */
  async untilReceived(
    probe: () => Promise<void>,
    seen: () => boolean,
    timeoutMs = 10_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!seen()) {
      if (Date.now() > deadline)
        throw new Error(
          `No subscriber received a probe from ${this.address} within ${timeoutMs} ms`,
        );
      await probe();
      await delay(50);
    }
  }

  /** Closes the socket (subscribers see the publisher go away). */
  close(): void {
    this.socket.close();
  }

  /** Closes and binds again on the same port. */
  async restart(): Promise<void> {
    this.close();
    for (let attempt = 0; ; attempt++) {
      try {
        this.socket = await ZmqPublisher.bind(this.port);
        return;
      } catch (err) {
        // The old socket's port is released asynchronously by the ZeroMQ I/O thread.
        if (attempt > 50) throw err;
        await delay(50);
      }
    }
  }
}
