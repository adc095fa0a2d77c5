/** Concurrency and pool part of the SQL conformance suite. */
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireDatabase, DEFAULT_POOL_MAX, openDatabase } from '../../../src/db/index.js';
import { delay } from '../../../src/util/index.js';
import { runCliChild, writeCliFiles } from '../../support/nodepool-cli.js';
import type { SqlSuiteEnv } from '../sql.suite.js';

export function defineConcurrencyTests(get: () => SqlSuiteEnv): void {
  describe('concurrency', () => {
    it('keeps both changes when the CLI holds a node while a daemon writes it', async () => {
      const env = get();
      const n = await env.db.nodes.create({
        providerName: 'p',
        labelName: 'l',
        targetName: 't',
        state: 'ready',
      });
      const f = await writeCliFiles(await mkdtemp(path.join(env.dir, 'conc-')), env.tdb.dburi);
      // A second pool, as a separate daemon would have, keeps writing other columns of the
      // same node for as long as the CLI process runs, then once more.
      const writer = await openDatabase(env.tdb.dburi);
      let writes = 0;
      let cliDone = false;
      const cli = runCliChild(f, ['hold', String(n.id), '--reason', 'held by operator']).finally(
        () => {
          cliDone = true;
        },
      );
      try {
        while (!cliDone) {
          writes += 1;
          await writer.nodes.update(n.id, {
            ip: `192.0.2.${writes % 250}`,
            externalId: `srv-${writes}`,
          });
          // better-sqlite3 answers synchronously: let the child's exit event (and, on
          // SQLite, the child's turn at the write lock) through between writes.
          await delay(2);
        }
        writes += 1;
        await writer.nodes.update(n.id, { ip: '198.51.100.1', externalId: `srv-${writes}` });
      } finally {
        await writer.close();
      }
      const r = await cli;
      expect(r.stderr).not.toMatch(/error|busy|locked/i);
      expect(r.status).toBe(0);
      expect(await env.db.nodes.get(n.id)).toMatchObject({
        state: 5,
        comment: 'held by operator',
        ip: '198.51.100.1',
        externalId: `srv-${writes}`,
      });
    });

    it('keeps every state change of concurrent writers on different nodes', async () => {
      const env = get();
      const nodes = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          env.db.nodes.create({ providerName: 'p', labelName: `l${i % 3}`, targetName: 't' }),
        ),
      );
      await Promise.all(
        nodes.map((n, i) => env.db.nodes.setState(n.id, i % 2 === 0 ? 'ready' : 'hold')),
      );
      expect(await env.db.nodes.count({ state: 'ready' })).toBe(10);
      expect(await env.db.nodes.count({ state: 'hold' })).toBe(10);
    });
  });

  describe('connection pool', () => {
    // Processes share the file through WAL; a locked statement waits in the driver, with the
    // event loop running (sqlite-lock-wait.test.ts), not in SQLite's sleeping busy handler.
    it('opens SQLite files in WAL mode, without SQLite’s own busy wait', async (ctx) => {
      const env = get();
      if (env.tdb.dialect !== 'sqlite') ctx.skip();
      const mode = await env.db.knex.raw<Array<{ journal_mode: string }>>('PRAGMA journal_mode');
      const busy = await env.db.knex.raw<Array<Record<string, number>>>('PRAGMA busy_timeout');
      expect(mode[0]?.journal_mode).toBe('wal');
      expect(Object.values(busy[0] ?? {})[0]).toBe(0);
    });

    it('defaults to at most 10 connections and never opens more than its bound', async () => {
      const env = get();
      expect(env.db.poolMax).toBe(env.tdb.dialect === 'sqlite' ? 1 : DEFAULT_POOL_MAX);
      const db = await openDatabase(env.tdb.dburi, { poolMax: 3 });
      const pool = (db.knex.client as { pool: any }).pool;
      let created = 0;
      let peak = 0;
      pool.on('createSuccess', () => {
        created += 1;
      });
      pool.on('acquireSuccess', () => {
        peak = Math.max(peak, pool.numUsed() as number);
      });
      const sleep =
        env.tdb.dialect === 'mysql'
          ? 'SELECT SLEEP(0.05) AS s'
          : env.tdb.dialect === 'postgresql'
            ? 'SELECT pg_sleep(0.05) AS s'
            : 'SELECT 1 AS s';
      try {
        await Promise.all(Array.from({ length: 12 }, () => db.knex.raw(sleep)));
        const bound = env.tdb.dialect === 'sqlite' ? 1 : 3;
        expect(peak).toBeGreaterThan(0);
        expect(peak).toBeLessThanOrEqual(bound);
        expect(created).toBeLessThanOrEqual(bound);
        expect(pool.max).toBe(bound);
      } finally {
        await db.close();
      }
    });

    it('shares one pool per dburi in a process and closes it on the last release', async () => {
      const env = get();
      const a = await acquireDatabase(env.tdb.dburi);
      const b = await acquireDatabase(env.tdb.dburi);
      expect(b.db).toBe(a.db);
      await a.release();
      await a.release();
      expect(b.db.isClosed).toBe(false);
      expect(await b.db.nodes.count()).toBe(0);
      await b.release();
      expect(b.db.isClosed).toBe(true);
      const c = await acquireDatabase(env.tdb.dburi);
      expect(c.db).not.toBe(a.db);
      await c.release();
    });
  });
}
