/**
 * Starts that fail loudly (issue #17): the daemons started as an operator starts them, with
 * broken inputs: a missing config, an unreadable secure.conf, a database or ZooKeeper that
 * does not answer, a database role that does not exist, a busy web port. Each must say so in
 * one located line on stderr (before detaching), with the right exit status, and leave no
 * process or pid file behind.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probeSqlBackends } from '../../support/sql-backends.js';
import { waitFor } from '../../support/wait-for.js';

const ROOT = resolve(import.meta.dirname, '../../..');
/** A port nothing listens on: connections are refused at once. */
const CLOSED_PORT = 1;
const pg = (await probeSqlBackends()).find((b) => b.name === 'postgresql');

let dir: string;
let children: ChildProcess[] = [];
let server: Server | null = null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-startup-'));
  writeFileSync(join(dir, 'nodepool.yaml'), 'providers: []\nlabels: []\n');
  writeFileSync(
    join(dir, 'zk-down.yaml'),
    `zookeeper-servers:\n  - host: 127.0.0.1\n    port: ${CLOSED_PORT}\nimages-dir: ${dir}/images\nproviders: []\nlabels: []\n`,
  );
  writeFileSync(join(dir, 'secure.conf'), `[database]\ndburi=sqlite:///${dir}/nodepool.sqlite\n`);
  writeFileSync(
    join(dir, 'db-down.conf'),
    `[database]\ndburi=mysql://nodepool:secret@127.0.0.1:${CLOSED_PORT}/nodepool\n`,
  );
  children = [];
});

afterEach(async () => {
  for (const pid of daemonsOfThisTest()) process.kill(pid, 'SIGKILL');
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await new Promise<void>((res) => (server === null ? res() : server.close(() => res())));
  server = null;
  rmSync(dir, { recursive: true, force: true });
});

/** Processes whose command line names this test's directory (detached daemons included). */
function daemonsOfThisTest(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(dir) && cmdline.includes('bin/')) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** The detached daemon exits right after telling its parent: give it a moment. */
async function noDaemonLeft(): Promise<void> {
  await waitFor(() => daemonsOfThisTest().length === 0, {
    what: 'no daemon left',
    timeoutMs: 5_000,
  });
}

interface Run {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
}

function run(bin: 'nodepoold' | 'nodepool-builder', args: string[]): Run {
  const child = spawn(process.execPath, [join(ROOT, 'bin', bin), ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    cwd: dir,
  });
  children.push(child);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  return { child, stderr: () => err, exit };
}

const pidfile = (): string => join(dir, 'daemon.pid');
const daemonArgs = (config: string, secure: string, extra: string[] = []): string[] => [
  '-c',
  join(dir, config),
  '-s',
  join(dir, secure),
  '-p',
  pidfile(),
  '--web-address',
  '127.0.0.1:0',
  ...extra,
];

/** Exactly one line, without a stack trace. */
function oneLine(text: string): string {
  expect(text.endsWith('\n')).toBe(true);
  expect(text.trimEnd().split('\n')).toHaveLength(1);
  expect(text).not.toMatch(/^\s+at /m);
  return text.trimEnd();
}

describe('a first config that does not load', () => {
  it('exits 2 with the located problem, detached or not, and leaves nothing behind', async () => {
    for (const extra of [[], ['-d']]) {
      const r = run('nodepoold', daemonArgs('missing.yaml', 'secure.conf', extra));
      expect(await r.exit).toBe(2);
      // In the foreground the log goes to stderr too; the operator's line is the plain one.
      const line =
        extra.length === 0
          ? oneLine(r.stderr())
          : r
              .stderr()
              .split('\n')
              .find((l) => l.startsWith('nodepoold: '));
      expect(line).toBe(
        `nodepoold: Cannot read the file: the file does not exist (${join(dir, 'missing.yaml')})`,
      );
      expect(existsSync(pidfile())).toBe(false);
    }
    await noDaemonLeft();
  });

  it('exits 2 when secure.conf cannot be read', async () => {
    mkdirSync(join(dir, 'secure-dir.conf'));
    const r = run('nodepoold', daemonArgs('nodepool.yaml', 'secure-dir.conf'));
    expect(await r.exit).toBe(2);
    expect(oneLine(r.stderr())).toContain(join(dir, 'secure-dir.conf'));
    expect(existsSync(pidfile())).toBe(false);
    await noDaemonLeft();
  });
});

describe('a database that does not answer', () => {
  it('says so before detaching, retries with a WARNING each attempt, and stops on SIGTERM', async () => {
    const r = run('nodepoold', daemonArgs('nodepool.yaml', 'db-down.conf'));
    expect(await r.exit).toBe(0);
    expect(oneLine(r.stderr())).toBe(
      `nodepoold: Cannot connect to the database "mysql://nodepool:***@127.0.0.1:${CLOSED_PORT}/nodepool": ` +
        `connect ECONNREFUSED 127.0.0.1:${CLOSED_PORT}; retrying every 5 s and starting once it answers (--fail-fast exits instead)`,
    );
    const pid = Number(readFileSync(pidfile(), 'utf8'));
    expect(daemonsOfThisTest()).toEqual([pid]);
    process.kill(pid, 'SIGTERM');
    await waitFor(() => daemonsOfThisTest().length === 0, {
      what: 'the daemon to stop',
      timeoutMs: 9_000,
    });
    expect(existsSync(pidfile())).toBe(false);
  });

  it('logs a WARNING per attempt in the foreground, and exits 0 on SIGTERM while waiting', async () => {
    const r = run('nodepoold', [...daemonArgs('nodepool.yaml', 'db-down.conf', ['-d'])]);
    await waitFor(() => (r.stderr().match(/retrying in 5 s \(attempt \d\)/g) ?? []).length >= 2, {
      what: 'two attempts',
      timeoutMs: 15_000,
    });
    const warnings = r
      .stderr()
      .split('\n')
      .filter((l) => l.includes('retrying in 5 s'));
    expect(warnings.map((l) => (JSON.parse(l) as { level: number }).level)).toEqual([40, 40]);
    r.child.kill('SIGTERM');
    expect(await r.exit).toBe(0);
    expect(existsSync(pidfile())).toBe(false);
  });

  it('fails at once with --fail-fast', async () => {
    const r = run('nodepoold', daemonArgs('nodepool.yaml', 'db-down.conf', ['--fail-fast']));
    expect(await r.exit).toBe(1);
    expect(oneLine(r.stderr())).toBe(
      `nodepoold: Cannot connect to the database "mysql://nodepool:***@127.0.0.1:${CLOSED_PORT}/nodepool": connect ECONNREFUSED 127.0.0.1:${CLOSED_PORT}`,
    );
    expect(existsSync(pidfile())).toBe(false);
    await noDaemonLeft();
  });

  it.skipIf(pg?.available !== true)('exits 2 on a role the database does not know', async () => {
    writeFileSync(
      join(dir, 'bad-role.conf'),
      `[database]\ndburi=postgresql://no_such_role_17:pw@127.0.0.1:${pg?.port ?? 5432}/nodepool\n`,
    );
    const r = run('nodepoold', daemonArgs('nodepool.yaml', 'bad-role.conf'));
    expect(await r.exit).toBe(2);
    expect(oneLine(r.stderr())).toMatch(
      /^nodepoold: Cannot use the database "postgresql:\/\/no_such_role_17:\*\*\*@127\.0\.0\.1:\d+\/nodepool": .*no_such_role_17/,
    );
    await noDaemonLeft();
  });
});

describe('ZooKeeper that does not answer', () => {
  it('keeps the builder waiting with a notice, and --fail-fast exits 1', async () => {
    const args = ['-c', join(dir, 'zk-down.yaml'), '-p', pidfile()];
    const waiting = run('nodepool-builder', args);
    expect(await waiting.exit).toBe(0);
    expect(oneLine(waiting.stderr())).toMatch(
      new RegExp(
        `^nodepool-builder: Cannot connect to ZooKeeper at "?127\\.0\\.0\\.1:${CLOSED_PORT}"?: .*; retrying every 5 s`,
      ),
    );
    const pid = Number(readFileSync(pidfile(), 'utf8'));
    process.kill(pid, 'SIGTERM');
    await waitFor(() => daemonsOfThisTest().length === 0, {
      what: 'the builder to stop',
      timeoutMs: 9_000,
    });
    expect(existsSync(pidfile())).toBe(false);

    const fast = run('nodepool-builder', [...args, '--fail-fast']);
    expect(await fast.exit).toBe(1);
    expect(oneLine(fast.stderr())).toMatch(/^nodepool-builder: Cannot connect to ZooKeeper/);
  }, 30_000);
});

describe('a busy web port', () => {
  it('is one line and status 1', async () => {
    server = createServer();
    const port = await new Promise<number>((res) =>
      server!.listen(0, '127.0.0.1', () => res((server!.address() as { port: number }).port)),
    );
    const args = daemonArgs('nodepool.yaml', 'secure.conf').slice(0, -2);
    const r = run('nodepoold', [...args, '--web-address', `127.0.0.1:${port}`]);
    expect(await r.exit).toBe(1);
    expect(oneLine(r.stderr())).toBe(
      `nodepoold: Cannot start the web app on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
    );
    expect(existsSync(pidfile())).toBe(false);
    await noDaemonLeft();
  });
});
