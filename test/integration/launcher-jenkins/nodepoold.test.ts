/**
 * The real `nodepoold` with `zmq-publishers` and `gearman-servers` configured: it starts,
 * connects to Gearman, a Jenkins event from a real ZeroMQ publisher turns its node `used`,
 * a queued Zuul job launches another node, and SIGINT stops it with status 0.
 * Uses `bin/nodepoold` when `dist/` is fresh (as in `npm test`), otherwise the sources.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { stateName } from '../../../src/db/index.js';
import { delay } from '../../../src/util/index.js';
import { ROOT } from '../../support/cli.js';
import { Gearmand, gearmandUnavailableReason } from '../../support/gearmand.js';
import { waitFor } from '../../support/wait-for.js';
import { ZmqPublisher } from '../../support/zmq-publisher.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { LauncherHarness } from '../launcher/harness.js';

const zk = sharedZooKeeper();
const reason = zk.address === null ? zk.reason : gearmandUnavailableReason();
if (reason !== null) process.stderr.write(`SKIPPED nodepoold Jenkins/Gearman test: ${reason}\n`);

/** nodepoold's shipped main() through the test harness, with fake node SSH. */
function nodepooldCommand(): string[] {
  return [
    '--import',
    pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
    join(ROOT, 'test/support/nodepoold-harness.ts'),
    '--fake-ssh',
  ];
}

describe.skipIf(reason !== null)('nodepoold with Jenkins events and Gearman', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('marks a node used on a ZeroMQ event, launches for Zuul demand, and stops cleanly on SIGINT', async () => {
    const g = await Gearmand.start();
    cleanup.push(() => g.stop());
    const pub = await ZmqPublisher.start();
    cleanup.push(() => pub.close());
    const h = await LauncherHarness.create({
      backend: { name: 'sqlite', available: true },
      zookeeper: zk.address!,
    });
    cleanup.push(() => h.stop());
    await writeFile(join(h.dir, 'clouds.yaml'), h.cloud.cloudsYaml('fake'));
    const server = h.chroot.servers[0]!;
    await h.writeConfig(
      [
        "cron: { cleanup: '0 0 1 1 *', check: '0 0 1 1 *' }",
        `zmq-publishers: ['${pub.address}']`,
        `gearman-servers: [{ host: ${g.host}, port: ${g.port} }]`,
        `zookeeper-servers: [{ host: ${server.host}, port: ${server.port}, chroot: ${server.chroot} }]`,
        'labels:',
        '  - { name: fake-label, image: fake-image, min-ready: 1, providers: [{ name: fake-provider }] }',
        'providers:',
        '  - { name: fake-provider, cloud: fake, max-servers: 10, rate: 0.001, images: [{ name: fake-image, min-ram: 512 }] }',
        'targets:',
        '  - name: fake-target',
        '',
      ].join('\n'),
    );
    // The compat secure.conf: fake-target uses upstream's in-memory Jenkins (apikey fake).
    await h.addUpload('fake-image', ['fake-provider']);
    const child: ChildProcess = spawn(
      process.execPath,
      [...nodepooldCommand(), '-d', '--no-webapp', '-c', h.configPath, '-s', h.securePath],
      {
        cwd: h.dir,
        env: { ...process.env, OS_CLIENT_CONFIG_FILE: join(h.dir, 'clouds.yaml'), STATSD_HOST: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    cleanup.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );

    const [node] = await h.waitReady({ 'fake-label': 1 }, 60_000).catch((err: unknown) => {
      throw new Error(`${String(err)}\n--- nodepoold output ---\n${output.slice(-4000)}`);
    });
    // The daemon's Gearman client is connected (gearmand lists it with its client id).
    await waitFor(async () => (await g.admin('workers')).includes('nodepool'), {
      what: 'nodepoold connected to gearmand',
      timeoutMs: 20_000,
    });

    // Its SUB socket may still be connecting: repeat the event until it takes effect.
    await waitFor(
      async () => {
        await pub.send('onStarted', { node: node!.nodename!, job: 'tempest' });
        await delay(100);
        return stateName((await h.db.nodes.get(node!.id))?.state ?? null) === 'used';
      },
      { what: `node ${node!.id} to become used`, timeoutMs: 20_000 },
    );

    // One queued Zuul job: demand 1 + min-ready 1 - supply 1 (the used node) = 1 more node.
    await g.queue('build:tempest:fake-label', 1);
    await waitFor(
      async () => (await h.nodes()).filter((n) => stateName(n.state) === 'ready').length === 1,
      { what: 'a second node for the Zuul demand', timeoutMs: 30_000 },
    );

    // SIGUSR2: the report shows each integration's connections and last results.
    child.kill('SIGUSR2');
    const report = await waitFor(
      () => {
        const line = output.split('\n').find((l) => l.includes('"Diagnostic report"'));
        return line === undefined
          ? null
          : (JSON.parse(line) as {
              diagnostics: {
                services: Array<{
                  service: string;
                  diagnostics?: { integrations?: Record<string, any> };
                }>;
              };
            });
      },
      { what: 'the diagnostic report', timeoutMs: 10_000 },
    );
    const integrations = report.diagnostics.services.find((x) => x.service === 'LauncherPool')
      ?.diagnostics?.integrations;
    expect(integrations?.['jenkins-zuul']).toMatchObject({
      zmq: [
        {
          address: pub.address,
          isConnected: true,
          received: expect.any(Number),
          lastMessageAt: expect.any(String),
        },
      ],
      gearman: {
        servers: [`${g.host}:${g.port}`],
        connected: [`${g.host}:${g.port}`],
        lastDemand: { 'fake-label': 1 },
        lastDemandAt: expect.any(String),
      },
      jenkinsTargets: [{ target: 'fake-target', isOnline: true, checkedAt: expect.any(String) }],
    });
    expect(integrations?.['jenkins-zuul'].zmq[0].received).toBeGreaterThanOrEqual(1);
    expect(integrations?.['snapshot images']).toEqual({
      isActive: false,
      isChecking: false,
      updatesRunning: [],
      cronsRunning: [],
      failures: [],
    });

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).not.toMatch(/"level":50/);
  });
});
