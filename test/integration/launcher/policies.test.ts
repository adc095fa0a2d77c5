/**
 * Pool policies beyond 0.4.0 through a real `nodepoold` child process and two fake clouds:
 * quota failover driven by the fake cloud's quota knob (no create reaches the full cloud
 * until its limits change; the label is met from the other cloud; one WARNING, one statsd
 * count), and the stuck-demand alarm for a label whose image never uploads.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { stateName } from '../../../src/db/index.js';
import { FakeCloud } from '../../../src/fakecloud/index.js';
import { ROOT } from '../../support/cli.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { LauncherHarness } from './harness.js';

const zk = sharedZooKeeper();
if (zk.address === null) process.stderr.write(`SKIPPED launcher policy tests: ${zk.reason}\n`);

const CREATE = 'compute POST /v2.1/servers';

function startNodepoold(
  h: LauncherHarness,
  statsdPort: number,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    [
      '--import',
      pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
      join(ROOT, 'test/support/nodepoold-harness.ts'),
      '--fake-ssh',
      '-d',
      '--no-webapp',
      '-c',
      h.configPath,
      '-s',
      h.securePath,
    ],
    {
      cwd: h.dir,
      env: {
        ...process.env,
        OS_CLIENT_CONFIG_FILE: join(h.dir, 'clouds.yaml'),
        STATSD_HOST: '127.0.0.1',
        STATSD_PORT: String(statsdPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, output: () => out, exited };
}

function config(h: LauncherHarness, minReady: number): string {
  const server = h.chroot.servers[0]!;
  return [
    'stuck-after: 3',
    'zookeeper-servers:',
    `  - host: ${server.host}`,
    `    port: ${server.port}`,
    `    chroot: ${server.chroot}`,
    'labels:',
    '  - name: small',
    '    image: fake-image',
    `    min-ready: ${minReady}`,
    '    providers:',
    '      - name: alpha',
    '      - name: beta',
    '  - name: lonely',
    '    image: never-image',
    '    min-ready: 1',
    '    providers:',
    '      - name: beta',
    'providers:',
    ...['alpha', 'beta'].flatMap((name) => [
      `  - name: ${name}`,
      `    cloud: ${name}`,
      '    max-servers: 20',
      '    rate: 0.001',
      '    images:',
      '      - name: fake-image',
      '        min-ram: 512',
      '      - name: never-image',
      '        min-ram: 512',
    ]),
    'targets:',
    '  - name: t',
    '',
  ].join('\n');
}

describe.skipIf(zk.address === null)('pool policies in nodepoold', () => {
  let h: LauncherHarness | null = null;
  let beta: FakeCloud | null = null;
  const children: ChildProcess[] = [];
  let output = (): string => '';
  afterEach(async () => {
    // To read the daemon's log of a failed run: POLICY_TEST_OUTPUT=/some/file.
    const dump = process.env['POLICY_TEST_OUTPUT'];
    if (dump !== undefined) await writeFile(dump, output());
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h?.stop();
    await beta?.stop();
    h = null;
    beta = null;
  });

  it('fails over a full cloud, creates nothing there until its quota is raised, and warns of a label without upload', async () => {
    const t = (h = await LauncherHarness.create({
      backend: { name: 'sqlite', available: true },
      zookeeper: zk.address!,
      statsd: true,
    }));
    const alpha = t.cloud;
    beta = new FakeCloud({ checkKeyNames: false, buildDelayMs: 20 });
    await beta.start();
    alpha.setKnobs({ quota: { instances: 2 } });
    const betaClouds = beta.cloudsYaml('beta').split('\n').slice(1).join('\n');
    await writeFile(join(t.dir, 'clouds.yaml'), alpha.cloudsYaml('alpha') + betaClouds);
    await t.writeConfig(config(t, 6));
    const buildId = await t.images.storeBuild('fake-image', {
      state: 'ready',
      builder: 'test',
      formats: ['qcow2'],
    });
    for (const [name, cloud] of [
      ['alpha', alpha],
      ['beta', beta],
    ] as const) {
      const image = cloud.snapshot().images[0]!;
      await t.images.storeUpload('fake-image', buildId, name, {
        state: 'ready',
        externalId: image.id,
        externalName: image.name,
      });
    }

    const d = startNodepoold(t, t.statsd!.port);
    children.push(d.child);
    output = d.output;
    const readyOf = async (): Promise<Record<string, number>> => {
      const out: Record<string, number> = {};
      for (const n of await t.nodes())
        if (n.labelName === 'small' && stateName(n.state) === 'ready')
          out[n.providerName] = (out[n.providerName] ?? 0) + 1;
      return out;
    };
    await waitFor(
      async () => {
        const r = await readyOf();
        return (r['alpha'] ?? 0) + (r['beta'] ?? 0) === 6;
      },
      { timeoutMs: 60_000, what: `six ready small nodes; output: ${d.output()}`, intervalMs: 250 },
    );
    const ready = await readyOf();
    expect(ready['alpha'] ?? 0).toBeLessThanOrEqual(2);
    expect(alpha.snapshot().servers.length).toBeLessThanOrEqual(2);
    await t.statsd!.waitForLine(/^nodepool\.provider\.alpha\.quota_exceeded:1\|c$/);

    // The label without an upload: one WARNING naming the cause, the gauge at 1.
    await waitFor(() => d.output().includes('Label lonely is stuck'), {
      timeoutMs: 30_000,
      what: `the stuck alarm of label lonely; output: ${d.output()}`,
    });
    await t.statsd!.waitForLine(/^nodepool\.label\.lonely\.stuck:1\|g$/);
    const stuckLine = d
      .output()
      .split('\n')
      .find((l) => l.includes('Label lonely is stuck'))!;
    expect(stuckLine).toContain('no ready upload of image \\"never-image\\"');

    // Passes go on (launch ends, timers): still no create reaches alpha.
    const creates = alpha.calls()[CREATE] ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(alpha.calls()[CREATE] ?? 0).toBe(creates);
    expect(
      d
        .output()
        .split('\n')
        .filter((l) => l.includes('is over quota')).length,
    ).toBe(1);

    // Raise alpha's quota and the label's need: alpha's limits show room, it launches again.
    alpha.setKnobs({ quota: { instances: 50 } });
    // Read again at most once per loop interval (10 s in nodepoold).
    await waitFor(() => d.output().includes('Provider alpha is no longer over quota'), {
      timeoutMs: 30_000,
      what: 'the end of the quota episode',
    });
    await t.writeConfig(config(t, 14));
    await waitFor(
      async () => {
        const r = await readyOf();
        return (r['alpha'] ?? 0) > 2 && (r['alpha'] ?? 0) + (r['beta'] ?? 0) === 14;
      },
      { timeoutMs: 60_000, what: `alpha launching again; output: ${d.output()}`, intervalMs: 250 },
    );
    expect(
      d
        .output()
        .split('\n')
        .filter((l) => l.includes('Label lonely is stuck')).length,
    ).toBe(1);
    d.child.kill('SIGINT');
    expect(await d.exited).toBe(0);
  }, 180_000);
});
