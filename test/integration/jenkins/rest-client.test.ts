import { afterEach, describe, expect, it } from 'vitest';
import {
  JenkinsAuthError,
  JenkinsClient,
  JenkinsManager,
  JenkinsNotFoundError,
} from '../../../src/jenkins/index.js';
import type { CreateNodeSpec } from '../../../src/jenkins/index.js';
import { FakeJenkins } from '../../support/jenkins.js';
import { freePort } from '../../support/zookeeper.js';

const NODE: CreateNodeSpec = {
  name: 'fake-label-fake-provider-1',
  host: '198.51.100.7',
  description: 'Dynamic single use fake-label node',
  root: '/home/jenkins',
  labels: 'fake-label',
  credentialsId: 'c0ffee-1234',
};

describe('JenkinsClient', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function fake(behaviour: Partial<FakeJenkins['behaviour']> = {}): Promise<FakeJenkins> {
    const j = await FakeJenkins.start(behaviour);
    cleanup.push(() => j.stop());
    return j;
  }

  it('creates a node with a credentials id using POST doCreateItem and python-jenkins fields', async () => {
    const j = await fake();
    const c = new JenkinsClient({ url: j.url });
    expect(await c.createNode(NODE)).toBe(true);
    const [create] = j.callsTo('POST', '/computer/doCreateItem');
    expect(create!.body).toBe('');
    expect([...create!.query.keys()]).toEqual(['name', 'type', 'json']);
    expect(create!.query.get('type')).toBe('hudson.slaves.DumbSlave$DescriptorImpl');
    expect(create!.query.get('json')).toBe(
      '{"name": "fake-label-fake-provider-1", "nodeDescription": "Dynamic single use fake-label node", ' +
        '"numExecutors": 1, "remoteFS": "/home/jenkins", "labelString": "fake-label", "mode": "EXCLUSIVE", ' +
        '"type": "hudson.slaves.DumbSlave$DescriptorImpl", ' +
        '"retentionStrategy": {"stapler-class": "hudson.slaves.RetentionStrategy$Always"}, ' +
        '"nodeProperties": {"stapler-class-bag": "true"}, ' +
        '"launcher": {"port": 22, "credentialsId": "c0ffee-1234", "host": "198.51.100.7", ' +
        '"stapler-class": "hudson.plugins.sshslaves.SSHLauncher"}}',
    );
    // Pre-check, create, post-check.
    expect(j.calls.map((x) => `${x.method} ${x.path}`)).toEqual([
      'GET /computer/fake-label-fake-provider-1/api/json',
      'GET /crumbIssuer/api/json',
      'POST /computer/doCreateItem',
      'GET /computer/fake-label-fake-provider-1/api/json',
    ]);
  });

  it('creates an unlabelled node with username and private key', async () => {
    const j = await fake();
    const c = new JenkinsClient({ url: j.url });
    await c.createNode({
      ...NODE,
      credentialsId: undefined,
      labels: null,
      username: 'jenkins',
      privateKey: '/var/lib/jenkins/.ssh/id_rsa',
    });
    const json = j.nodes.get(NODE.name)!.json;
    expect(json.labelString).toBeNull();
    expect(json.launcher).toEqual({
      port: 22,
      username: 'jenkins',
      privatekey: '/var/lib/jenkins/.ssh/id_rsa',
      host: '198.51.100.7',
      'stapler-class': 'hudson.plugins.sshslaves.SSHLauncher',
    });
  });

  it('treats an existing node as created and changes nothing', async () => {
    const j = await fake();
    const c = new JenkinsClient({ url: j.url });
    await c.createNode(NODE);
    expect(await c.createNode({ ...NODE, labels: 'other' })).toBe(false);
    expect(j.callsTo('POST', '/computer/doCreateItem')).toHaveLength(1);
  });

  it('sends the crumb it names, with its session cookie, when Jenkins requires one', async () => {
    const j = await fake({
      requireCrumb: true,
      credentials: { user: 'nodepool', apikey: 's3cret' },
    });
    const c = new JenkinsClient({ url: j.url, user: 'nodepool', apikey: 's3cret' });
    await c.createNode(NODE);
    await c.deleteNode(NODE.name);
    expect(j.nodes.size).toBe(0);
    const posts = j.calls.filter((x) => x.method === 'POST');
    expect(posts).toHaveLength(2);
    for (const p of posts) {
      expect(p.headers['jenkins-crumb']).toBe('crumb-s1');
      expect(p.headers.authorization).toBe(
        `Basic ${Buffer.from('nodepool:s3cret').toString('base64')}`,
      );
    }
    expect(j.callsTo('GET', '/crumbIssuer/api/json')).toHaveLength(1);
  });

  it('fetches a new crumb once when Jenkins starts requiring one', async () => {
    const j = await fake();
    const c = new JenkinsClient({ url: j.url });
    await c.createNode(NODE);
    j.behaviour.requireCrumb = true;
    await c.deleteNode(NODE.name);
    expect(j.nodes.size).toBe(0);
    expect(
      j.callsTo('POST', `/computer/${NODE.name}/doDelete`).map((x) => x.headers['jenkins-crumb']),
    ).toEqual([undefined, 'crumb-s1']);
  });

  it('fails with JenkinsAuthError on bad credentials', async () => {
    const j = await fake({ credentials: { user: 'nodepool', apikey: 'right' } });
    const c = new JenkinsClient({ url: j.url, user: 'nodepool', apikey: 'wrong' });
    const err = await c.getInfo().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JenkinsAuthError);
    expect((err as JenkinsAuthError).status).toBe(401);
    expect((err as Error).message).toBe(
      `Cannot GET api/json on Jenkins ${j.url}: refused with HTTP 401 (credentials or CSRF crumb)`,
    );
  });

  it('reads quietingDown from api/json', async () => {
    const j = await fake();
    const c = new JenkinsClient({ url: j.url });
    expect((await c.getInfo()).quietingDown).toBe(false);
    j.behaviour.quietingDown = true;
    expect((await c.getInfo()).quietingDown).toBe(true);
  });

  it('reports node existence, and fails deletion of a missing or undeletable node', async () => {
    const j = await fake();
    const c = new JenkinsClient({ url: j.url });
    expect(await c.nodeExists(NODE.name)).toBe(false);
    await expect(c.deleteNode(NODE.name)).rejects.toThrow(JenkinsNotFoundError);
    await c.createNode(NODE);
    expect(await c.nodeExists(NODE.name)).toBe(true);
    j.behaviour.keepDeletedNodes = true;
    const err = await c.deleteNode(NODE.name).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_JENKINS_NODE' });
    expect((err as Error).message).toBe(
      `Cannot delete Jenkins node "${NODE.name}": it still exists`,
    );
    j.behaviour.dropCreatedNodes = true;
    await expect(c.createNode({ ...NODE, name: 'n2' })).rejects.toThrow(
      'Cannot create Jenkins node "n2": it does not exist after creation',
    );
  });

  it('times out on a Jenkins that never answers', async () => {
    const j = await fake({ hang: true });
    const c = new JenkinsClient({ url: j.url, timeoutMs: 300 });
    const err = await c.nodeExists(NODE.name).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_JENKINS_TIMEOUT' });
    expect((err as Error).message).toBe(
      `Cannot GET computer/${NODE.name}/api/json?depth=0 on Jenkins ${j.url}: no answer within 300 ms`,
    );
  });

  it('reports an unreachable Jenkins', async () => {
    const port = await freePort();
    const c = new JenkinsClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 5_000 });
    const err = await c.getInfo().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_JENKINS_UNREACHABLE' });
    expect((err as Error).message).toContain('ECONNREFUSED');
  });

  it('starts a parameterised build and relabels a node through the manager', async () => {
    const j = await fake({ requireCrumb: true });
    const m = new JenkinsManager({ name: 'fake-target', url: j.url, rateMs: 1 });
    cleanup.push(() => m.stop());
    await m.start();
    await m.createNode({ ...NODE, labels: null });
    await m.startBuild('node-test', { NODE: NODE.name });
    expect(j.builds).toEqual([{ job: 'node-test', params: { NODE: NODE.name } }]);
    expect(
      j.calls.some(
        (x) => x.path === '/job/node-test/buildWithParameters' && x.query.get('NODE') === NODE.name,
      ),
    ).toBe(true);
    // The unlabelled node's config has an empty <label></label>.
    expect(await m.relabelNode(NODE.name, ['fake-label'])).toBe('');
    expect(j.nodes.get(NODE.name)!.configXml).toContain('<label>fake-label</label>');
    expect(await m.relabelNode(NODE.name, ['a', 'b'])).toBe('fake-label');
    expect(j.nodes.get(NODE.name)!.configXml).toContain('<label>a b</label>');
    expect(j.callsTo('POST', `/computer/${NODE.name}/config.xml`)[0]!.headers['content-type']).toBe(
      'text/xml',
    );
  });

  it('answers the online check from quietingDown and treats errors as offline', async () => {
    const j = await fake();
    const m = new JenkinsManager({ name: 't', url: j.url, timeoutMs: 300 });
    cleanup.push(() => m.stop());
    await m.start();
    expect(await m.isOnline()).toBe(true);
    j.behaviour.quietingDown = true;
    expect(await m.isOnline()).toBe(false);
    j.behaviour.quietingDown = false;
    j.behaviour.hang = true;
    expect(await m.isOnline()).toBe(false);
  });

  it('rejects queued calls with ERR_JENKINS_STOPPED after stop', async () => {
    const j = await fake();
    const m = new JenkinsManager({ name: 't', url: j.url, rateMs: 60_000 });
    await m.start();
    const first = m.nodeExists('a');
    const second = m.nodeExists('b').catch((e: unknown) => e);
    expect(await first).toBe(false);
    await m.stop();
    const err = await second;
    expect(err).toMatchObject({ code: 'ERR_JENKINS_STOPPED' });
    expect((err as Error).message).toBe('Cannot call Jenkins: target "t" is no longer running');
    await expect(m.nodeExists('c')).rejects.toMatchObject({ code: 'ERR_JENKINS_STOPPED' });
  });
});
