import { describe, expect, it } from 'vitest';
import { Wakeup } from '../../../src/util/wakeup.js';
import { TaskGroup } from '../../../src/util/task-group.js';

describe('Wakeup', () => {
  it('returns at once when woken before the wait starts', async () => {
    const w = new Wakeup();
    w.wake();
    expect(await w.wait(60_000)).toBe(true);
  });

  it('times out and reports false when nobody wakes it', async () => {
    const w = new Wakeup();
    expect(await w.wait(5)).toBe(false);
  });

  it('rejects with the reason when the signal aborts', async () => {
    const w = new Wakeup();
    const ac = new AbortController();
    const p = w.wait(60_000, { signal: ac.signal });
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });
});

describe('TaskGroup', () => {
  it('hands task errors to the handler and drains every task', async () => {
    const errors: string[] = [];
    const g = new TaskGroup((err, name) => errors.push(`${name}: ${(err as Error).message}`));
    let done = 0;
    g.spawn('ok', async () => {
      done++;
    });
    g.spawn('bad', async () => {
      throw new Error('boom');
    });
    await g.drain();
    expect(done).toBe(1);
    expect(errors).toEqual(['bad: boom']);
    expect(g.size).toBe(0);
  });
});

describe('onAbort', () => {
  it('calls every waiter once when the signal aborts, and not the cancelled ones', async () => {
    const { onAbort } = await import('../../../src/util/abort.js');
    const ac = new AbortController();
    const calls: number[] = [];
    const cancels = Array.from({ length: 5 }, (_, i) => onAbort(ac.signal, () => calls.push(i)));
    cancels[1]!();
    cancels[3]!();
    ac.abort();
    ac.abort();
    expect(calls).toEqual([0, 2, 4]);
  });

  it('lets delay() waits on one signal be cancelled without piling up listeners', async () => {
    const { delay } = await import('../../../src/util/delay.js');
    const ac = new AbortController();
    await Promise.all(Array.from({ length: 2000 }, () => delay(1, { signal: ac.signal })));
    const p = delay(60_000, { signal: ac.signal });
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });
});
