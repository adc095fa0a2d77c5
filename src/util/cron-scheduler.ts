/**
 * A small cron scheduler (nodepoold's `cleanup` and `check` jobs, the snapshot integration's
 * `update-image`; docs/behaviour.md#periodic-jobs). Schedules are cron-parser expressions
 * (seconds first) read in the local time zone, as APScheduler did. A job still
 * running when it is due again skips that run (one instance at a time).
 */
import { CronExpressionParser } from 'cron-parser';
import type { Logger } from 'pino';
import { delay } from './delay.js';
import { TaskGroup } from './task-group.js';

/** One scheduled job. */
export interface CronJob {
  readonly name: string;
  /** cron-parser form, e.g. `0 * * * * *`. */
  readonly parserSpec: string;
  run(signal: AbortSignal): Promise<void>;
}

const MAX_SLICE_MS = 3_600_000;

/** The wall clock the scheduler reads and sleeps on (tests give a manual one). */
export interface CronClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with `signal.reason` when it aborts. */
  sleep(ms: number, options: { signal: AbortSignal }): Promise<void>;
}

/** The system clock. */
export const systemCronClock: CronClock = {
  now: () => Date.now(),
  sleep: (ms, options) => delay(ms, options),
};

/** Options of {@link CronScheduler}. */
export interface CronSchedulerOptions {
  /** @default systemCronClock */
  clock?: CronClock;
}

interface Entry {
  job: CronJob;
  stop: AbortController;
  running: Promise<void> | null;
}

/** Runs cron jobs until stopped. */
export class CronScheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly tasks: TaskGroup;
  private readonly abort = new AbortController();
  private readonly clock: CronClock;

  constructor(
    private readonly log: Logger,
    options: CronSchedulerOptions = {},
  ) {
    this.clock = options.clock ?? systemCronClock;
    this.tasks = new TaskGroup((err, name) => log.error({ err }, 'Cron %s failed', name));
  }

  /** Names of the jobs running right now. */
  get running(): string[] {
    return [...this.entries.values()].filter((e) => e.running !== null).map((e) => e.job.name);
  }

  /**
   * Installs or replaces jobs: a job whose spec is unchanged keeps its schedule; a changed
   * one is rescheduled; jobs not listed are removed.
   */
  set(jobs: readonly CronJob[]): void {
    const names = new Set(jobs.map((j) => j.name));
    for (const [name, e] of this.entries) {
      if (!names.has(name)) {
        e.stop.abort();
        this.entries.delete(name);
      }
    }
    for (const job of jobs) {
      const old = this.entries.get(job.name);
      if (old !== undefined && old.job.parserSpec === job.parserSpec) {
        old.job = job;
        continue;
      }
      old?.stop.abort();
      const entry: Entry = { job, stop: new AbortController(), running: old?.running ?? null };
      this.entries.set(job.name, entry);
      this.tasks.spawn(`cron ${job.name}`, () => this.loop(entry));
    }
  }

  /** Runs a job now unless it is running (tests and operators). */
  runNow(name: string): Promise<void> {
    const e = this.entries.get(name);
    if (e === undefined) return Promise.resolve();
    this.fire(e);
    return e.running ?? Promise.resolve();
  }

  private fire(e: Entry): void {
    if (e.running !== null) {
      this.log.debug('Cron %s still running: skipping this run', e.job.name);
      return;
    }
    const p = e.job
      .run(this.abort.signal)
      .catch((err: unknown) => {
        if (!this.abort.signal.aborted) this.log.error({ err }, 'Cron %s failed', e.job.name);
      })
      .finally(() => {
        e.running = null;
      });
    e.running = p;
    this.tasks.spawn(`cron run ${e.job.name}`, () => p);
  }

  private async loop(e: Entry): Promise<void> {
    const signal = AbortSignal.any([e.stop.signal, this.abort.signal]);
    const expr = CronExpressionParser.parse(e.job.parserSpec, {
      currentDate: new Date(this.clock.now()),
    });
    while (!signal.aborted) {
      const next = expr.next().getTime();
      // Timers hold at most 2^31-1 ms (~24.8 days); wait in slices up to the due time.
      for (let wait = next - this.clock.now(); wait > 0; wait = next - this.clock.now()) {
        try {
          await this.clock.sleep(Math.min(wait, MAX_SLICE_MS), { signal });
        } catch {
          return;
        }
      }
      this.fire(e);
    }
  }

  /** Stops scheduling, aborts running jobs and waits for them. */
  async stop(): Promise<void> {
    this.abort.abort(new Error('scheduler stopping'));
    for (const e of this.entries.values()) e.stop.abort();
    await this.tasks.drain();
  }
}
