/**
 * Jenkins build events over a real ZeroMQ PUB socket, sent exactly as the "ZMQ Event
 * Publisher" plugin sends them, against a running launcher (docs/behaviour.md#job-start-and-completion, docs/behaviour.md#upstream-tests "job start",
 * "job end", "auto-hold"), with the fixes of docs/behaviour.md#where-we-differ-from-040: no event revives a `delete` or `hold`
 * node, held nodes with NULL comments do not break auto-hold.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { stateName } from '../../../src/db/index.js';
import { autoHoldComment } from '../../../src/jenkins-zuul/index.js';
import { delay } from '../../../src/util/index.js';
import { waitFor } from '../../support/wait-for.js';
import { ZmqPublisher } from '../../support/zmq-publisher.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { startScenario, waitGone, waitLogged, waitState } from './scenario.js';
import type { Running } from './scenario.js';

const zk = sharedZooKeeper();
if (zk.address === null)
  process.stderr.write(`SKIPPED launcher Jenkins event tests: ${zk.reason}\n`);

describe.skipIf(zk.address === null)('Jenkins build events in the launcher', () => {
  let run: Running | null = null;
  let pub: ZmqPublisher | null = null;
  afterEach(async () => {
    await run?.h.stop();
    pub?.close();
    run = null;
    pub = null;
  });

  async function setup(
    options: { statsd?: boolean; delayMs?: number } = {},
  ): Promise<Running & { pub: ZmqPublisher }> {
    pub = await ZmqPublisher.start();
    run = await startScenario(
      zk.address!,
      { publishers: [pub.address] },
      { statsd: options.statsd === true, timing: { jobDeleteDelayMs: options.delayMs ?? 0 } },
    );
    const p = pub;
    // PUB/SUB drops what is sent before the subscription arrives: probe until one is seen.
    await p.untilReceived(
      () => p.send('onStarted', { node: 'probe-node', job: 'probe' }),
      () => (run!.integration.status().events?.delivered ?? 0) > 0,
    );
    return { ...run, pub: p };
  }

  it('marks a ready node used when a job starts on it, and ignores unknown nodes', async () => {
    const { h, pub: p, logs } = await setup();
    const [node] = await h.waitReady({ 'fake-label': 1 });
    await p.send('onStarted', { node: 'no-such-node', job: 'job1' });
    await p.send('onStarted', { node: node!.nodename!, job: 'job1' });
    await waitState(h, node!.id, 'used');
    await waitLogged(logs, 'Unable to find node with nodename: no-such-node');
    // A used node still counts as supply: no replacement while the job runs.
    expect((await h.nodes()).length).toBe(1);
  });

  it('deletes the node when its job is finalized and launches a replacement', async () => {
    const { h, pub: p, launcher } = await setup();
    const [node] = await h.waitReady({ 'fake-label': 1 });
    await p.send('onStarted', { node: node!.nodename!, job: 'job1' });
    await waitState(h, node!.id, 'used');
    await p.send('onCompleted', { node: node!.nodename!, job: 'job1' });
    await p.send('onFinalized', { node: node!.nodename!, job: 'job1', status: 'SUCCESS' });
    await waitGone(h, node!);
    const [next] = await h.waitReady({ 'fake-label': 1 });
    expect(next!.externalId).not.toBe(node!.externalId);
    await h.waitConsistent();
    expect(launcher.state).toBe('running');
  });

  it('waits the delete delay after onFinalized before deleting', async () => {
    const { h, pub: p, integration } = await setup({ delayMs: 1500 });
    const [node] = await h.waitReady({ 'fake-label': 1 });
    await p.send('onFinalized', { node: node!.nodename!, job: 'job1', status: 'SUCCESS' });
    await waitFor(() => integration.status().jenkinsPendingDeletions === 1, {
      what: 'a pending deletion',
    });
    expect(stateName((await h.db.nodes.get(node!.id))!.state)).toBe('ready');
    await waitGone(h, node!);
  });

  it('marks a node whose deletion delay is cut short by a stop as delete', async () => {
    const { h, pub: p, integration } = await setup({ delayMs: 600_000 });
    const [node] = await h.waitReady({ 'fake-label': 1 });
    await p.send('onFinalized', { node: node!.nodename!, job: 'job1', status: 'FAILURE' });
    await waitFor(() => integration.status().jenkinsPendingDeletions === 1, {
      what: 'a pending deletion',
    });
    await h.stopLauncher();
    expect(stateName((await h.db.nodes.get(node!.id))!.state)).toBe('delete');
  });

  it('never turns a delete or hold node into used (docs/behaviour.md#where-we-differ-from-040)', async () => {
    const { h, pub: p, logs } = await setup();
    const [node] = await h.waitReady({ 'fake-label': 1 });
    await h.db.nodes.setState(node!.id, 'hold');
    await p.send('onStarted', { node: node!.nodename!, job: 'job1' });
    await waitLogged(logs, `started on node id: ${node!.id}, which is not ready`);
    expect(stateName((await h.db.nodes.get(node!.id))!.state)).toBe('hold');
    // The held node is not supply: a replacement comes up. Put it in delete (its
    // deletion is left to a cleanup run that never comes in this test).
    const [other] = await h.waitReady({ 'fake-label': 1 });
    await h.db.nodes.setState(other!.id, 'delete');
    await p.send('onStarted', { node: other!.nodename!, job: 'job1' });
    await waitLogged(logs, `started on node id: ${other!.id}, which is not ready`);
    expect(stateName((await h.db.nodes.get(other!.id))!.state)).toBe('delete');
    // onFinalized leaves a held node alone too.
    await p.send('onFinalized', { node: node!.nodename!, job: 'job1', status: 'FAILURE' });
    await waitLogged(logs, `Node id: ${node!.id} is complete but in HOLD state`);
    expect(stateName((await h.db.nodes.get(node!.id))!.state)).toBe('hold');
  });

  it('holds failed nodes up to the job hold-on-failure count, also next to held nodes without comment', async () => {
    const { h, pub: p } = await setup();
    await h.db.jobs.create('job-fail', 1);
    // An operator's held node without comment (upstream crashed on it).
    const manual = await h.db.nodes.create({
      providerName: 'fake-provider',
      labelName: 'fake-label',
      targetName: 'fake-target',
      state: 'hold',
      comment: null,
    });
    const [first] = (await h.waitReady({ 'fake-label': 1 })).filter((n) => n.id !== manual.id);
    await p.send('onStarted', { node: first!.nodename!, job: 'job-fail' });
    await p.send('onFinalized', { node: first!.nodename!, job: 'job-fail', status: 'FAILURE' });
    const held = await waitState(h, first!.id, 'hold');
    expect(held.comment).toBe(autoHoldComment('job-fail'));
    // The held node is not supply: a second one comes up; it fails too, but the limit is reached.
    const [second] = await h.waitReady({ 'fake-label': 1 });
    expect(second!.externalId).not.toBe(first!.externalId);
    await p.send('onFinalized', { node: second!.nodename!, job: 'job-fail', status: 'FAILURE' });
    await waitGone(h, second!);
    expect(stateName((await h.db.nodes.get(first!.id))!.state)).toBe('hold');
    // A successful run of a hold-on-failure job deletes as usual.
    const [third] = await h.waitReady({ 'fake-label': 1 });
    await p.send('onFinalized', { node: third!.nodename!, job: 'job-fail', status: 'SUCCESS' });
    await waitGone(h, third!);
  });

  it('reports nodepool.job metrics at the four depths for a successful job', async () => {
    const { h, pub: p } = await setup({ statsd: true });
    const [node] = await h.waitReady({ 'fake-label': 1 });
    await p.send('onStarted', { node: node!.nodename!, job: 'tempest' });
    await waitState(h, node!.id, 'used');
    await p.send('onFinalized', {
      node: node!.nodename!,
      job: 'tempest',
      status: 'SUCCESS',
      parameters: { ZUUL_BRANCH: 'stable/newton' },
    });
    const prefixes = [
      'nodepool.job.tempest',
      'nodepool.job.tempest.stable/newton',
      'nodepool.job.tempest.stable/newton.fake-label',
      'nodepool.job.tempest.stable/newton.fake-label.fake-provider',
    ];
    for (const key of prefixes) {
      await h.statsd!.waitForLine(new RegExp(`^${escape(key)}\\.runtime:\\d+\\|ms$`));
      expect(await h.statsd!.waitForLine(`${key}.builds`)).toBe(`${key}.builds:1|c`);
    }
    // No branch parameter: upstream's unknown_branch.
    const [next] = await h.waitReady({ 'fake-label': 1 });
    await p.send('onFinalized', {
      node: next!.nodename!,
      job: 'pep8',
      status: 'SUCCESS',
      parameters: null,
    });
    await h.statsd!.waitForLine('nodepool.job.pep8.unknown_branch.builds');
    expect(h.statsd!.lines.filter((l) => l.startsWith('nodepool.job.tempest.builds'))).toHaveLength(
      1,
    );
  });

  it('follows zmq-publishers on config reload', async () => {
    const { h, pub: p, integration } = await setup();
    const [node] = await h.waitReady({ 'fake-label': 1 });
    const other = await ZmqPublisher.start();
    try {
      const text = await readFile(h.configPath, 'utf8');
      await writeFile(h.configPath, text.replace(p.address, other.address));
      await waitFor(() => integration.status().publishers.join() === other.address, {
        what: 'the new publisher list',
        timeoutMs: 20_000,
      });
      await waitFor(
        async () => {
          await other.send('onStarted', { node: node!.nodename!, job: 'job1' });
          await delay(100);
          return stateName((await h.db.nodes.get(node!.id))!.state) === 'used';
        },
        { what: 'an event from the new publisher' },
      );
    } finally {
      other.close();
    }
  });

  it("reports each publisher's connection state in the launcher's diagnostics, across a publisher restart", async () => {
    const { pub: p, launcher } = await setup();
    const zmqOf = (): Array<{ address: string; isConnected: boolean; received: number }> =>
      (
        launcher.diagnostics().integrations['jenkins-zuul'] as {
          zmq: Array<{ address: string; isConnected: boolean; received: number }>;
        }
      ).zmq;
    expect(zmqOf()).toEqual([expect.objectContaining({ address: p.address, isConnected: true })]);
    expect(zmqOf()[0]!.received).toBeGreaterThanOrEqual(1);
    p.close();
    await waitFor(() => zmqOf()[0]?.isConnected === false, {
      what: 'the publisher to show as disconnected',
    });
    await p.restart();
    await waitFor(() => zmqOf()[0]?.isConnected === true, {
      what: 'ZeroMQ to reconnect',
      timeoutMs: 20_000,
    });
  });

  it('opens no ZeroMQ socket under --no-deletes', async () => {
    pub = await ZmqPublisher.start();
    run = await startScenario(
      zk.address!,
      { publishers: [pub.address] },
      { integration: { noDeletes: true } },
    );
    await run.h.waitReady({ 'fake-label': 1 });
    expect(run.integration.status()).toMatchObject({ publishers: [], events: null });
  });

  it('drops malformed and unknown-topic messages and keeps handling events', async () => {
    const { h, pub: p, integration } = await setup();
    const [node] = await h.waitReady({ 'fake-label': 1 });
    const before = integration.status().events!.dropped;
    await p.sendRaw('onStarted {not json');
    await p.sendRaw('onSomething {"name":"x","build":{"node_name":"y"}}');
    await p.sendRaw('onStarted {"name":"x","build":{}}');
    await waitFor(() => integration.status().events!.dropped >= before + 2, {
      what: 'two dropped messages',
    });
    await p.send('onStarted', { node: node!.nodename!, job: 'job1' });
    await waitState(h, node!.id, 'used');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
