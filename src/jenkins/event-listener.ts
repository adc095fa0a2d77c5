/**
 * Receives Jenkins build events over ZeroMQ (upstream 0.4.0 `NodeUpdateListener`): one SUB
 * socket per `zmq-publishers` address, connected (not bound) and subscribed to everything.
 * ZeroMQ re-makes lost connections by itself; messages published while disconnected are
 * lost (PUB/SUB semantics). Bad messages are logged and dropped.
 */
import type { Logger } from 'pino';
import * as zmq from 'zeromq';
import { createLogger } from '../log/index.js';
import { BaseService, TaskGroup } from '../util/index.js';
import { parseJenkinsEvent } from './event.js';
import type { JenkinsEvent } from './event.js';

/**
 * Receives each event. Called synchronously, in arrival order per publisher; a returned
 * promise runs in the background (tracked, its rejection logged), so a slow handler (the
 * 60 s delay after `onFinalized`) never holds up the socket.
 */
export type JenkinsEventHandler = (event: JenkinsEvent) => void | Promise<void>;

/** Options of {@link JenkinsEventListener}. */
export interface JenkinsEventListenerOptions {
  /** ZeroMQ addresses, e.g. `tcp://jenkins.example.org:8888`. */
  publishers: readonly string[];
  onEvent: JenkinsEventHandler;
  /** @default a silent logger */
  log?: Logger;
  /** Messages ZeroMQ may buffer per socket before dropping. @default 100_000 */
  receiveHighWaterMark?: number;
  /** Time between reconnect attempts to a lost publisher. @default 100 */
  reconnectIntervalMs?: number;
  /** Upper bound of the reconnect back-off. @default 5_000 */
  reconnectMaxIntervalMs?: number;
}

/** Counters of one listener since start, for diagnostics and the benchmark. */
export interface JenkinsEventCounters {
  /** Messages received from all sockets. */
  received: number;
  /** Events handed to the handler. */
  delivered: number;
  /** Well-formed messages without a node name (ignored, as upstream). */
  ignored: number;
  /** Malformed or unknown messages, logged and dropped. */
  dropped: number;
}

/** What the listener knows of one publisher, for diagnostics. */
export interface PublisherState {
  readonly address: string;
  /** True between ZeroMQ's `connect` and `disconnect` events of the socket. */
  readonly isConnected: boolean;
  /** Messages received from this publisher. */
  readonly received: number;
  /** When the last message arrived (ms since the epoch), or null. */
  readonly lastMessageAt: number | null;
}

interface Subscription {
  socket: zmq.Subscriber;
  loop: Promise<void>;
  monitor: Promise<void>;
  state: { -readonly [K in keyof PublisherState]: PublisherState[K] };
}

/** A set of SUB sockets, one per publisher address; see {@link setPublishers}. */
export class JenkinsEventListener extends BaseService {
  private readonly subs = new Map<string, Subscription>();
  private readonly log: Logger;
  private readonly handlers: TaskGroup;
  private publishers: readonly string[];
  private readonly stats: JenkinsEventCounters = {
    received: 0,
    delivered: 0,
    ignored: 0,
    dropped: 0,
  };

  constructor(private readonly options: JenkinsEventListenerOptions) {
    super();
    this.log = options.log ?? createLogger({ level: 'silent' });
    this.publishers = options.publishers;
    this.handlers = new TaskGroup((err, name) =>
      this.log.error({ err }, 'Exception handling event %s', name),
    );
  }

  /** A copy of the counters. */
  counters(): JenkinsEventCounters {
    return { ...this.stats };
  }

  /** Addresses with an open socket. */
  get addresses(): string[] {
    return [...this.subs.keys()];
  }

  /** Each open socket's connection state and traffic, in the order the sockets were opened. */
  publisherStates(): PublisherState[] {
    return [...this.subs.values()].map((s) => ({ ...s.state }));
  }

  protected doStart(): Promise<void> {
    this.apply(this.publishers);
    return Promise.resolve();
  }

  protected async doStop(): Promise<void> {
    const all = [...this.subs.keys()];
    for (const addr of all) await this.remove(addr);
    await this.handlers.drain();
  }

  /**
   * Replaces the publisher list (config reload): sockets of removed addresses are closed,
   * new ones opened, unchanged ones kept (so their queued messages are not lost).
   */
  async setPublishers(addresses: readonly string[]): Promise<void> {
    this.publishers = addresses;
    if (this.state !== 'running' && this.state !== 'starting') return;
    const removed = this.apply(addresses);
    for (const addr of removed) await this.remove(addr);
  }

  private apply(addresses: readonly string[]): string[] {
    const wanted = new Set(addresses);
    for (const addr of wanted) {
      if (!this.subs.has(addr)) this.add(addr);
    }
    return [...this.subs.keys()].filter((a) => !wanted.has(a));
  }

  private add(addr: string): void {
    const socket = new zmq.Subscriber({
      receiveHighWaterMark: this.options.receiveHighWaterMark ?? 100_000,
      reconnectInterval: this.options.reconnectIntervalMs ?? 100,
      reconnectMaxInterval: this.options.reconnectMaxIntervalMs ?? 5_000,
      linger: 0,
    });
    // Creating the observer starts ZeroMQ's monitor: from here on, connection events queue
    // up for monitor() (an observer made after connect() would miss the first connect).
    const events = socket.events;
    try {
      socket.connect(addr);
    } catch (err) {
      socket.close();
      this.log.error({ err, publisher: addr }, 'Cannot connect to ZeroMQ publisher %s', addr);
      return;
    }
    socket.subscribe();
    this.log.info({ publisher: addr }, 'Listening to Jenkins events from %s', addr);
    const state = { address: addr, isConnected: false, received: 0, lastMessageAt: null };
    this.subs.set(addr, {
      socket,
      state,
      loop: this.receive(addr, socket),
      monitor: this.monitor(addr, socket, events, state),
    });
  }

  /** Follows the socket's connection events until it closes (diagnostics only). */
  private async monitor(
    addr: string,
    socket: zmq.Subscriber,
    events: zmq.Observer,
    state: Subscription['state'],
  ): Promise<void> {
    try {
      for await (const event of events) {
        if (event.type === 'connect') state.isConnected = true;
        else if (event.type === 'disconnect' || event.type === 'close') state.isConnected = false;
      }
    } catch (err) {
      if (!socket.closed)
        this.log.warn(
          { err, publisher: addr },
          'Cannot follow the connection state of ZeroMQ publisher %s',
          addr,
        );
    } finally {
      state.isConnected = false;
    }
  }

  private async remove(addr: string): Promise<void> {
    const sub = this.subs.get(addr);
    if (sub === undefined) return;
    this.subs.delete(addr);
    sub.socket.close();
    await sub.loop;
    await sub.monitor;
    this.log.info({ publisher: addr }, 'Stopped listening to Jenkins events from %s', addr);
  }

  private async receive(addr: string, socket: zmq.Subscriber): Promise<void> {
    while (!socket.closed) {
      try {
        for await (const frames of socket) this.onMessage(addr, frames);
        return;
      } catch (err) {
        if (socket.closed) return;
        // Receiving only fails on a closed socket or a library fault; go on listening.
        this.log.error({ err, publisher: addr }, 'Cannot receive from ZeroMQ publisher %s', addr);
      }
    }
  }

  private onMessage(addr: string, frames: Buffer[]): void {
    this.stats.received++;
    const sub = this.subs.get(addr);
    if (sub !== undefined) {
      sub.state.received++;
      sub.state.lastMessageAt = Date.now();
    }
    const frame = frames[0];
    if (frames.length !== 1 || frame === undefined) {
      this.stats.dropped++;
      this.log.error(
        { publisher: addr, frames: frames.length },
        'Dropping Jenkins event from %s: expected 1 frame, got %d',
        addr,
        frames.length,
      );
      return;
    }
    const parsed = parseJenkinsEvent(frame);
    if (parsed.kind === 'error') {
      this.stats.dropped++;
      this.log.error(
        {
          publisher: addr,
          at: parsed.error.details,
          message: frame.subarray(0, 200).toString('utf8'),
        },
        'Dropping Jenkins event from %s: %s',
        addr,
        parsed.error.message,
      );
      return;
    }
    if (parsed.kind === 'ignored') {
      this.stats.ignored++;
      this.log.debug({ publisher: addr }, 'Ignoring Jenkins event: %s', parsed.reason);
      return;
    }
    const event = { ...parsed.event, publisher: addr };
    this.log.debug(
      { publisher: addr },
      'Received: %s %s on %s',
      event.topic,
      event.jobName,
      event.nodeName,
    );
    this.stats.delivered++;
    try {
      const result = this.options.onEvent(event);
      if (result instanceof Promise) {
        this.handlers.spawn(`${event.topic} ${event.jobName} on ${event.nodeName}`, () => result);
      }
    } catch (err) {
      this.log.error(
        { err, publisher: addr },
        'Exception handling event %s for %s',
        event.topic,
        event.nodeName,
      );
    }
  }
}
