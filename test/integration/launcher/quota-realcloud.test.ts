/**
 * Quota failover's two signals against the REAL OpenStack of `../shared/realcloud` and the
 * fake cloud side by side, in a throw-away project with an instance quota of 0: a create the
 * cloud refuses (403 `forbidden`, "Quota exceeded for instances: ...") must read the same
 * from both, be classed ERR_PROVIDER_QUOTA and start a quota episode; the absolute limits
 * must show no room, then room once the quota is raised. Runs only with
 * NODEPOOL_TEST_REAL_OPENSTACK=1 (run it alone: it sets up a project in the shared cloud).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompiledProvider } from '../../../src/config/index.js';
import { FakeCloud } from '../../../src/fakecloud/index.js';
import { hasQuotaRoom, isQuotaRefusal } from '../../../src/launcher/policies/index.js';
import { OpenStackProvider } from '../../../src/provider/index.js';
import type { ProviderError } from '../../../src/provider/index.js';
import { createNoopStats } from '../../../src/stats/index.js';
import { REALCLOUD_DIR, createRealCloudProject, ensureRealCloud } from '../../support/realcloud.js';
import type { RealCloudProject } from '../../support/realcloud.js';

const enabled = process.env['NODEPOOL_TEST_REAL_OPENSTACK'] === '1';
if (!enabled)
  process.stderr.write(
    `\n*** SKIPPED: quota failover against the real OpenStack: NODEPOOL_TEST_REAL_OPENSTACK is not 1 (set it to run against ${REALCLOUD_DIR}) ***\n\n`,
  );

function providerConfig(
  name: string,
  auth: { authUrl: string; username: string; password: string; project: string },
): CompiledProvider {
  return {
    name,
    driver: 'openstack',
    cloud: {
      auth: {
        auth_url: auth.authUrl,
        username: auth.username,
        password: auth.password,
        project_name: auth.project,
        user_domain_name: 'Default',
        project_domain_name: 'Default',
      },
      regionName: 'RegionOne',
      interface: 'public',
      identityApiVersion: '3',
      apiTimeoutMs: 60_000,
      imageFormat: 'qcow2',
      isFake: false,
      extra: {},
    },
    maxServers: 10,
    imageType: 'qcow2',
    networks: [{ name: 'private' }],
    ipv6Preferred: false,
    bootTimeoutMs: 60_000,
    launchTimeoutMs: 600_000,
    rateMs: 0,
    templateHostname: 'template-{image.name}-{timestamp}',
    cleanFloatingIps: false,
    images: [],
  };
}

/** What a refused create looks like to the launcher. */
interface Refusal {
  code: string;
  status: number | undefined;
  cloudMessage: string;
  isQuota: boolean;
}

async function refusedCreate(p: OpenStackProvider, imageId: string): Promise<Refusal> {
  const err = (await p.createServer({ name: 'np-quota-check', imageId, minRam: 1 }).then(
    () => new Error('the create was accepted'),
    (e: unknown) => e,
  )) as ProviderError;
  const m = /answered \d+: (.*?)( \(request [^)]*\))?$/.exec(err.message);
  return {
    code: err.code,
    status: err.status,
    cloudMessage: m?.[1] ?? err.message,
    isQuota: isQuotaRefusal(err),
  };
}

describe.skipIf(!enabled)('quota failover signals: real OpenStack and fake cloud', () => {
  const log = pino({ level: 'silent' });
  const stats = createNoopStats();
  let project: RealCloudProject;
  let fake: FakeCloud;
  let dir: string;
  let real: OpenStackProvider;
  let realNoCheck: OpenStackProvider;
  let fakeNoCheck: OpenStackProvider;
  let realImage = '';
  let fakeImage = '';

  beforeAll(async () => {
    await ensureRealCloud();
    project = await createRealCloudProject();
    fake = new FakeCloud({ checkKeyNames: false });
    await fake.start();
    dir = await mkdtemp(path.join(tmpdir(), 'np-quota-realcloud-'));
    const file = path.join(dir, 'image.qcow2');
    await writeFile(file, randomBytes(64 * 1024));
    const realAuth = {
      authUrl: project.authUrl,
      username: project.username,
      password: project.password,
      project: project.projectName,
    };
    const fakeAuth = {
      authUrl: fake.authUrl,
      username: 'demo',
      password: 'secret',
      project: 'demo',
    };
    real = new OpenStackProvider(providerConfig('real', realAuth), {
      log,
      stats,
      tuning: { limitsAgeMs: 0, serverListAgeMs: 0 },
    });
    realNoCheck = new OpenStackProvider(providerConfig('real-nocheck', realAuth), {
      log,
      stats,
      tuning: { checkQuota: false },
    });
    fakeNoCheck = new OpenStackProvider(providerConfig('fake-nocheck', fakeAuth), {
      log,
      stats,
      tuning: { checkQuota: false },
    });
    for (const p of [real, realNoCheck, fakeNoCheck]) await p.start();
    const upload = { name: 'np-quota-image', filename: file, diskFormat: 'qcow2' };
    realImage = (await real.uploadImage(upload)).id;
    fakeImage = (await fakeNoCheck.uploadImage(upload)).id;
    await project.setInstanceQuota(0);
    fake.setKnobs({ quota: { instances: 0 } });
  }, 900_000);

  afterAll(async () => {
    if (real?.state === 'running' && realImage !== '')
      await real.deleteImage(realImage).catch(() => undefined);
    for (const p of [real, realNoCheck, fakeNoCheck]) await p?.stop();
    await project?.remove();
    await fake?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('reads a create refused for quota the same from both clouds: 403, ERR_PROVIDER_QUOTA', async () => {
    const fromReal = await refusedCreate(realNoCheck, realImage);
    const fromFake = await refusedCreate(fakeNoCheck, fakeImage);
    expect(fromReal).toEqual({
      code: 'ERR_PROVIDER_QUOTA',
      status: 403,
      cloudMessage: 'Quota exceeded for instances: Requested 1, but already used 0 of 0 instances',
      isQuota: true,
    });
    expect(fromFake).toEqual(fromReal);
  });

  it('refuses before asking, and shows no room in the limits until the quota is raised', async () => {
    const early = await refusedCreate(real, realImage);
    expect(early).toMatchObject({ code: 'ERR_PROVIDER_QUOTA', status: undefined, isQuota: true });
    await real.refresh();
    expect(hasQuotaRoom(await real.getQuota())).toBe(false);
    await project.setInstanceQuota(null);
    await real.refresh();
    const q = await real.getQuota();
    expect(q.maxInstances).toBe(50);
    expect(hasQuotaRoom(q)).toBe(true);
  });
});
