/**
 * Launch policies in a cluster of launchers (docs/cluster.md "Launch policies in a
 * cluster"): the leader allocates, so the launch ends seen by the other owners reach its
 * quota failover, `launch-attempts` and stuck alarm; a `--no-launches` member neither leads
 * nor owns while a member that launches is live.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { stateCode } from '../../../src/db/index.js';
import { ProviderError, quotaExceeded } from '../../../src/provider/index.js';
import { ManualClock } from '../../support/memory/manual-clock.js';
import { launcherYaml, memoryLauncher } from '../../support/memory/memory-launcher.js';
import type { MemoryLauncher } from '../../support/memory/memory-launcher.js';
import { MemoryClusterRegistry } from '../../support/memory/memory-cluster.js';
import { MemoryMember, memoryMembers } from '../../support/memory/memory-members.js';

const PROVIDERS = ['p1', 'p2', 'p3', 'p4'];

let world: MemoryLauncher | null = null;
let members: MemoryMember[] = [];
afterEach(async () => {
  for (const m of members) {
    m.stopping.abort();
    await m.tasks.drain();
  }
  members = [];
  await world?.close();
  world = null;
});

async function setUp(
  o: { minReady: number; providers?: string[]; extra?: string; clock?: ManualClock },
  n = 3,
): Promise<{ w: MemoryLauncher; ms: MemoryMember[] }> {
  world = await memoryLauncher(
    launcherYaml({
      labels: [{ name: 'small', minReady: o.minReady, providers: o.providers ?? PROVIDERS }],
      providers: PROVIDERS.map((name) => ({ name, maxServers: 5 })),
    }) + (o.extra ?? ''),
    o.clock ? { clock: o.clock } : {},
  );
  members = await memoryMembers(world, n);
  return { w: world, ms: members };
}

async function round(ms: MemoryMember[]): Promise<void> {
  await Promise.all(ms.map((m) => m.pass()));
  for (let i = 0; i < 3; i++) {
    await ms[0]!.registry.settled();
    for (const m of ms) await m.tasks.drain();
  }
}

/** The owner the in-memory cluster double picks for `provider` (its rendezvous rule). */
function doubleOwner(provider: string, names: string[]): string {
  const score = (m: string): number =>
    createHash('sha1').update(`${m}\0${provider}`).digest().readUInt32BE(0);
  return names.reduce((best, m) => (score(m) > score(best) ? m : best));
}

/** A provider some member other than the leader owns. */
function foreignProvider(ms: MemoryMember[]): string {
  const leader = ms.find((m) => m.cluster.isLeader())!;
  const p = PROVIDERS.find((p) => !leader.cluster.owns(p) && ms.some((m) => m.cluster.owns(p)));
  expect(p, 'a provider the leader does not own').toBeDefined();
  return p!;
}

describe('launch policies in a cluster', () => {
  it('fails over from a provider whose owner saw a quota refusal, though the leader launched nothing there', async () => {
    const { w, ms } = await setUp({ minReady: 8 });
    const full = foreignProvider(ms);
    w.provider(full).failNext(
      'createServer',
      quotaExceeded(`over quota in ${full}`, { provider: full, service: 'compute' }),
      100,
    );
    // The leader requests, the owners launch (and report), the leader reads the reports.
    for (let i = 0; i < 3; i++) await round(ms);
    const creates = w.provider(full).callsOf('createServer').length;
    expect(creates).toBeGreaterThan(0);
    const leader = ms[0]!;
    expect(leader.policies.quota.isBlocked(full)).toBe(true);
    for (let i = 0; i < 4; i++) await round(ms);
    // No further create to the full provider; the label is met on the others.
    expect(w.provider(full).callsOf('createServer')).toHaveLength(creates);
    const nodes = await w.db.nodes.list();
    expect(nodes.filter((n) => n.state === stateCode('ready'))).toHaveLength(8);
    expect(nodes.every((n) => n.providerName !== full)).toBe(true);
    expect(leader.registry.reports).toEqual([]);
    // Counted once, by the leader that started the episode.
    expect(w.stats.lines.filter((l) => l.includes(`${full}.quota_exceeded`))).toHaveLength(1);
  });

  it('names the failures of launches on another member as the stuck cause', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 12));
    // The label's only provider is one the leader (l1) does not own.
    const bad = PROVIDERS.find((p) => doubleOwner(p, ['l1', 'l2', 'l3']) !== 'l1')!;
    const { w, ms } = await setUp({
      minReady: 2,
      providers: [bad],
      clock,
      extra: 'stuck-after: 30\n',
    });
    expect(foreignProvider(ms)).toBeDefined();
    expect(ms[0]!.cluster.owns(bad)).toBe(false);
    w.provider(bad).failNext(
      'createServer',
      new ProviderError(`boom in ${bad}`, {
        provider: bad,
        service: 'compute',
        code: 'ERR_PROVIDER',
      }),
      1000,
    );
    for (let i = 0; i < 6; i++) {
      await round(ms);
      await clock.advance(10_000);
    }
    // launch-attempts counted too (with no other provider the label stays on it).
    expect(ms[0]!.policies.attempts.count('small', bad)).toBeGreaterThanOrEqual(3);
    const stuck = ms[0]!.ctx.activity.policies.snapshot().stuck;
    expect(stuck).toMatchObject([{ label: 'small', cause: 'launch-failures' }]);
    expect(stuck[0]!.message).toContain('ERR_PROVIDER');
    expect(w.stats.lines.filter((l) => l.startsWith('nodepool.label.small.stuck'))).toEqual([
      'nodepool.label.small.stuck:0|g',
      'nodepool.label.small.stuck:1|g',
    ]);
  });
});

describe('the stuck gauge across leaders', () => {
  it('is sent for every label by a member when it becomes leader', async () => {
    const { w, ms } = await setUp({ minReady: 2 });
    const gauge = (): string[] =>
      w.stats.lines.filter((l) => l.startsWith('nodepool.label.small.stuck'));
    await round(ms);
    expect(gauge()).toEqual(['nodepool.label.small.stuck:0|g']);
    await round(ms);
    expect(gauge()).toHaveLength(1); // sent when it changes only
    await ms[0]!.registry.fence(ms[0]!.cluster);
    const next = ms.find((m) => m.cluster.isLeader())!;
    expect(next).not.toBe(ms[0]);
    await next.pass();
    expect(gauge()).toEqual(['nodepool.label.small.stuck:0|g', 'nodepool.label.small.stuck:0|g']);
  });
});

describe('a --no-launches member', () => {
  it('neither leads nor owns a provider while a member that launches is live', async () => {
    world = await memoryLauncher(
      launcherYaml({
        labels: [{ name: 'small', minReady: 8, providers: PROVIDERS }],
        providers: PROVIDERS.map((name) => ({ name, maxServers: 5 })),
      }),
    );
    const registry = new MemoryClusterRegistry();
    const quiet = new MemoryMember(world, registry, 'l0', { noLaunches: true });
    await quiet.start();
    // Alone, it owns every provider (deletions and crons go on) but never leads.
    expect(quiet.cluster.isLeader()).toBe(false);
    expect(quiet.cluster.ownedProviders()).toEqual(PROVIDERS);
    const busy = new MemoryMember(world, registry, 'l1');
    await busy.start();
    members = [quiet, busy];
    await round(members);
    expect(quiet.cluster.ownedProviders()).toEqual([]);
    expect(busy.cluster.isLeader()).toBe(true);
    expect(busy.cluster.ownedProviders()).toEqual(PROVIDERS);
    for (let i = 0; i < 2; i++) await round(members);
    const nodes = await world.db.nodes.list();
    expect(nodes.filter((n) => n.state === stateCode('ready'))).toHaveLength(8);
    expect(registry.requests).toEqual([]);
  });
});
