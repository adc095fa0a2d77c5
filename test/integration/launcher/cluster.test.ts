/**
 * Three real `nodepoold` processes on one three-server ZooKeeper ensemble and one database
 * (each SQL backend), sharing two providers of the fake cloud (issue #15): the pool is
 * filled once (never more rows than min-ready, never more than max-servers per provider,
 * sampled all along), one launcher killed with SIGKILL mid-launch has its providers adopted
 * by the others, and in the end min-ready is back with cloud servers = node rows.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { readLauncherList } from '../../../src/cluster/index.js';
import type { LauncherListEntry } from '../../../src/cluster/index.js';
import { stateName } from '../../../src/db/index.js';
import { ROOT } from '../../support/cli.js';
import { waitFor } from '../../support/wait-for.js';
import {
  ZooKeeperEnsemble,
  freePort,
  zooKeeperUnavailableReason,
} from '../../support/zookeeper.js';
import { LauncherHarness } from './harness.js';

const reason = zooKeeperUnavailableReason();
const backends = inject('sqlBackends');
if (reason !== null) process.stderr.write(`SKIPPED launcher cluster tests: ${reason}\n`);
for (const b of backends.filter((x) => !x.available))
  process.stderr.write(`SKIPPED launcher cluster tests on ${b.name}: ${b.reason}\n`);

const MIN_READY = 6;
const MAX_SERVERS = 4;
const PROVIDERS = ['p1', 'p2'];

interface Daemon {
  readonly name: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function startNodepoold(
  h: LauncherHarness,
  name: string,
  webPort?: number,
  extraArgs: readonly string[] = [],
): Daemon {
  const child = spawn(
    process.execPath,
    [
      '--import',
      pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
      join(ROOT, 'test/support/nodepoold-harness.ts'),
      '--fake-ssh',
      '-d',
      ...(webPort === undefined ? ['--no-webapp'] : ['--web-address', `127.0.0.1:${webPort}`]),
      '--launcher-name',
      name,
      ...extraArgs,
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
  return { name, child, output: () => out, exited };
}

function config(ensemble: ZooKeeperEnsemble, chroot: string): string {
  const lines = [
    'cron:',
    "  cleanup: '* * * * * *'",
    "  check: '*/15 * * * *'",
    'zookeeper-servers:',
    ...ensemble
      .entries(chroot)
      .flatMap((s) => [`  - host: ${s.host}`, `    port: ${s.port}`, `    chroot: ${chroot}`]),
    'labels:',
    '  - name: small',
    '    image: fake-image',
    `    min-ready: ${MIN_READY}`,
    '    providers:',
    ...PROVIDERS.map((p) => `      - name: ${p}`),
    'providers:',
    ...PROVIDERS.flatMap((p) => [
      `  - name: ${p}`,
      '    cloud: fake',
      `    max-servers: ${MAX_SERVERS}`,
      '    rate: 0.001',
      '    images:',
      '      - name: fake-image',
      '        min-ram: 512',
    ]),
    'targets:',
    '  - name: t',
    '',
  ];
  return lines.join('\n');
}

/** Samples the database all along: rows not being deleted, in total and per provider. */
function sampler(h: LauncherHarness): { stop(): Promise<string[]> } {
  const violations: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const live = (await h.nodes()).filter((n) => stateName(n.state) !== 'delete');
        if (live.length > MIN_READY) violations.push(`${live.length} live rows`);
        for (const p of PROVIDERS) {
          const n = live.filter((r) => r.providerName === p).length;
          if (n > MAX_SERVERS) violations.push(`${n} live rows in ${p}`);
        }
      } catch (err) {
        if (running) violations.push(`cannot sample: ${String(err)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return violations;
    },
  };
}

describe.skipIf(reason !== null)('nodepoold launchers sharing ZooKeeper and a database', () => {
  let ensemble: ZooKeeperEnsemble | null = null;
  beforeAll(async () => {
    ensemble = await ZooKeeperEnsemble.start();
  }, 180_000);
  afterAll(async () => {
    await ensemble?.stop();
  });

  it('refuses a second launcher with a live launcher’s name: nodepoold exits non-zero at start', async () => {
    const t = await LauncherHarness.create({
      backend: { name: 'sqlite', available: true },
      zookeeper: ensemble!.list()[0]!,
    });
    const started: Daemon[] = [];
    try {
      await writeFile(join(t.dir, 'clouds.yaml'), t.cloud.cloudsYaml('fake'));
      await writeFile(t.configPath, config(ensemble!, t.chroot.path));
      const port = await freePort();
      const first = startNodepoold(t, 'twin', port);
      started.push(first);
      await waitFor(async () => (await readLauncherList(t.zk)).length === 1, {
        timeoutMs: 60_000,
        what: `the first launcher registered; ${first.output()}`,
      });
      // Its web app shows the cluster it is a member of.
      const web = await waitFor(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/launcher-list.json`).catch(() => null);
          if (res?.ok !== true) return null;
          const list = (await res.json()) as LauncherListEntry[];
          return list.length === 1 && list[0]!.providers.length === PROVIDERS.length ? list : null;
        },
        { timeoutMs: 60_000, what: `/launcher-list.json with twin owning both providers` },
      );
      expect(web[0]).toMatchObject({ name: 'twin', leader: true, providers: PROVIDERS });
      const second = startNodepoold(t, 'twin');
      started.push(second);
      expect(await second.exited, second.output()).not.toBe(0);
      expect(second.output()).toContain('Launcher name "twin" is already taken');
      expect(first.child.exitCode).toBeNull();
      first.child.kill('SIGINT');
      expect(await first.exited, first.output()).toBe(0);
    } finally {
      for (const d of started)
        if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
      await t.stop();
    }
  }, 120_000);

  it('leaves leadership and every provider to a launcher that launches when one runs with --no-launches', async () => {
    const t = await LauncherHarness.create({
      backend: { name: 'sqlite', available: true },
      zookeeper: ensemble!.list()[0]!,
    });
    const started: Daemon[] = [];
    const outputs = (): string => started.map((d) => `${d.name}: ${d.output()}`).join('\n');
    try {
      await writeFile(join(t.dir, 'clouds.yaml'), t.cloud.cloudsYaml('fake'));
      await writeFile(t.configPath, config(ensemble!, t.chroot.path));
      await t.addUpload('fake-image', PROVIDERS);
      // The --no-launches launcher starts first: it would have led and owned everything.
      started.push(startNodepoold(t, 'quiet', undefined, ['--no-launches']));
      await waitFor(async () => (await readLauncherList(t.zk)).length === 1, {
        timeoutMs: 60_000,
        what: `quiet registered; ${outputs()}`,
      });
      started.push(startNodepoold(t, 'busy'));
      const list = await waitFor(
        async () => {
          const l = await readLauncherList(t.zk);
          const busy = l.find((m) => m.name === 'busy');
          return l.length === 2 && busy?.providers.length === PROVIDERS.length ? l : null;
        },
        { timeoutMs: 60_000, what: `busy owning every provider; ${outputs()}` },
      );
      expect(list.map((m) => [m.name, m.leader, m.providers])).toEqual([
        ['busy', true, PROVIDERS],
        ['quiet', false, []],
      ]);
      // The launches are not requested of the --no-launches launcher: the pool fills.
      await t.waitReady({ small: MIN_READY }, 90_000);
      for (const d of started) d.child.kill('SIGINT');
      for (const d of started) expect(await d.exited, `${d.name}: ${d.output()}`).toBe(0);
    } finally {
      for (const d of started)
        if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
      await t.stop();
    }
  }, 180_000);

  for (const backend of backends.filter((b) => b.available)) {
    describe(backend.name, () => {
      let h: LauncherHarness | null = null;
      let samples: { stop(): Promise<string[]> } | null = null;
      const daemons: Daemon[] = [];
      afterEach(async () => {
        await samples?.stop();
        samples = null;
        for (const d of daemons.splice(0))
          if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
        await h?.stop();
        h = null;
      });

      it('fills the pool once and hands a killed launcher’s providers over', async () => {
        const t = (h = await LauncherHarness.create({
          backend,
          zookeeper: ensemble!.list()[0]!,
          cloud: { buildDelayMs: 1500 },
        }));
        await writeFile(join(t.dir, 'clouds.yaml'), t.cloud.cloudsYaml('fake'));
        await writeFile(t.configPath, config(ensemble!, t.chroot.path));
        await t.addUpload('fake-image', PROVIDERS);
        samples = sampler(t);
        for (const name of ['l1', 'l2', 'l3']) daemons.push(startNodepoold(t, name));
        const outputs = (): string => daemons.map((d) => `${d.name}: ${d.output()}`).join('\n');
        const claimed = (list: LauncherListEntry[], names: string[]): boolean =>
          PROVIDERS.every((p) =>
            list.some((m) => names.includes(m.name) && m.providers.includes(p)),
          );
        const list = await waitFor(
          async () => {
            const l = await readLauncherList(t.zk);
            return l.length === 3 && claimed(l, ['l1', 'l2', 'l3']) ? l : null;
          },
          { timeoutMs: 60_000, what: `three members owning both providers; ${outputs()}` },
        );
        expect(list.filter((m) => m.leader)).toHaveLength(1);
        // Kill the owner of a provider that is building, in the middle of its launches.
        const building = await waitFor(
          async () => (await t.nodes()).find((n) => stateName(n.state) === 'building') ?? null,
          { timeoutMs: 30_000, what: 'a building node' },
        );
        const victimName = list.find((m) => m.providers.includes(building.providerName))!.name;
        const victim = daemons.find((d) => d.name === victimName)!;
        victim.child.kill('SIGKILL');
        await victim.exited;
        const survivors = daemons.filter((d) => d !== victim).map((d) => d.name);
        const after = await waitFor(
          async () => {
            const l = await readLauncherList(t.zk);
            return l.length === 2 && claimed(l, survivors) ? l : null;
          },
          { timeoutMs: 60_000, what: `the survivors owning both providers; ${outputs()}` },
        );
        expect(after.filter((m) => m.leader)).toHaveLength(1);
        await t.waitReady({ small: MIN_READY }, 90_000);
        await t.waitConsistent(30_000);
        expect(t.servers()).toHaveLength(MIN_READY);
        expect(await samples.stop()).toEqual([]);
        for (const d of daemons.filter((x) => x !== victim)) d.child.kill('SIGINT');
        for (const d of daemons.filter((x) => x !== victim))
          expect(await d.exited, `${d.name}: ${d.output()}`).toBe(0);
      }, 240_000);
    });
  }
});
