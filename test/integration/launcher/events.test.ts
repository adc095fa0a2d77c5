/**
 * State changes seen at once across processes (issue #15). The launcher runs with a
 * ten-minute interval and no cleanup cron, so within these tests' time limits only an event
 * can explain a pass: the real `nodepool delete` / `hold` poking ZooKeeper (with the
 * database poll slowed down as much), or the database fingerprint after a plain SQL UPDATE
 * (no poke at all).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { stateCode, stateName } from '../../../src/db/index.js';
import type { FakeRequestRecord } from '../../../src/fakecloud/index.js';
import { ROOT } from '../../support/cli.js';
import { runCliChild } from '../../support/nodepool-cli.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { LauncherHarness } from './harness.js';

const zk = sharedZooKeeper();
if (zk.address === null) process.stderr.write(`SKIPPED launcher events tests: ${zk.reason}\n`);

const LONG_MS = 600_000;

/**
 * A real nodepoold reaches the fake cloud through `clouds.yaml`; the in-process launcher
 * through the harness's drivers (0.4.0 credentials, `auth-url: fake`).
 */
function configYaml(h: LauncherHarness, cloud: 'clouds.yaml' | 'in-process'): string {
  const server = h.chroot.servers[0]!;
  return [
    'cron:',
    "  cleanup: '0 0 1 1 *'",
    "  check: '0 0 1 1 *'",
    'zookeeper-servers:',
    `  - host: ${server.host}`,
    `    port: ${server.port}`,
    `    chroot: ${server.chroot}`,
    'labels:',
    '  - name: small',
    '    image: fake-image',
    '    min-ready: 2',
    '    providers:',
    '      - name: fake',
    'providers:',
    '  - name: fake',
    ...(cloud === 'clouds.yaml'
      ? ['    cloud: fake']
      : [
          "    username: 'fake'",
          "    password: 'fake'",
          "    auth-url: 'fake'",
          "    project-id: 'fake'",
        ]),
    '    max-servers: 10',
    '    rate: 0.001',
    '    images:',
    '      - name: fake-image',
    '        min-ram: 512',
    'targets:',
    '  - name: t',
    '',
  ].join('\n');
}

function isCreate(r: FakeRequestRecord): boolean {
  return r.method === 'POST' && r.path.endsWith('/servers');
}

function isDeleteOf(serverId: string): (r: FakeRequestRecord) => boolean {
  return (r) => r.method === 'DELETE' && r.path.endsWith(`/servers/${serverId}`);
}

function startNodepoold(h: LauncherHarness): { child: ChildProcess; output: () => string } {
  const child = spawn(
    process.execPath,
    [
      '--import',
      pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
      join(ROOT, 'test/support/nodepoold-harness.ts'),
      '--fake-ssh',
      '--timing',
      `intervalMs=${LONG_MS}`,
      '--timing',
      `changePollMs=${LONG_MS}`,
      '-d',
      '--no-webapp',
      '-c',
      h.configPath,
      '-s',
      h.securePath,
    ],
    {
      cwd: h.dir,
      env: { ...process.env, OS_CLIENT_CONFIG_FILE: join(h.dir, 'clouds.yaml'), STATSD_HOST: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

describe.skipIf(zk.address === null)('nodepoold woken by the nodepool CLI', () => {
  let h: LauncherHarness | null = null;
  let daemon: ChildProcess | null = null;
  afterEach(async () => {
    delete process.env['OS_CLIENT_CONFIG_FILE'];
    if (daemon !== null && daemon.exitCode === null && daemon.signalCode === null) {
      const exited = new Promise((resolve) => daemon!.once('exit', resolve));
      daemon.kill('SIGKILL');
      await exited;
    }
    daemon = null;
    await h?.stop();
    h = null;
  });

  it('deletes the marked server and creates its replacement at once after `nodepool delete ID`, then the same for `hold`', async () => {
    const t = (h = await LauncherHarness.create({
      backend: { name: 'sqlite', available: true },
      zookeeper: zk.address!,
      cloud: { recordRequests: true },
    }));
    await writeFile(join(t.dir, 'clouds.yaml'), t.cloud.cloudsYaml('fake'));
    await t.writeConfig(configYaml(t, 'clouds.yaml'));
    await t.addUpload('fake-image', ['fake']);
    const d = startNodepoold(t);
    daemon = d.child;
    const ready = await t.waitReady({ small: 2 }, 60_000).catch((err: unknown) => {
      throw new Error(`No fill; daemon output: ${d.output()}`, { cause: err });
    });
    const files = { configPath: t.configPath, securePath: t.securePath };
    // The CLI child inherits this process's environment: it loads the same clouds.yaml.
    process.env['OS_CLIENT_CONFIG_FILE'] = join(t.dir, 'clouds.yaml');

    // delete: the marked server's deletion and the replacement's create, both at once.
    const marked = ready[0]!;
    const before = t.cloud.requests().length;
    const del = await runCliChild(files, ['delete', String(marked.id)]);
    expect(del.stderr).toBe('');
    expect(del.status).toBe(0);
    const since = (): FakeRequestRecord[] => t.cloud.requests().slice(before);
    await waitFor(() => since().some(isDeleteOf(marked.externalId!)) && since().some(isCreate), {
      timeoutMs: 30_000,
      what: `the delete and the create; daemon output: ${d.output()}`,
    });
    await t.waitReady({ small: 2 }, 30_000);
    expect(since().filter(isCreate)).toHaveLength(1);
    expect((await t.db.nodes.get(marked.id)) ?? null).toBeNull();

    // hold: the held node stays and a replacement is created at once.
    const held = (await t.db.nodes.list({ state: 'ready' }))[0]!;
    const beforeHold = t.cloud.requests().length;
    const hold = await runCliChild(files, ['hold', String(held.id)]);
    expect(hold.status).toBe(0);
    const sinceHold = (): FakeRequestRecord[] => t.cloud.requests().slice(beforeHold);
    await waitFor(() => sinceHold().some(isCreate), {
      timeoutMs: 30_000,
      what: `the create after hold; daemon output: ${d.output()}`,
    });
    await t.waitReady({ small: 2 }, 30_000);
    expect(sinceHold().filter(isCreate)).toHaveLength(1);
    expect(sinceHold().filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(stateName((await t.db.nodes.get(held.id))!.state)).toBe('hold');
  });
});

const backends = inject('sqlBackends');
for (const backend of backends) {
  if (!backend.available)
    process.stderr.write(`SKIPPED foreign-write test on ${backend.name}: ${backend.reason}\n`);
  describe.skipIf(zk.address === null || !backend.available)(
    `launcher noticing a plain SQL UPDATE on ${backend.name}`,
    () => {
      let h: LauncherHarness | null = null;
      afterEach(async () => {
        await h?.stop();
        h = null;
      });

      it('deletes the server and creates a replacement when a node is set to delete by SQL', async () => {
        const t = (h = await LauncherHarness.create({
          backend,
          zookeeper: zk.address!,
          cloud: { recordRequests: true },
        }));
        await t.writeConfig(configYaml(t, 'in-process'));
        await t.addUpload('fake-image', ['fake']);
        await t.start({
          timing: {
            intervalMs: LONG_MS,
            changePollMs: 200,
            deleteTimeoutMs: 30_000,
            stopGraceMs: 5000,
          },
        });
        const [node] = await t.waitReady({ small: 2 }, 20_000);
        const before = t.cloud.requests().length;
        // What a Python 0.4.0 CLI or an operator's SQL does: no poke, state_time untouched.
        await t.sql
          .knex('node')
          .where({ id: node!.id })
          .update({ state: stateCode('delete') });
        const since = (): FakeRequestRecord[] => t.cloud.requests().slice(before);
        await waitFor(() => since().some(isDeleteOf(node!.externalId!)) && since().some(isCreate), {
          timeoutMs: 20_000,
          what: 'the delete and the create after the SQL update',
        });
        await t.waitReady({ small: 2 }, 30_000);
        expect(since().filter(isCreate)).toHaveLength(1);
      });
    },
  );
}
