import { afterEach, describe, expect, it } from 'vitest';
import { GearmanClient, assignNode, revokeNode } from '../../../src/gearman/index.js';
import { Gearmand, gearmandUnavailableReason } from '../../support/gearmand.js';
import { TestWorker } from '../../support/gearman-worker.js';
import type { WorkerAnswer, WorkerJob } from '../../support/gearman-worker.js';
import { waitFor } from '../../support/wait-for.js';

const reason = gearmandUnavailableReason();
if (reason !== null) process.stderr.write(`SKIPPED Gearman assignment tests: ${reason}\n`);

const REQUEST = {
  name: 'fake-label-fake-provider-1',
  host: '198.51.100.7',
  label: 'fake-label',
  root: '/home/jenkins',
};

describe.skipIf(reason !== null)('assignNode and revokeNode', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function setup(
    fns: string[],
    answer: (job: WorkerJob) => WorkerAnswer,
  ): Promise<{ g: Gearmand; c: GearmanClient; w: TestWorker }> {
    const g = await Gearmand.start();
    cleanup.push(() => g.stop());
    const w = await TestWorker.start(g.entry, fns, answer);
    cleanup.push(() => w.stop());
    const c = new GearmanClient({ servers: [g.entry], reconnectInitialMs: 50 });
    cleanup.push(() => c.stop());
    await c.start();
    await c.waitForServer({ signal: AbortSignal.timeout(10_000) });
    return { g, c, w };
  }

  it('submits node_assign:<target> with upstream JSON and returns the manager of the last data packet', async () => {
    const { c, w } = await setup(['node_assign:zuul-target'], () => ({
      data: ['{"manager": "first"}'],
      complete: '{"manager": "zuul-manager-2"}',
    }));
    const result = await assignNode(c, 'zuul-target', REQUEST);
    expect(result.manager).toBe('zuul-manager-2');
    expect(result.data).toEqual(['{"manager": "first"}', '{"manager": "zuul-manager-2"}']);
    const job = w.jobs[0]!;
    expect(job.fn).toBe('node_assign:zuul-target');
    expect(job.unique).toMatch(/^[0-9a-f]{32}$/);
    expect(job.data).toBe(
      '{"name": "fake-label-fake-provider-1", "host": "198.51.100.7", ' +
        '"description": "Dynamic single use fake-label node", "labels": "fake-label", "root": "/home/jenkins"}',
    );
  });

  it('uses the last WORK_DATA packet when WORK_COMPLETE carries no data', async () => {
    const { c } = await setup(['node_assign:t'], () => ({
      data: ['{"manager": "m1"}'],
      complete: '',
    }));
    expect((await assignNode(c, 't', REQUEST)).manager).toBe('m1');
  });

  it('fails the assignment when the worker reports failure', async () => {
    const { c } = await setup(['node_assign:t'], () => ({ fail: true }));
    const err = await assignNode(c, 't', REQUEST).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_GEARMAN_JOB_FAILED', details: { failure: 'fail' } });
    expect((err as Error).message).toMatch(
      /^Gearman job "node_assign:t" \(.+\) did not complete: the worker reported failure$/,
    );
  });

  it('fails the assignment when the worker raises an exception', async () => {
    const { c } = await setup(['node_assign:t'], () => ({ exception: 'boom' }));
    const err = await assignNode(c, 't', REQUEST).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ERR_GEARMAN_JOB_FAILED',
      details: { failure: 'exception', exception: 'boom' },
    });
  });

  it('fails the assignment when the server disconnects while the job runs', async () => {
    const { g, c, w } = await setup(['node_assign:t'], () => ({ hang: true }));
    const pending = assignNode(c, 't', REQUEST).catch((e: unknown) => e);
    await waitFor(() => w.jobs.length === 1, { what: 'worker got the job' });
    await g.kill();
    const err = await pending;
    expect(err).toMatchObject({
      code: 'ERR_GEARMAN_JOB_FAILED',
      details: { failure: 'disconnect' },
    });
  });

  it('rejects a reply without a manager', async () => {
    const { c } = await setup(['node_assign:t'], () => ({ complete: '{"name": "x"}' }));
    const err = await assignNode(c, 't', REQUEST).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_GEARMAN_ASSIGNMENT_REPLY' });
    expect((err as Error).message).toBe(
      'Cannot assign node "fake-label-fake-provider-1": job "node_assign:t" returned no string "manager": current value is missing',
    );
    const { c: c2 } = await setup(['node_assign:u'], () => ({ complete: 'not json' }));
    await expect(assignNode(c2, 'u', REQUEST)).rejects.toMatchObject({
      code: 'ERR_GEARMAN_ASSIGNMENT_REPLY',
    });
  });

  it('stops waiting when the caller aborts', async () => {
    const { c } = await setup(['node_assign:t'], () => ({ hang: true }));
    const err = await assignNode(c, 't', REQUEST, { signal: AbortSignal.timeout(200) }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).name).toBe('TimeoutError');
  });

  it('submits node_revoke:<manager> without waiting for a worker', async () => {
    const { g, c } = await setup(['unrelated'], () => ({ hang: true }));
    await revokeNode(c, 'zuul-manager-2', 'fake-label-fake-provider-1');
    await waitFor(async () =>
      (await g.adminStatus()).includes('node_revoke:zuul-manager-2\t1\t0\t0'),
    );
    // A worker that appears later receives upstream's arguments.
    const w = await TestWorker.start(g.entry, ['node_revoke:zuul-manager-2'], () => ({
      complete: '',
    }));
    cleanup.push(() => w.stop());
    await waitFor(() => w.jobs.length === 1, { what: 'revoke job delivered' });
    expect(w.jobs[0]!.data).toBe('{"name": "fake-label-fake-provider-1"}');
  });

  it('fails fast without a connected server', async () => {
    const c = new GearmanClient({ servers: [] });
    cleanup.push(() => c.stop());
    await c.start();
    await expect(assignNode(c, 't', REQUEST)).rejects.toMatchObject({
      code: 'ERR_GEARMAN_NOT_CONNECTED',
    });
    await expect(revokeNode(c, 'm', 'n')).rejects.toMatchObject({
      code: 'ERR_GEARMAN_NOT_CONNECTED',
    });
  });
});
