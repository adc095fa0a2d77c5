/**
 * 0.3-era snapshot images end to end in nodepoold (upstream 0.3.1 SnapshotImageUpdater):
 * a REAL sshd stands in for the template servers and the nodes (the launcher's SSH seam
 * sends every server's SSH there), the fake cloud boots, snapshots and deletes servers.
 */
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { snapshotStateName } from '../../../src/db/index.js';
import { SnapshotImages } from '../../../src/snapshot/index.js';
import { runCli } from '../../support/nodepool-cli.js';
import { startSshd, sshdUnavailableReason } from '../../support/sshd.js';
import type { Sshd } from '../../support/sshd.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { LauncherHarness } from '../launcher/harness.js';
import { FAKE_SSH_SEAM, redirectSeam } from '../../support/ssh-seams.js';

const zk = sharedZooKeeper();
const sqlite = inject('sqlBackends').find((b) => b.name === 'sqlite' && b.available);
const sshdReason = await sshdUnavailableReason();
const skip = zk.address === null || sqlite === undefined || sshdReason !== null;
if (skip)
  process.stderr.write(
    `SKIPPED snapshot image tests: ${zk.reason ?? sshdReason ?? 'SQLite unavailable'}\n`,
  );

/** nodepool.yaml with one snapshot image and a label of it. */
function config(scriptDir: string, privateKey: string, setup: string): string {
  return `script-dir: ${scriptDir}
zookeeper-servers:
  - host: {zookeeper_host}
    port: {zookeeper_port}
    chroot: {zookeeper_chroot}
cron:
  cleanup: '0 0 1 1 *'
  update-image: '0 0 1 1 *'
labels:
  - name: snap-label
    image: snap-image
    min-ready: 2
    providers:
      - name: snap-provider
providers:
  - name: snap-provider
    auth-url: fake
    username: fake
    password: fake
    project-id: fake
    keypair: test-key
    max-servers: 10
    boot-timeout: 30
    rate: 0.0001
    images:
      - name: snap-image
        base-image: 'Fake Precise'
        setup: ${setup}
        min-ram: 8192
        username: root
        private-key: ${privateKey}
        meta:
          purpose: test
targets:
  - name: fake-target
`;
}

describe.skipIf(skip)('Snapshot images in nodepoold', () => {
  let sshd: Sshd;
  let h: LauncherHarness | null = null;
  let snapshots: SnapshotImages | null = null;
  let dir = '';

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });
  afterEach(async () => {
    await snapshots?.stop();
    await h?.stop();
    h = null;
    snapshots = null;
    delete process.env['NODEPOOL_SETUP_MARK'];
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  /** A harness, a scripts dir with `prepare_node.sh` (writes a marker) and `fail.sh`, and remote dirs. */
  async function setUp(
    setup: string,
    timing: { imageTimeoutMs?: number } = {},
  ): Promise<{ t: LauncherHarness; markers: string; remote: string }> {
    dir = await mkdtemp(join(tmpdir(), 'np-snapshot-'));
    const scripts = join(dir, 'scripts');
    const markers = join(dir, 'markers');
    const remote = join(dir, 'remote');
    await mkdir(scripts);
    await mkdir(markers);
    await mkdir(remote);
    await writeFile(
      join(scripts, 'prepare_node.sh'),
      `#!/bin/sh\nset -e\necho "$1 $NODEPOOL_SETUP_MARK $(basename "$(pwd)")" > ${markers}/setup-$1\n`,
    );
    await writeFile(join(scripts, 'fail.sh'), '#!/bin/sh\necho "setup broke" >&2\nexit 3\n');
    await chmod(join(scripts, 'prepare_node.sh'), 0o755);
    await chmod(join(scripts, 'fail.sh'), 0o755);
    process.env['NODEPOOL_SETUP_MARK'] = 'marked';
    const t = await LauncherHarness.create({ backend: sqlite!, zookeeper: zk.address! });
    h = t;
    await t.writeConfig(config(scripts, sshd.privateKeyPath, setup));
    snapshots = new SnapshotImages({
      timing: {
        connectTimeoutMs: 20_000,
        settleMs: 0,
        checkIntervalMs: 200,
        imageCleanupMs: 0,
        deleteTimeoutMs: 20_000,
        ...timing,
      },
    });
    await t.start({
      integrations: [snapshots],
      ssh: redirectSeam(sshd.host, sshd.port, {
        retryDelayMs: 100,
        nodepoolDir: join(remote, 'etc-nodepool'),
        scriptsDir: join(remote, 'opt-nodepool-scripts'),
      }),
    });
    return { t, markers, remote };
  }

  it('makes a snapshot over SSH, launches nodes from it and rotates old snapshots', async () => {
    const { t, markers, remote } = await setUp('prepare_node.sh');
    // The missing-image check starts the first update; nodes follow once it is ready.
    const ready = await t.waitReady({ 'snap-label': 2 }, 60_000);
    const rows = await t.db.snapshotImages.list();
    expect(rows).toHaveLength(1);
    const first = rows[0]!;
    expect(first).toMatchObject({
      providerName: 'snap-provider',
      imageName: 'snap-image',
      state: 2,
    });
    expect(first.hostname).toMatch(/^template-snap-image-\d+$/);
    // The setup script ran on the template server, from the copied scripts dir, with NODEPOOL_ env.
    expect(await readdir(markers)).toEqual([`setup-${first.hostname}`]);
    expect((await readFile(join(markers, `setup-${first.hostname}`), 'utf8')).trim()).toBe(
      `${first.hostname} marked opt-nodepool-scripts`,
    );
    expect((await readdir(join(remote, 'opt-nodepool-scripts'))).sort()).toEqual([
      'fail.sh',
      'prepare_node.sh',
    ]);
    // The snapshot is a private active image carrying the image meta; the template server is gone.
    const state = t.cloud.snapshot();
    const image = state.images.find((i) => i.id === first.externalId);
    expect(image).toMatchObject({ name: first.hostname, status: 'active' });
    expect(image!.properties).toMatchObject({ purpose: 'test', image_type: 'snapshot' });
    expect(state.servers.some((s) => s.id === first.serverExternalId)).toBe(false);
    // Nodes boot from the snapshot.
    for (const node of ready) {
      expect(state.servers.find((s) => s.id === node.externalId)?.imageId).toBe(first.externalId);
    }

    // Two more updates: the oldest ready snapshot is neither current nor previous, so the cleanup deletes it.
    await snapshots!.updateAll();
    await snapshots!.updateAll();
    let all = await t.db.snapshotImages.list();
    expect(all.map((r) => snapshotStateName(r.state))).toEqual(['ready', 'ready', 'ready']);
    await snapshots!.cleanupNow();
    all = await t.db.snapshotImages.list();
    expect(all.map((r) => r.id)).not.toContain(first.id);
    expect(all).toHaveLength(2);
    const images = t.cloud.snapshot().images;
    expect(images.some((i) => i.id === first.externalId)).toBe(false);
    for (const r of all)
      expect(images.some((i) => i.id === r.externalId && i.status === 'active')).toBe(true);
    // New nodes use the newest snapshot.
    const newest = [...all].sort((a, b) => (b.version ?? 0) - (a.version ?? 0) || b.id - a.id)[0]!;
    const current = await t.db.snapshotImages.current('snap-provider', 'snap-image');
    expect(current?.id).toBe(newest.id);
    expect(await readdir(markers)).toHaveLength(3);
  });

  it('leaves nothing behind when the setup script fails', async () => {
    const { t } = await setUp('fail.sh');
    const seed = t.cloud.snapshot().images.map((i) => i.id);
    // Wait for at least one failed attempt to be cleaned up.
    const serverDeletes = (): number =>
      Object.entries(t.cloud.calls())
        .filter(([k]) => k.startsWith('compute DELETE') && k.endsWith('/servers/{id}'))
        .reduce((n, [, v]) => n + v, 0);
    await waitFor(() => serverDeletes() >= 1, {
      timeoutMs: 60_000,
      what: 'a template server deletion',
    });
    await waitFor(
      async () =>
        snapshots!.updatesRunning === 0 && (await t.db.snapshotImages.list()).length === 0,
      {
        timeoutMs: 30_000,
        what: 'the failed update to be cleaned up',
      },
    );
    // The SIGUSR2 report shows the integration active, and the failure with its back-off.
    await waitFor(() => snapshots!.status().failures.length === 1, {
      what: 'the failure to be recorded',
    });
    expect(t.launcher!.diagnostics().integrations['snapshot images']).toMatchObject({
      isActive: true,
      isChecking: true,
      failures: [
        {
          provider: 'snap-provider',
          image: 'snap-image',
          count: expect.any(Number),
          retryAfter: expect.any(String),
        },
      ],
    });
    await snapshots!.stop();
    const state = t.cloud.snapshot();
    expect(state.servers).toEqual([]);
    expect(state.images.map((i) => i.id)).toEqual(seed);
    expect(await t.db.snapshotImages.list()).toEqual([]);
    expect(await t.nodes()).toEqual([]);
  });

  it('deletes a half-made snapshot, the server and the row when the image never becomes active', async () => {
    const { t, markers } = await setUp('prepare_node.sh', { imageTimeoutMs: 500 });
    t.cloud.setKnobs({ imageSaveDelayMs: 600_000 });
    const seed = t.cloud.snapshot().images.map((i) => i.id);
    const imageDeletes = (): number =>
      Object.entries(t.cloud.calls())
        .filter(([k]) => k.startsWith('image DELETE'))
        .reduce((n, [, v]) => n + v, 0);
    await waitFor(() => imageDeletes() >= 1, {
      timeoutMs: 60_000,
      what: 'the half-made snapshot to be deleted',
    });
    await snapshots!.stop();
    expect((await readdir(markers)).length).toBeGreaterThanOrEqual(1);
    const state = t.cloud.snapshot();
    expect(state.servers).toEqual([]);
    expect(state.images.map((i) => i.id)).toEqual(seed);
    expect(await t.db.snapshotImages.list()).toEqual([]);
  });

  it('runs image-update in the foreground; image-list shows the snapshot; image-delete ID deletes it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'np-snapshot-'));
    const scripts = join(dir, 'scripts');
    await mkdir(scripts);
    await writeFile(join(scripts, 'prepare_node.sh'), '#!/bin/sh\ntrue\n');
    const t = await LauncherHarness.create({ backend: sqlite!, zookeeper: zk.address! });
    h = t;
    const clouds = join(dir, 'clouds.yaml');
    await writeFile(clouds, t.cloud.cloudsYaml('snap-cloud'));
    const saved = { clouds: process.env['OS_CLIENT_CONFIG_FILE'] };
    process.env['OS_CLIENT_CONFIG_FILE'] = clouds;
    try {
      await t.writeConfig(
        config(scripts, sshd.privateKeyPath, 'prepare_node.sh').replace(
          /    auth-url: fake\n    username: fake\n    password: fake\n    project-id: fake\n/,
          '    cloud: snap-cloud\n',
        ),
      );
      const files = { configPath: t.configPath, securePath: t.securePath };
      // The CLI's SSH seam: template servers of the fake cloud get a fake session.
      const upd = await runCli(files, ['image-update', 'snap-provider', 'snap-image'], {
        ssh: FAKE_SSH_SEAM,
      });
      expect(upd.status, upd.stderr).toBe(0);
      const [row] = await t.db.snapshotImages.list();
      expect(row).toMatchObject({ id: 1, state: 2 });
      expect(t.cloud.snapshot().servers).toEqual([]);
      const list = await runCli(files, ['image-list']);
      expect(list.status).toBe(0);
      expect(list.stdout).toContain(
        `| snapshot | 1         | snap-provider | snap-image | ${row!.hostname} | ${row!.externalId} | ready | 00:00:00:0`,
      );
      expect((await runCli(files, ['image-delete', '7'])).stderr).toBe("No image '7' found.\n");
      expect(await runCli(files, ['image-delete', '1'])).toEqual({
        status: 0,
        stdout: '',
        stderr: '',
      });
      expect(await t.db.snapshotImages.list()).toEqual([]);
      expect(t.cloud.snapshot().images.some((i) => i.id === row!.externalId)).toBe(false);
      const wrong = await runCli(files, ['image-update', 'snap-provider', 'nope']);
      expect(wrong).toMatchObject({ status: 1, stderr: 'Image specified, nope, is not in use.\n' });
    } finally {
      for (const [k, v] of [['OS_CLIENT_CONFIG_FILE', saved.clouds]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
