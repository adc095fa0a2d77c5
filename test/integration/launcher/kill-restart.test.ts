/**
 * A real `nodepoold` child process killed with SIGKILL in the middle of launches, then
 * started again: in the end the cloud's servers and the database's nodes are the same set.
 * The fake cloud lives in the test process, so it survives the kill.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { stateName } from '../../../src/db/index.js';
import { ROOT } from '../../support/cli.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { LauncherHarness } from './harness.js';

const zk = sharedZooKeeper();
if (zk.address === null) process.stderr.write(`SKIPPED launcher kill/restart test: ${zk.reason}\n`);

function startNodepoold(h: LauncherHarness): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
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
      env: { ...process.env, OS_CLIENT_CONFIG_FILE: join(h.dir, 'clouds.yaml'), STATSD_HOST: '' },
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

describe.skipIf(zk.address === null)('nodepoold killed mid-launch', () => {
  let h: LauncherHarness | null = null;
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await h?.stop();
    h = null;
  });

  it('ends with cloud servers equal to database nodes after SIGKILL and restart', async () => {
    const t = (h = await LauncherHarness.create({
      backend: { name: 'sqlite', available: true },
      zookeeper: zk.address!,
      cloud: { buildDelayMs: 1500 },
    }));
    await writeFile(join(t.dir, 'clouds.yaml'), t.cloud.cloudsYaml('fake'));
    const server = t.chroot.servers[0]!;
    await t.writeConfig(
      [
        'cron:',
        "  cleanup: '* * * * * *'",
        "  check: '*/15 * * * *'",
        'zookeeper-servers:',
        `  - host: ${server.host}`,
        `    port: ${server.port}`,
        `    chroot: ${server.chroot}`,
        'labels:',
        '  - name: small',
        '    image: fake-image',
        '    min-ready: 8',
        '    providers:',
        '      - name: fake',
        'providers:',
        '  - name: fake',
        '    cloud: fake',
        '    max-servers: 20',
        '    rate: 0.001',
        '    images:',
        '      - name: fake-image',
        '        min-ram: 512',
        'targets:',
        '  - name: t',
        '',
      ].join('\n'),
    );
    await t.addUpload('fake-image', ['fake']);
    const first = startNodepoold(t);
    children.push(first.child);
    await waitFor(() => t.servers().length >= 4, {
      timeoutMs: 30_000,
      what: `servers being built; output: ${first.output()}`,
    });
    expect(await t.states()).toHaveProperty('building');
    first.child.kill('SIGKILL');
    await first.exited;

    const second = startNodepoold(t);
    children.push(second.child);
    await waitFor(
      async () => {
        const nodes = await t.nodes();
        return nodes.length === 8 && nodes.every((n) => stateName(n.state) === 'ready');
      },
      { timeoutMs: 60_000, what: 'eight ready nodes after the restart', intervalMs: 250 },
    );
    await t.waitConsistent(30_000);
    expect(t.servers()).toHaveLength(8);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });
});
