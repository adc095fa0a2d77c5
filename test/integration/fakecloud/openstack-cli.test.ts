/**
 * Drives the fake cloud with a client nobody here wrote: Debian's python3-openstackclient
 * (installed by scripts/install-deps.sh).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCloud } from '../../../src/fakecloud/index.js';

const run = promisify(execFile);
const OPENSTACK = '/usr/bin/openstack';
const hasCli = existsSync(OPENSTACK);
if (!hasCli)
  process.stderr.write(
    `\n*** SKIPPED: fake cloud vs openstackclient: ${OPENSTACK} is missing (scripts/install-deps.sh installs python3-openstackclient) ***\n\n`,
  );

// Each CLI run starts a Python interpreter: seconds per command on a busy 2-core machine.
describe.skipIf(!hasCli)(
  'FakeCloud driven by python3-openstackclient',
  { timeout: 240_000 },
  () => {
    const cloud = new FakeCloud({ buildDelayMs: 50 });
    let dir = '';
    let env: NodeJS.ProcessEnv = {};

    async function os(...args: string[]): Promise<any> {
      const { stdout } = await run(OPENSTACK, ['--os-cloud', 'fake', ...args, '-f', 'json'], {
        env,
        timeout: 60_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      return JSON.parse(stdout);
    }

    beforeAll(async () => {
      await cloud.start();
      dir = await mkdtemp(join(tmpdir(), 'fakecloud-osc-'));
      await writeFile(join(dir, 'clouds.yaml'), cloud.cloudsYaml('fake'));
      // Debian's python, never a pyenv shim; no proxies for loopback.
      env = {
        PATH: '/usr/bin:/bin',
        HOME: dir,
        OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'),
        NO_PROXY: '127.0.0.1,localhost',
        no_proxy: '127.0.0.1,localhost',
      };
    });
    afterAll(async () => {
      await cloud.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('lists flavors', async () => {
      const flavors = await os('flavor', 'list');
      expect(flavors).toContainEqual(expect.objectContaining({ Name: 'Fake Flavor', RAM: 8192 }));
    });

    it('uploads an image from a file', async () => {
      const file = join(dir, 'image.raw');
      await writeFile(file, Buffer.alloc(3 * 1024 * 1024, 1));
      await os(
        'image',
        'create',
        '--file',
        file,
        '--disk-format',
        'raw',
        '--container-format',
        'bare',
        '--property',
        'nodepool_build_id=0000000001',
        'cli-image',
      );
      const image = await os('image', 'show', 'cli-image');
      expect(image).toMatchObject({ status: 'active', size: 3 * 1024 * 1024 });
      expect(image.properties.nodepool_build_id).toBe('0000000001');
    });

    it('creates, lists, shows and deletes a server', async () => {
      const created = await os(
        'server',
        'create',
        '--image',
        'Fake Precise',
        '--flavor',
        'Fake Flavor',
        '--nic',
        'net-id=some-uuid',
        '--property',
        'groups=["fake-provider"]',
        '--wait',
        'cli-server',
      );
      expect(created.status).toBe('ACTIVE');
      const list = await os('server', 'list');
      expect(list).toContainEqual(
        expect.objectContaining({ Name: 'cli-server', Status: 'ACTIVE', Flavor: 'Fake Flavor' }),
      );
      const shown = await os('server', 'show', 'cli-server');
      expect(shown.properties).toEqual({ groups: '["fake-provider"]' });
      expect(JSON.stringify(shown.addresses)).toContain('127.11.');
      await run(OPENSTACK, ['--os-cloud', 'fake', 'server', 'delete', '--wait', 'cli-server'], {
        env,
        timeout: 60_000,
      });
      expect(await os('server', 'list')).toEqual([]);
    });
  },
);
