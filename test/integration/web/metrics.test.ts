/**
 * `/metrics` against real ZooKeeper and SQLite: the exposition parses back under the 0.0.4
 * text format rules and carries the node, image and counter values.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sharedZooKeeper, useZkFixture } from '../../support/zk-fixture.js';
import { NOW_MS, createWorld, http, seed } from './helpers.js';
import type { WebWorld } from './helpers.js';

const { address, reason } = sharedZooKeeper();
if (address === null) process.stderr.write(`SKIPPED /metrics tests: ${reason}\n`);

interface Parsed {
  types: Map<string, string>;
  samples: Map<string, number>;
}

/**
 * A strict reader of the text format: HELP/TYPE before a family's samples, names and label
 * names from the allowed alphabets, quoted and escaped values, a float value, a final newline.
 */
function parseExposition(text: string): Parsed {
  expect(text.endsWith('\n')).toBe(true);
  const types = new Map<string, string>();
  const samples = new Map<string, number>();
  for (const line of text.slice(0, -1).split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta !== null) {
      if (meta[1] === 'TYPE') {
        expect(['gauge', 'counter', 'untyped', 'histogram', 'summary']).toContain(meta[3]);
        expect(types.has(meta[2]!)).toBe(false);
        types.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    expect(m, `line "${line}"`).not.toBeNull();
    const [, name, , labelText, value] = m!;
    expect(types.has(name!), `TYPE of ${name} before its samples`).toBe(true);
    const labels: string[] = [];
    const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/gy;
    let rest = labelText ?? '';
    while (rest.length > 0) {
      labelRe.lastIndex = 0;
      const lm = labelRe.exec(rest);
      expect(lm, `labels "${rest}"`).not.toBeNull();
      labels.push(`${lm![1]}=${lm![2]}`);
      rest = rest.slice(lm![0].length);
    }
    const v = Number(value);
    expect(Number.isFinite(v) || ['NaN', '+Inf', '-Inf'].includes(value!)).toBe(true);
    const key = `${name}{${labels.sort().join(',')}}`;
    expect(samples.has(key), `duplicate series ${key}`).toBe(false);
    samples.set(key, v);
  }
  return { types, samples };
}

describe.skipIf(address === null)('GET /metrics', () => {
  const fx = useZkFixture(address);
  let world: WebWorld;

  beforeEach(async () => {
    world = await createWorld(fx, address!);
  });
  afterEach(async () => {
    await world.close();
  });

  it('exports node, label, provider, image and counter series in the 0.0.4 text format', async () => {
    await seed(world);
    world.counters.countLaunch({ provider: 'fake-provider', label: 'fake-label', result: 'ready' });
    world.counters.countLaunch({ provider: 'fake-provider', label: 'fake-label', result: 'ready' });
    world.counters.countLaunch({
      provider: 'other-provider',
      label: 'small-label',
      result: 'error.quota',
    });
    world.counters.countDelete({ provider: 'fake-provider', label: 'fake-label' });
    const app = await world.start();
    const r = await http(app.url + '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const { types, samples } = parseExposition(r.body);
    expect(types.get('nodepool_nodes')).toBe('gauge');
    expect(types.get('nodepool_launches_total')).toBe('counter');
    expect(samples.get('nodepool_nodes{state=ready}')).toBe(2);
    expect(samples.get('nodepool_nodes{state=delete}')).toBe(0);
    expect(samples.get('nodepool_label_nodes{label=fake-label,state=hold}')).toBe(1);
    expect(samples.get('nodepool_provider_nodes{provider=other-provider,state=used}')).toBe(1);
    expect(samples.get('nodepool_label_min_ready{label=fake-label}')).toBe(3);
    expect(samples.get('nodepool_provider_max_servers{provider=other-provider}')).toBe(2);
    expect(
      samples.get('nodepool_launches_total{label=fake-label,provider=fake-provider,result=ready}'),
    ).toBe(2);
    expect(
      samples.get(
        'nodepool_launches_total{label=small-label,provider=other-provider,result=error.quota}',
      ),
    ).toBe(1);
    expect(samples.get('nodepool_deletes_total{label=fake-label,provider=fake-provider}')).toBe(1);
    expect(samples.get('nodepool_image_builds{image=fake-image,state=ready}')).toBe(1);
    expect(
      samples.get('nodepool_image_uploads{image=fake-image,provider=fake-provider,state=ready}'),
    ).toBe(1);
    expect(
      samples.get(
        'nodepool_image_uploads{image=fake-image,provider=other-provider,state=uploading}',
      ),
    ).toBe(1);
    expect(samples.get('nodepool_status_source_up{source=database}')).toBe(1);
    expect(samples.get('nodepool_status_source_up{source=zookeeper}')).toBe(1);
  });

  it('exports quota episodes, providers over quota and stuck labels', async () => {
    const policies = world.counters.policies;
    policies.setOverQuota('other-provider', true);
    policies.setOverQuota('other-provider', false);
    policies.setOverQuota('other-provider', true);
    policies.setStuck('small-label', {
      label: 'small-label',
      since: NOW_MS - 700_000,
      cause: 'no-upload',
      message: 'no ready upload of image "fake-image" in any of its providers (other-provider)',
    });
    const app = await world.start();
    const { types, samples } = parseExposition((await http(app.url + '/metrics')).body);
    expect(types.get('nodepool_provider_quota_exceeded_total')).toBe('counter');
    expect(samples.get('nodepool_provider_quota_exceeded_total{provider=other-provider}')).toBe(2);
    expect(samples.get('nodepool_provider_over_quota{provider=other-provider}')).toBe(1);
    expect(samples.get('nodepool_provider_over_quota{provider=fake-provider}')).toBe(0);
    expect(samples.get('nodepool_label_stuck{label=small-label}')).toBe(1);
    expect(samples.get('nodepool_label_stuck{label=fake-label}')).toBe(0);
    const alarms = JSON.parse((await http(app.url + '/alarms.json')).body) as {
      stuck: { label: string; cause: string; seconds: number }[];
      overQuota: string[];
    };
    expect(alarms.overQuota).toEqual(['other-provider']);
    expect(alarms.stuck).toMatchObject([{ label: 'small-label', cause: 'no-upload' }]);
    expect(alarms.stuck[0]!.seconds).toBeGreaterThanOrEqual(700);
  });

  it('escapes label values and reports an unconfigured source as down', async () => {
    world.counters.countLaunch({ provider: 'p"1\\x', label: 'line\nbreak', result: 'ready' });
    const app = await world.start({ source: world.source({ withZk: false }) });
    const r = await http(app.url + '/metrics');
    expect(r.body).toContain(
      'nodepool_launches_total{provider="p\\"1\\\\x",label="line\\nbreak",result="ready"} 1',
    );
    const { samples } = parseExposition(r.body);
    expect(samples.get('nodepool_status_source_up{source=zookeeper}')).toBe(0);
    expect(samples.get('nodepool_status_source_up{source=database}')).toBe(1);
    expect([...samples.keys()].some((k) => k.startsWith('nodepool_image_'))).toBe(false);
    expect(samples.get('nodepool_nodes{state=ready}')).toBe(0);
  });
});
