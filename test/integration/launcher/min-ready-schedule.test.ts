/**
 * `min-ready-schedule` end to end on the real clock, against the fake cloud over HTTP,
 * ZooKeeper and SQLite, with a period covering only the current minute in Asia/Kolkata
 * (UTC+5:30, so a zone mix-up cannot match). The period's value applies at once; at the
 * next minute the excess is deleted, oldest first, and the label is back at its own
 * min-ready. Once with a real `nodepoold` process (its `/label-list.json` read over HTTP),
 * once with the launcher service in the test process, whose loop interval is far longer
 * than a minute, so only the minute ticker can wake the pass that trims.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { stateName } from '../../../src/db/index.js';
import { ROOT } from '../../support/cli.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { LauncherHarness } from './harness.js';

const zk = sharedZooKeeper();
const sqlite = inject('sqlBackends').find((b) => b.name === 'sqlite' && b.available);
if (zk.address === null) process.stderr.write(`SKIPPED min-ready-schedule e2e: ${zk.reason}\n`);

/** Hour and minute of `atMs` in `zone`. */
function wallTime(atMs: number, zone: string): { hour: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(atMs));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value);
  return { hour: get('hour'), minute: get('minute') };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Waits, if needed, for a minute with at least 25 s left; returns a cron of that minute. */
async function thisMinute(): Promise<{ cron: string; minuteEnd: number }> {
  if (Date.now() % 60_000 > 35_000) await sleep(60_000 - (Date.now() % 60_000) + 200);
  const start = Date.now();
  const { hour, minute } = wallTime(start, 'Asia/Kolkata');
  return { cron: `${minute} ${hour} * * *`, minuteEnd: start - (start % 60_000) + 60_000 };
}

/** node.yaml with a min-ready-schedule of 3 during `cron` (Asia/Kolkata) on fake-label. */
function withSchedule(yaml: string, cron: string): string {
  return yaml.replace(
    '    min-ready: 1\n',
    `$&    min-ready-schedule:\n      timezone: Asia/Kolkata\n      periods:\n        - cron: '${cron}'\n          min-ready: 3\n`,
  );
}

/** Starts `nodepoold` (fake SSH) with its web app on `port`. */
function startNodepoold(
  t: LauncherHarness,
  port: number,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    [
      '--import',
      pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
      join(ROOT, 'test/support/nodepoold-harness.ts'),
      '--fake-ssh',
      '-d',
      '--web-address',
      `127.0.0.1:${port}`,
      '-c',
      t.configPath,
      '-s',
      t.securePath,
    ],
    {
      cwd: t.dir,
      env: { ...process.env, OS_CLIENT_CONFIG_FILE: join(t.dir, 'clouds.yaml'), STATSD_HOST: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output: () => out, exited };
}

describe.skipIf(zk.address === null || sqlite === undefined)(
  'min-ready-schedule (real clock)',
  () => {
    let h: LauncherHarness | null = null;
    let child: ChildProcess | null = null;
    afterEach(async () => {
      if (child !== null && child.exitCode === null && child.signalCode === null)
        child.kill('SIGKILL');
      child = null;
      await h?.stop();
      h = null;
    });

    it('a nodepoold process applies the period of this minute, then min-ready at the next', async () => {
      const t = (h = await LauncherHarness.create({ backend: sqlite!, zookeeper: zk.address! }));
      await writeFile(join(t.dir, 'clouds.yaml'), t.cloud.cloudsYaml('fake'));
      await t.addUpload('fake-image', ['fake-provider']);
      const port = await freePort();
      const { cron, minuteEnd } = await thisMinute();
      // The provider reaches the test's fake cloud through clouds.yaml (`auth-url: fake`
      // would give nodepoold a fake cloud of its own).
      await t.writeConfig('node.yaml', (y) =>
        withSchedule(y, cron)
          .replace("    auth-url: 'fake'\n", '    cloud: fake\n')
          .replace(/^ {4}(username|password|project-id|region-name): '?fake[^\n]*\n/gm, ''),
      );
      const d = startNodepoold(t, port);
      child = d.child;
      const labelList = async (): Promise<Record<string, unknown>> => {
        const res = await fetch(`http://127.0.0.1:${port}/label-list.json`);
        return ((await res.json()) as Record<string, unknown>[])[0]!;
      };
      await t
        .waitReady({ 'fake-label': 3 }, minuteEnd - Date.now() - 1000)
        .catch((err: unknown) => {
          throw new Error(`${String(err)}; nodepoold output: ${d.output().slice(-3000)}`);
        });
      expect(Date.now()).toBeLessThan(minuteEnd);
      expect(await labelList()).toMatchObject({
        minReady: 3,
        minReadySchedule: { period: 0, cron, timezone: 'Asia/Kolkata', configured: 1 },
        ready: 3,
      });

      await t.waitReady({ 'fake-label': 1 }, minuteEnd - Date.now() + 20_000);
      expect(Date.now()).toBeGreaterThanOrEqual(minuteEnd);
      expect(await labelList()).toMatchObject({
        minReady: 1,
        minReadySchedule: { period: null, configured: 1 },
        ready: 1,
      });
      await t.waitConsistent();
      d.child.kill('SIGINT');
      expect(await d.exited).toBe(0);
    }, 150_000);

    it('the launcher service trims at the next minute, woken by the minute ticker alone', async () => {
      const t = (h = await LauncherHarness.create({ backend: sqlite!, zookeeper: zk.address! }));
      await t.addUpload('fake-image', ['fake-provider']);
      const { cron, minuteEnd } = await thisMinute();
      await t.writeConfig('node.yaml', (y) => withSchedule(y, cron));
      // Only the minute ticker (or a launch or deletion ending) wakes a pass before 10 min.
      const launcher = await t.start({ timing: { intervalMs: 600_000, stopGraceMs: 5000 } });
      const during = await t.waitReady({ 'fake-label': 3 }, minuteEnd - Date.now() - 500);
      expect(Date.now()).toBeLessThan(minuteEnd);
      const label = launcher.statusSource().labels()[0]!;
      expect(label).toMatchObject({ minReady: 3, schedule: { period: 0, configured: 1 } });

      // The next minute: back to 1; the two oldest ready nodes go.
      const after = await t.waitReady({ 'fake-label': 1 }, minuteEnd - Date.now() + 20_000);
      expect(Date.now()).toBeGreaterThanOrEqual(minuteEnd);
      const oldestFirst = [...during].sort(
        (a, b) => (a.stateTime ?? 0) - (b.stateTime ?? 0) || a.id - b.id,
      );
      expect(after.map((n) => n.id)).toEqual([oldestFirst[2]!.id]);
      expect(launcher.statusSource().labels()[0]).toMatchObject({
        minReady: 1,
        schedule: { period: null },
      });
      await t.waitConsistent();
      expect((await t.nodes()).map((n) => stateName(n.state))).toEqual(['ready']);
      await waitFor(() => t.servers().length === 1, { what: 'one server left' });
    }, 150_000);
  },
);
