/**
 * Orphans: `building` rows with no launch in flight (e.g. a failed launch whose deletion
 * could not write the database). The cleanup cron deletes them with their servers and the
 * pass replaces them; rows whose launch is still running are left alone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stateCode, stateName } from '../../../src/db/index.js';
import { captureLog } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { LauncherHarness, createForeignServer } from './harness.js';

const zk = sharedZooKeeper();
if (zk.address === null) process.stderr.write(`SKIPPED launcher orphan tests: ${zk.reason}\n`);

/** A `state_time` well past the orphan grace (60 s). */
const LONG_AGO = Math.floor(Date.now() / 1000) - 3600;

describe.skipIf(zk.address === null)('Launcher orphans', () => {
  let h: LauncherHarness | null = null;
  const harness = async (): Promise<LauncherHarness> => {
    h = await LauncherHarness.create({
      backend: { name: 'sqlite', available: true },
      zookeeper: zk.address!,
    });
    return h;
  };
  afterEach(async () => {
    await h?.stop();
    h = null;
  });

  it('deletes building nodes with no launch in flight, with their servers, and replaces them', async () => {
    const t = await harness();
    await t.writeConfig('node.yaml');
    await t.addUpload('fake-image', ['fake-provider']);
    const launcher = await t.start();
    await t.waitReady({ 'fake-label': 1 });
    // Two orphans: one whose server id was recorded, one known only by our metadata.
    const spec = {
      providerName: 'fake-provider',
      labelName: 'fake-label',
      targetName: 'fake-target',
    };
    const recorded = await t.db.nodes.create(spec);
    const unrecorded = await t.db.nodes.create(spec);
    const meta = (id: number): Record<string, string> => ({
      nodepool: JSON.stringify({
        provider_name: 'fake-provider',
        node_id: id,
        image_name: 'fake-image',
      }),
    });
    const recordedServer = await createForeignServer(t.cloud, 'orphan-recorded', meta(recorded.id));
    const unrecordedServer = await createForeignServer(
      t.cloud,
      'orphan-unrecorded',
      meta(unrecorded.id),
    );
    await t.db.nodes.update(recorded.id, { externalId: recordedServer });
    // A fresh orphan is within the grace: the cron leaves it.
    await launcher.runCron('cleanup');
    expect(await t.states()).toEqual({ ready: 1, building: 2 });
    await t.writeConfig('node.yaml', (y) => y.replace('min-ready: 1', 'min-ready: 3'));
    await waitFor(() => launcher.diagnostics().config.loads >= 2, { what: 'the config reload' });
    const passes = launcher.passes;
    await waitFor(() => launcher.passes >= passes + 2, { what: 'two passes' });
    // The bug: the orphans count as supply, so nothing replaces them.
    expect(await t.states()).toEqual({ ready: 1, building: 2 });
    expect(launcher.diagnostics().launchesInFlight).toEqual([]);

    await t.db
      .knex('node')
      .whereIn('id', [recorded.id, unrecorded.id])
      .update({ state_time: LONG_AGO });
    await launcher.runCron('cleanup');
    await t.waitReady({ 'fake-label': 3 });
    await t.waitConsistent();
    // SQLite may reuse the orphans' ids; the orphans had no host name, launched nodes do.
    expect((await t.nodes()).map((n) => n.hostname === null)).toEqual([false, false, false]);
    const servers = t.servers().map((s) => s.id);
    expect(servers).not.toContain(recordedServer);
    expect(servers).not.toContain(unrecordedServer);
    expect(servers).toHaveLength(3);
  });

  it('leaves building nodes alone while their launch is in flight', async () => {
    const t = await harness();
    await t.writeConfig('node.yaml', (y) => y.replace('min-ready: 1', 'min-ready: 2'));
    await t.addUpload('fake-image', ['fake-provider']);
    t.cloud.setKnobs({ buildDelayMs: 3_600_000 });
    const launcher = await t.start({ timing: { stopGraceMs: 100, intervalMs: 1000 } });
    await waitFor(() => t.servers().length === 2, { what: 'two servers building' });
    await t.db.knex('node').update({ state_time: LONG_AGO });
    await launcher.runCron('cleanup');
    const passes = launcher.passes;
    launcher.wake();
    await waitFor(() => launcher.passes >= passes + 1, { what: 'a pass' });
    expect(await t.states()).toEqual({ building: 2 });
    expect(launcher.diagnostics().launchesInFlight).toHaveLength(2);
    expect(launcher.diagnostics().deletesInFlight).toEqual([]);
    expect(t.servers()).toHaveLength(2);
  });

  it('recovers a failed launch whose deletion could not write the database', async () => {
    const t = await harness();
    await t.writeConfig('node.yaml');
    await t.addUpload('fake-image', ['fake-provider']);
    // The database refuses to set any node to `delete`, as if it went down at that moment.
    await t.db.knex.raw(
      `CREATE TRIGGER test_no_delete BEFORE UPDATE OF state ON node WHEN NEW.state = ${stateCode('delete')} BEGIN SELECT RAISE(ABORT, 'injected: database unavailable'); END`,
    );
    // The cloud accepts the create, then the server goes to ERROR: the launch fails with a server.
    t.cloud.failNext('create', 1, 'error');
    const captured = captureLog('info');
    const launcher = await t.start({ log: captured.log.child({ name: 'nodepool.NodePool' }) });
    const [line] = await waitFor(
      () => {
        const found = captured.find('Cannot delete node');
        return found.length > 0 ? found : null;
      },
      { what: 'the failed deletion' },
    );
    const [node] = await t.nodes();
    expect(line!.msg).toBe(
      `Cannot delete node ${node!.id}: it stays in state building; the next cleanup retries`,
    );
    expect(stateName(node!.state)).toBe('building');
    expect(node!.externalId).not.toBeNull();
    const failedServer = node!.externalId!;
    expect(t.servers().map((s) => s.id)).toEqual([failedServer]);
    expect(launcher.diagnostics().launchesInFlight).toEqual([]);

    // The database is back; once past the grace, the cleanup cron deletes the orphan.
    await t.db.knex.raw('DROP TRIGGER test_no_delete');
    await t.db.knex('node').where('id', node!.id).update({ state_time: LONG_AGO });
    await launcher.runCron('cleanup');
    const [replacement] = await t.waitReady({ 'fake-label': 1 });
    // SQLite may reuse the id; the server tells the replacement apart.
    expect(replacement!.externalId).not.toBe(failedServer);
    await t.waitConsistent();
    expect(t.servers().map((s) => s.id)).not.toContain(failedServer);
  });

  it('deletes a building subnode with no launch in flight and launches a replacement', async () => {
    const t = await harness();
    await t.writeConfig('subnodes.yaml');
    await t.addUpload('fake-image', ['fake-provider']);
    const launcher = await t.start();
    const ready = await t.waitReady({ 'fake-label': 2, 'multi-fake': 2 });
    const parent = ready.find((n) => n.labelName === 'multi-fake')!;
    const [orphan] = await t.subnodes(parent.id);
    // As if its launch failed and the row's removal could not reach the database.
    await t.db.subnodes.setState(orphan!.id, 'building');
    await t.db.knex('subnode').where('id', orphan!.id).update({ state_time: LONG_AGO });
    await launcher.runCron('cleanup');
    const subs = await waitFor(
      async () => {
        const rows = await t.subnodes(parent.id);
        return rows.length === 2 &&
          rows.every((s) => stateName(s.state) === 'ready') &&
          !rows.some((s) => s.externalId === orphan!.externalId)
          ? rows
          : null;
      },
      { what: 'a ready replacement subnode' },
    );
    expect(subs.map((s) => s.externalId)).not.toContain(orphan!.externalId);
    await t.waitConsistent();
    expect(t.servers().map((s) => s.id)).not.toContain(orphan!.externalId);
    expect(stateName((await t.db.nodes.get(parent.id))!.state)).toBe('ready');
  });
});
