/**
 * The CLI's poke of the launchers (issue #15): the verbs that write node or job rows leave
 * a note in the launcher events znode after their write; with ZooKeeper unreachable the
 * verb still succeeds (the launchers' database poll catches the change).
 */
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, stateName } from '../../../src/db/index.js';
import type { Database } from '../../../src/db/index.js';
import { LAUNCHER_EVENTS_PATH, parseLaunchEvent } from '../../../src/zk/index.js';
import type { ZkStat } from '../../../src/zk/index.js';
import { runCli, writeCliFiles } from '../../support/nodepool-cli.js';
import type { CliFiles } from '../../support/nodepool-cli.js';
import { sharedZooKeeper, useZkFixture } from '../../support/zk-fixture.js';
import { freePort } from '../../support/zookeeper.js';

const zk = sharedZooKeeper();
if (zk.address === null) process.stderr.write(`SKIPPED CLI poke tests: ${zk.reason}\n`);

describe.skipIf(zk.address === null)('nodepool verbs poking the launchers', () => {
  const fx = useZkFixture(zk.address);
  let dir = '';
  let db: Database | null = null;
  let files: CliFiles;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'np-cli-poke-'));
    const dburi = `sqlite:///${path.join(dir, 'nodepool.db')}`;
    files = await writeCliFiles(dir, dburi);
    db = await openDatabase(dburi, { poolMax: 1 });
  });
  afterEach(async () => {
    await db?.close();
    db = null;
    await rm(dir, { recursive: true, force: true });
  });

  async function zookeeperAt(
    servers: ReadonlyArray<{ host: string; port: number; chroot?: string }>,
  ): Promise<void> {
    const lines = servers.map(
      (s) => `  - host: ${s.host}\n    port: ${s.port}\n    chroot: ${s.chroot ?? ''}\n`,
    );
    await appendFile(files.configPath, `\nzookeeper-servers:\n${lines.join('')}`);
  }

  async function readyNode(): Promise<number> {
    const node = await db!.nodes.create({
      providerName: 'fake-provider',
      labelName: 'fake-label',
      targetName: 'fake-target',
      state: 'ready',
    });
    return node.id;
  }

  it('writes what changed after delete, hold, job-create and job-delete', async () => {
    await zookeeperAt(fx.servers);
    const client = await fx.client();
    const notes: Array<{ data: unknown; stat: ZkStat }> = [];
    const read = async (): Promise<void> => {
      const r = await client.get(LAUNCHER_EVENTS_PATH);
      notes.push({ data: parseLaunchEvent(r.data), stat: r.stat });
    };
    const a = await readyNode();
    const b = await readyNode();
    expect((await runCli(files, ['hold', String(a)])).status).toBe(0);
    await read();
    expect((await runCli(files, ['delete', String(b)])).status).toBe(0);
    await read();
    expect((await runCli(files, ['job-create', 'some-job'])).status).toBe(0);
    await read();
    const [job] = await db!.jobs.list();
    expect((await runCli(files, ['job-delete', String(job!.id)])).status).toBe(0);
    await read();
    expect(notes.map((n) => n.data)).toEqual([
      { kind: 'node', id: a, by: 'cli' },
      { kind: 'node', id: b, by: 'cli' },
      { kind: 'job', id: job!.id, by: 'cli' },
      { kind: 'job', id: job!.id, by: 'cli' },
    ]);
    expect(new Set(notes.map((n) => n.stat.version)).size).toBe(4);
  });

  it('writes nothing when the verb changed nothing', async () => {
    await zookeeperAt(fx.servers);
    const client = await fx.client();
    expect((await runCli(files, ['hold', '4242'])).status).toBe(1);
    expect(await client.exists(LAUNCHER_EVENTS_PATH)).toBeNull();
  });

  it('still succeeds when ZooKeeper does not answer', async () => {
    const port = await freePort();
    await zookeeperAt([{ host: '127.0.0.1', port, chroot: '/nowhere' }]);
    const id = await readyNode();
    const r = await runCli(files, ['delete', String(id)]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(stateName((await db!.nodes.get(id))!.state)).toBe('delete');
  });
});
