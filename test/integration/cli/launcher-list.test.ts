/**
 * `nodepool launcher-list` run as a process against a three-server ZooKeeper ensemble with
 * two registered launchers: the table and `--json` (exactly the documented keys), read from
 * ZooKeeper without any daemon; `--help` in argparse layout.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rendezvousAssign } from '../../../src/cluster/index.js';
import { runNodepool } from '../../support/cli.js';
import { ClusterRecorder, ownedAsExpected, startMember } from '../../support/cluster-members.js';
import type { TestMember } from '../../support/cluster-members.js';
import { waitFor } from '../../support/wait-for.js';
import {
  makeTestChroot,
  ZooKeeperEnsemble,
  zooKeeperUnavailableReason,
} from '../../support/zookeeper.js';
import type { TestChroot } from '../../support/zookeeper.js';

const reason = zooKeeperUnavailableReason();
const providers = ['cloud-a', 'cloud-b', 'cloud-c', 'cloud-d'];

describe.skipIf(reason !== null)('nodepool launcher-list', () => {
  let ensemble: ZooKeeperEnsemble;
  let chroot: TestChroot;
  let dir: string;
  let members: TestMember[] = [];
  const args = () => ['-c', path.join(dir, 'nodepool.yaml'), '-s', path.join(dir, 'secure.conf')];

  beforeAll(async () => {
    ensemble = await ZooKeeperEnsemble.start();
    chroot = makeTestChroot(ensemble.addresses());
    dir = await mkdtemp(path.join(os.tmpdir(), 'nodepool-launcher-list-'));
    const servers = chroot.servers
      .map((s) => `  - host: ${s.host}\n    port: ${s.port}\n    chroot: ${s.chroot}\n`)
      .join('');
    await writeFile(
      path.join(dir, 'nodepool.yaml'),
      `zookeeper-servers:\n${servers}labels: []\nproviders: []\ntargets: []\n`,
    );
    await writeFile(
      path.join(dir, 'secure.conf'),
      `[database]\ndburi=sqlite:///${dir}/nodepool.db\n`,
    );
    const recorder = new ClusterRecorder();
    for (const [name, pid] of [
      ['nl01', 1111],
      ['nl02', 2222],
    ] as const)
      members.push(await startMember({ name, pid, servers: chroot.servers, recorder, providers }));
    await waitFor(() => ownedAsExpected(members, rendezvousAssign(providers, ['nl01', 'nl02'])), {
      what: 'the providers to be shared',
    });
  }, 300_000); // up to three attempts at starting the ensemble
  afterAll(async () => {
    for (const m of members) await m.stop();
    members = [];
    await chroot?.remove();
    await ensemble?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints the launchers as JSON objects with exactly the documented keys', async () => {
    const r = await runNodepool([...args(), 'launcher-list', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    const owner = rendezvousAssign(providers, ['nl01', 'nl02']);
    const leader = members.find((m) => m.cluster.isLeader())!.name;
    expect(rows).toEqual(
      members.map((m, i) => ({
        name: m.name,
        host: os.hostname(),
        pid: [1111, 2222][i],
        since: expect.any(Number),
        leader: m.name === leader,
        providers: providers.filter((p) => owner.get(p) === m.name),
      })),
    );
    for (const row of rows)
      expect(Object.keys(row)).toEqual(['name', 'host', 'pid', 'since', 'leader', 'providers']);
  });

  it('prints a table with one line per launcher', async () => {
    const r = await runNodepool([...args(), 'launcher-list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[1]).toMatch(/^\| Name +\| Host +\| PID +\| Since +\| Leader +\| Providers +\|$/);
    expect(lines).toHaveLength(6);
    const nl01 = lines.find((l) => l.startsWith('| nl01 '))!;
    expect(nl01).toContain('| 1111 ');
    expect(nl01).toMatch(/\| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \|/);
    expect(nl01).toMatch(/\| (True|False) +\|/);
  });

  it('has argparse-style help', async () => {
    const r = await runNodepool(['launcher-list', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'usage: nodepool launcher-list [-h] [--json]',
        '',
        'optional arguments:',
        '  -h, --help  show this help message and exit',
        '  --json      print JSON instead of a table',
        '',
      ].join('\n'),
    );
  });
});
