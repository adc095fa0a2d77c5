/**
 * A provider whose settings name no project gets an unscoped token (no catalog): the builder
 * says so, naming the provider and the missing key, at every upload attempt and every
 * back-off step; it never retries silently (issue #14).
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../support/wait-for.js';
import { sharedZooKeeper } from '../../support/zk-fixture.js';
import { WAIT_MS, useBuilderFixture } from './helpers.js';

const { address, reason } = sharedZooKeeper();
if (address === null) process.stderr.write(`SKIPPED builder unscoped-token test: ${reason}\n`);

describe.skipIf(address === null)('NodePoolBuilder with a provider that names no project', () => {
  const fx = useBuilderFixture(address);

  it('logs the unscoped-token error at each upload attempt and each back-off, and uploads nothing', async () => {
    await fx.useConfig('node.yaml', (t) => t.replace(/ *project-id: '[^']*'\n/, ''));
    const { logs } = await fx.startBuilder();
    await fx.waitForBuild('fake-image', '0000000001');
    const failures = (): typeof logs.lines =>
      logs
        .find('Failed to upload image fake-image to provider fake-provider')
        .filter((l) => /unscoped token/.test(JSON.stringify(l['err'])));
    await waitFor(() => failures().length >= 3, {
      timeoutMs: WAIT_MS,
      what: 'three failed upload attempts',
    });
    const line = failures()[0]!;
    expect(line.level).toBeGreaterThanOrEqual(40);
    expect((line['err'] as { message: string }).message).toBe(
      'Cannot use provider "fake-provider": Keystone returned an unscoped token, with no service catalog, because it has no project: set project_name or project_id (in the auth section of the clouds.yaml entry, or beside it)',
    );
    expect((line['err'] as { code?: string }).code).toBe('ERR_PROVIDER_UNSCOPED_TOKEN');
    expect(logs.find('Next upload of fake-image to fake-provider').length).toBeGreaterThanOrEqual(
      2,
    );
    expect(
      fx.cloud.snapshot().images.filter((i) => (i.name ?? '').startsWith('template-fake-image')),
    ).toEqual([]);
  });
});
