import { describe, expect, it } from 'vitest';
import { withLock, ZkLock } from '../../../src/zk/index.js';
import { expireSession, sharedZooKeeper, useZkFixture } from '../../support/zk-fixture.js';
import { waitFor } from '../../support/wait-for.js';

const { address, reason } = sharedZooKeeper();
if (address === null) process.stderr.write(`SKIPPED ZkLock tests: ${reason}\n`);

const LOCK = '/nodepool/images/fake-image/builds/lock';

describe.skipIf(address === null)('ZkLock', () => {
  const fx = useZkFixture(address);

  it('creates a Kazoo-format ephemeral sequential contender and removes it on release', async () => {
    const zk = await fx.client();
    const lock = new ZkLock(zk, LOCK, { identifier: 'nb01' });
    expect(await lock.acquire()).toBe(true);
    expect(lock.isAcquired).toBe(true);
    const children = await zk.getChildren(LOCK);
    expect(children).toHaveLength(1);
    expect(children[0]).toMatch(/^[0-9a-f]{32}__lock__\d{10}$/);
    expect(children[0]).toBe(lock.nodeName);
    const { data, stat } = await zk.get(`${LOCK}/${children[0]}`);
    expect(data.toString()).toBe('nb01');
    expect(stat.ephemeralOwner).toBe(zk.sessionId);
    expect(await lock.release()).toBe(true);
    expect(await lock.release()).toBe(false);
    expect(await zk.getChildren(LOCK)).toEqual([]);
    // The lock parent stays.
    expect(await zk.exists(LOCK)).not.toBeNull();
  });

  it('lets only one of two clients hold the lock, and the waiter gets it on release', async () => {
    const a = await fx.client();
    const b = await fx.client();
    const la = new ZkLock(a, LOCK);
    const lb = new ZkLock(b, LOCK);
    expect(await la.acquire()).toBe(true);
    let bHolds = false;
    const waiting = lb.acquire().then((v) => (bHolds = v));
    await waitFor(async () => (await a.getChildren(LOCK)).length === 2);
    expect(bHolds).toBe(false);
    expect(lb.isAcquired).toBe(false);
    await la.release();
    expect(await waiting).toBe(true);
    expect(lb.isAcquired).toBe(true);
    await lb.release();
  });

  it('returns false at once when not blocking and removes its contender', async () => {
    const a = await fx.client();
    const b = await fx.client();
    const la = new ZkLock(a, LOCK);
    await la.acquire();
    const lb = new ZkLock(b, LOCK);
    expect(await lb.acquire({ blocking: false })).toBe(false);
    expect(await a.getChildren(LOCK)).toEqual([la.nodeName]);
    await expect(new ZkLock(b, LOCK).acquireOrThrow({ blocking: false })).rejects.toMatchObject({
      code: 'ERR_ZK_LOCK_BUSY',
    });
    await expect(new ZkLock(b, LOCK).acquireOrThrow({ blocking: false })).rejects.toThrow(
      `Did not get lock on "${LOCK}"`,
    );
    await la.release();
    expect(await lb.acquire({ blocking: false })).toBe(true);
    await lb.release();
  });

  it('gives up with ERR_ZK_LOCK_TIMEOUT after the timeout and removes its contender', async () => {
    const a = await fx.client();
    const b = await fx.client();
    const la = new ZkLock(a, LOCK);
    await la.acquire();
    const lb = new ZkLock(b, LOCK);
    const err = await lb.acquire({ timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_ZK_LOCK_TIMEOUT' });
    expect((err as Error).message).toBe(
      `Timeout trying to acquire lock "${LOCK}": not acquired within 300 ms`,
    );
    expect(await a.getChildren(LOCK)).toEqual([la.nodeName]);
    await la.release();
    expect(await lb.acquire({ timeoutMs: 5000 })).toBe(true);
    await lb.release();
  });

  it('stops waiting when its signal aborts', async () => {
    const a = await fx.client();
    const la = new ZkLock(a, LOCK);
    await la.acquire();
    const ctl = new AbortController();
    const lb = new ZkLock(await fx.client(), LOCK);
    const waiting = lb.acquire({ signal: ctl.signal }).catch((e: unknown) => e);
    await waitFor(async () => (await a.getChildren(LOCK)).length === 2);
    ctl.abort(new Error('stopping'));
    expect(await waiting).toEqual(new Error('stopping'));
    await waitFor(async () => (await a.getChildren(LOCK)).length === 1);
  });

  it('serves waiters in the order they queued', async () => {
    const holder = new ZkLock(await fx.client(), LOCK);
    await holder.acquire();
    const order: string[] = [];
    const waiters = ['first', 'second', 'third'].map((name) => ({
      name,
      lock: null as ZkLock | null,
    }));
    const done: Promise<void>[] = [];
    for (const w of waiters) {
      const lock = new ZkLock(await fx.client(), LOCK);
      w.lock = lock;
      done.push(
        lock.acquire().then(async () => {
          order.push(w.name);
          await lock.release();
        }),
      );
      await waitFor(async () => lock.nodeName !== null);
    }
    expect(await holder.contenders()).toEqual([
      holder.nodeName,
      ...waiters.map((w) => w.lock!.nodeName),
    ]);
    await holder.release();
    await Promise.all(done);
    expect(order).toEqual(['first', 'second', 'third']);
  });

  it('excludes each other between lock objects sharing one client session', async () => {
    // The builder's workers share one session: exclusion must come from the contender
    // nodes (each object has its own prefix), never from the session.
    const zk = await fx.client();
    const locks = Array.from({ length: 6 }, () => new ZkLock(zk, LOCK));
    for (let round = 0; round < 3; round++) {
      const got = await Promise.all(locks.map((l) => l.acquire({ blocking: false })));
      expect(got.filter((g) => g)).toHaveLength(1);
      expect(await zk.getChildren(LOCK)).toHaveLength(1);
      for (const l of locks) await l.release();
    }
    // Blocking: the critical sections never overlap.
    let inside = 0;
    let most = 0;
    await Promise.all(
      locks.map((l) =>
        withLock(l, {}, async () => {
          inside += 1;
          most = Math.max(most, inside);
          await zk.getChildren(LOCK);
          inside -= 1;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(await zk.getChildren(LOCK)).toEqual([]);
  });

  it('refuses a second acquire on the same object while held', async () => {
    const lock = new ZkLock(await fx.client(), LOCK);
    await lock.acquire();
    await expect(lock.acquire()).rejects.toMatchObject({ code: 'ERR_ILLEGAL_STATE' });
    await lock.release();
    // Released objects can be acquired again.
    expect(await lock.acquire()).toBe(true);
    await lock.release();
  });

  it('frees the lock for others when the holder session closes', async () => {
    const a = await fx.client();
    const la = new ZkLock(a, LOCK);
    await la.acquire();
    const lb = new ZkLock(await fx.client(), LOCK);
    const waiting = lb.acquire({ timeoutMs: 20_000 });
    await a.stop();
    expect(await waiting).toBe(true);
    expect(la.isAcquired).toBe(false);
    expect(la.signal.aborted).toBe(true);
    expect(la.signal.reason).toMatchObject({ code: 'ERR_ZK_LOCK_LOST' });
    await lb.release();
  });

  it('tells the holder through its signal when the session expires', async () => {
    const a = await fx.proxiedClient({ sessionTimeoutMs: 4000 });
    const la = new ZkLock(a, LOCK);
    await la.acquire();
    const b = await fx.client();
    await expireSession(a, address!);
    await waitFor(() => la.signal.aborted, { timeoutMs: 20_000 });
    expect(la.signal.reason).toMatchObject({ code: 'ERR_ZK_LOCK_LOST' });
    expect((la.signal.reason as Error).message).toBe(
      `Lost lock "${LOCK}": the ZooKeeper session expired`,
    );
    expect(la.isAcquired).toBe(false);
    // Someone else can take it now, and the old holder can compete again in its new session.
    const lb = new ZkLock(b, LOCK);
    expect(await lb.acquire({ blocking: false })).toBe(true);
    await lb.release();
    await waitFor(() => a.isConnected, { timeoutMs: 20_000 });
    expect(await la.acquire({ timeoutMs: 5000 })).toBe(true);
    await la.release();
  });

  it('keeps waiting in a new session when the waiter session expires', async () => {
    const holder = new ZkLock(await fx.client(), LOCK);
    await holder.acquire();
    const w = await fx.proxiedClient({ sessionTimeoutMs: 4000 });
    const waiter = new ZkLock(w, LOCK);
    const waiting = waiter.acquire({ timeoutMs: 30_000 });
    await waitFor(() => waiter.nodeName !== null);
    const oldNode = waiter.nodeName;
    await expireSession(w, address!);
    // The waiter queues again with a new contender in its new session.
    await waitFor(async () => {
      const c = await holder.contenders();
      return c.length === 2 && c[1] !== oldNode;
    });
    await holder.release();
    expect(await waiting).toBe(true);
    expect(await holder.contenders()).toEqual([waiter.nodeName]);
    await waiter.release();
  });

  it('runs work under withLock and releases afterwards, even on failure', async () => {
    const zk = await fx.client();
    const lock = new ZkLock(zk, LOCK);
    await expect(
      withLock(lock, { blocking: false }, async (signal) => {
        expect(signal.aborted).toBe(false);
        expect(await zk.getChildren(LOCK)).toHaveLength(1);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await zk.getChildren(LOCK)).toEqual([]);
  });
});
