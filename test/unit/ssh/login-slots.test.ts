import { describe, expect, it } from 'vitest';
import { LoginSlots } from '../../../src/ssh/index.js';

describe('LoginSlots', () => {
  it('grants at most `max` slots and hands freed ones to waiters in order', async () => {
    const slots = new LoginSlots(2);
    const a = await slots.acquire();
    const b = await slots.acquire();
    const order: string[] = [];
    const c = slots.acquire().then((r) => (order.push('c'), r));
    const d = slots.acquire().then((r) => (order.push('d'), r));
    await Promise.resolve();
    expect(slots.counts).toEqual({ inFlight: 2, waiting: 2 });
    expect(order).toEqual([]);
    a();
    a(); // a second call frees nothing more
    const releaseC = await c;
    expect(order).toEqual(['c']);
    expect(slots.counts).toEqual({ inFlight: 2, waiting: 1 });
    b();
    (await d)();
    releaseC();
    expect(slots.counts).toEqual({ inFlight: 0, waiting: 0 });
  });

  it('drops a waiter whose signal aborts, with the signal reason', async () => {
    const slots = new LoginSlots(1);
    const held = await slots.acquire();
    const ctl = new AbortController();
    const waiting = slots.acquire(ctl.signal);
    ctl.abort(new Error('stopping'));
    await expect(waiting).rejects.toThrow('stopping');
    expect(slots.counts).toEqual({ inFlight: 1, waiting: 0 });
    held();
    expect(slots.counts).toEqual({ inFlight: 0, waiting: 0 });
  });

  it('refuses a bound below 1', () => {
    expect(() => new LoginSlots(0)).toThrow(RangeError);
  });
});
