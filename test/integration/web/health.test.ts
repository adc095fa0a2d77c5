/**
 * The health endpoints of a real `nodepoold` process (through the test harness, with fake
 * node SSH and a 1 s main loop): its own ZooKeeper server, which the test stops and
 * starts, and MariaDB behind a TCP proxy, which the test cuts (ready names `database`) and
 * stalls (the main loop hangs on its queries, so live goes 503).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { ROOT } from '../../support/cli.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { waitFor } from '../../support/wait-for.js';
import { ZooKeeperServer, freePort, zooKeeperUnavailableReason } from '../../support/zookeeper.js';
import { LauncherHarness } from '../launcher/harness.js';

const mysql = inject('sqlBackends').find((b) => b.name === 'mysql' && b.available);
const reason =
  zooKeeperUnavailableReason() ?? (mysql === undefined ? 'MariaDB is not available' : null);
if (reason !== null) process.stderr.write(`SKIPPED nodepoold health test: ${reason}\n`);

interface Answer {
  status: number;
  body: { status: string; checks: Record<string, { status: string; detail?: string }> };
}

async function get(port: number, path: string): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

async function waitStatus(
  port: number,
  path: string,
  status: number,
  what: string,
  output: () => string,
): Promise<Answer> {
  let last: Answer | string | null = null;
  try {
    return await waitFor(
      async () => {
        const answer = await get(port, path).catch((err: unknown) => String(err));
        last = answer;
        return typeof answer === 'object' && answer.status === status ? answer : null;
      },
      // A loaded machine may take a while to restart ZooKeeper and reconnect to it.
      { timeoutMs: 60_000, intervalMs: 250, what: `${path} ${status} ${what}` },
    );
  } catch (err) {
    // Described when it happens: the last answer and the daemon's output by then.
    throw new Error(
      `${String(err)}; last: ${JSON.stringify(last)}; output: ${output().slice(-3000)}`,
      { cause: err },
    );
  }
}

describe.skipIf(reason !== null)('nodepoold health endpoints', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('goes 503 naming zookeeper or database while they are down, and back to 200', async () => {
    const zkServer = await ZooKeeperServer.start();
    cleanup.push(() => zkServer.stop());
    const h = await LauncherHarness.create({
      backend: mysql!,
      zookeeper: { host: zkServer.host, port: zkServer.port },
    });
    cleanup.push(() => h.stop());
    const dbTarget = new URL(h.sql.dburi.replace(/^[^:]+:/, 'http:'));
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(dbTarget.port) });
    cleanup.push(() => proxy.stop());
    await writeFile(join(h.dir, 'clouds.yaml'), h.cloud.cloudsYaml('fake'));
    await writeFile(
      h.securePath,
      `[database]\ndburi=${h.sql.dburi.replace(`:${dbTarget.port}/`, `:${proxy.port}/`)}\n`,
    );
    const server = h.chroot.servers[0]!;
    await h.writeConfig(
      [
        'zookeeper-servers:',
        `  - host: ${server.host}`,
        `    port: ${server.port}`,
        `    chroot: ${server.chroot}`,
        'labels:',
        '  - name: small',
        '    image: fake-image',
        '    min-ready: 0',
        '    providers:',
        '      - name: fake',
        'providers:',
        '  - name: fake',
        '    cloud: fake',
        '    max-servers: 2',
        '    images:',
        '      - name: fake-image',
        '        min-ram: 512',
        'targets:',
        '  - name: t',
        '',
      ].join('\n'),
    );
    const port = await freePort();
    const child: ChildProcess = spawn(
      process.execPath,
      [
        '--import',
        pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
        join(ROOT, 'test/support/nodepoold-harness.ts'),
        '--fake-ssh',
        '--interval-ms',
        '1000',
        '-d',
        '--web-address',
        `127.0.0.1:${port}`,
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
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    cleanup.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    });
    const output = (): string => out;

    const ready = await waitStatus(port, '/health/ready', 200, 'at start', output);
    expect(ready.body).toMatchObject({
      status: 'up',
      checks: {
        config: { status: 'up' },
        database: { status: 'up' },
        zookeeper: { status: 'up' },
        providers: { status: 'up', detail: 'answered: fake' },
      },
    });
    expect((await get(port, '/health/live')).body).toMatchObject({
      status: 'up',
      checks: { loop: { status: 'up' } },
    });
    const head = await fetch(`http://127.0.0.1:${port}/health/ready`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);

    // ZooKeeper stops: ready names it; the loop goes on (a pass ends after the stop), so
    // live stays 200.
    await zkServer.kill();
    const killedAt = Date.now();
    const zkDown = await waitStatus(port, '/health/ready', 503, 'with ZooKeeper stopped', output);
    expect(zkDown.body.status).toBe('down');
    expect(zkDown.body.checks.zookeeper?.status).toBe('down');
    expect(zkDown.body.checks.database?.status).toBe('up');
    let live: Answer | null = null;
    await waitFor(
      async () => {
        const askedAt = Date.now();
        live = await get(port, '/health/live');
        const age = /^last pass ended ([\d.]+) s ago/.exec(live.body.checks.loop?.detail ?? '');
        return age !== null && askedAt - Number(age[1]) * 1000 > killedAt + 100;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: `a pass after ZooKeeper stopped: ${output()}` },
    );
    expect(live!.status).toBe(200);
    await zkServer.restart();
    await waitStatus(port, '/health/ready', 200, 'after ZooKeeper restarted', output);

    // The database refuses connections: ready names it.
    proxy.pause();
    const dbDown = await waitStatus(port, '/health/ready', 503, 'with the database cut', output);
    expect(dbDown.body.checks.database?.status).toBe('down');
    expect(dbDown.body.checks.zookeeper?.status).toBe('up');
    proxy.resume();
    await waitStatus(port, '/health/ready', 200, 'after the database came back', output);

    // The database hangs: the main loop waits on it, so live goes 503 after three intervals.
    proxy.stall();
    const stalled = await waitStatus(port, '/health/live', 503, 'with the database hung', output);
    expect(stalled.body.checks.loop?.detail).toMatch(
      /^last pass ended [\d.]+ s ago \(limit 3\.0 s\)$/,
    );
    proxy.resume();
    await waitStatus(port, '/health/live', 200, 'after the database answered again', output);
    await waitStatus(port, '/health/ready', 200, 'after the database answered again', output);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 180_000);
});
