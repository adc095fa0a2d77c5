/**
 * Jenkins targets in a running launcher against a small Jenkins master over HTTP (spec
 * docs/behaviour.md#jenkins-nodes, docs/behaviour.md#job-start-and-completion, docs/behaviour.md#targets): node registration with the exact form fields, Basic auth and the
 * CSRF crumb, removal on deletion, the test-job flow (fixed per docs/behaviour.md#where-we-differ-from-040), and Jenkins being
 * down or quieting down (no launches, no leaks, the daemon keeps going).
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { stateName } from '../../../src/db/index.js';
import { JenkinsTargets } from '../../../src/jenkins-zuul/index.js';
import { deleteNodeInForeground } from '../../../src/launcher/index.js';
import { createNoopStats } from '../../../src/stats/index.js';
import { fakeCloudDrivers } from '../../support/fake-drivers.js';
import { FakeJenkins } from '../../support/jenkins.js';
import type { FakeJenkinsNode } from '../../support/jenkins.js';
import { waitFor } from '../../support/wait-for.js';
import { ZmqPublisher } from '../../support/zmq-publisher.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { startScenario, waitGone, waitLogged, waitState } from './scenario.js';
import type { Running, Scenario } from './scenario.js';

const zk = sharedZooKeeper();
if (zk.address === null)
  process.stderr.write(`SKIPPED launcher Jenkins target tests: ${zk.reason}\n`);

const AUTH = { user: 'nodepool', apikey: 's3cret' };

/** Waits until Jenkins has the node. */
async function registered(j: FakeJenkins, name: string): Promise<FakeJenkinsNode> {
  return waitFor(() => j.nodes.get(name), { what: `Jenkins node ${name}` });
}

describe.skipIf(zk.address === null)('Jenkins targets in the launcher', () => {
  let run: Running | null = null;
  let jenkins: FakeJenkins | null = null;
  let pub: ZmqPublisher | null = null;
  afterEach(async () => {
    await run?.h.stop();
    await jenkins?.stop();
    pub?.close();
    run = jenkins = pub = null;
  });

  async function setup(
    scenario: Omit<Scenario, 'jenkins'> = {},
    extra: { credentials?: string } = {},
  ): Promise<Running & { jenkins: FakeJenkins }> {
    jenkins = await FakeJenkins.start({ requireCrumb: true, credentials: AUTH });
    run = await startScenario(zk.address!, {
      ...scenario,
      jenkins: { url: jenkins.url, ...AUTH, ...extra },
    });
    return { ...run, jenkins };
  }

  it('registers ready nodes with the SSH launcher, auth and crumb, and removes them on deletion', async () => {
    const { h, jenkins: j, launcher } = await setup();
    const [node] = await h.waitReady({ 'fake-label': 1 });
    // Registration follows the ready state (so Jenkins cannot hand the node out first).
    const created = await registered(j, node!.nodename!);
    expect(created?.json).toEqual({
      name: node!.nodename,
      nodeDescription: 'Dynamic single use fake-label node',
      numExecutors: 1,
      remoteFS: '/home/jenkins',
      labelString: 'fake-label',
      mode: 'EXCLUSIVE',
      type: 'hudson.slaves.DumbSlave$DescriptorImpl',
      retentionStrategy: { 'stapler-class': 'hudson.slaves.RetentionStrategy$Always' },
      nodeProperties: { 'stapler-class-bag': 'true' },
      launcher: {
        port: 22,
        username: 'jenkins',
        privatekey: '/var/lib/jenkins/.ssh/id_rsa',
        host: node!.ip,
        'stapler-class': 'hudson.plugins.sshslaves.SSHLauncher',
      },
    });
    const post = j.callsTo('POST', '/computer/doCreateItem')[0]!;
    expect(post.query.get('type')).toBe('hudson.slaves.DumbSlave$DescriptorImpl');
    expect(post.headers['jenkins-crumb']).toMatch(/^crumb-s\d+$/);
    expect(post.headers.authorization).toBe(
      `Basic ${Buffer.from('nodepool:s3cret').toString('base64')}`,
    );
    // The online check runs every pass.
    expect(j.callsTo('GET', '/api/json').length).toBeGreaterThan(0);

    await h.db.nodes.setState(node!.id, 'delete');
    await launcher.runCron('cleanup');
    await waitGone(h, node!);
    expect(j.nodes.has(node!.nodename!)).toBe(false);
    expect(j.callsTo('POST', `/computer/${node!.nodename!}/doDelete`)).toHaveLength(1);
    await h.waitReady({ 'fake-label': 1 });
    await h.waitConsistent();
  });

  it('removes the Jenkins agent on delete --now, outside the daemon', async () => {
    const { h, jenkins: j } = await setup();
    const [node] = await h.waitReady({ 'fake-label': 1 });
    await registered(j, node!.nodename!);
    await h.stopLauncher();
    const config = await loadConfig(h.configPath, { securePath: h.securePath });
    const log = pino({ level: 'silent' });
    // As cmd/nodepool/delete.ts: its own Jenkins managers, stopped afterwards.
    const targets = new JenkinsTargets({ log, stats: createNoopStats() });
    const jenkinsHooks = (signal: () => AbortSignal) => targets.hooks(signal);
    const deleted = await deleteNodeInForeground(config, h.db, node!.id, {
      log,
      drivers: fakeCloudDrivers(h.cloud),
      jenkins: jenkinsHooks,
      deleteTimeoutMs: 10_000,
    }).finally(() => targets.stop());
    expect(deleted).toBe(true);
    expect(j.nodes.has(node!.nodename!)).toBe(false);
    expect(await h.db.nodes.get(node!.id)).toBeUndefined();
    expect(h.servers()).toEqual([]);
  });

  it('sends the credentials id from secure.conf instead of user and key', async () => {
    const { h, jenkins: j } = await setup({}, { credentials: 'jenkins-ssh-cred' });
    const [node] = await h.waitReady({ 'fake-label': 1 });
    expect((await registered(j, node!.nodename!)).json.launcher).toEqual({
      port: 22,
      credentialsId: 'jenkins-ssh-cred',
      host: node!.ip,
      'stapler-class': 'hudson.plugins.sshslaves.SSHLauncher',
    });
  });

  it('launches nothing for a target whose Jenkins is quieting down', async () => {
    jenkins = await FakeJenkins.start({ quietingDown: true });
    run = await startScenario(zk.address!, {
      jenkins: { url: jenkins.url, user: 'u', apikey: 'k' },
    });
    const { h, launcher } = run;
    const start = launcher.passes;
    await waitFor(() => launcher.passes >= start + 3, { what: 'three passes' });
    expect(await h.nodes()).toEqual([]);
    jenkins.behaviour.quietingDown = false;
    await h.waitReady({ 'fake-label': 1 });
  });

  it('keeps going while Jenkins is down: no launches, failed registrations and deletions leak nothing', async () => {
    const { h, jenkins: j, launcher, logs } = await setup();
    const [node] = await h.waitReady({ 'fake-label': 1 });
    await registered(j, node!.nodename!);
    // Jenkins accepts node creation but creates nothing: launches fail and are cleaned up.
    j.behaviour.dropCreatedNodes = true;
    await h.db.nodes.setState(node!.id, 'delete');
    await launcher.runCron('cleanup');
    await waitGone(h, node!);
    await waitLogged(logs, 'it does not exist after creation');
    await h.waitConsistent();
    j.behaviour.dropCreatedNodes = false;
    await waitFor(() => j.nodes.size === 1, { what: 'a node registered again', timeoutMs: 20_000 });
    const [second] = await h.waitReady({ 'fake-label': 1 });
    expect(j.nodes.has(second!.nodename!)).toBe(true);

    // Jenkins stops answering: the target goes offline, the deletion stays pending.
    j.behaviour.hang = true;
    await h.db.nodes.setState(second!.id, 'delete');
    await launcher.runCron('cleanup');
    await waitLogged(logs, `Cannot delete node ${second!.id}: it stays in state delete`);
    expect(stateName((await h.db.nodes.get(second!.id))!.state)).toBe('delete');
    expect(h.servers().map((s) => s.id)).toContain(second!.externalId);
    const passes = launcher.passes;
    await waitFor(() => launcher.passes >= passes + 2, {
      what: 'two more passes',
      timeoutMs: 20_000,
    });
    expect((await h.nodes()).map((n) => n.id)).toEqual([second!.id]);
    expect(launcher.state).toBe('running');

    // Jenkins is back: the next cleanup finishes the deletion and a node is launched again.
    j.behaviour.hang = false;
    await launcher.runCron('cleanup');
    await waitGone(h, second!);
    expect(j.nodes.has(second!.nodename!)).toBe(false);
    await h.waitReady({ 'fake-label': 1 });
    await h.waitConsistent();
  });

  describe('test job', () => {
    async function setupTestJob(): Promise<Running & { jenkins: FakeJenkins; pub: ZmqPublisher }> {
      pub = await ZmqPublisher.start();
      const r = await setup({ testJob: 'node-test', publishers: [pub.address] });
      const p = pub;
      await p.untilReceived(
        () => p.send('onStarted', { node: 'probe-node', job: 'probe' }),
        () => (r.integration.status().events?.delivered ?? 0) > 0,
      );
      return { ...r, pub: p };
    }

    it('registers the node unlabelled, runs the test job, and makes the node ready when it passes', async () => {
      const { h, jenkins: j, pub: p } = await setupTestJob();
      const node = await waitFor(
        async () => (await h.nodes()).find((n) => stateName(n.state) === 'test'),
        { what: 'a node in test', timeoutMs: 20_000 },
      );
      await waitFor(() => j.builds.length > 0, { what: 'the test job to start' });
      expect(j.builds[0]).toEqual({ job: 'node-test', params: { NODE: node.nodename } });
      expect(j.nodes.get(node.nodename!)!.json.labelString).toBeNull();
      // Starting the test job leaves the node in test.
      await p.send('onStarted', { node: node.nodename!, job: 'node-test' });
      await p.send('onFinalized', { node: node.nodename!, job: 'node-test', status: 'SUCCESS' });
      await waitState(h, node.id, 'ready');
      expect(j.nodes.get(node.nodename!)!.configXml).toContain('<label>fake-label</label>');
      expect(j.callsTo('POST', `/computer/${node.nodename!}/config.xml`)).toHaveLength(1);
      // A real job then uses it as usual.
      await p.send('onStarted', { node: node.nodename!, job: 'tempest' });
      await waitState(h, node.id, 'used');
    });

    it('deletes the node when its test job fails', async () => {
      const { h, jenkins: j, pub: p } = await setupTestJob();
      const node = await waitFor(
        async () => (await h.nodes()).find((n) => stateName(n.state) === 'test'),
        { what: 'a node in test', timeoutMs: 20_000 },
      );
      await waitFor(() => j.builds.length > 0, { what: 'the test job to start' });
      await p.send('onFinalized', { node: node.nodename!, job: 'node-test', status: 'FAILURE' });
      await waitGone(h, node);
      expect(j.nodes.has(node.nodename!)).toBe(false);
      // A new node comes up for its own test.
      await waitFor(
        async () =>
          (await h.nodes()).find(
            (n) => stateName(n.state) === 'test' && n.externalId !== node.externalId,
          ),
        { what: 'a new node in test', timeoutMs: 20_000 },
      );
    });
  });
});
