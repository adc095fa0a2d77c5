/** CLI part of the SQL conformance suite: `list`, `hold`, `delete`, `job-*` end to end. */
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, runSqlFile } from '../../support/sql-db.js';
import type { TestDatabase } from '../../support/sql-db.js';
import { runCli, writeCliFiles } from '../../support/nodepool-cli.js';
import type { CliFiles } from '../../support/nodepool-cli.js';
import type { SqlSuiteEnv } from '../sql.suite.js';
import { FIXTURE_NOW, upstreamSqlFile } from './fixtures.js';

const NOW_MS = FIXTURE_NOW * 1000;

// The `nodepool list` example of upstream's documentation, which the upstream fixture reproduces.
const RULE =
  '+----+---------------+------+------------+-------------+---------+----------------------------+----------------------------+-----------+--------------+-------+-------------+-------------------+';
const HEADER =
  '| ID | Provider      | AZ   | Label      | Target      | Manager | Hostname                   | NodeName                   | Server ID | IP           | State | Age         | Comment           |';
const ROW1 =
  '| 1  | fake-provider | None | fake-label | fake-target | None    | fake-label-fake-provider-1 | fake-label-fake-provider-1 | 0b2c4f1e  | 198.51.100.7 | ready | 00:00:03:12 | None              |';
const ROW2 =
  '| 2  | fake-provider | az1  | fake-label | fake-target | None    | fake-label-fake-provider-2 | fake-label-fake-provider-2 | 7d1e90aa  | 198.51.100.8 | hold  | 01:02:00:41 | debugging bug 123 |';

async function withUpstream(
  env: SqlSuiteEnv,
  fn: (up: TestDatabase, files: CliFiles) => Promise<void>,
): Promise<void> {
  const up = await createTestDatabase(env.backend);
  try {
    await runSqlFile(up.knex, upstreamSqlFile(up.dialect));
    await fn(up, await writeCliFiles(await mkdtemp(path.join(env.dir, 'up-')), up.dburi));
  } finally {
    await up.drop();
  }
}

async function files(env: SqlSuiteEnv, secureText?: string): Promise<CliFiles> {
  return writeCliFiles(
    await mkdtemp(path.join(env.dir, 'cli-')),
    env.tdb.dburi,
    secureText === undefined ? {} : { secureText },
  );
}

export function defineCliTests(get: () => SqlSuiteEnv): void {
  describe('nodepool CLI on a database written by upstream', () => {
    it('prints list exactly as upstream does', async () => {
      await withUpstream(get(), async (_up, f) => {
        const r = await runCli(f, ['list'], { nowMs: NOW_MS });
        expect(r).toEqual({
          status: 0,
          stdout: [RULE, HEADER, RULE, ROW1, ROW2, RULE].join('\n') + '\n',
          stderr: '',
        });
      });
    });

    it('holds a node with a reason, prints it and changes only state, state_time and comment', async () => {
      await withUpstream(get(), async (up, f) => {
        const before = await up.knex('node').where('id', 1).first();
        const r = await runCli(f, ['hold', '1', '--reason', 'debugging'], { nowMs: NOW_MS + 5000 });
        expect(r.status).toBe(0);
        const lines = r.stdout.split('\n');
        expect(lines[3]).toMatch(
          /^\| 1 +\| fake-provider .*\| hold +\| 00:00:00:00 \| debugging \|$/,
        );
        expect(lines).toHaveLength(6);
        const after = await up.knex('node').where('id', 1).first();
        expect(after).toEqual({
          ...before,
          state: 5,
          state_time: FIXTURE_NOW + 5,
          comment: 'debugging',
        });
      });
    });

    it('marks a node for deletion, prints it and keeps its subnodes for the daemon', async () => {
      await withUpstream(get(), async (up, f) => {
        const r = await runCli(f, ['delete', '2'], { nowMs: NOW_MS });
        expect(r.status).toBe(0);
        expect(r.stdout.split('\n')[3]).toMatch(
          /^\| 2 +\| .*\| delete \| 00:00:00:00 \| debugging bug 123 \|$/,
        );
        expect(await up.knex('node').where('id', 2).first()).toMatchObject({
          state: 4,
          state_time: FIXTURE_NOW,
        });
        expect(await up.knex('subnode').where('node_id', 2).select('hostname')).toEqual([
          { hostname: 'fake-label-fake-provider-2-1' },
        ]);
      });
    });

    it('lists upstream jobs with None for a NULL count', async () => {
      await withUpstream(get(), async (_up, f) => {
        const r = await runCli(f, ['job-list']);
        expect(r.stdout).toBe(
          [
            '+----+------------------------+-----------------+',
            '| ID | Name                   | Hold on Failure |',
            '+----+------------------------+-----------------+',
            '| 1  | gate-nodepool-python27 | 2               |',
            '| 2  | gate-nodepool-pep8     | None            |',
            '+----+------------------------+-----------------+',
            '',
          ].join('\n'),
        );
      });
    });
  });

  describe('nodepool CLI', () => {
    it('prints an empty list as the bare header frame and JSON on --json', async () => {
      const env = get();
      const f = await files(env);
      expect((await runCli(f, ['list'])).stdout.split('\n')).toHaveLength(5);
      const n = await env.db.nodes.create({
        providerName: 'p',
        labelName: 'l',
        targetName: 't',
        ip: '192.0.2.1',
      });
      await env.tdb.knex('node').insert({
        provider_name: 'q',
        label_name: 'l',
        target_name: 't',
        state: 42,
        state_time: FIXTURE_NOW,
      });
      const r = await runCli(f, ['list', '--json'], { nowMs: NOW_MS + 61_000 });
      expect(r.status).toBe(0);
      const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
      expect(rows[0]).toEqual({
        id: n.id,
        provider: 'p',
        az: null,
        label: 'l',
        target: 't',
        manager: null,
        hostname: null,
        nodename: null,
        serverId: null,
        ip: '192.0.2.1',
        ipPrivate: null,
        state: 'building',
        stateCode: 1,
        stateTime: FIXTURE_NOW,
        age: '00:00:01:01',
        comment: null,
      });
      expect(rows[1]).toMatchObject({ provider: 'q', state: '42', stateCode: 42 });
      expect((await runCli(f, ['list'])).stdout).toMatch(/\| 42 +\| /);
    });

    it('refuses unknown, non-numeric and out-of-range node ids with a non-zero status', async () => {
      const f = await files(get());
      expect(await runCli(f, ['hold', '999'])).toEqual({
        status: 1,
        stdout: '',
        stderr: 'Node 999 not found.\n',
      });
      expect(await runCli(f, ['delete', '99999999999'])).toEqual({
        status: 1,
        stdout: '',
        stderr: 'Node 99999999999 not found.\n',
      });
      const bad = await runCli(f, ['hold', 'abc']);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toBe(
        'Cannot find node: ID must be a positive integer: current value is "abc"\n',
      );
    });

    it('refuses delete --now of an unknown node without touching the others', async () => {
      const env = get();
      const n = await env.db.nodes.create({
        providerName: 'p',
        labelName: 'l',
        targetName: 't',
        state: 'ready',
      });
      expect(await runCli(await files(env), ['delete', String(n.id + 1000), '--now'])).toEqual({
        status: 1,
        stdout: '',
        stderr: `Node ${n.id + 1000} not found.\n`,
      });
      expect(await env.db.nodes.get(n.id)).toEqual(n);
    });

    it('creates, lists and deletes jobs and rejects a bad count', async () => {
      const env = get();
      const f = await files(env);
      const created = await runCli(f, ['job-create', 'gate-x', '--hold-on-failure', '0']);
      expect(created.status).toBe(0);
      const [job] = await env.db.jobs.list();
      expect(job).toMatchObject({ name: 'gate-x', holdOnFailure: 0 });
      expect(created.stdout).toContain(`| ${job!.id}  | gate-x | 0               |`);
      expect(JSON.parse((await runCli(f, ['job-list', '--json'])).stdout)).toEqual([
        { id: job!.id, name: 'gate-x', holdOnFailure: 0 },
      ]);
      for (const count of ['-1', 'two', '1.5']) {
        const r = await runCli(f, ['job-create', 'gate-y', '--hold-on-failure', count]);
        expect(r.status).toBe(2);
        expect(r.stderr).toBe(
          `Cannot create job "gate-y": --hold-on-failure must be an integer from 0 to 2147483647: current value is "${count}"\n`,
        );
      }
      expect(await runCli(f, ['job-delete', String(job!.id)])).toEqual({
        status: 0,
        stdout: '',
        stderr: '',
      });
      expect(await runCli(f, ['job-delete', String(job!.id)])).toEqual({
        status: 1,
        stdout: '',
        stderr: `Job ${job!.id} not found.\n`,
      });
      expect(await env.db.jobs.list()).toEqual([]);
    });

    it('names secure.conf when the dburi is missing or unusable, without printing the password', async () => {
      const env = get();
      const missing = await runCli(await files(env, '[database]\n'), ['list']);
      expect(missing.status).toBe(2);
      expect(missing.stderr).toContain('database.dburi');
      const bad = await runCli(
        await files(env, '[database]\ndburi=oracle://scott:tiger-secret@db/orcl\n'),
        ['list'],
      );
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain('unsupported database "oracle"');
      expect(bad.stderr).not.toContain('tiger-secret');
    });
  });
}
