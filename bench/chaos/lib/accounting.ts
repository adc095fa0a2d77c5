/**
 * The end-of-run accounting of every chaos scenario: what the cloud holds (servers, floating
 * IPs, images) against what we hold (node and subnode rows, ZooKeeper build and upload
 * records, image files). A run passes only when nothing leaked (a cloud resource no record
 * of ours names, a record stuck in a transient state) and nothing needed was lost (a record
 * whose cloud resource is gone, a label below min-ready, an image without a ready upload).
 */
import { openDatabase, stateName } from '../../../src/db/index.js';
import type { FakeCloudSnapshot } from '../../../src/fakecloud/index.js';
import type { ImageBuilds } from '../../../src/zk/index.js';
import type { ImageUpload } from '../../../src/zk/index.js';

/** The result of one accounting. */
export interface Accounting {
  /** Counts, for the report. */
  readonly figures: Record<string, number>;
  /** Leaks and losses, one sentence each; empty when the run is clean. */
  readonly problems: string[];
}

/** True when nothing leaked and nothing was lost. */
export function isClean(a: Accounting): boolean {
  return a.problems.length === 0;
}

/** Joins accountings (a scenario with both daemons). */
export function mergeAccountings(...parts: Accounting[]): Accounting {
  return {
    figures: Object.assign({}, ...parts.map((p) => p.figures)) as Record<string, number>,
    problems: parts.flatMap((p) => p.problems),
  };
}

function sample(ids: readonly string[]): string {
  return ids.slice(0, 5).join(', ') + (ids.length > 5 ? `, … (${ids.length} in all)` : '');
}

/** What the launcher side should hold. */
export interface LauncherExpectation {
  /** min-ready per label. */
  readonly minReady: Readonly<Record<string, number>>;
  /** At most this many `ready` nodes per label (a schedule that went down trims the rest). */
  readonly maxReady?: Readonly<Record<string, number>>;
  /** Nodes that must still exist in this state (`used`, `hold`: never deleted by a policy). */
  readonly kept?: ReadonlyMap<number, string>;
}

/**
 * One snapshot of several fake clouds (a pool over two providers). Their ids are UUIDs, so
 * servers, ports, floating IPs and images never collide.
 */
export function joinClouds(...clouds: readonly FakeCloudSnapshot[]): FakeCloudSnapshot {
  const first = clouds[0];
  if (first === undefined) throw new RangeError('Cannot join clouds: none given');
  return {
    ...first,
    servers: clouds.flatMap((c) => c.servers),
    images: clouds.flatMap((c) => c.images),
    ports: clouds.flatMap((c) => c.ports),
    floatingIps: clouds.flatMap((c) => c.floatingIps),
  };
}

/** Problems of the policy expectations: too many ready nodes, a kept node gone or changed. */
function policyProblems(
  nodes: readonly { id: number; labelName: string; state: number | null }[],
  ready: Readonly<Record<string, number>>,
  expect: LauncherExpectation,
): string[] {
  const problems: string[] = [];
  for (const [label, n] of Object.entries(expect.maxReady ?? {})) {
    if ((ready[label] ?? 0) > n)
      problems.push(`Label ${label} has ${ready[label]} ready node(s), above its schedule's ${n}`);
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const [id, state] of expect.kept ?? new Map<number, string>()) {
    const n = byId.get(id);
    const now = n === undefined ? 'gone' : n.state === null ? 'unknown' : stateName(n.state);
    if (now !== state) problems.push(`Node ${id} was ${state} and is now ${now}`);
  }
  return problems;
}

/**
 * Servers and floating IPs in the cloud vs node and subnode rows in the database. Nodes
 * in `hold` and `used` count as held; `building` and `delete` rows are work not finished.
 */
export async function accountLauncher(
  cloud: FakeCloudSnapshot,
  dburi: string,
  expect: LauncherExpectation,
): Promise<Accounting> {
  const db = await openDatabase(dburi, { poolMax: 1 });
  try {
    const nodes = await db.nodes.list();
    const held = new Map<string, string>();
    const problems: string[] = [];
    const transient: string[] = [];
    const ready: Record<string, number> = {};
    // min-ready counts used and test nodes as supply (launcher spec §6.1).
    const supply: Record<string, number> = {};
    for (const n of nodes) {
      const state = n.state === null ? 'unknown' : stateName(n.state);
      if (state === 'building' || state === 'delete') transient.push(`${n.id} (${state})`);
      if (state === 'ready') ready[n.labelName] = (ready[n.labelName] ?? 0) + 1;
      if (state === 'ready' || state === 'used' || state === 'test')
        supply[n.labelName] = (supply[n.labelName] ?? 0) + 1;
      if (n.externalId !== null) held.set(n.externalId, `node ${n.id} (${state})`);
      for (const s of await db.subnodes.listByNode(n.id))
        if (s.externalId !== null) held.set(s.externalId, `subnode ${s.id} of node ${n.id}`);
    }
    const servers = new Set(cloud.servers.map((s) => s.id));
    const leaked = cloud.servers.filter((s) => !held.has(s.id)).map((s) => `${s.name} (${s.id})`);
    const lost = [...held].filter(([id]) => !servers.has(id)).map(([, what]) => what);
    // A floating IP on no port, or on a port of a server that is gone, is a leak (nodepool
    // creates them per node and deletes them with it).
    const portsOfLive = new Set(
      cloud.ports.filter((p) => servers.has(p.deviceId)).map((p) => p.id),
    );
    const strayFips = cloud.floatingIps
      .filter((f) => f.portId === null || !portsOfLive.has(f.portId))
      .map((f) => f.address);
    if (leaked.length > 0)
      problems.push(`Leaked ${leaked.length} server(s) no node row names: ${sample(leaked)}`);
    if (lost.length > 0)
      problems.push(`Lost ${lost.length} server(s) that rows still name: ${sample(lost)}`);
    if (strayFips.length > 0)
      problems.push(
        `Leaked ${strayFips.length} floating IP(s) bound to no live server: ${sample(strayFips)}`,
      );
    if (transient.length > 0)
      problems.push(
        `${transient.length} node(s) still building or being deleted: ${sample(transient)}`,
      );
    problems.push(...policyProblems(nodes, ready, expect));
    for (const [label, n] of Object.entries(expect.minReady)) {
      if ((supply[label] ?? 0) < n)
        problems.push(
          `Label ${label} has ${supply[label] ?? 0} ready/used node(s), below min-ready ${n}`,
        );
    }
    return {
      figures: {
        'cloud servers': cloud.servers.length,
        'node rows': nodes.length,
        'floating IPs': cloud.floatingIps.length,
        'ready nodes': Object.values(ready).reduce((s, x) => s + x, 0),
      },
      problems,
    };
  } finally {
    await db.close();
  }
}

/** What the builder side should hold. */
export interface BuilderExpectation {
  /** Images that must have a ready upload to each of these providers. */
  readonly uploads: Readonly<Record<string, readonly string[]>>;
  /** Cloud image ids that are not ours (seeded by the fake cloud). */
  readonly foreignImages: ReadonlySet<string>;
  /** Image files on disk, by base name `<image>-<build id>` (omit to skip the check). */
  readonly files?: ReadonlySet<string>;
}

/** Images in the cloud vs ZooKeeper upload records; build records vs image files. */
export async function accountBuilder(
  cloud: FakeCloudSnapshot,
  images: ImageBuilds,
  expect: BuilderExpectation,
): Promise<Accounting> {
  const problems: string[] = [];
  const uploads: ImageUpload[] = [];
  const builds: string[] = [];
  const transient: string[] = [];
  for (const image of await images.getImageNames()) {
    for (const b of await images.getBuilds(image)) {
      builds.push(`${image}-${b.id}`);
      if (b.state !== 'ready' && b.state !== 'failed')
        transient.push(`build ${image}-${b.id} (${b.state})`);
      if (
        b.state === 'ready' &&
        expect.files !== undefined &&
        !expect.files.has(`${image}-${b.id}`)
      )
        problems.push(`Lost the files of ready build ${image}-${b.id}`);
      for (const provider of await images.getBuildProviders(image, b.id))
        uploads.push(...(await images.getUploads(image, b.id, provider)));
    }
  }
  for (const u of uploads)
    if (u.state !== 'ready' && u.state !== 'failed')
      transient.push(`upload ${u.image}-${u.buildId}/${u.provider}/${u.id} (${u.state})`);
  const named = new Map(
    uploads.filter((u) => u.externalId !== null).map((u) => [u.externalId!, u]),
  );
  const ours = cloud.images.filter((i) => !expect.foreignImages.has(i.id));
  const leaked = ours
    .filter((i) => !named.has(i.id))
    .map((i) => `${i.name} (${i.id}, ${i.status})`);
  const inCloud = new Set(cloud.images.map((i) => i.id));
  const lost = uploads
    .filter((u) => u.state === 'ready' && (u.externalId === null || !inCloud.has(u.externalId)))
    .map((u) => `${u.image}-${u.buildId}/${u.provider}`);
  if (leaked.length > 0)
    problems.push(
      `Leaked ${leaked.length} cloud image(s) no upload record names: ${sample(leaked)}`,
    );
  if (lost.length > 0)
    problems.push(`Lost ${lost.length} ready upload(s) whose cloud image is gone: ${sample(lost)}`);
  if (transient.length > 0)
    problems.push(`${transient.length} record(s) stuck in a transient state: ${sample(transient)}`);
  if (expect.files !== undefined) {
    const known = new Set(builds);
    const stray = [...expect.files].filter((f) => !known.has(f));
    if (stray.length > 0)
      problems.push(
        `Leaked ${stray.length} image file set(s) no build record names: ${sample(stray)}`,
      );
  }
  for (const [image, providers] of Object.entries(expect.uploads)) {
    for (const p of providers) {
      if (!uploads.some((u) => u.image === image && u.provider === p && u.state === 'ready'))
        problems.push(`Image ${image} has no ready upload to ${p}`);
    }
  }
  return {
    figures: {
      'cloud images (ours)': ours.length,
      'build records': builds.length,
      'upload records': uploads.length,
    },
    problems,
  };
}
