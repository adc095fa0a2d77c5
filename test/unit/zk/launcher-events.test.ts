import { afterEach, describe, expect, it } from 'vitest';
import {
  LAUNCHER_EVENTS_PATH,
  parseLaunchEvent,
  pokeLaunchers,
  watchLaunchEvents,
} from '../../../src/zk/index.js';
import type { LaunchEvent } from '../../../src/zk/index.js';
import { MemoryZkNodes } from '../../support/memory/memory-zk-node.js';
import { waitFor } from '../../support/wait-for.js';

const stoppers: Array<() => void> = [];
afterEach(() => {
  for (const stop of stoppers.splice(0)) stop();
});

function watch(zk: MemoryZkNodes, retryMs = 5): Array<LaunchEvent | null> {
  const seen: Array<LaunchEvent | null> = [];
  stoppers.push(watchLaunchEvents(zk, (e) => seen.push(e), { retryMs }));
  return seen;
}

/** Lets every pending promise callback run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('watchLaunchEvents', () => {
  it('creates the znode when missing and does not report the first read as a poke', async () => {
    const zk = new MemoryZkNodes();
    const seen = watch(zk);
    await waitFor(() => zk.watchCount() === 1, { timeoutMs: 2000 });
    expect(seen).toEqual([]);
  });

  it('reports each poke once with its data and keeps one watch armed', async () => {
    const zk = new MemoryZkNodes();
    const seen = watch(zk);
    await waitFor(() => zk.watchCount() === 1, { timeoutMs: 2000 });
    for (let id = 1; id <= 3; id++) {
      await pokeLaunchers(zk, { kind: 'node', id, by: 'cli' });
      await waitFor(() => seen.length === id && zk.watchCount() === 1, { timeoutMs: 2000 });
    }
    expect(seen).toEqual([1, 2, 3].map((id) => ({ kind: 'node', id, by: 'cli' })));
  });

  it('sees a poke written between the watch firing and the re-arm', async () => {
    const zk = new MemoryZkNodes();
    const seen = watch(zk);
    await waitFor(() => zk.watchCount() === 1, { timeoutMs: 2000 });
    const release = zk.holdReads();
    await pokeLaunchers(zk, { kind: 'node', id: 1 });
    // The re-arm's read has its answer (id 1) in flight; a second poke fires its new watch.
    await waitFor(() => zk.watchCount() === 1, { timeoutMs: 2000 });
    await pokeLaunchers(zk, { kind: 'node', id: 2 });
    release();
    await waitFor(() => seen.length === 2 && zk.watchCount() === 1, { timeoutMs: 2000 });
    expect(seen.map((e) => e?.id)).toEqual([1, 2]);
  });

  it('sees a poke written while the session was lost and re-arms on the new session', async () => {
    const zk = new MemoryZkNodes();
    const seen = watch(zk);
    await waitFor(() => zk.watchCount() === 1, { timeoutMs: 2000 });
    zk.loseSession({
      whileLost: () => {
        // No watch is left to fire for this write.
        pokeLaunchers(zk, { kind: 'node', id: 7 }).catch(() => {});
      },
    });
    await waitFor(() => seen.length === 1 && zk.watchCount() === 1, { timeoutMs: 2000 });
    expect(seen).toEqual([{ kind: 'node', id: 7 }]);
  });

  it('retries a failed read and still reports the poke', async () => {
    const zk = new MemoryZkNodes();
    const seen = watch(zk);
    await waitFor(() => zk.watchCount() === 1, { timeoutMs: 2000 });
    zk.failReads(3);
    const readsBefore = zk.reads;
    await pokeLaunchers(zk, { kind: 'job', id: 4 });
    await waitFor(() => seen.length === 1 && zk.watchCount() === 1, { timeoutMs: 2000 });
    expect(zk.reads - readsBefore).toBe(4);
    expect(seen).toEqual([{ kind: 'job', id: 4 }]);
  });

  it('reports a znode deleted and created again as a change', async () => {
    const zk = new MemoryZkNodes();
    const seen = watch(zk);
    await waitFor(() => zk.watchCount() === 1, { timeoutMs: 2000 });
    zk.remove(LAUNCHER_EVENTS_PATH);
    await pokeLaunchers(zk, { kind: 'node', id: 9 });
    await waitFor(() => seen.length >= 1, { timeoutMs: 2000 });
    expect(seen.at(-1)).toEqual({ kind: 'node', id: 9 });
  });

  it('reports nothing after it was stopped', async () => {
    const zk = new MemoryZkNodes();
    const seen: unknown[] = [];
    const stop = watchLaunchEvents(zk, (e) => seen.push(e));
    await waitFor(() => zk.watchCount() === 1, { timeoutMs: 2000 });
    stop();
    await pokeLaunchers(zk, { kind: 'node', id: 1 });
    zk.loseSession();
    await settle();
    expect(seen).toEqual([]);
  });
});

describe('parseLaunchEvent', () => {
  it('returns null when the data is not a poke', () => {
    expect(parseLaunchEvent(Buffer.from('not json'))).toBeNull();
    expect(parseLaunchEvent(Buffer.from('{"id":1}'))).toBeNull();
    expect(parseLaunchEvent(Buffer.from(''))).toBeNull();
  });
});
