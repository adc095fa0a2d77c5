/**
 * JenkinsTargets with upstream's in-memory fake (apikey `fake`): no sockets. One manager per
 * target, rebuilt when its settings change; online flags per docs/behaviour.md#applying-a-new-configuration.
 */
import { describe, expect, it } from 'vitest';
import type { CompiledTarget } from '../../../src/config/index.js';
import {
  FakeJenkinsTarget,
  JenkinsTargets,
  connectFakeJenkins,
} from '../../../src/jenkins-zuul/index.js';
import { createLogger } from '../../../src/log/index.js';
import { createNoopStats } from '../../../src/stats/index.js';

function target(name: string, jenkins: CompiledTarget['jenkins']): CompiledTarget {
  return {
    name,
    hostname: '{label.name}-{provider.name}-{node_id}',
    subnodeHostname: '',
    rateMs: 1000,
    assignViaGearman: false,
    jenkins,
  };
}

const silent = createLogger({ level: 'silent' });

describe('JenkinsTargets', () => {
  it('keeps one manager per target and rebuilds it when url, user or apikey change', async () => {
    const targets = new JenkinsTargets({
      log: silent,
      stats: createNoopStats(),
      connect: connectFakeJenkins,
    });
    const t = target('t1', { url: 'http://j1/', user: 'u', apikey: 'fake' });
    const first = await targets.get(t);
    expect(first).toBeInstanceOf(FakeJenkinsTarget);
    expect(await targets.get(t)).toBe(first);
    const changed = await targets.get(
      target('t1', { url: 'http://j1/', user: 'other', apikey: 'fake' }),
    );
    expect(changed).not.toBe(first);
    await targets.configure([target('t1', {})]);
    expect(await targets.get(target('t1', {}))).toBeNull();
    await targets.stop();
  });

  it('reports targets online unless quieting down or unreachable; targets without Jenkins are online', async () => {
    const targets = new JenkinsTargets({
      log: silent,
      stats: createNoopStats(),
      connect: connectFakeJenkins,
    });
    expect(await targets.isTargetOnline(target('none', {}))).toBe(true);
    expect(
      await targets.isTargetOnline(
        target('ok', { url: 'http://j/', user: 'fake', apikey: 'fake' }),
      ),
    ).toBe(true);
    expect(
      await targets.isTargetOnline(
        target('quiet', { url: 'http://j/', user: 'quiet', apikey: 'fake' }),
      ),
    ).toBe(false);
    expect(
      await targets.isTargetOnline(
        target('down', { url: 'http://j/', user: 'down', apikey: 'fake' }),
      ),
    ).toBe(false);
    await targets.stop();
  });

  it('registers unlabelled nodes and starts the test job when the target has one', async () => {
    const targets = new JenkinsTargets({
      log: silent,
      stats: createNoopStats(),
      connect: connectFakeJenkins,
    });
    const t = target('t', {
      url: 'http://j/',
      user: 'fake',
      apikey: 'fake',
      testJob: 'check-node',
      credentialsId: 'cred',
    });
    const node = { id: 7, nodename: 'l-p-7', ip: '192.0.2.7' } as never;
    const label = { name: 'l' } as never;
    await targets.registerNode({
      node,
      label,
      provider: {} as never,
      target: t,
      username: 'jenkins',
      userHome: '/home/jenkins',
      privateKey: '/k',
    });
    const fake = (await targets.get(t)) as FakeJenkinsTarget;
    expect(fake.nodes.get('l-p-7')).toMatchObject({
      host: '192.0.2.7',
      labels: null,
      credentialsId: 'cred',
      root: '/home/jenkins',
      description: 'Dynamic single use l node',
    });
    expect(fake.builds).toEqual([{ job: 'check-node', params: { NODE: 'l-p-7' } }]);
    expect(await fake.relabelNode('l-p-7', ['l'])).toBeNull();
    expect(fake.nodes.get('l-p-7')!.labelText).toBe('l');
    await targets.removeNode({ id: 7, nodename: 'l-p-7' } as never, t);
    expect(fake.nodes.size).toBe(0);
    await targets.stop();
  });
});
