/**
 * Zuul's demand for nodes, read from the Gearman admin `status` command (launcher spec
 * docs/behaviour.md#gearman-and-zuul). `parseStatusReply` and `computeDemand` are pure (fuzzable); `GearmanDemand` polls
 * the servers and tells listeners when the per-label demand changes.
 */
import type { Logger } from 'pino';
import { createLogger } from '../log/index.js';
import { BaseService, Wakeup } from '../util/index.js';
import type { GearmanClient } from './client.js';

/** One `build:` line of a status reply. */
export interface StatusEntry {
  /** The function name without the `build:` prefix, e.g. `tempest:devstack-precise`. */
  readonly fn: string;
  /** Field 2: queued jobs including running ones (0 when not an integer). */
  readonly queued: number;
  /** 1-based line number in the reply. */
  readonly line: number;
}

/** A line that was skipped or read with a fallback, located in its reply. */
export interface StatusProblem {
  /** `host:port` of the server, when known. */
  readonly server?: string;
  readonly line: number;
  readonly text: string;
  readonly message: string;
}

/** Result of {@link parseStatusReply}. */
export interface ParsedStatus {
  readonly entries: StatusEntry[];
  readonly problems: StatusProblem[];
}

/** Result of {@link computeDemand}: queued jobs per label, and what was odd on the way. */
export interface DemandResult {
  readonly demand: Map<string, number>;
  readonly problems: StatusProblem[];
}

const INTEGER = /^[+-]?\d+$/;

/**
 * Parses one admin `status` reply: lines `<function>\t<total>\t<running>\t<workers>`, up to
 * a `.` line. Keeps only functions starting with `build:`. Never throws: a `build:` line
 * without a count field is skipped with a problem, a non-integer count is read as 0 with a
 * problem (upstream warns and uses 0), everything else not about `build:` is ignored.
 */
export function parseStatusReply(reply: string, options: { server?: string } = {}): ParsedStatus {
  const entries: StatusEntry[] = [];
  const problems: StatusProblem[] = [];
  const where = options.server === undefined ? {} : { server: options.server };
  const lines = reply.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] ?? '';
    const parts = text.split('\t').map((p) => p.trim());
    const name = parts[0] ?? '';
    if (name === '.' || !name.startsWith('build:')) continue;
    const fn = name.slice('build:'.length);
    const count = parts[1];
    if (count === undefined) {
      problems.push({
        ...where,
        line: i + 1,
        text,
        message: 'Cannot read Gearman status line: no queued-jobs field',
      });
      continue;
    }
    let queued = 0;
    if (INTEGER.test(count)) {
      queued = Number.parseInt(count, 10);
    } else {
      problems.push({
        ...where,
        line: i + 1,
        text,
        message: `Server returned a non-integer value in status: queued jobs is ${JSON.stringify(count)}`,
      });
    }
    entries.push({ fn, queued, line: i + 1 });
  }
  return { entries, problems };
}

/**
 * Sums demand per label over the status replies of all servers, exactly as upstream:
 * `build:JOB:LABEL` adds its count to LABEL (JOB and LABEL are the last two `:` parts) and
 * records LABEL for JOB, in reply order; plain `build:JOB` counts go, after all servers, to
 * the first label recorded for JOB, and are dropped when JOB has no known label.
 */
export function computeDemand(
  replies: ReadonlyArray<string | { server: string; reply: string }>,
): DemandResult {
  const demand = new Map<string, number>();
  const labelsOfJob = new Map<string, string[]>();
  const unlabeled = new Map<string, number>();
  const problems: StatusProblem[] = [];
  for (const r of replies) {
    const parsed =
      typeof r === 'string' ? parseStatusReply(r) : parseStatusReply(r.reply, { server: r.server });
    problems.push(...parsed.problems);
    for (const { fn, queued } of parsed.entries) {
      if (fn.includes(':')) {
        const parts = fn.split(':');
        const job = parts[parts.length - 2] ?? '';
        const label = parts[parts.length - 1] ?? '';
        const known = labelsOfJob.get(job);
        if (known) known.push(label);
        else labelsOfJob.set(job, [label]);
        if (queued > 0) demand.set(label, (demand.get(label) ?? 0) + queued);
      } else if (queued > 0) {
        unlabeled.set(fn, (unlabeled.get(fn) ?? 0) + queued);
      }
    }
  }
  for (const [job, queued] of unlabeled) {
    const label = labelsOfJob.get(job)?.[0];
    if (label === undefined) continue;
    demand.set(label, (demand.get(label) ?? 0) + queued);
  }
  return { demand, problems };
}

/** True when both maps hold the same labels with the same counts. */
export function sameDemand(
  a: ReadonlyMap<string, number>,
  b: ReadonlyMap<string, number>,
): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** Options of {@link GearmanDemand}. */
export interface GearmanDemandOptions {
  /** Time between two status polls. @default 5_000 */
  intervalMs?: number;
  /** Per-server limit for one status reply. @default 30_000 */
  requestTimeoutMs?: number;
  /** @default a silent logger */
  log?: Logger;
}

/** Called with the new demand whenever it differs from the previous one. */
export type DemandListener = (demand: ReadonlyMap<string, number>) => void;

/**
 * Polls every connected server's `status`, keeps the latest per-label demand and calls the
 * listeners when it changes (the launcher wakes its pass on that). With no server
 * connected the demand is empty, as upstream. Does not own the client.
 */
export class GearmanDemand extends BaseService {
  private latest: ReadonlyMap<string, number> = new Map();
  private polledAt: number | null = null;
  private readonly listeners = new Set<DemandListener>();
  private readonly wakeup = new Wakeup();
  private readonly log: Logger;
  private loop: Promise<void> | null = null;
  private unsubscribe: () => void = () => {};

  constructor(
    private readonly client: GearmanClient,
    private readonly options: GearmanDemandOptions = {},
  ) {
    super();
    this.log = options.log ?? createLogger({ level: 'silent' });
  }

  /** The demand of the last poll (empty before the first one). */
  lastDemand(): ReadonlyMap<string, number> {
    return this.latest;
  }

  /** When the last poll answered (ms since the epoch), or null before the first one. */
  get lastPollAt(): number | null {
    return this.polledAt;
  }

  /** Registers a change listener; returns the unsubscribe function. */
  onChange(fn: DemandListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Polls now (instead of waiting for the interval), updates `lastDemand()` and returns it. */
  async refresh(options: { signal?: AbortSignal } = {}): Promise<ReadonlyMap<string, number>> {
    const replies = await this.client.status({
      timeoutMs: this.options.requestTimeoutMs ?? 30_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    this.polledAt = Date.now();
    const { demand, problems } = computeDemand(replies);
    for (const p of problems) {
      this.log.warn({ server: p.server, line: p.line, text: p.text }, '%s', p.message);
    }
    for (const [label, n] of demand) this.log.debug('Demand from gearman: %s: %d', label, n);
    if (!sameDemand(demand, this.latest)) {
      this.latest = demand;
      for (const fn of this.listeners) {
        try {
          fn(demand);
        } catch (err) {
          this.log.error({ err }, 'Gearman demand listener failed');
        }
      }
    }
    return this.latest;
  }

  protected doStart(): Promise<void> {
    this.unsubscribe = this.client.onConnectionChange(() => this.wakeup.wake());
    this.loop = this.run();
    return Promise.resolve();
  }

  protected async doStop(): Promise<void> {
    this.unsubscribe();
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.signal;
    while (!signal.aborted) {
      try {
        await this.refresh({ signal });
      } catch (err) {
        if (signal.aborted) return;
        this.log.error({ err }, 'Cannot read Gearman demand');
      }
      try {
        await this.wakeup.wait(this.options.intervalMs ?? 5_000, { signal });
      } catch {
        return;
      }
    }
  }
}
