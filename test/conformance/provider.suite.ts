/**
 * Provider conformance suite: the OpenStack provider against a cloud over HTTP. Run once per
 * cloud (the bundled fake cloud, and the real OpenStack of `../shared/realcloud`). Checks
 * that need fault injection run only when the target offers `faults`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { CompiledProvider } from '../../src/config/index.js';
import {
  OpenStackProvider,
  ResourceNotFoundError,
  ServerFailedError,
  parseNodepoolMetadata,
} from '../../src/provider/index.js';
import type { ProviderError, ProviderTuning } from '../../src/provider/index.js';
import { NeutronClient } from '../../src/provider/openstack/neutron.js';
import { createStats } from '../../src/stats/index.js';
import type { Stats } from '../../src/stats/index.js';
import { seedCloudsYaml } from '../support/seed-fixtures.js';
import { StatsdCapture } from '../support/statsd.js';
import { waitFor } from '../support/wait-for.js';

/** Fault knobs only a fake cloud has. */
export interface CloudFaults {
  /** Lifetime of tokens issued from now on. */
  setTokenTtlMs(ms: number): void;
  /** Makes every token issued so far invalid (401 on use). */
  revokeTokens(): void;
  /** Makes the next server create answer HTTP 500 (`'http'`) or boot into ERROR (`'error'`). */
  failNextCreate(kind: 'http' | 'error'): void;
  /** Delay added to every API answer. */
  setLatencyMs(ms: number): void;
  /** Requests the cloud received, with the time each arrived (epoch ms), if it records them. */
  calls?(): Array<{ method: string; path: string; at: number }>;
  /** Undoes every knob. */
  reset(): void;
}

/** The cloud a suite run talks to. */
export interface ProviderSuiteTarget {
  /** Provider config for this cloud; tests override fields. */
  config(overrides?: Partial<CompiledProvider>): CompiledProvider;
  /** Whether servers get a private address only, so a floating IP is expected. */
  expectsFloatingIp: boolean;
  /** Sets the project's instance quota (null = back to the default). */
  setInstanceQuota?(n: number | null): Promise<void>;
  faults?: CloudFaults;
  /** The values of seed 004's clouds.yaml placeholders for this cloud (`OS_USERNAME`, ...). */
  seedCloudsValues?(): Record<
    'OS_USERNAME' | 'OS_PASSWORD' | 'OS_AUTH_URL' | 'OS_PROJECT_NAME' | 'OS_REGION_NAME',
    string
  >;
}

const log = pino({ level: process.env['NODEPOOL_TEST_LOG'] ?? 'silent' });

/** Registers the suite; `target` is called after the test file's `beforeAll` ran. */
export function providerConformanceSuite(label: string, target: () => ProviderSuiteTarget): void {
  describe(`OpenStackProvider against ${label}`, () => {
    const prefix = `np-${randomUUID().slice(0, 8)}`;
    const started: OpenStackProvider[] = [];
    let capture: StatsdCapture;
    let stats: Stats;
    let dir: string;
    let imageFile: string;
    let imageId: string;
    let shared: OpenStackProvider;

    async function start(
      overrides: Partial<CompiledProvider> = {},
      tuning: ProviderTuning = {},
    ): Promise<OpenStackProvider> {
      const p = new OpenStackProvider(
        target().config({ name: `${prefix}-p${started.length}`, ...overrides }),
        {
          log,
          stats,
          tuning: {
            serverListAgeMs: 500,
            activePollMs: 300,
            deletePollMs: 300,
            imagePollMs: 300,
            floatingIpTimeoutMs: 60_000,
            ...tuning,
          },
        },
      );
      started.push(p);
      await p.start();
      return p;
    }

    beforeAll(async () => {
      capture = await StatsdCapture.start();
      stats = createStats({ host: '127.0.0.1', port: capture.port });
      dir = await mkdtemp(path.join(tmpdir(), 'np-provider-'));
      imageFile = path.join(dir, 'image.qcow2');
      await writeFile(imageFile, randomBytes(256 * 1024));
      shared = await start({ rateMs: 0 });
      const img = await shared.uploadImage({
        name: `${prefix}-image`,
        filename: imageFile,
        diskFormat: 'qcow2',
        properties: { nodepool_build_id: '0000000001' },
      });
      imageId = img.id;
    });

    afterAll(async () => {
      const cleaner = shared;
      if (cleaner?.state === 'running') {
        for (const s of await cleaner.listServers().catch(() => [])) {
          if (s.name.startsWith(prefix)) await cleaner.deleteServer(s.id).catch(() => undefined);
        }
        for (const i of await cleaner.listImages().catch(() => [])) {
          if (i.name.startsWith(prefix)) await cleaner.deleteImage(i.id).catch(() => undefined);
        }
      }
      for (const p of started) await p.stop();
      await stats?.close();
      await capture?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    afterEach(() => {
      target().faults?.reset();
    });

    it('uploads a file streamed from disk and lists the image with its properties', async () => {
      const img = await shared.getImage(imageId);
      expect(img?.status).toBe('active');
      expect(img?.properties['nodepool_build_id']).toBe('0000000001');
      expect(img?.properties['disk_format']).toBe('qcow2');
      expect(img?.properties['container_format']).toBe('bare');
      expect(img?.size).toBe(256 * 1024);
      const all = await shared.listImages();
      expect(all.map((i) => i.id)).toContain(imageId);
      await expect(shared.getImage(randomUUID())).resolves.toBeNull();
    });

    it("reads seed 004's clouds.yaml (the project beside auth:, a regions list) and gets a token for that project", async (ctx) => {
      const values = target().seedCloudsValues?.();
      if (values === undefined) return ctx.skip();
      const cloudsPath = path.join(dir, 'clouds.yaml');
      await writeFile(cloudsPath, seedCloudsYaml(values));
      const nodepoolYaml = path.join(dir, 'seed-nodepool.yaml');
      await writeFile(
        nodepoolYaml,
        `providers:\n  - name: ${prefix}-seed\n    cloud: le-cloud\n    max-servers: 1\n    images: []\nlabels: []\n`,
      );
      const loaded = await loadConfig(nodepoolYaml, {
        cwd: dir,
        env: { HOME: dir, OS_CLIENT_CONFIG_FILE: cloudsPath },
      });
      const seedCloud = loaded.providers[0]!.cloud;
      expect(seedCloud.auth['project_name']).toBe(values.OS_PROJECT_NAME);
      expect(seedCloud.regionName).toBe(values.OS_REGION_NAME);
      const p = await start({ cloud: seedCloud, rateMs: 0 });
      await p.listServers();
      const token = await p.keystone!.token();
      expect(token.projectId).toBeDefined();
      expect(token.projectId).toBe((await shared.keystone!.token()).projectId);
    });

    it('authenticates once and reuses the token', async () => {
      const p = await start({ rateMs: 0 });
      await p.refresh();
      await p.listServers();
      await p.listImages();
      expect(p.keystone?.authCount).toBe(1);
    });

    it('authenticates again once when the cloud refuses the token', async () => {
      const p = await start({ rateMs: 0 });
      await p.listImages();
      const token = await p.keystone!.token();
      token.id = 'not-a-valid-token';
      await p.listImages();
      expect(p.keystone?.authCount).toBe(2);
    });

    it('starts calls rate apart on average, never closer than half a rate, in submission order', async () => {
      const rateMs = 150;
      const p = await start({ rateMs });
      await Promise.all([p.listImages(), p.listFlavors(), p.getQuota(), p.listImages()]);
      const starts = p.queue.recentStarts();
      expect(starts.length).toBeGreaterThanOrEqual(4);
      // A late start lets the next come up to half a rate sooner (docs/behaviour.md#rate).
      for (let i = 1; i < starts.length; i++) {
        expect(starts[i]!.at - starts[i - 1]!.at).toBeGreaterThanOrEqual(rateMs / 2 - 1);
      }
      const span = starts.at(-1)!.at - starts[0]!.at;
      expect(span).toBeGreaterThanOrEqual((starts.length - 1) * rateMs - rateMs / 2 - 1);
      expect(starts[0]!.task).toBe('ImageGetImages');
      const faults = target().faults;
      if (faults?.calls) {
        const calls = faults
          .calls()
          .filter((c) => !c.path.includes('/auth/') && !c.path.endsWith('/tokens'));
        const last = calls.slice(-starts.length);
        for (let i = 1; i < last.length; i++)
          expect(last[i]!.at - last[i - 1]!.at).toBeGreaterThanOrEqual(rateMs / 2 - 20);
      }
    });

    it('shares one server list between concurrent callers', async () => {
      const p = await start({ rateMs: 0 }, { serverListAgeMs: 60_000 });
      capture.clear();
      await Promise.all([p.listServers(), p.listServers(), p.getServer('x')]);
      await p.listServers();
      const key = `nodepool.task.${p.name}.ServerList`;
      await capture.waitForLine(key);
      await waitFor(() => capture.linesFor(key).length >= 2);
      const lines = capture.linesFor(key);
      expect(lines.filter((l) => l.endsWith('|c'))).toEqual([`${key}:1|c`]);
      expect(lines.filter((l) => l.endsWith('|ms'))).toHaveLength(1);
    });

    it('picks the smallest flavor with enough RAM, honouring the name filter', async () => {
      const flavors = await shared.listFlavors();
      expect(flavors.length).toBeGreaterThan(0);
      const smallest = flavors[0]!;
      expect((await shared.findFlavor(1)).id).toBe(smallest.id);
      const bigger = flavors.find((f) => f.ram > smallest.ram);
      if (bigger) expect((await shared.findFlavor(smallest.ram + 1)).ram).toBe(bigger.ram);
      const last = flavors[flavors.length - 1]!;
      expect((await shared.findFlavor(1, last.name)).name).toContain(last.name);
      await expect(shared.findFlavor(1e9)).rejects.toThrow(
        'Unable to find flavor with min ram: 1000000000',
      );
    });

    it(
      'boots a server with nodepool metadata, waits for it, and deletes it',
      { timeout: 240_000 },
      async () => {
        const p = await start({ rateMs: 0 });
        const name = `${prefix}-boot`;
        const created = await p.createServer({
          name,
          imageId,
          minRam: 1,
          nodeId: 42,
          imageName: 'fake-image',
        });
        expect(created.name).toBe(name);
        expect(['building', 'active']).toContain(created.status);
        const server = await p.waitForServer(created.id, { timeoutMs: 120_000 });
        expect(server.status).toBe('active');
        expect(server.publicIp).toBeTruthy();
        expect(server.privateIp).toBeTruthy();
        if (target().expectsFloatingIp) {
          const fips = await p.listFloatingIps();
          expect(fips.map((f) => f.address)).toContain(server.publicIpv4);
        }
        expect(JSON.parse(server.metadata['groups']!)).toEqual([p.name, 'fake-image']);
        expect(parseNodepoolMetadata(server.metadata)).toEqual({
          providerName: p.name,
          nodeId: 42,
          imageName: 'fake-image',
        });
        await p.deleteServer(server.id);
        await p.waitForServerDeletion(server.id, { timeoutMs: 120_000 });
        expect(await p.getServer(server.id)).toBeNull();
        if (server.publicIpv4 && target().expectsFloatingIp) {
          expect((await p.listFloatingIps()).map((f) => f.address)).not.toContain(
            server.publicIpv4,
          );
        }
        await expect(p.deleteServer(server.id)).rejects.toBeInstanceOf(ResourceNotFoundError);
      },
    );

    it('reads the absolute limits and counts the servers', async () => {
      const q = await shared.getQuota();
      expect(q.maxInstances).not.toBe(0);
      expect(q.usedInstances).toBeGreaterThanOrEqual(0);
    });

    it('refuses before asking when the instance quota is used up, and maps the cloud refusal', async (ctx) => {
      const t = target();
      if (!t.setInstanceQuota) return ctx.skip();
      const p = await start({ rateMs: 0 }, { limitsAgeMs: 0, serverListAgeMs: 0 });
      const used = (await p.getQuota()).usedInstances;
      await t.setInstanceQuota(used);
      try {
        const err = await p
          .createServer({ name: `${prefix}-q1`, imageId, minRam: 1 })
          .catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'ERR_PROVIDER_QUOTA' });
        expect((err as Error).message).toContain('instances quota');
        const p2 = await start({ rateMs: 0 }, { checkQuota: false });
        const err2 = await p2
          .createServer({ name: `${prefix}-q2`, imageId, minRam: 1 })
          .catch((e: unknown) => e);
        expect(err2).toMatchObject({ code: 'ERR_PROVIDER_QUOTA' });
        expect((err2 as ProviderError).status).toBe(403);
        expect((err2 as ProviderError).requestId).toMatch(/^req-/);
      } finally {
        await t.setInstanceQuota(null);
      }
    });

    it('deletes unattached floating IPs with clean-floating-ips', async (ctx) => {
      if (!target().expectsFloatingIp) return ctx.skip();
      const p = await start({ rateMs: 0, cleanFloatingIps: true });
      const neutron = new NeutronClient(p.keystone!, { provider: p.name, timeoutMs: 30_000 });
      const ext = (await neutron.listNetworks()).find((n) => n['router:external'] === true)!;
      const fip = await neutron.createFloatingIp(ext.id);
      expect(await p.cleanFloatingIps()).toBeGreaterThanOrEqual(1);
      expect((await p.listFloatingIps()).map((f) => f.id)).not.toContain(fip.id);
    });

    it('rejects queued calls with ERR_PROVIDER_STOPPED when stopped', async () => {
      const p = await start({ rateMs: 2000 });
      const first = p.listImages();
      const queued = p.listFlavors();
      await first;
      const stopping = p.stop();
      await expect(queued).rejects.toMatchObject({ code: 'ERR_PROVIDER_STOPPED' });
      await stopping;
      await expect(p.listImages()).rejects.toMatchObject({ code: 'ERR_PROVIDER_STOPPED' });
    });

    it('drops a queued call whose signal aborts', async () => {
      const p = await start({ rateMs: 1000 });
      await p.listImages();
      const ac = new AbortController();
      const dropped = p.listFlavors({ signal: ac.signal });
      ac.abort(new Error('not needed'));
      await expect(dropped).rejects.toThrow('not needed');
      expect(p.queue.recentStarts().map((s) => s.task)).not.toContain('FlavorList');
    });

    describe('with fault injection', () => {
      it('re-authenticates before a short-lived token expires', async (ctx) => {
        const f = target().faults;
        if (!f) return ctx.skip();
        f.setTokenTtlMs(1500);
        const p = await start({ rateMs: 0 });
        await p.listImages();
        const first = await p.keystone!.token();
        await waitFor(() => Date.now() > first.expiresAt - 100, { timeoutMs: 5000 });
        await p.listImages();
        expect(p.keystone?.authCount).toBe(2);
      });

      it('re-authenticates once after the cloud revokes tokens', async (ctx) => {
        const f = target().faults;
        if (!f) return ctx.skip();
        const p = await start({ rateMs: 0 });
        await p.listImages();
        f.revokeTokens();
        await p.listImages();
        expect(p.keystone?.authCount).toBe(2);
      });

      it('reports a failed create as ERR_PROVIDER_SERVER with the request id', async (ctx) => {
        const f = target().faults;
        if (!f) return ctx.skip();
        const p = await start({ rateMs: 0 });
        f.failNextCreate('http');
        const err = await p
          .createServer({ name: `${prefix}-e500`, imageId, minRam: 1 })
          .catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'ERR_PROVIDER_SERVER' });
        expect((err as ProviderError).status).toBe(500);
        expect((err as ProviderError).requestId).toMatch(/^req-/);
      });

      it('reports a server that goes to ERROR with its fault', async (ctx) => {
        const f = target().faults;
        if (!f) return ctx.skip();
        const p = await start({ rateMs: 0 });
        f.failNextCreate('error');
        const err = await (async () => {
          const s = await p.createServer({ name: `${prefix}-err`, imageId, minRam: 1 });
          return p.waitForServer(s.id, { timeoutMs: 30_000 });
        })().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ServerFailedError);
        expect((err as ServerFailedError).serverStatus).toBe('ERROR');
        expect((err as ServerFailedError).statsKey).toBe('error.status');
        await p.deleteServer((err as ServerFailedError).serverId);
      });

      it('times out a call slower than api-timeout', async (ctx) => {
        const f = target().faults;
        if (!f) return ctx.skip();
        const p = await start({ rateMs: 0 });
        await p.listImages();
        const base = target().config();
        const slow = await start({ rateMs: 0, cloud: { ...base.cloud, apiTimeoutMs: 200 } });
        f.setLatencyMs(1000);
        const err = await slow.listImages().catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'ERR_PROVIDER_TIMEOUT' });
        expect((err as Error).message).toContain('did not answer within 200 ms');
      });
    });
  });
}
