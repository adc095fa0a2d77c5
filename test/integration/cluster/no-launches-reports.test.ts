/**
 * ZkCluster on a real three-server ensemble: a `--no-launches` member neither leads nor owns
 * while a member that launches is live (alone, it owns every provider: deletions and crons
 * go on); launch reports reach the leader, each taken once, oldest first.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPORTS_DIR } from '../../../src/cluster/znodes.js';
import { ClusterRecorder, startMember } from '../../support/cluster-members.js';
import type { TestMember } from '../../support/cluster-members.js';
import { waitFor } from '../../support/wait-for.js';
import {
  makeTestChroot,
  ZooKeeperEnsemble,
  zooKeeperUnavailableReason,
} from '../../support/zookeeper.js';
import type { TestChroot } from '../../support/zookeeper.js';

const reason = zooKeeperUnavailableReason();
const providers = ['cloud-0', 'cloud-1', 'cloud-2', 'cloud-3'];

describe.skipIf(reason !== null)('ZkCluster: --no-launches members and launch reports', () => {
  let ensemble: ZooKeeperEnsemble;
  let chroot: TestChroot;
  let members: TestMember[] = [];
  let recorder: ClusterRecorder;

  beforeAll(async () => {
    ensemble = await ZooKeeperEnsemble.start();
  }, 300_000);
  afterAll(async () => {
    await ensemble?.stop();
  });
  beforeEach(() => {
    chroot = makeTestChroot(ensemble.addresses());
    recorder = new ClusterRecorder();
    members = [];
  });
  afterEach(async () => {
    for (const m of members.reverse()) await m.stop();
    await chroot.remove();
  });

  const add = async (name: string, launches = true): Promise<TestMember> => {
    const m = await startMember({ name, servers: chroot.servers, recorder, providers, launches });
    members.push(m);
    return m;
  };
  const owns = (m: TestMember): string => [...m.cluster.ownedProviders()].sort().join(',');

  it('a --no-launches member gives way to a member that launches, and takes over when it goes', async () => {
    const quiet = await add('quiet', false);
    await waitFor(() => owns(quiet) === providers.join(','), {
      what: 'the lone --no-launches member to own every provider',
    });
    expect(quiet.cluster.isLeader()).toBe(false);
    const busy = await add('busy');
    await waitFor(() => owns(busy) === providers.join(',') && owns(quiet) === '', {
      what: 'every provider to move to the member that launches',
    });
    await waitFor(() => busy.cluster.isLeader(), { what: 'the launching member to lead' });
    expect(quiet.cluster.isLeader()).toBe(false);
    const list = await quiet.cluster.list();
    expect(list.map((e) => [e.name, e.leader, e.providers.length])).toEqual([
      ['busy', true, 4],
      ['quiet', false, 0],
    ]);
    // launcher-list's JSON keeps exactly its keys.
    expect(Object.keys(list[0]!).sort()).toEqual(
      ['host', 'leader', 'name', 'pid', 'providers', 'since'].sort(),
    );
    await busy.stop();
    await waitFor(() => owns(quiet) === providers.join(','), {
      what: 'the --no-launches member to take the providers back',
    });
    expect(quiet.cluster.isLeader()).toBe(false);
  });

  it('delivers launch reports to the leader, each once, oldest first', async () => {
    const a = await add('a');
    // a leads before b joins: start() does not wait for the election node.
    await waitFor(() => a.cluster.isLeader(), { what: 'a to lead' });
    const b = await add('b');
    const before = recorder.count('a', 'changed');
    const reports = Array.from({ length: 12 }, (_, i) => ({
      provider: providers[i % 4]!,
      label: 'small',
      result: i === 3 ? 'error.quota' : 'error.status',
      code: 'ERR_PROVIDER',
      ...(i === 3 ? { quotaRefusal: 'over quota' } : {}),
    }));
    await b.cluster.reportLaunchEnds(reports);
    await waitFor(() => recorder.count('a', 'changed') > before, {
      what: 'the leader to be told of the reports',
    });
    // A foreign znode in the queue is dropped, not delivered. Written and read back through
    // the taker's own session: another member's server may not have seen a write yet.
    await a.client.create(`${REPORTS_DIR}/r-`, { data: 'not json', mode: 'persistent_sequential' });
    expect(await a.cluster.takeLaunchReports()).toEqual(reports);
    expect(await a.client.getChildren(REPORTS_DIR)).toEqual([]);
    // Two takers at once: each report is taken exactly once.
    const more = reports.map((r, i) => ({ ...r, label: `l${i}` }));
    await b.cluster.reportLaunchEnds(more);
    const taken = await Promise.all([a.cluster.takeLaunchReports(), b.cluster.takeLaunchReports()]);
    const labels = taken.flat().map((r) => r.label);
    expect(labels.sort()).toEqual(more.map((r) => r.label).sort());
  });
});
