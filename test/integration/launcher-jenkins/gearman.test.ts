/**
 * Zuul over a real gearmand in a running launcher (docs/behaviour.md#demand, docs/behaviour.md#gearman-and-zuul): queued `build:` jobs
 * (queued with Debian's `gearman` client) add demand beyond min-ready, a lost Gearman server
 * does not stop the daemon, and `assign-via-gearman` targets get a manager and a revoke.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { stateName } from '../../../src/db/index.js';
import type { NodeRecord } from '../../../src/db/index.js';
import { Gearmand, gearmandUnavailableReason } from '../../support/gearmand.js';
import { TestWorker } from '../../support/gearman-worker.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { startScenario, waitGone, waitLogged } from './scenario.js';
import type { Running } from './scenario.js';

const zk = sharedZooKeeper();
const reason = zk.address === null ? zk.reason : gearmandUnavailableReason();
if (reason !== null) process.stderr.write(`SKIPPED launcher Gearman tests: ${reason}\n`);

/** The ready node once its assignment is stored. */
async function assigned(h: Running['h']): Promise<NodeRecord> {
  return waitFor(
    async () =>
      (await h.nodes()).find((n) => stateName(n.state) === 'ready' && n.managerName !== null),
    { what: 'an assigned ready node', timeoutMs: 20_000 },
  );
}

describe.skipIf(reason !== null)('Gearman in the launcher', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function gearmand(): Promise<Gearmand> {
    const g = await Gearmand.start();
    cleanup.push(() => g.stop());
    return g;
  }

  async function start(...args: Parameters<typeof startScenario>): Promise<Running> {
    const r = await startScenario(...args);
    cleanup.push(() => r.h.stop());
    return r;
  }

  it('launches nodes for queued Zuul jobs beyond min-ready, and keeps going when Gearman goes away', async () => {
    const g = await gearmand();
    const { h, integration, launcher } = await start(zk.address!, {
      gearman: [g.entry],
      minReady: 1,
    });
    await h.waitReady({ 'fake-label': 1 });
    await waitFor(() => integration.status().gearmanConnected === 1, {
      what: 'a Gearman connection',
    });
    // 3 queued jobs for the label (plain build:JOB counts go to the job's first label).
    await g.queue('build:job1:fake-label', 2);
    await g.queue('build:job1', 1);
    await h.waitReady({ 'fake-label': 4 });

    // Gearman disappears: the launcher carries on, with no demand and no new launches.
    await g.kill();
    await waitFor(() => integration.status().gearmanConnected === 0, {
      what: 'the Gearman connection to drop',
    });
    const passes = launcher.passes;
    await waitFor(() => launcher.passes >= passes + 2, { what: 'two more passes' });
    expect(launcher.state).toBe('running');
    expect((await h.nodes()).length).toBe(4);

    // It comes back (empty): the client reconnects and new jobs count again.
    await g.restart();
    await waitFor(() => integration.status().gearmanConnected === 1, {
      what: 'the Gearman connection to come back',
      timeoutMs: 20_000,
    });
    await g.queue('build:job2:fake-label', 5);
    await h.waitReady({ 'fake-label': 6 });
  });

  it('follows gearman-servers on config reload', async () => {
    const g1 = await gearmand();
    const g2 = await gearmand();
    const { h, integration } = await start(zk.address!, { gearman: [g1.entry], minReady: 0 });
    await waitFor(() => integration.status().gearmanConnected === 1, {
      what: 'a Gearman connection',
    });
    await g2.queue('build:job:fake-label', 2);
    // Only g2 has demand, and it is not configured yet.
    const text = await readFile(h.configPath, 'utf8');
    await writeFile(h.configPath, text.replace(`port: ${g1.port}`, `port: ${g2.port}`));
    await waitFor(() => integration.status().gearmanServers.join() === `127.0.0.1:${g2.port}`, {
      what: 'the new server list',
      timeoutMs: 20_000,
    });
    await h.waitReady({ 'fake-label': 2 });
  });

  it('assigns ready nodes of assign-via-gearman targets to a manager and revokes them on deletion', async () => {
    const g = await gearmand();
    const revoked: string[] = [];
    const assigner = await TestWorker.start(g.entry, ['node_assign:fake-target'], () => ({
      complete: '{"manager": "zuul-manager-1"}',
    }));
    cleanup.push(() => assigner.stop());
    const revoker = await TestWorker.start(g.entry, ['node_revoke:zuul-manager-1'], (job) => {
      revoked.push(job.data);
      return { complete: '' };
    });
    cleanup.push(() => revoker.stop());
    const { h, launcher } = await start(zk.address!, {
      gearman: [g.entry],
      assignViaGearman: true,
      jenkins: null,
    });
    // The node is ready before it is assigned (as upstream): wait for the manager.
    const node = await assigned(h);
    expect(node.managerName).toBe('zuul-manager-1');
    expect(JSON.parse(assigner.jobs[0]!.data)).toEqual({
      name: node.nodename,
      host: node.ip,
      description: 'Dynamic single use fake-label node',
      labels: 'fake-label',
      root: '/home/jenkins',
    });
    await h.db.nodes.setState(node.id, 'delete');
    await launcher.runCron('cleanup');
    await waitGone(h, node);
    await waitFor(() => revoked.length === 1, { what: 'the revoke job' });
    expect(JSON.parse(revoked[0]!)).toEqual({ name: node.nodename });
  });

  it('fails the launch cleanly when the assignment fails', async () => {
    const g = await gearmand();
    let fail = true;
    const assigner = await TestWorker.start(g.entry, ['node_assign:fake-target'], () =>
      fail ? { fail: true } : { complete: '{"manager": "m2"}' },
    );
    cleanup.push(() => assigner.stop());
    const { h, logs } = await start(zk.address!, {
      gearman: [g.entry],
      assignViaGearman: true,
      jenkins: null,
    });
    await waitLogged(logs, 'Cannot launch node');
    await h.waitConsistent();
    fail = false;
    const node = await assigned(h);
    expect(node.managerName).toBe('m2');
    await h.waitReady({ 'fake-label': 1 });
    await h.waitConsistent();
  });
});
