/**
 * Several launchers on one in-memory database and cluster (issue #15): only the leader
 * allocates, the owners launch, max-servers holds at every sampled moment, a dead or
 * stopping member's providers are adopted (orphans reaped, pending requests launched once),
 * and a fence aborts in-flight work.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stateCode } from '../../../src/db/index.js';
import { launcherYaml, memoryLauncher } from '../../support/memory/memory-launcher.js';
import type { MemoryLauncher } from '../../support/memory/memory-launcher.js';
import { memoryMembers } from '../../support/memory/memory-members.js';
import type { MemoryMember } from '../../support/memory/memory-members.js';

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
  o: { minReady: number; maxServers: number; stopGraceMs?: number },
  n = 3,
): Promise<{ w: MemoryLauncher; ms: MemoryMember[] }> {
  world = await memoryLauncher(
    launcherYaml({
      labels: [{ name: 'small', minReady: o.minReady, providers: PROVIDERS }],
      providers: PROVIDERS.map((name) => ({ name, maxServers: o.maxServers })),
    }),
    { timing: { stopGraceMs: o.stopGraceMs ?? 30_000 } },
  );
  members = await memoryMembers(world, n);
  return { w: world, ms: members };
}

/** Holds every `waitForServer` of the world's clouds until `open()`. */
function gate(w: MemoryLauncher): { open(): void } {
  let open = (): void => {};
  const held = new Promise<void>((resolve) => (open = resolve));
  for (const p of PROVIDERS)
    w.provider(p).onCall = (call) => (call.op === 'waitForServer' ? held : undefined);
  return { open: () => open() };
}

/** Node rows (any state but `delete`) and cloud servers per provider. */
async function usage(w: MemoryLauncher): Promise<Map<string, { rows: number; servers: number }>> {
  const out = new Map<string, { rows: number; servers: number }>();
  const nodes = await w.db.nodes.list();
  for (const p of PROVIDERS)
    out.set(p, {
      rows: nodes.filter((n) => n.providerName === p && n.state !== stateCode('delete')).length,
      servers: w.provider(p).servers.size,
    });
  return out;
}

async function settle(ms: MemoryMember[]): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await ms[0]!.registry.settled();
    for (const m of ms) await m.tasks.drain();
  }
}

function ownersOf(ms: MemoryMember[]): Map<string, MemoryMember> {
  const out = new Map<string, MemoryMember>();
  for (const p of PROVIDERS) {
    const owners = ms.filter((m) => m.cluster.owns(p));
    expect(owners, `one owner of ${p}`).toHaveLength(1);
    out.set(p, owners[0]!);
  }
  return out;
}

describe('launchers sharing a database', () => {
  it('allocates on the leader only; each owner launches its providers; the label is filled once', async () => {
    const { w, ms } = await setUp({ minReady: 8, maxServers: 5 });
    const owners = ownersOf(ms);
    // Every member runs its loop, in every order, several times.
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all([...ms].reverse().map((m) => m.pass()));
      expect(results.slice(0, -1).every((r) => r === null)).toBe(true);
      expect(results.at(-1)).not.toBeNull();
      await settle(ms);
    }
    const nodes = await w.db.nodes.list();
    expect(nodes).toHaveLength(8);
    expect(nodes.every((n) => n.state === stateCode('ready'))).toBe(true);
    const creates = PROVIDERS.reduce((s, p) => s + w.provider(p).callsOf('createServer').length, 0);
    expect(creates).toBe(8);
    // Each launch ran on its provider's owner, requested or started by the leader.
    for (const m of ms)
      for (const [provider, count] of m.readyLaunches()) {
        expect(owners.get(provider)).toBe(m);
        expect(count).toBe(nodes.filter((n) => n.providerName === provider).length);
      }
    expect(ms[0]!.registry.requests).toEqual([]);
  });

  it('never exceeds max-servers at any sampled moment while launches are in flight', async () => {
    const { w, ms } = await setUp({ minReady: 12, maxServers: 3 });
    const g = gate(w);
    const samples: Array<Map<string, { rows: number; servers: number }>> = [];
    for (let round = 0; round < 4; round++) {
      await Promise.all(ms.map((m) => m.pass()));
      samples.push(await usage(w));
      await ms[0]!.registry.settled();
      samples.push(await usage(w));
    }
    g.open();
    await settle(ms);
    await Promise.all(ms.map((m) => m.pass()));
    await settle(ms);
    samples.push(await usage(w));
    for (const s of samples)
      for (const [p, u] of s) {
        expect(u.rows, p).toBeLessThanOrEqual(3);
        expect(u.servers, p).toBeLessThanOrEqual(3);
      }
    expect(await w.db.nodes.list()).toHaveLength(12);
  });

  it('hands a dead member’s providers over: building rows reaped with their servers, pending requests launched once', async () => {
    const { w, ms } = await setUp({ minReady: 8, maxServers: 5 });
    const owners = ownersOf(ms);
    const leader = ms[0]!;
    const victim = ms.find((m) => m !== leader && m.cluster.ownedProviders().length > 0);
    expect(victim, 'a non-leader owning a provider').toBeDefined();
    const lost = victim!.cluster.ownedProviders();
    const g = gate(w);
    // The victim starts its launches (servers created, waiting at the gate), then dies.
    await leader.pass();
    await victim!.pass();
    const started = [...victim!.member.launching];
    expect(started.length).toBeGreaterThan(0);
    await victim!.crash();
    g.open();
    await settle(ms);
    const survivors = ms.filter((m) => m !== victim);
    for (const p of lost)
      expect(
        survivors.some((m) => m.cluster.owns(p)),
        p,
      ).toBe(true);
    expect(owners.get(lost[0]!)).toBe(victim);
    // The victim's launches were reaped: their rows are gone, their servers deleted.
    for (const id of started) expect(await w.db.nodes.get(id)).toBeUndefined();
    // Back to min-ready on the survivors, every server accounted for by a row.
    for (let round = 0; round < 3; round++) {
      await Promise.all(survivors.map((m) => m.pass()));
      await settle(survivors);
    }
    const nodes = await w.db.nodes.list();
    expect(nodes.filter((n) => n.state === stateCode('ready'))).toHaveLength(8);
    for (const p of PROVIDERS) {
      const ids = new Set(nodes.filter((n) => n.providerName === p).map((n) => n.externalId));
      expect([...w.provider(p).servers.keys()].sort(), p).toEqual([...ids].sort());
    }
  });

  it('launches a request pending at hand-over exactly once, on the new owner', async () => {
    const { w, ms } = await setUp({ minReady: 8, maxServers: 5 });
    const leader = ms[0]!;
    const victim = ms.find((m) => m !== leader && m.cluster.ownedProviders().length > 0)!;
    await leader.pass(); // requests for the victim's providers, never taken
    const pending = [...leader.registry.requests];
    expect(pending.length).toBeGreaterThan(0);
    await victim.crash();
    await settle(ms);
    const survivors = ms.filter((m) => m !== victim);
    for (const r of pending) {
      const row = await w.db.nodes.get(r.id);
      expect(row?.state, `node ${r.id}`).toBe(stateCode('ready'));
    }
    await Promise.all(survivors.map((m) => m.pass()));
    await settle(survivors);
    const creates = PROVIDERS.reduce((s, p) => s + w.provider(p).callsOf('createServer').length, 0);
    expect(creates).toBe(8);
    expect(await w.db.nodes.list()).toHaveLength(8);
  });

  it('drains a released provider within the stop grace', async () => {
    const { w, ms } = await setUp({ minReady: 8, maxServers: 5 });
    const leader = ms[0]!;
    const stopping = ms.find((m) => m !== leader && m.cluster.ownedProviders().length > 0)!;
    const g = gate(w);
    await leader.pass();
    await stopping.pass();
    const started = [...stopping.member.launching];
    expect(started.length).toBeGreaterThan(0);
    const stopped = stopping.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopping.member.launching.size).toBe(started.length); // still finishing
    g.open();
    await stopped;
    for (const id of started) expect((await w.db.nodes.get(id))?.state).toBe(stateCode('ready'));
  });

  it('aborts a released provider’s launches after the grace; the next owner reaps them', async () => {
    const { w, ms } = await setUp({ minReady: 8, maxServers: 5, stopGraceMs: 20 });
    const leader = ms[0]!;
    const stopping = ms.find((m) => m !== leader && m.cluster.ownedProviders().length > 0)!;
    const lost = stopping.cluster.ownedProviders();
    const g = gate(w);
    await leader.pass();
    await stopping.pass();
    const started = [...stopping.member.launching];
    const stopped = stopping.stop();
    // The aborted launches wait at the gate; they end when it opens, as abandoned.
    setTimeout(() => g.open(), 50);
    await stopped;
    await settle(ms);
    expect(stopping.member.launching.size).toBe(0);
    for (const id of started) expect(await w.db.nodes.get(id)).toBeUndefined();
    for (const p of lost) expect(w.provider(p).servers.size).toBe(0);
  });

  it('leaves a ready-node deletion to the owner of the node’s provider', async () => {
    const { w, ms } = await setUp({ minReady: 8, maxServers: 5 });
    for (let round = 0; round < 2; round++) {
      await Promise.all(ms.map((m) => m.pass()));
      await settle(ms);
    }
    const leader = ms[0]!;
    const nodes = await w.db.nodes.list();
    const mine = nodes.find((n) => leader.cluster.owns(n.providerName))!;
    const theirs = nodes.find((n) => !leader.cluster.owns(n.providerName))!;
    for (const n of [mine, theirs]) {
      await w.db.nodes.setState(n.id, 'delete');
      leader.member.deleteNode(n.id, 'test');
    }
    await settle(ms);
    expect(await w.db.nodes.get(mine.id)).toBeUndefined();
    expect((await w.db.nodes.get(theirs.id))?.state).toBe(stateCode('delete'));
  });

  it('a fence aborts every launch in flight and ends leader work', async () => {
    const { w, ms } = await setUp({ minReady: 8, maxServers: 5 });
    const leader = ms[0]!;
    const g = gate(w);
    await Promise.all(ms.map((m) => m.pass()));
    await Promise.all(ms.map((m) => m.pass()));
    const started = [...leader.member.launching];
    expect(started.length).toBeGreaterThan(0);
    const signal = leader.ctx.signal;
    await leader.registry.fence(leader.cluster);
    expect(signal.aborted).toBe(true);
    expect(leader.cluster.isLeader()).toBe(false);
    expect(await leader.pass()).toBeNull();
    g.open();
    await leader.tasks.drain();
    expect(leader.member.launching.size).toBe(0);
    // Abandoned, not finished: the servers never became active through this member.
    for (const id of started)
      expect((await w.db.nodes.get(id))?.state).not.toBe(stateCode('ready'));
    // A fresh term after rejoining.
    await leader.cluster.rejoin();
    expect(leader.ctx.signal.aborted).toBe(false);
  });
});
