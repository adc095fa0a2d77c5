/** The lock-wait policy of the SQLite driver (sqlite-client.ts), with no database. */
import { describe, expect, it } from 'vitest';
import { busyPauseMs, isLockBusy, whileBusy } from '../../../src/db/sqlite-client.js';

const busy = (code = 'SQLITE_BUSY'): Error =>
  Object.assign(new Error('database is locked'), { code });

describe('whileBusy', () => {
  it('retries a locked statement until it succeeds', async () => {
    let tries = 0;
    const r = await whileBusy(1_000, async () => {
      tries++;
      if (tries < 6) throw busy();
      return 'done';
    });
    expect(r).toBe('done');
    expect(tries).toBe(6);
  });

  it('throws the last lock error once the timeout is spent', async () => {
    let tries = 0;
    const t0 = performance.now();
    await expect(
      whileBusy(50, async () => {
        tries++;
        throw busy();
      }),
    ).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    expect(tries).toBeGreaterThan(3);
  });

  it('throws any other error at once, a stale snapshot included', async () => {
    for (const err of [busy('SQLITE_BUSY_SNAPSHOT'), busy('SQLITE_CONSTRAINT'), new Error('x')]) {
      let tries = 0;
      await expect(
        whileBusy(1_000, async () => {
          tries++;
          throw err;
        }),
      ).rejects.toBe(err);
      expect(tries).toBe(1);
    }
  });
});

describe('busyPauseMs and isLockBusy', () => {
  it('takes turns first, then pauses that double up to 8 ms', () => {
    expect(Array.from({ length: 13 }, (_, i) => busyPauseMs(i))).toEqual([
      0, 0, 0, 1, 1, 2, 2, 4, 4, 8, 8, 8, 8,
    ]);
  });

  it('knows which codes a wait can cure', () => {
    expect(isLockBusy(busy())).toBe(true);
    expect(isLockBusy(busy('SQLITE_BUSY_RECOVERY'))).toBe(true);
    expect(isLockBusy(busy('SQLITE_BUSY_SNAPSHOT'))).toBe(false);
    expect(isLockBusy(null)).toBe(false);
    expect(isLockBusy('SQLITE_BUSY')).toBe(false);
  });
});
