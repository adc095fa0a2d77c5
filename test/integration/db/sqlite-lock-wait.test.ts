/**
 * SQLite shared by several processes (sqlite-client.ts): a statement that finds another
 * connection's write lock waits for it with the event loop running, succeeds once the lock
 * is gone, and gives up with SQLITE_BUSY after the busy timeout, writing nothing. The other
 * connection is a plain better-sqlite3 handle in this process, which the old synchronous
 * busy wait could never have let go of its lock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/index.js';
import type { Database } from '../../../src/db/index.js';

const fields = { providerName: 'p1', labelName: 'l1', targetName: 't1', az: null };

describe('SQLite: waiting for another connection’s lock', () => {
  let dir: string;
  let file: string;
  let other: BetterSqlite3.Database;
  const opened: Database[] = [];

  const open = async (busyTimeoutMs: number): Promise<Database> => {
    const db = await openDatabase(`sqlite:///${file}`, { busyTimeoutMs });
    opened.push(db);
    return db;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'np-lock-'));
    file = join(dir, 'np.sqlite');
    await open(5_000); // creates the schema, in WAL mode
    other = new BetterSqlite3(file);
  });
  afterEach(async () => {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    for (const db of opened.splice(0)) await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('waits with the event loop running and writes once the lock is released', async () => {
    const db = await open(5_000);
    other.exec('BEGIN IMMEDIATE');
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    // Only a running event loop can release the lock: the old busy wait slept the thread.
    const release = setTimeout(() => other.exec('COMMIT'), 150);
    const t0 = performance.now();
    try {
      const row = await db.nodes.create(fields);
      expect(row.id).toBeGreaterThan(0);
    } finally {
      clearInterval(ticker);
      clearTimeout(release);
    }
    const waited = performance.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(4_000);
    expect(ticks).toBeGreaterThanOrEqual(10);
    expect(await db.nodes.list()).toHaveLength(1);
  });

  it('gives up with SQLITE_BUSY after the busy timeout and writes nothing', async () => {
    const db = await open(200);
    other.exec('BEGIN IMMEDIATE');
    const t0 = performance.now();
    await expect(db.nodes.create(fields)).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    other.exec('ROLLBACK');
    expect(await db.nodes.list()).toHaveLength(0);
  });

  it('fails at once when a transaction’s snapshot was made stale by another writer', async () => {
    const db = await open(5_000);
    const first = await db.nodes.create(fields);
    const t0 = performance.now();
    await expect(
      db.transaction(async (repos) => {
        await repos.nodes.get(first.id); // the snapshot
        other.prepare('UPDATE node SET hostname = ? WHERE id = ?').run('other', first.id);
        await repos.nodes.update(first.id, { hostname: 'mine' });
      }),
    ).rejects.toMatchObject({ code: 'SQLITE_BUSY_SNAPSHOT' });
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect((await db.nodes.get(first.id))?.hostname).toBe('other');
  });
});
