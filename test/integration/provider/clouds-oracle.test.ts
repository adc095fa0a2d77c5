/**
 * clouds.yaml read as openstacksdk reads it (issue #14). For every variant of
 * clouds-variants.ts, Debian's python3-openstacksdk (`OpenStackConfig().get_one()`, a real
 * `authorize()`, one compute call) and this port (`loadConfig`, a KeystoneSession, one
 * compute call) talk to the same fake cloud, which logs what it receives: the identity
 * request (version, user, domain, scope) and the region and interface of the next call must
 * be the same. One deliberate difference: a v3 user or project named without a domain gets
 * the `Default` domain here (openstacksdk sends none and Keystone answers 400); for those,
 * the next call is compared with the region and interface of openstacksdk's CloudRegion.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { FakeCloud } from '../../../src/fakecloud/index.js';
import type { FakeRequestRecord } from '../../../src/fakecloud/index.js';
import { sessionOptions } from '../../../src/provider/openstack/config.js';
import { KeystoneSession } from '../../../src/provider/openstack/keystone.js';
import { OpenStackSdkOracle, oracleUnavailable } from '../../support/openstacksdk-oracle.js';
import type { OracleAnswer } from '../../support/openstacksdk-oracle.js';
import { VARIANTS } from './clouds-variants.js';
import type { CloudsVariant } from './clouds-variants.js';

const unavailable = oracleUnavailable();
if (unavailable !== null)
  process.stderr.write(`\n*** SKIPPED: openstacksdk oracle: ${unavailable} ***\n\n`);

type Json = Record<string, unknown>;

interface Observed {
  identity: Json | null;
  call: { region: string; interface: string } | null;
}

/** The identity request and the next service call, from the fake cloud's request log. */
function observe(log: FakeRequestRecord[]): Observed {
  const at = log.findIndex(
    (r) => r.method === 'POST' && (r.path === '/v3/auth/tokens' || r.path === '/v2.0/tokens'),
  );
  if (at < 0) return { identity: null, call: null };
  const body = (log[at]!.body ?? {}) as Json;
  const auth = (body['auth'] ?? {}) as Json;
  let identity: Json;
  if (log[at]!.path === '/v2.0/tokens') {
    const { password: _p, ...user } = (auth['passwordCredentials'] ?? {}) as Json;
    const { passwordCredentials: _c, ...scope } = auth;
    identity = { version: '2.0', user, scope };
  } else {
    const password = ((auth['identity'] as Json | undefined)?.['password'] ?? {}) as Json;
    const { password: _p, ...user } = (password['user'] ?? {}) as Json;
    identity = { version: '3', user, scope: auth['scope'] ?? null };
  }
  const next = log
    .slice(at + 1)
    .find((r) => r.region !== undefined && !/^\/v(3|2\.0)(\/|$)/.test(r.path));
  return { identity, call: next ? { region: next.region!, interface: next.interface! } : null };
}

/** What this port must send, given openstacksdk's observation: the same, plus `Default` domains. */
function expected(py: Observed, answer: OracleAnswer): Observed {
  if (py.identity === null) return py;
  const identity = structuredClone(py.identity);
  let added = false;
  if (identity['version'] === '3') {
    const user = identity['user'] as Json;
    if (user['name'] !== undefined && user['domain'] === undefined) {
      user['domain'] = { name: 'Default' };
      added = true;
    }
    const project = (identity['scope'] as Json | null)?.['project'] as Json | undefined;
    if (project?.['name'] !== undefined && project['domain'] === undefined) {
      project['domain'] = { name: 'Default' };
      added = true;
    }
  }
  const refusedForDomain = added && /Expecting to find domain/.test(answer.error ?? '');
  const call = refusedForDomain
    ? { region: answer.region_name ?? 'RegionOne', interface: answer.interface ?? 'public' }
    : py.call;
  return { identity, call };
}

function fill(text: string, cloud: FakeCloud): string {
  return text
    .replaceAll('{AUTH}', `${cloud.origin}/v3`)
    .replaceAll('{ROOT}', cloud.origin)
    .replaceAll('{V2}', `${cloud.origin}/v2.0`);
}

/** Writes the variant's files into a fresh directory; returns it and the environment. */
function setUp(v: CloudsVariant, cloud: FakeCloud): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'nodepool-oracle-'));
  const home = join(dir, 'home');
  const homeConf = join(home, '.config', 'openstack');
  mkdirSync(homeConf, { recursive: true });
  mkdirSync(join(dir, 'work'));
  const env: Record<string, string> = { HOME: home };
  for (const [k, val] of Object.entries(v.env ?? {})) env[k] = fill(val, cloud);
  if (v.clouds !== undefined) {
    let target = join(homeConf, 'clouds.yaml');
    if (v.at === 'cwd') target = join(dir, 'work', 'clouds.yaml');
    if (v.at === 'xdg') {
      mkdirSync(join(dir, 'xdg', 'openstack'), { recursive: true });
      env['XDG_CONFIG_HOME'] = join(dir, 'xdg');
      target = join(dir, 'xdg', 'openstack', 'clouds.yaml');
    }
    if (v.at === 'override') {
      target = join(dir, 'my-clouds.yaml');
      env['OS_CLIENT_CONFIG_FILE'] = target;
    }
    writeFileSync(target, fill(v.clouds, cloud));
  }
  if (v.secure !== undefined) writeFileSync(join(homeConf, 'secure.yaml'), fill(v.secure, cloud));
  if (v.publicClouds !== undefined)
    writeFileSync(join(homeConf, 'clouds-public.yaml'), fill(v.publicClouds, cloud));
  return { dir, env };
}

/** This port: the provider's cloud from nodepool.yaml, then auth and one compute call. */
async function ours(
  v: CloudsVariant,
  dir: string,
  env: Record<string, string>,
): Promise<{ configError?: string; error?: string }> {
  const path = join(dir, 'nodepool.yaml');
  const lines = ['providers:', '  - name: p'];
  if (v.cloud !== undefined) lines.push(`    cloud: ${v.cloud}`);
  if (v.region !== undefined) lines.push(`    region-name: ${v.region}`);
  lines.push('    max-servers: 1', '    images: []', 'labels: []', '');
  writeFileSync(path, lines.join('\n'));
  let provider;
  try {
    provider = (await loadConfig(path, { cwd: join(dir, 'work'), env, retryMissing: false }))
      .providers[0]!;
  } catch (err) {
    return { configError: String(err) };
  }
  const session = new KeystoneSession({ ...sessionOptions(provider), timeoutMs: 10_000 });
  try {
    await session.request(
      { provider: 'p', service: 'compute', timeoutMs: 10_000 },
      { type: 'compute' },
      '/flavors',
      { method: 'GET', action: 'list flavors' },
    );
  } catch (err) {
    return { error: String(err) };
  }
  return {};
}

describe.skipIf(unavailable !== null)(
  'clouds.yaml resolution against openstacksdk (the oracle)',
  () => {
    const cloud = new FakeCloud({
      regions: ['RegionOne', 'RegionTwo'],
      catalogTags: true,
      recordRequests: true,
    });
    let oracle: OpenStackSdkOracle;
    const dirs: string[] = [];

    beforeAll(async () => {
      await cloud.start();
      oracle = new OpenStackSdkOracle();
    });

    afterAll(async () => {
      await oracle?.stop();
      await cloud.stop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    it('has at least 40 variants', () => {
      expect(VARIANTS.length).toBeGreaterThanOrEqual(40);
    });

    for (const v of VARIANTS) {
      it(v.name, async () => {
        cloud.setKnobs({ identityV2: v.v2 === true });
        const { dir, env } = setUp(v, cloud);
        dirs.push(dir);
        cloud.clearRequests();
        const answer = await oracle.ask({
          cwd: join(dir, 'work'),
          env,
          cloud: v.cloud ?? null,
          region_name: v.region ?? null,
        });
        expect(answer.stage, answer.error ?? '').not.toBe('harness');
        const py = observe(cloud.requests());
        cloud.clearRequests();
        const result = await ours(v, dir, env);
        const mine = observe(cloud.requests());
        const context = JSON.stringify({ openstacksdk: answer, ours: result });
        if (answer.stage === 'config') {
          // openstacksdk refused the configuration: so must the loader, with a message.
          expect(result.configError, context).toMatch(/\S/);
          expect(mine.identity).toBeNull();
          return;
        }
        expect(mine, context).toEqual(expected(py, answer));
        if (py.identity === null) expect(result.error ?? result.configError, context).toMatch(/\S/);
      });
    }
  },
);
