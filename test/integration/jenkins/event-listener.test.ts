import { afterEach, describe, expect, it } from 'vitest';
import { JenkinsEventListener } from '../../../src/jenkins/index.js';
import type { JenkinsEvent } from '../../../src/jenkins/index.js';
import { captureLog } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import { ZmqPublisher } from '../../support/zmq-publisher.js';

describe('JenkinsEventListener', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function publisher(): Promise<ZmqPublisher> {
    const p = await ZmqPublisher.start();
    cleanup.push(() => p.close());
    return p;
  }

  async function listener(addresses: string[], onEvent: (e: JenkinsEvent) => void | Promise<void>) {
    const captured = captureLog();
    const l = new JenkinsEventListener({ publishers: addresses, onEvent, log: captured.log });
    cleanup.push(() => l.stop());
    await l.start();
    return { l, captured };
  }

  /** Waits until the subscription reached `pub` (PUB drops messages until then). */
  async function joined(
    pub: ZmqPublisher,
    events: JenkinsEvent[],
    probeNode: string,
  ): Promise<void> {
    await pub.untilReceived(
      () => pub.send('onCompleted', { job: 'probe', node: probeNode }),
      () => events.some((e) => e.nodeName === probeNode),
    );
  }

  it('delivers started, completed and finalized events from a real PUB socket', async () => {
    const pub = await publisher();
    const events: JenkinsEvent[] = [];
    await listener([pub.address], (e) => {
      events.push(e);
    });
    await joined(pub, events, 'probe-node');
    events.length = 0;
    await pub.send('onStarted', {
      job: 'gate-nodepool-python27',
      node: 'fake-label-fake-provider-1',
    });
    await pub.send('onCompleted', {
      job: 'gate-nodepool-python27',
      node: 'fake-label-fake-provider-1',
      status: 'FAILURE',
    });
    await pub.send('onFinalized', {
      job: 'gate-nodepool-python27',
      node: 'fake-label-fake-provider-1',
      status: 'FAILURE',
      parameters: { ZUUL_BRANCH: 'stable/newton', ZUUL_PROJECT: 'openstack/nodepool' },
    });
    await waitFor(() => events.length === 3, { what: 'three events' });
    expect(
      events.map((e) => [e.topic, e.phase, e.jobName, e.nodeName, e.status ?? null, e.branch]),
    ).toEqual([
      [
        'onStarted',
        'started',
        'gate-nodepool-python27',
        'fake-label-fake-provider-1',
        null,
        'master',
      ],
      [
        'onCompleted',
        'completed',
        'gate-nodepool-python27',
        'fake-label-fake-provider-1',
        'FAILURE',
        'master',
      ],
      [
        'onFinalized',
        'finalized',
        'gate-nodepool-python27',
        'fake-label-fake-provider-1',
        'FAILURE',
        'stable/newton',
      ],
    ]);
    expect(events[2]!.fullUrl).toBe('http://localhost:8080/job/gate-nodepool-python27/1/');
    expect(events[2]!.publisher).toBe(pub.address);
  });

  it('drops malformed and unknown messages with a log line and keeps listening', async () => {
    const pub = await publisher();
    const events: JenkinsEvent[] = [];
    const { l, captured } = await listener([pub.address], (e) => {
      events.push(e);
    });
    await joined(pub, events, 'probe-node');
    await pub.sendRaw('onStarted {"name": "x", "build": ');
    await pub.sendRaw('onPaused {"name":"x","build":{"node_name":"n"}}');
    await pub.sendRaw('no-json-at-all');
    await pub.sendRaw(Buffer.from([0x6f, 0x6e, 0x20, 0xff, 0xfe]));
    await pub.sendRaw(['onStarted', '{"name":"x","build":{"node_name":"n"}}']);
    await pub.sendRaw('onFinalized {"name":"x","build":{"status":"SUCCESS"}}');
    await pub.send('onFinalized', { node: 'after-the-garbage' });
    await waitFor(() => events.some((e) => e.nodeName === 'after-the-garbage'), {
      what: 'good event after bad ones',
    });
    const c = l.counters();
    expect(c.dropped).toBe(5);
    expect(c.ignored).toBe(1);
    const drops = captured.find('Dropping Jenkins event');
    expect(drops).toHaveLength(5);
    expect(drops.map((d) => d.level)).toEqual([50, 50, 50, 50, 50]);
    expect(drops[0]!.msg).toContain('Cannot parse Jenkins onStarted event JSON: ');
    expect(drops[1]!.msg).toContain('Cannot handle Jenkins event: unknown topic "onPaused"');
    expect(drops[4]!.msg).toContain('expected 1 frame, got 2');
  });

  it('keeps running when the handler throws or rejects', async () => {
    const pub = await publisher();
    const seen: string[] = [];
    const { captured } = await listener([pub.address], (e) => {
      seen.push(e.nodeName);
      if (e.nodeName === 'sync-throw') throw new Error('sync boom');
      if (e.nodeName === 'async-reject') return Promise.reject(new Error('async boom'));
      return undefined;
    });
    await pub.untilReceived(
      () => pub.send('onStarted', { node: 'probe' }),
      () => seen.includes('probe'),
    );
    await pub.send('onStarted', { node: 'sync-throw' });
    await pub.send('onStarted', { node: 'async-reject' });
    await pub.send('onStarted', { node: 'fine' });
    await waitFor(() => seen.includes('fine'));
    await waitFor(() => captured.find('Exception handling event').length === 2, {
      what: 'two handler errors logged',
    });
  });

  it('adds and removes publishers at runtime', async () => {
    const [a, b] = [await publisher(), await publisher()];
    const events: JenkinsEvent[] = [];
    const { l } = await listener([a.address], (e) => {
      events.push(e);
    });
    await joined(a, events, 'probe-a');
    await l.setPublishers([a.address, b.address]);
    expect(l.addresses).toEqual([a.address, b.address]);
    await joined(b, events, 'probe-b');
    await l.setPublishers([b.address]);
    expect(l.addresses).toEqual([b.address]);
    // The removed socket is closed: nothing from `a` arrives any more, `b` still works.
    for (let i = 0; i < 5; i++) await a.send('onStarted', { node: 'from-a' });
    await b.send('onStarted', { node: 'from-b' });
    await waitFor(() => events.some((e) => e.nodeName === 'from-b'));
    expect(events.some((e) => e.nodeName === 'from-a')).toBe(false);
  });

  it('survives the publisher going away and coming back on the same address', async () => {
    const pub = await publisher();
    const events: JenkinsEvent[] = [];
    await listener([pub.address], (e) => {
      events.push(e);
    });
    await joined(pub, events, 'before');
    pub.close();
    await pub.restart();
    await joined(pub, events, 'after');
    expect(events.some((e) => e.nodeName === 'after')).toBe(true);
  });

  it('closes its sockets on stop', async () => {
    const pub = await publisher();
    const events: JenkinsEvent[] = [];
    const { l } = await listener([pub.address], (e) => {
      events.push(e);
    });
    await joined(pub, events, 'probe');
    await l.stop();
    expect(l.addresses).toEqual([]);
    expect(l.state).toBe('stopped');
    const n = events.length;
    await pub.send('onStarted', { node: 'late' });
    expect(events.length).toBe(n);
  });
});
