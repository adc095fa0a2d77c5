import { describe, expect, it } from 'vitest';
import { NoNodeError, NodeExistsError } from '../../../src/zk/index.js';
import { sharedZooKeeper, useZkFixture } from '../../support/zk-fixture.js';

const { address, reason } = sharedZooKeeper();
if (address === null) process.stderr.write(`SKIPPED ZkClient multi tests: ${reason}\n`);

describe.skipIf(address === null)('ZkClient.multi', () => {
  const fx = useZkFixture(address);

  it('creates and deletes many znodes in one transaction under the chroot', async () => {
    const zk = await fx.client();
    await zk.mkdirp('/q');
    const paths = Array.from({ length: 300 }, (_, i) => `/q/node-${i}`);
    await zk.multi(paths.map((path) => ({ op: 'create', path, data: 'x' })));
    expect((await zk.getChildren('/q')).sort()).toEqual(paths.map((p) => p.slice(3)).sort());
    expect((await zk.get('/q/node-7')).data.toString()).toBe('x');
    const root = await fx.rootClient();
    expect(await root.exists(`${fx.chroot.path}/q/node-0`)).not.toBeNull();
    await zk.multi(paths.map((path) => ({ op: 'delete', path })));
    expect(await zk.getChildren('/q')).toEqual([]);
  });

  it('applies nothing when one op fails, and names that op', async () => {
    const zk = await fx.client();
    await zk.create('/r/b', { makeParents: true });
    const failed = zk.multi([
      { op: 'create', path: '/r/a' },
      { op: 'create', path: '/r/b' },
      { op: 'create', path: '/r/c' },
    ]);
    await expect(failed).rejects.toThrow(NodeExistsError);
    await expect(failed).rejects.toMatchObject({ path: '/r/b' });
    expect(await zk.getChildren('/r')).toEqual(['b']);

    const gone = zk.multi([
      { op: 'delete', path: '/r/b' },
      { op: 'delete', path: '/r/missing' },
    ]);
    await expect(gone).rejects.toThrow(NoNodeError);
    await expect(gone).rejects.toMatchObject({ path: '/r/missing' });
    expect(await zk.exists('/r/b')).not.toBeNull();
  });
});
