import { describe, expect, it } from 'vitest';
import {
  putLaunchRequests,
  removeLaunchRequests,
  REQUEST_MULTI,
  REQUEST_PIPELINE,
} from '../../../src/cluster/zk-store.js';
import type { ClusterZk } from '../../../src/cluster/zk-store.js';
import type { LaunchRequest } from '../../../src/cluster/index.js';
import { MAX_RUN_IDS, parseRequestRun, requestRuns } from '../../../src/cluster/znodes.js';
import { ConnectionLossError, NoNodeError, NodeExistsError } from '../../../src/zk/index.js';
import type { ZkMultiOp } from '../../../src/zk/index.js';

/**
 * A tree double whose creates and deletes are answered only on `flush()`, like requests
 * waiting on the wire: it records how many were in flight at once.
 */
function pipelineZk() {
  const nodes = new Set<string>();
  const waiting: Array<() => void> = [];
  const fail = new Map<string, Error>();
  const z = {
    nodes,
    fail,
    maxInFlight: 0,
    calls: 0,
    multis: 0,
    flush(): void {
      for (const answer of waiting.splice(0)) answer();
    },
  };
  const later = <T>(fn: () => T): Promise<T> => {
    z.calls++;
    return new Promise((resolve, reject) => {
      waiting.push(() => {
        try {
          resolve(fn());
        } catch (err) {
          reject(err);
        }
      });
      z.maxInFlight = Math.max(z.maxInFlight, waiting.length);
    });
  };
  const zk = {
    mkdirp: (path: string) => {
      nodes.add(path);
      return Promise.resolve();
    },
    waitConnected: () => Promise.resolve(),
    create: (path: string) =>
      later(() => {
        const e = fail.get(path);
        if (e !== undefined) {
          fail.delete(path);
          throw e;
        }
        if (nodes.has(path)) throw new NodeExistsError(path);
        nodes.add(path);
        return path;
      }),
    delete: (path: string) =>
      later(() => {
        if (!nodes.delete(path)) throw new NoNodeError(path);
      }),
    // All or nothing, as ZooKeeper's transactions; a failure names the first failing op.
    multi: (ops: ZkMultiOp[]) =>
      later(() => {
        z.multis++;
        for (const o of ops) {
          const e = fail.get(o.path);
          if (e !== undefined) {
            fail.delete(o.path);
            throw e;
          }
          if (o.op === 'create' && nodes.has(o.path)) throw new NodeExistsError(o.path);
          if (o.op === 'delete' && !nodes.has(o.path)) throw new NoNodeError(o.path);
        }
        for (const o of ops) {
          if (o.op === 'create') nodes.add(o.path);
          else nodes.delete(o.path);
        }
      }),
    getChildren: (dir: string) =>
      Promise.resolve(
        [...nodes].filter((n) => n.startsWith(`${dir}/`)).map((n) => n.slice(dir.length + 1)),
      ),
  } as unknown as ClusterZk;
  return { z, zk };
}

/** Flushes the double's answers until `p` settles. */
async function drive<T>(z: { flush(): void }, p: Promise<T>): Promise<T> {
  let done = false;
  const out = p.finally(() => (done = true));
  while (!done) {
    z.flush();
    await new Promise((r) => setImmediate(r));
  }
  return out;
}

/** `n` requests with gaps between their ids (1, 3, 5 ...): a znode each. */
const many = (n: number): LaunchRequest[] =>
  Array.from({ length: n }, (_, i) => ({ provider: 'p1', kind: 'node', id: 2 * i + 1 }));

/** `n` requests with consecutive ids from `from`: runs. */
const run = (n: number, from = 1, provider = 'p1'): LaunchRequest[] =>
  Array.from({ length: n }, (_, i) => ({ provider, kind: 'node', id: from + i }));

const names = (z: { nodes: Set<string> }): string[] =>
  [...z.nodes].filter((n) => /\/(node|subnode)-/.test(n)).map((n) => n.split('/').pop()!);

describe('launch request queue', () => {
  it('sends a large batch in transactions of REQUEST_MULTI, not a create each', async () => {
    const { z, zk } = pipelineZk();
    const n = 2 * REQUEST_MULTI + 1;
    await drive(z, putLaunchRequests(zk, many(n)));
    expect(z.multis).toBe(3);
    expect(z.calls).toBe(3);
    expect([...z.nodes].filter((n) => n.includes('/node-'))).toHaveLength(n);
  });

  it('takes a large queue in transactions and returns it in kind, id order', async () => {
    const { z, zk } = pipelineZk();
    const requests = [
      ...many(REQUEST_MULTI + 300),
      { provider: 'p1', kind: 'subnode' as const, id: 2 },
    ];
    await drive(z, putLaunchRequests(zk, requests));
    z.calls = 0;
    const taken = await drive(z, removeLaunchRequests(zk, 'p1'));
    expect(z.calls).toBe(2);
    expect(taken.map((r) => `${r.kind}-${r.id}`)).toEqual(
      [...many(REQUEST_MULTI + 300).map((r) => `node-${r.id}`), 'subnode-2'].sort((a, b) => {
        const [ka, ia] = a.split('-');
        const [kb, ib] = b.split('-');
        return ka!.localeCompare(kb!) || Number(ia) - Number(ib);
      }),
    );
    expect([...z.nodes].filter((n) => /\/(node|subnode)-/.test(n))).toEqual([]);
  });

  it('falls back to pipelined single creates when a request of the batch exists', async () => {
    const { z, zk } = pipelineZk();
    await drive(z, putLaunchRequests(zk, many(3)));
    z.maxInFlight = 0;
    await drive(z, putLaunchRequests(zk, many(300)));
    expect(z.maxInFlight).toBe(REQUEST_PIPELINE);
    expect([...z.nodes].filter((n) => n.includes('/node-'))).toHaveLength(300);
  });

  it('keeps an existing request once and retries a create cut by a connection loss', async () => {
    const { z, zk } = pipelineZk();
    await drive(z, putLaunchRequests(zk, many(3)));
    const lost = `${[...z.nodes].find((n) => n.endsWith('/node-5'))!.slice(0, -'/node-5'.length)}/node-7`;
    z.fail.set(lost, new ConnectionLossError(lost));
    await drive(z, putLaunchRequests(zk, many(4)));
    expect([...z.nodes].filter((n) => n.includes('/node-'))).toHaveLength(4);
  });

  it('does not return a request another taker deleted first', async () => {
    const { z, zk } = pipelineZk();
    await drive(z, putLaunchRequests(zk, many(5)));
    const gone = [...z.nodes].find((n) => n.endsWith('/node-3'))!;
    const taking = removeLaunchRequests(zk, 'p1');
    z.nodes.delete(gone); // another member's delete lands first
    const taken = await drive(z, taking);
    expect(taken.map((r) => r.id)).toEqual([1, 5, 7, 9]);
  });
});

describe('runs of launch requests', () => {
  it('writes consecutive ids as one znode per run and takes them back whole', async () => {
    const { z, zk } = pipelineZk();
    const requests = [
      ...run(64, 101),
      ...run(3, 1),
      { provider: 'p1', kind: 'subnode' as const, id: 7 },
      ...run(2, 500, 'p2'),
    ];
    await drive(z, putLaunchRequests(zk, requests));
    expect(z.multis).toBe(1);
    expect(names(z).sort()).toEqual(['node-1-3', 'node-101-164', 'node-500-501', 'subnode-7']);
    const taken = await drive(z, removeLaunchRequests(zk, 'p1'));
    expect(taken.map((r) => `${r.kind}-${r.id}`)).toEqual([
      'node-1',
      'node-2',
      'node-3',
      ...run(64, 101).map((r) => `node-${r.id}`),
      'subnode-7',
    ]);
    expect(names(z)).toEqual(['node-500-501']);
  });

  it('splits a run longer than MAX_RUN_IDS and keeps a repeated id once', async () => {
    expect(requestRuns([...run(MAX_RUN_IDS * 2 + 5), ...run(3)])).toEqual([
      { provider: 'p1', kind: 'node', first: 1, last: MAX_RUN_IDS },
      { provider: 'p1', kind: 'node', first: MAX_RUN_IDS + 1, last: 2 * MAX_RUN_IDS },
      { provider: 'p1', kind: 'node', first: 2 * MAX_RUN_IDS + 1, last: 2 * MAX_RUN_IDS + 5 },
    ]);
  });

  it('reads single ids, runs, and ignores any other name', () => {
    expect(parseRequestRun('p', 'node-12')).toEqual({
      provider: 'p',
      kind: 'node',
      first: 12,
      last: 12,
    });
    expect(parseRequestRun('p', 'subnode-3-5')).toEqual({
      provider: 'p',
      kind: 'subnode',
      first: 3,
      last: 5,
    });
    for (const bad of [
      'node-5-3',
      `node-1-${MAX_RUN_IDS + 1}`,
      'node-1-2-3',
      'node-x',
      'job-1',
      'node-99999999999999999999',
    ])
      expect(parseRequestRun('p', bad), bad).toBeNull();
  });
});
