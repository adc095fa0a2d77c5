import { describe, expect, it } from 'vitest';
import { providerStoppedError } from '../../../src/provider/index.js';
import { taskTimer } from '../../../src/stats/index.js';
import type { Stats } from '../../../src/stats/index.js';
import { TaskQueue } from '../../../src/util/index.js';
import type { Clock } from '../../../src/util/index.js';

/** A clock whose sleeps advance virtual time at once. */
function fakeClock(): Clock & { t: number } {
  const c = {
    t: 1000,
    now: () => c.t,
    async sleep(ms: number, o: { signal?: AbortSignal } = {}) {
      o.signal?.throwIfAborted();
      await Promise.resolve();
      o.signal?.throwIfAborted();
      c.t += ms;
    },
  };
  return c;
}

function recordingStats(): Stats & { lines: string[] } {
  const lines: string[] = [];
  return {
    isEnabled: true,
    lines,
    timing: (k, ms) => lines.push(`${k}:${ms}|ms`),
    increment: (k) => lines.push(`${k}:1|c`),
    gauge: (k, v) => lines.push(`${k}:${v}|g`),
    close: () => Promise.resolve(),
  };
}

describe('TaskQueue', () => {
  it('starts each call at least rate after the previous start, in FIFO order', async () => {
    const clock = fakeClock();
    const q = new TaskQueue({
      name: 'p',
      rateMs: 1000,
      onTaskDone: taskTimer(recordingStats(), 'p'),
      clock,
    });
    await q.start();
    const order: string[] = [];
    const work = (name: string, costMs: number) => async () => {
      order.push(name);
      clock.t += costMs;
      return name;
    };
    const results = await Promise.all([
      q.submit('A', work('a', 300)),
      q.submit('B', work('b', 1500)),
      q.submit('C', work('c', 0)),
    ]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(q.recentStarts()).toEqual([
      { task: 'A', at: 1000 },
      { task: 'B', at: 2000 },
      // B ran 1500 ms, longer than the rate: C starts as soon as B ends.
      { task: 'C', at: 3500 },
    ]);
    await q.stop();
  });

  it('times every call under nodepool.task.<provider>.<task>, failures included', async () => {
    const clock = fakeClock();
    const stats = recordingStats();
    const q = new TaskQueue({
      name: 'prov',
      rateMs: 0,
      onTaskDone: taskTimer(stats, 'prov'),
      clock,
    });
    await q.start();
    await q.submit('ServerList', async () => {
      clock.t += 42;
    });
    await expect(q.submit('ServerGet', () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    expect(stats.lines).toEqual([
      'nodepool.task.prov.ServerList:42|ms',
      'nodepool.task.prov.ServerList:1|c',
      'nodepool.task.prov.ServerGet:0|ms',
      'nodepool.task.prov.ServerGet:1|c',
    ]);
    await q.stop();
  });

  it('drops a queued call when its signal aborts, and never runs it', async () => {
    const clock = fakeClock();
    const q = new TaskQueue({
      name: 'p',
      rateMs: 1000,
      onTaskDone: taskTimer(recordingStats(), 'p'),
      clock,
    });
    await q.start();
    const ran: string[] = [];
    const ac = new AbortController();
    const first = q.submit('A', async () => void ran.push('A'));
    const dropped = q.submit('B', async () => void ran.push('B'), { signal: ac.signal });
    const third = q.submit('C', async () => void ran.push('C'));
    ac.abort(new Error('cancelled'));
    await expect(dropped).rejects.toThrow('cancelled');
    await Promise.all([first, third]);
    expect(ran).toEqual(['A', 'C']);
    expect(q.recentStarts().map((s) => s.at)).toEqual([1000, 2000]);
    await q.stop();
  });

  it('rejects an already aborted call at once', async () => {
    const q = new TaskQueue({
      name: 'p',
      rateMs: 0,
      onTaskDone: taskTimer(recordingStats(), 'p'),
      clock: fakeClock(),
    });
    await expect(
      q.submit('A', async () => 1, { signal: AbortSignal.abort(new Error('gone')) }),
    ).rejects.toThrow('gone');
    await q.stop();
  });

  it('rejects queued calls with the stopped error on stop and waits for the running one', async () => {
    const clock = fakeClock();
    const q = new TaskQueue({
      name: 'p',
      rateMs: 1000,
      onTaskDone: taskTimer(recordingStats(), 'p'),
      stoppedError: (name) => providerStoppedError(name),
      clock,
    });
    await q.start();
    let release!: () => void;
    const running = q.submit('A', () => new Promise<string>((r) => (release = () => r('done'))));
    const queued = q.submit('B', async () => 'never');
    await Promise.resolve();
    const stopping = q.stop();
    await expect(queued).rejects.toMatchObject({ code: 'ERR_PROVIDER_STOPPED' });
    let stopped = false;
    void stopping.then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    release();
    await expect(running).resolves.toBe('done');
    await stopping;
    await expect(q.submit('C', async () => 1)).rejects.toThrow(
      'Cannot run a cloud call: provider "p" is no longer running',
    );
  });

  it('starts the next call while a slow one runs when maxInFlight allows, keeping spacing and order', async () => {
    const clock = fakeClock();
    const q = new TaskQueue({
      name: 'p',
      rateMs: 10,
      onTaskDone: taskTimer(recordingStats(), 'p'),
      clock,
      maxInFlight: 2,
    });
    await q.start();
    const releases: Array<() => void> = [];
    const slow = (name: string) => () => new Promise<string>((r) => releases.push(() => r(name)));
    const a = q.submit('A', slow('a'));
    const b = q.submit('B', slow('b'));
    const c = q.submit('C', async () => 'c');
    // A and B run together; C waits for a free slot.
    await waitUntil(() => releases.length === 2);
    expect(q.inFlight).toBe(2);
    expect(q.recentStarts().map((s) => s.task)).toEqual(['A', 'B']);
    releases[0]!();
    expect(await a).toBe('a');
    expect(await c).toBe('c');
    releases[1]!();
    expect(await b).toBe('b');
    const starts = q.recentStarts();
    expect(starts.map((s) => s.task)).toEqual(['A', 'B', 'C']);
    for (let i = 1; i < starts.length; i++)
      expect(starts[i]!.at - starts[i - 1]!.at).toBeGreaterThanOrEqual(10);
    await q.stop();
  });

  it('runs one call at a time by default, as upstream', async () => {
    const clock = fakeClock();
    const q = new TaskQueue({
      name: 'p',
      rateMs: 1,
      onTaskDone: taskTimer(recordingStats(), 'p'),
      clock,
    });
    await q.start();
    let release: () => void = () => undefined;
    const a = q.submit('A', () => new Promise<void>((r) => (release = r)));
    const b = q.submit('B', async () => 'b');
    await waitUntil(() => q.inFlight === 1);
    await new Promise((r) => setImmediate(r));
    expect(q.recentStarts().map((s) => s.task)).toEqual(['A']);
    release();
    await a;
    expect(await b).toBe('b');
    await q.stop();
  });

  it('on the real clock, never starts two calls less than rate apart', async () => {
    const q = new TaskQueue({
      name: 'p',
      rateMs: 3,
      onTaskDone: taskTimer(recordingStats(), 'p'),
      maxInFlight: 4,
    });
    await q.start();
    await Promise.all(Array.from({ length: 40 }, (_, i) => q.submit(`T${i}`, async () => i)));
    const starts = q.recentStarts().map((s) => s.at);
    expect(starts).toHaveLength(40);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(3);
    await q.stop();
  });

  describe('with a late credit', () => {
    /** A clock whose every sleep wakes `lateMs` after it was due, as on a busy machine. */
    function lateClock(lateMs: number): Clock & { t: number } {
      const c = {
        t: 1000,
        now: () => c.t,
        async sleep(ms: number) {
          await Promise.resolve();
          c.t += ms + lateMs;
        },
      };
      return c;
    }

    async function gapsOf(o: {
      lateMs: number;
      creditMs: number;
      calls: number;
    }): Promise<number[]> {
      const q = new TaskQueue({
        name: 'p',
        rateMs: 10,
        lateCreditMs: o.creditMs,
        clock: lateClock(o.lateMs),
        maxInFlight: 8,
      });
      await q.start();
      await Promise.all(
        Array.from({ length: o.calls }, (_, i) => q.submit(`T${i}`, async () => i)),
      );
      await q.stop();
      const starts = q.recentStarts().map((s) => s.at);
      return starts.slice(1).map((t, i) => t - starts[i]!);
    }
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

    it('keeps the rate on average when timers fire late, never closer than rate less the credit', async () => {
      // Strict spacing: every late wake-up is lost.
      expect(mean(await gapsOf({ lateMs: 3, creditMs: 0, calls: 100 }))).toBeCloseTo(13, 5);
      const gaps = await gapsOf({ lateMs: 3, creditMs: 5, calls: 100 });
      expect(mean(gaps)).toBeLessThan(10.1);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(5);
    });

    it('makes up for no more than the credit', async () => {
      // 8 ms late each time, 5 ms made up: 13 ms apart on average.
      const gaps = await gapsOf({ lateMs: 8, creditMs: 5, calls: 50 });
      expect(mean(gaps.slice(1))).toBeCloseTo(13, 5);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(5);
    });

    it('earns nothing while the queue is idle: a call after a pause waits a whole rate', async () => {
      const clock = fakeClock();
      const q = new TaskQueue({ name: 'p', rateMs: 10, lateCreditMs: 5, clock });
      await q.start();
      await q.submit('A', async () => 'a');
      clock.t += 1000;
      await Promise.all([q.submit('B', async () => 'b'), q.submit('C', async () => 'c')]);
      const [, b, c] = q.recentStarts().map((s) => s.at);
      expect(c! - b!).toBe(10);
      await q.stop();
    });
  });

  it('waits out a sub-millisecond remainder in event-loop turns, not a 1 ms sleep', async () => {
    const clock = {
      t: 1000,
      sleeps: [] as number[],
      turns: 0,
      now: () => clock.t,
      sleep: async (ms: number) => {
        clock.sleeps.push(ms);
        clock.t += ms - 0.4; // timers fire a fraction early
      },
      turn: async () => {
        clock.turns++;
        clock.t += 0.1;
      },
    };
    const q = new TaskQueue({
      name: 'p',
      rateMs: 10,
      onTaskDone: taskTimer(recordingStats(), 'p'),
      clock,
    });
    await q.start();
    await Promise.all([q.submit('A', async () => 'a'), q.submit('B', async () => 'b')]);
    const [a, b] = q.recentStarts().map((s) => s.at);
    expect(b! - a!).toBeGreaterThanOrEqual(10);
    expect(b! - a!).toBeLessThan(10.2);
    expect(clock.sleeps).toEqual([10]);
    expect(clock.turns).toBe(4);
    await q.stop();
  });

  it('accepts a call submitted right after the queue drained', async () => {
    const q = new TaskQueue({
      name: 'p',
      rateMs: 0,
      onTaskDone: taskTimer(recordingStats(), 'p'),
      clock: fakeClock(),
    });
    await q.start();
    const a = await q.submit('A', async () => 'a');
    const b = await q.submit('B', async () => 'b');
    expect([a, b]).toEqual(['a', 'b']);
    await q.stop();
  });

  it('rejects with an ERR_ILLEGAL_STATE error naming the queue when no stopped error is given', async () => {
    const q = new TaskQueue({ name: 'jenkins-a', rateMs: 0, clock: fakeClock() });
    await q.start();
    await q.stop();
    await expect(q.submit('T', () => Promise.resolve(1))).rejects.toThrow(
      expect.objectContaining({
        code: 'ERR_ILLEGAL_STATE',
        message: 'Cannot run a call: queue "jenkins-a" is stopped',
      }) as Error,
    );
  });
});

async function waitUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  if (!cond()) throw new Error('condition never became true');
}
