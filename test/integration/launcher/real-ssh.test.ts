/**
 * The launcher over real SSH: every server of the fake cloud answers SSH on its own address
 * (`sshPort`, a free high port instead of 22), and the launcher reaches each node there, as
 * it reaches real nodes. Each node gets one login for its access check, its
 * `/etc/nodepool` files and its ready script; every node of a set shares one key.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../support/sshd.js';
import { portSeam } from '../../support/ssh-seams.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { LauncherHarness } from './harness.js';

const zk = sharedZooKeeper();
if (zk.address === null) process.stderr.write(`SKIPPED launcher real SSH test: ${zk.reason}\n`);

describe.skipIf(zk.address === null)('Launcher over real SSH to each node', () => {
  let h: LauncherHarness | null = null;
  afterEach(async () => {
    await h?.stop();
    h = null;
  });

  it('logs in once per node and writes the node files and runs the ready script in that session', async () => {
    const port = await freePort();
    const t = (h = await LauncherHarness.create({
      backend: { name: 'sqlite', available: true },
      zookeeper: zk.address!,
      cloud: { buildDelayMs: 100, sshPort: port },
    }));
    const keyPath = join(t.dir, 'id_rsa');
    await writeFile(
      keyPath,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
        type: 'pkcs1',
        format: 'pem',
      }),
      { mode: 0o600 },
    );
    const server = t.chroot.servers[0]!;
    await t.writeConfig(
      [
        'cron:',
        "  cleanup: '0 0 1 1 *'",
        "  check: '0 0 1 1 *'",
        'zookeeper-servers:',
        `  - { host: ${server.host}, port: ${server.port}, chroot: ${server.chroot} }`,
        'labels:',
        '  - { name: small, image: img, min-ready: 2, ready-script: ready.sh, providers: [{ name: p }] }',
        'providers:',
        '  - name: p',
        "    auth-url: 'fake'",
        '    username: fake',
        '    password: fake',
        '    project-id: fake',
        '    max-servers: 4',
        '    images:',
        `      - { name: img, min-ram: 512, username: jenkins, private-key: ${keyPath} }`,
        'targets:',
        '  - name: t',
        '',
      ].join('\n'),
    );
    await t.addUpload('img', ['p']);
    await t.start({ ssh: portSeam(port, { retryDelayMs: 100 }) });
    const ready = await t.waitReady({ small: 2 });
    const activity = t.cloud.sshActivity();
    for (const node of ready) {
      const seen = activity[node.externalId!]!;
      expect(seen.logins).toBe(1);
      expect(seen.commands[0]).toBe('echo access okay');
      expect(seen.commands[1]).toBe('ls /etc/nodepool');
      expect(seen.commands.at(-1)).toContain('ready.sh');
      expect(Object.keys(seen.files).sort()).toEqual(
        [
          'id_rsa',
          'id_rsa.pub',
          'node',
          'node_private',
          'primary_node',
          'primary_node_private',
          'provider',
          'role',
          'sub_nodes',
          'sub_nodes_private',
          'uuid',
        ].map((f) => `/etc/nodepool/${f}`),
      );
      expect(seen.files['/etc/nodepool/node']).toBe(`${node.ip}\n`);
      expect(seen.files['/etc/nodepool/id_rsa']).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    }
    // Two node sets (no subnodes): two different keys.
    const keys = ready.map((n) => activity[n.externalId!]!.files['/etc/nodepool/id_rsa.pub']);
    expect(new Set(keys).size).toBe(2);
  });
});
