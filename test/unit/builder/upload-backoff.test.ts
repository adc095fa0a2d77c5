import { describe, expect, it } from 'vitest';
import { UploadBackoff } from '../../../src/builder/index.js';

describe('UploadBackoff', () => {
  it('doubles the wait per failure up to the cap, per pair, and forgets on success', () => {
    let now = 1000;
    const b = new UploadBackoff({ baseMs: 10_000, maxMs: 60_000, now: () => now });
    expect(b.remainingMs('img', 'p1')).toBe(0);
    expect([1, 2, 3, 4, 5].map(() => b.recordFailure('img', 'p1'))).toEqual([
      10_000, 20_000, 40_000, 60_000, 60_000,
    ]);
    expect(b.remainingMs('img', 'p1')).toBe(60_000);
    expect(b.remainingMs('img', 'p2')).toBe(0);
    now += 59_000;
    expect(b.remainingMs('img', 'p1')).toBe(1000);
    b.recordSuccess('img', 'p1');
    expect(b.remainingMs('img', 'p1')).toBe(0);
    expect(b.failureCount('img', 'p1')).toBe(0);
  });
});
