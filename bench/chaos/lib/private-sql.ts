/**
 * Private MariaDB and PostgreSQL servers for chaos runs, in temp dirs on free ports, so they
 * can be crashed and restarted without touching the machine's shared servers. MariaDB runs
 * `mariadbd` as root with `--skip-grant-tables` after `mariadb-install-db`; PostgreSQL runs
 * `postgres` as the `postgres` user after `initdb -A trust`. `crash()` is a SIGKILL (MariaDB)
 * or SIGQUIT, PostgreSQL's immediate shutdown; the next start recovers from the log.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import knexFactory from 'knex';
import { delay } from '../../../src/util/index.js';
import { freePort } from '../../../test/support/zookeeper.js';

const run = promisify(execFile);
const MARIADBD = '/usr/sbin/mariadbd';
const INSTALL_DB = '/usr/bin/mariadb-install-db';

function pgBin(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a));
  for (const v of versions)
    if (existsSync(path.join(base, v, 'bin/postgres'))) return path.join(base, v, 'bin');
  return null;
}

/** Which private server, and why it cannot run here (null: it can). */
export async function privateSqlUnavailableReason(
  kind: 'mariadb' | 'postgresql',
): Promise<string | null> {
  if (kind === 'mariadb') {
    if (!existsSync(MARIADBD) || !existsSync(INSTALL_DB))
      return `no ${MARIADBD} or ${INSTALL_DB} (Debian mariadb-server)`;
    return process.getuid?.() === 0
      ? null
      : 'a private mariadbd is started as root (--user=root): not root';
  }
  if (pgBin() === null) return 'no /usr/lib/postgresql/*/bin/postgres (Debian postgresql)';
  if (process.getuid?.() !== 0)
    return 'a private postgres runs as the "postgres" user, which needs root';
  try {
    await run('id', ['-u', 'postgres']);
  } catch {
    return 'no "postgres" user';
  }
  return null;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** A private SQL server; see the file comment. */
export class PrivateSqlServer {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** Number of crashes so far. */
  crashes = 0;

  private constructor(
    readonly kind: 'mariadb' | 'postgresql',
    readonly dir: string,
    readonly port: number,
    private readonly ids: { uid: number; gid: number } | null,
  ) {}

  /** Initialises a data dir, starts the server and creates database `nodepool`. */
  static async start(kind: 'mariadb' | 'postgresql'): Promise<PrivateSqlServer> {
    const dir = await mkdtemp(path.join(os.tmpdir(), `np-chaos-${kind}-`));
    const port = await freePort();
    let ids: { uid: number; gid: number } | null = null;
    if (kind === 'mariadb') {
      await run(
        INSTALL_DB,
        [
          '--no-defaults',
          `--datadir=${dir}/data`,
          '--user=root',
          '--auth-root-authentication-method=normal',
          '--skip-test-db',
        ],
        { timeout: 120_000 },
      );
    } else {
      ids = {
        uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
        gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
      };
      await chown(dir, ids.uid, ids.gid);
      await run(
        path.join(pgBin()!, 'initdb'),
        ['-D', `${dir}/data`, '-A', 'trust', '-U', 'postgres', '--no-sync'],
        { uid: ids.uid, gid: ids.gid, timeout: 120_000 },
      );
    }
    const server = new PrivateSqlServer(kind, dir, port, ids);
    try {
      await server.launch();
      const k = server.knex('');
      try {
        await k.raw('CREATE DATABASE nodepool');
      } finally {
        await k.destroy();
      }
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** The nodepool database's URL, as secure.conf takes it. */
  get dburi(): string {
    return this.kind === 'mariadb'
      ? `mysql+pymysql://root@127.0.0.1:${this.port}/nodepool`
      : `postgresql://postgres@127.0.0.1:${this.port}/nodepool`;
  }

  private knex(database: string): ReturnType<typeof knexFactory> {
    return this.kind === 'mariadb'
      ? knexFactory({
          client: 'mysql2',
          connection: {
            host: '127.0.0.1',
            port: this.port,
            user: 'root',
            ...(database ? { database } : {}),
          },
        })
      : knexFactory({
          client: 'pg',
          connection: {
            host: '127.0.0.1',
            port: this.port,
            user: 'postgres',
            database: database || 'postgres',
          },
        });
  }

  private async launch(): Promise<void> {
    const log = path.join(this.dir, 'server.log');
    const child =
      this.kind === 'mariadb'
        ? spawn(
            MARIADBD,
            [
              '--no-defaults',
              `--datadir=${this.dir}/data`,
              `--port=${this.port}`,
              '--bind-address=127.0.0.1',
              `--socket=${this.dir}/mysqld.sock`,
              `--pid-file=${this.dir}/mysqld.pid`,
              '--user=root',
              '--skip-grant-tables',
              '--skip-log-bin',
              '--innodb-buffer-pool-size=32M',
              `--log-error=${log}`,
            ],
            { stdio: 'ignore' },
          )
        : spawn(
            path.join(pgBin()!, 'postgres'),
            [
              '-D',
              `${this.dir}/data`,
              '-p',
              String(this.port),
              '-k',
              this.dir,
              '-c',
              'listen_addresses=127.0.0.1',
              '-c',
              'fsync=off',
              '-c',
              `logging_collector=off`,
            ],
            { stdio: 'ignore', uid: this.ids!.uid, gid: this.ids!.gid },
          );
    this.child = child;
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        process.removeListener('exit', killOnExit);
        resolve();
      }),
    );
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      if (await canConnect(this.port)) {
        // Accepting TCP is not yet accepting queries (PostgreSQL may still be recovering).
        const k = this.knex('');
        try {
          await k.raw('SELECT 1');
          return;
        } catch {
          // not ready yet
        } finally {
          await k.destroy();
        }
      }
      await delay(100);
    }
    const tail = await readFile(log, 'utf8').catch(() => '');
    throw new Error(
      `Private ${this.kind} on port ${this.port} did not come up within 60 s: ${tail.slice(-500)}`,
    );
  }

  private async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === null) return;
    this.child = null;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Crashes the server and starts it again on the same port and data. Resolves to the downtime in ms. */
  async crashAndRestart(downMs = 0): Promise<number> {
    const t0 = Date.now();
    await this.kill(this.kind === 'mariadb' ? 'SIGKILL' : 'SIGQUIT');
    this.crashes++;
    if (downMs > 0) await delay(downMs);
    await this.launch();
    return Date.now() - t0;
  }

  /** Stops the server and removes its data. */
  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    await rm(this.dir, { recursive: true, force: true });
  }
}
