/**
 * Ready-node policies through runPass, on a ManualClock and in-memory ports: a schedule
 * switching up and down (the excess deleted oldest first, never a used, held or assigned
 * node), and max-ready-age / refresh-on-new-image keeping the label at min-ready at every
 * step while each stale node is replaced.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stateCode, stateName } from '../../../../src/db/index.js';
import { AllocationHistory } from '../../../../src/launcher/index.js';
import { runPass } from '../../../../src/launcher/pass.js';
import { ManualClock } from '../../../support/memory/manual-clock.js';
import { launcherYaml, memoryLauncher } from '../../../support/memory/memory-launcher.js';
import type { MemoryLauncher } from '../../../support/memory/memory-launcher.js';

/**
 * A launcher world where time moves by steps: each step runs a pass, then every building
 * node boots (ready, with a server from the current upload) and every deletion ends.
 */
class Sim {
  readonly clock: ManualClock;
  readonly deletes: { id: number; reason: string }[] = [];
  launches = 0;

  private constructor(
    readonly w: MemoryLauncher,
    clock: ManualClock,
  ) {
    this.clock = clock;
  }

  static async create(labelExtra: string, options: { minReady: number; start: string }) {
    const clock = new ManualClock(Date.parse(options.start));
    const yaml = launcherYaml({
      labels: [{ name: 'small', minReady: options.minReady, providers: ['p'] }],
      providers: [{ name: 'p', maxServers: 20 }],
    }).replace(`    min-ready: ${options.minReady}\n`, `$&${labelExtra}\n`);
    const w = await memoryLauncher(yaml, { clock });
    const sim = new Sim(w, clock);
    sim.syncDb();
    return sim;
  }

  private syncDb(): void {
    this.w.db.clock.now = Math.floor(this.clock.now() / 1000);
  }

  async advance(ms: number): Promise<void> {
    await this.clock.advance(ms);
    this.syncDb();
  }

  /** One pass; returns the node ids it started deleting. */
  async pass(demand: Map<string, number> = new Map()): Promise<number[]> {
    const before = this.deletes.length;
    const result = await runPass(this.w.ctx, {
      history: new AllocationHistory(),
      jenkins: {},
      demandSource: () => Promise.resolve(demand),
      starter: { launch: () => (this.launches += 1), launchSubnode: () => {} },
      refreshed: new WeakMap(),
      deleteNode: (id, reason) => this.deletes.push({ id, reason }),
    });
    expect(result.subnodeLaunches).toBe(0);
    return this.deletes.slice(before).map((d) => d.id);
  }

  /**
   * Building nodes become ready on a server of the current upload (`only`: just these);
   * deletions end.
   */
  async boot(only?: number[]): Promise<void> {
    const { db, uploads } = this.w;
    const provider = this.w.provider('p');
    for (const n of await db.nodes.list({ state: 'building' })) {
      if (only !== undefined && !only.includes(n.id)) continue;
      const image = (await uploads.get('small-image', 'p'))!.externalId!;
      const server = await provider.createServer({ name: `n${n.id}`, imageId: image, minRam: 1 });
      await db.nodes.update(n.id, { externalId: server.id });
      await db.nodes.setState(n.id, 'ready');
    }
    for (const n of await db.nodes.list({ state: 'delete' })) await db.nodes.delete(n.id);
  }

  async states(): Promise<Record<string, number[]>> {
    const out: Record<string, number[]> = {};
    for (const n of await this.w.db.nodes.list()) (out[stateName(n.state)] ??= []).push(n.id);
    return out;
  }

  async ready(): Promise<number> {
    return this.w.db.nodes.count({ state: 'ready' });
  }
}

let sim: Sim | null = null;
afterEach(async () => {
  await sim?.w.close();
  sim = null;
});

const WORK_HOURS = `    min-ready-schedule:
      timezone: Europe/Berlin
      periods:
        - cron: '* 9-16 * * *'
          min-ready: 4`;

describe('min-ready-schedule', () => {
  it('fills to the period value within a pass, then deletes the excess oldest first, never a used, held or assigned node', async () => {
    // 07:58 UTC is 08:58 in Berlin: the label's own min-ready 1 applies.
    const s = (sim = await Sim.create(WORK_HOURS, { minReady: 1, start: '2026-12-07T07:58:00Z' }));
    await s.pass();
    expect(s.launches).toBe(1);
    await s.boot();
    await s.advance(60_000);
    await s.pass(); // 08:59 Berlin: still 1
    expect(s.launches).toBe(1);
    await s.advance(60_000); // 09:00 Berlin: 4
    await s.pass();
    expect(s.launches).toBe(4);
    // Boot them one minute apart, so that their ages differ.
    await s.boot();
    await s.advance(60_000);
    await s.pass();
    expect(await s.ready()).toBe(4);
    expect(s.deletes).toEqual([]);
    // Nodes 1..4 (node 1 is the oldest). A job takes node 1, node 2 is held, node 3 is
    // taken by a Zuul manager over Gearman.
    await s.w.db.nodes.setState(1, 'used');
    await s.w.db.nodes.setState(2, 'hold');
    await s.w.db.nodes.update(3, { managerName: 'zuul-launcher' });
    // 17:00 Berlin: back to 1.
    await s.advance(8 * 3600_000);
    const deleted = await s.pass();
    expect(await s.states()).toMatchObject({ used: [1], hold: [2] });
    // Ready: 3 (assigned) and 4; one over min-ready 1, and 3 may not go: 4 goes.
    expect(deleted).toEqual([4]);
    expect(s.deletes[0]?.reason).toMatch(/above the label's min-ready 1 plus demand/);
    expect((await s.w.db.nodes.get(4))?.state).toBe(stateCode('delete'));
  });

  it('keeps ready nodes that the queued demand will take, and deletes nothing for a 0.4.0 label', async () => {
    const s = (sim = await Sim.create(WORK_HOURS, { minReady: 0, start: '2026-12-07T08:00:00Z' }));
    await s.pass();
    // Node 4 becomes ready first, node 1 last: oldest first is not lowest id first.
    for (const id of [4, 3, 2, 1]) {
      await s.boot([id]);
      await s.advance(60_000);
    }
    expect(await s.ready()).toBe(4);
    await s.advance(8 * 3600_000); // 17:00 Berlin: 0
    expect(await s.pass(new Map([['small', 3]]))).toEqual([4]);
    expect(await s.pass(new Map([['small', 3]]))).toEqual([]);
    expect(await s.pass()).toEqual([3, 2, 1]);
    expect(await s.ready()).toBe(0);
    expect(s.launches).toBe(4);

    const plain = (sim = await Sim.create('', { minReady: 1, start: '2026-12-07T08:00:00Z' }));
    for (let i = 0; i < 3; i++)
      await plain.w.db.nodes.create({
        providerName: 'p',
        labelName: 'small',
        targetName: 'fake-target',
        state: 'ready',
      });
    expect(await plain.pass()).toEqual([]);
    expect(plain.launches).toBe(0);
    await s.w.close();
  });

  it('empties a scheduled label that is disabled outside its periods', async () => {
    const s = (sim = await Sim.create(WORK_HOURS, { minReady: -1, start: '2026-12-07T08:00:00Z' }));
    await s.pass();
    await s.boot();
    expect(await s.ready()).toBe(4);
    await s.advance(8 * 3600_000); // 17:00 Berlin: -1, whatever Zuul queues
    expect(await s.pass(new Map([['small', 2]]))).toEqual([1, 2, 3, 4]);
    expect(s.deletes[0]?.reason).toMatch(/disabled/);
    expect(s.launches).toBe(4);
  });

  it('deletes nothing without a deleter (--no-deletes)', async () => {
    const s = (sim = await Sim.create(WORK_HOURS, { minReady: 0, start: '2026-12-07T08:00:00Z' }));
    await s.pass();
    await s.boot();
    await s.advance(8 * 3600_000);
    await runPass(s.w.ctx, {
      history: new AllocationHistory(),
      jenkins: {},
      starter: { launch: () => {}, launchSubnode: () => {} },
      refreshed: new WeakMap(),
    });
    expect(await s.ready()).toBe(4);
  });
});

describe('replacing stale ready nodes', () => {
  it('max-ready-age: replaces each old node, new first, never below min-ready', async () => {
    const s = (sim = await Sim.create('    max-ready-age: 600', {
      minReady: 3,
      start: '2026-12-07T08:00:00Z',
    }));
    await s.pass();
    await s.boot();
    const first = (await s.states())['ready'];
    expect(first).toEqual([1, 2, 3]);
    let maxBuilding = 0;
    for (let step = 0; step < 30; step++) {
      await s.advance(60_000);
      await s.pass();
      const states = await s.states();
      maxBuilding = Math.max(maxBuilding, states['building']?.length ?? 0);
      expect(states['ready']?.length ?? 0, `step ${step}`).toBeGreaterThanOrEqual(3);
      await s.boot();
      expect(await s.ready(), `step ${step}`).toBeGreaterThanOrEqual(3);
    }
    // Every first-generation node went, each for its age, one replacement at a time.
    const gone = s.deletes.map((d) => d.id);
    expect(gone.slice(0, 3)).toEqual([1, 2, 3]);
    expect(s.deletes[0]?.reason).toMatch(/longer than max-ready-age 600 s/);
    expect(maxBuilding).toBe(1);
  });

  it('refresh-on-new-image: replaces nodes of the old upload once a new one is ready, new first', async () => {
    const s = (sim = await Sim.create('    refresh-on-new-image: true', {
      minReady: 2,
      start: '2026-12-07T08:00:00Z',
    }));
    await s.pass();
    await s.boot();
    await s.advance(60_000);
    expect(await s.pass()).toEqual([]);
    expect(s.launches).toBe(2);
    s.w.uploads.set('small-image', 'p', 'image-v2');
    const provider = s.w.provider('p');
    for (let step = 0; step < 8; step++) {
      await s.advance(60_000);
      await s.pass();
      expect(await s.ready(), `step ${step}`).toBeGreaterThanOrEqual(2);
      await s.boot();
    }
    expect(s.deletes.map((d) => d.id)).toEqual([1, 2]);
    expect(s.deletes[0]?.reason).toMatch(
      /booted from image image-small-image-p, the current upload .* is image-v2/,
    );
    expect(s.launches).toBe(4);
    const ready = await s.w.db.nodes.list({ state: 'ready' });
    expect(ready.map((n) => provider.servers.get(n.externalId!)?.imageId)).toEqual([
      'image-v2',
      'image-v2',
    ]);
  });
});
