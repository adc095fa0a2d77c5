/**
 * When a member must fence itself. ZooKeeper expires a session (deleting its member node,
 * election node and claims, so that others take its providers) once the server has heard
 * nothing from it for the negotiated session timeout T. The server heard from us no earlier
 * than the moment we sent the last request that got an answer: we call that moment
 * `lastAlive`, so expiry cannot come before `lastAlive + T`.
 *
 * A heartbeat (a cheap `exists`) every T/4 keeps `lastAlive` fresh while healthy, and a
 * deadline timer fires at `lastAlive + fraction × T` (fraction 2/3 by default). That covers a
 * dropped connection (`suspended`) and a silent one alike: the library only notices a dead
 * socket when TCP does. The remaining T/3 is the margin for timer lateness and pauses of the
 * event loop (GC, a busy pass) and for cloud work to see the aborted signal; the other
 * members then still need to see the deletion, compute the new owner, claim and adopt.
 * A reconnect counts as alive at the moment the client reports it (the server renewed the
 * session on our connect request, a round trip earlier: well inside the margin).
 */
import type { Logger } from 'pino';

/** What the watchdog needs of the client. */
export interface WatchdogZk {
  readonly negotiatedSessionTimeoutMs: number;
  readonly isConnected: boolean;
  exists(path: string, options: { signal?: AbortSignal }): Promise<unknown>;
}

/** Options of {@link SessionWatchdog}. */
export interface SessionWatchdogOptions {
  readonly zk: WatchdogZk;
  /** Called once per missed deadline, with the time since the last sign of life. */
  readonly onDeadline: (silentMs: number) => void;
  /** Called when a heartbeat is answered after a missed deadline. */
  readonly onAlive: () => void;
  /** @default 2/3 */
  readonly fraction?: number;
  readonly log: Logger;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Heartbeat and fence deadline; owns its timer and loop until `stop()`. */
export class SessionWatchdog {
  private lastAlive = 0;
  private timer: NodeJS.Timeout | null = null;
  private missed = false;
  private loop: Promise<void> | null = null;
  private readonly stopper = new AbortController();
  private readonly now: () => number;
  private readonly fraction: number;

  constructor(private readonly opts: SessionWatchdogOptions) {
    this.now = opts.now ?? Date.now;
    this.fraction = opts.fraction ?? 2 / 3;
    if (!(this.fraction > 0 && this.fraction < 1))
      throw new RangeError(`fence fraction must be in (0, 1), got ${this.fraction}`);
  }

  /** How long after the last sign of life the member fences, for the current session. */
  get fenceAfterMs(): number {
    return Math.floor(this.opts.zk.negotiatedSessionTimeoutMs * this.fraction);
  }

  /** True while the deadline has not passed. */
  get fresh(): boolean {
    return this.now() - this.lastAlive < this.fenceAfterMs;
  }

  start(): void {
    this.alive(this.now());
    this.loop ??= this.heartbeats();
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.loop;
  }

  /** Records that the server heard from this session at `at` (ms epoch). */
  alive(at: number): void {
    if (this.stopper.signal.aborted || at < this.lastAlive) return;
    this.lastAlive = at;
    if (this.missed) {
      this.missed = false;
      this.opts.onAlive();
    }
    this.arm();
  }

  private arm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    const wait = Math.max(0, this.lastAlive + this.fenceAfterMs - this.now());
    this.timer = setTimeout(() => this.check(), wait);
  }

  private check(): void {
    this.timer = null;
    if (this.stopper.signal.aborted) return;
    if (this.fresh) return this.arm();
    this.missed = true;
    this.opts.onDeadline(this.now() - this.lastAlive);
  }

  private async heartbeats(): Promise<void> {
    const signal = this.stopper.signal;
    while (!signal.aborted) {
      const period = Math.max(50, Math.floor(this.opts.zk.negotiatedSessionTimeoutMs / 4));
      await sleep(period, signal);
      if (signal.aborted) break;
      const sent = this.now();
      try {
        await this.opts.zk.exists('/', { signal });
        this.alive(sent);
      } catch (err) {
        if (!signal.aborted) this.opts.log.debug({ err }, 'ZooKeeper heartbeat failed');
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
