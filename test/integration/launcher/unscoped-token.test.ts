/**
 * nodepoold with a provider whose settings name no project (an unscoped token, no catalog):
 * every failed attempt is logged at WARNING or above with the one-line reason naming the
 * provider and the missing key; no node becomes ready and no server is created (issue #14).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stateName } from '../../../src/db/index.js';
import { captureLog } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { LauncherHarness } from './harness.js';

const zk = sharedZooKeeper();
if (zk.address === null)
  process.stderr.write(`SKIPPED launcher unscoped-token test: ${zk.reason}\n`);

describe.skipIf(zk.address === null)('nodepoold with a provider that names no project', () => {
  let h: LauncherHarness | null = null;
  afterEach(async () => {
    await h?.stop();
    h = null;
  });

  it('logs the unscoped-token error at every attempt, at WARNING or above, and launches nothing', async () => {
    const t = await LauncherHarness.create({
      backend: { name: 'sqlite', available: true },
      zookeeper: zk.address!,
    });
    h = t;
    await t.writeConfig('subnodes.yaml', (text) => text.replace(/ *project-id: '[^']*'\n/, ''));
    await t.addUpload('fake-image', ['fake-provider']);
    const captured = captureLog('info');
    await t.start({
      log: captured.log,
      timing: { intervalMs: 200, deleteTimeoutMs: 30_000, subnodePollMs: 100, stopGraceMs: 5000 },
    });
    const unscoped = (): typeof captured.lines =>
      captured.lines.filter((l) => /Keystone returned an unscoped token/.test(JSON.stringify(l)));
    await waitFor(() => unscoped().length >= 3, {
      timeoutMs: 30_000,
      what: 'three logged unscoped-token failures',
    });
    for (const l of unscoped()) expect(l.level, JSON.stringify(l)).toBeGreaterThanOrEqual(40);
    expect(JSON.stringify(unscoped()[0])).toContain('Cannot use provider \\"fake-provider\\"');
    expect(t.servers()).toEqual([]);
    expect(
      (await t.nodes()).filter((n) => n.state !== null && stateName(n.state) === 'ready'),
    ).toEqual([]);
  });
});
