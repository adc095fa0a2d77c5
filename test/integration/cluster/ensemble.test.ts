import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZkClient } from '../../../src/zk/index.js';
import { ZooKeeperEnsemble, zooKeeperUnavailableReason } from '../../support/zookeeper.js';

const reason = zooKeeperUnavailableReason();

describe.skipIf(reason !== null)('ZooKeeperEnsemble (test support)', () => {
  let ensemble: ZooKeeperEnsemble;
  beforeAll(async () => {
    ensemble = await ZooKeeperEnsemble.start();
  });
  afterAll(async () => {
    await ensemble?.stop();
  });

  it('serves with one leader and elects another when the leader is killed', async () => {
    const first = await ensemble.leader();
    expect(first).not.toBeNull();
    const client = new ZkClient({ servers: ensemble.entries('/ensemble-test') });
    await client.start();
    try {
      await client.create('/x', { data: 'one' });
      await ensemble.killServer(first!);
      await ensemble.waitServing();
      const second = await ensemble.leader();
      expect(second).not.toBeNull();
      expect(second).not.toBe(first);
      expect((await client.get('/x')).data.toString()).toBe('one');
      await ensemble.startServer(first!);
      expect(ensemble.list().every((s) => s.running)).toBe(true);
    } finally {
      await client.stop();
    }
  });
});
