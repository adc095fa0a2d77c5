/**
 * The launcher's database port (`RepoPorts`) in memory: the `node`, `subnode`, `job` and
 * `snapshot_image` tables as arrays, with the SQL repositories' rules (defaults, `state_time`
 * stamping, orderings, compare-and-set, cascade on node delete). Its own tests check those
 * rules (`test/unit/launcher/memory-db.test.ts`); the SQL suites check the real ones.
 */
import { snapshotStateCode, stateCode } from '../../../src/db/index.js';
import type {
  JobRecord,
  JobStore,
  NewNode,
  NewSubnode,
  NodeCount,
  NodeCountKey,
  NodeFilter,
  NodePatch,
  NodeRecord,
  NodeState,
  NodeStore,
  ParentGroupCount,
  RepoPorts,
  SnapshotImagePatch,
  SnapshotImageRecord,
  SnapshotImageStore,
  SubnodePatch,
  SubnodeRecord,
  SubnodeStore,
  SubnodeTally,
} from '../../../src/db/index.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The clock of the tables, in whole Unix seconds (tests move it). */
export interface TableClock {
  now: number;
}

const NODE_FIELDS = new Set([
  'providerName',
  'labelName',
  'targetName',
  'managerName',
  'hostname',
  'nodename',
  'externalId',
  'az',
  'ip',
  'ipPrivate',
  'comment',
]);
const SUBNODE_FIELDS = new Set(['hostname', 'externalId', 'ip', 'ipPrivate']);

/** Runs `fn`, turning a synchronous throw into a rejection (as the async SQL methods do). */
function settled<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Copies the defined fields of a patch, refusing unknown ones as the SQL mapping does. */
function fieldsOf(
  patch: Readonly<Record<string, unknown>>,
  allowed: Set<string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (!allowed.has(k)) throw new TypeError(`Cannot write field "${k}": it is not a column`);
    out[k] = v;
  }
  return out;
}

function byKeys<T>(...keys: Array<(x: T) => string | number | null>): (a: T, b: T) => number {
  return (a, b) => {
    for (const key of keys) {
      const x = key(a);
      const y = key(b);
      if (x === y) continue;
      if (x === null) return -1;
      if (y === null) return 1;
      return x < y ? -1 : 1;
    }
    return 0;
  };
}

class MemoryNodes implements NodeStore {
  constructor(private readonly db: MemoryDatabase) {}

  private matches(n: NodeRecord, f: NodeFilter): boolean {
    return (
      (f.provider === undefined || n.providerName === f.provider) &&
      (f.label === undefined || n.labelName === f.label) &&
      (f.target === undefined || n.targetName === f.target) &&
      (f.state === undefined || n.state === stateCode(f.state)) &&
      (f.labels === undefined || f.labels.includes(n.labelName))
    );
  }

  async getMany(ids: readonly number[]): Promise<Map<number, NodeRecord>> {
    const out = new Map<number, NodeRecord>();
    for (const id of ids) {
      const n = await this.get(id);
      if (n !== undefined) out.set(id, n);
    }
    return out;
  }

  async createMany(fields: readonly NewNode[]): Promise<NodeRecord[]> {
    const out: NodeRecord[] = [];
    for (const f of fields) out.push(await this.create(f));
    return out;
  }

  create(fields: NewNode): Promise<NodeRecord> {
    return settled(() => {
      const { state = 'building', ...rest } = fields;
      const row: NodeRecord = {
        id: this.db.nextId('node'),
        providerName: '',
        labelName: '',
        targetName: '',
        managerName: null,
        hostname: null,
        nodename: null,
        externalId: null,
        az: null,
        ip: null,
        ipPrivate: null,
        comment: null,
        ...fieldsOf(rest, NODE_FIELDS),
        state: stateCode(state),
        stateTime: this.db.clock.now,
      };
      this.db.nodeRows.push(row);
      return Promise.resolve({ ...row });
    });
  }

  get(id: number): Promise<NodeRecord | undefined> {
    const row = this.db.nodeRows.find((n) => n.id === id);
    return Promise.resolve(row && { ...row });
  }

  list(filter: NodeFilter = {}): Promise<NodeRecord[]> {
    const rows = this.db.nodeRows.filter((n) => this.matches(n, filter));
    rows.sort(
      byKeys(
        (n) => n.providerName,
        (n) => n.labelName,
        (n) => n.id,
      ),
    );
    return Promise.resolve(rows.map((n) => ({ ...n })));
  }

  private first(pred: (n: NodeRecord) => boolean): Promise<NodeRecord | undefined> {
    const row = [...this.db.nodeRows].sort(byKeys((n) => n.id)).find(pred);
    return Promise.resolve(row && { ...row });
  }

  getByNodename(nodename: string): Promise<NodeRecord | undefined> {
    return this.first((n) => n.nodename === nodename);
  }

  getByHostname(hostname: string): Promise<NodeRecord | undefined> {
    return this.first((n) => n.hostname === hostname);
  }

  getByExternalId(provider: string, externalId: string): Promise<NodeRecord | undefined> {
    return this.first((n) => n.providerName === provider && n.externalId === externalId);
  }

  update(id: number, patch: NodePatch): Promise<boolean> {
    return settled(() => {
      const { state, ...rest } = patch;
      const cols = fieldsOf(rest, NODE_FIELDS);
      const i = this.db.nodeRows.findIndex((n) => n.id === id);
      if (i < 0) return Promise.resolve(false);
      const next: Mutable<NodeRecord> = { ...this.db.nodeRows[i]!, ...cols };
      if (state !== undefined) {
        next.state = stateCode(state);
        next.stateTime = this.db.clock.now;
      }
      this.db.nodeRows[i] = next;
      return Promise.resolve(true);
    });
  }

  setState(id: number, state: NodeState, also: Omit<NodePatch, 'state'> = {}): Promise<boolean> {
    return this.update(id, { ...also, state });
  }

  setStateIf(
    id: number,
    from: readonly NodeState[],
    to: NodeState,
    also: Omit<NodePatch, 'state'> = {},
  ): Promise<boolean> {
    const row = this.db.nodeRows.find((n) => n.id === id);
    if (row === undefined || !from.map(stateCode).includes(row.state ?? -1))
      return Promise.resolve(false);
    return this.update(id, { ...also, state: to });
  }

  delete(id: number): Promise<boolean> {
    this.db.subnodeRows = this.db.subnodeRows.filter((s) => s.nodeId !== id);
    const before = this.db.nodeRows.length;
    this.db.nodeRows = this.db.nodeRows.filter((n) => n.id !== id);
    return Promise.resolve(this.db.nodeRows.length < before);
  }

  changeFingerprint(): Promise<string> {
    const agg = (
      rows: ReadonlyArray<{ id: number; state: number | null; stateTime: number | null }>,
    ) => {
      const st = rows.map((r) => r.state ?? 0);
      const tt = rows.map((r) => r.stateTime ?? 0);
      return [
        rows.length,
        Math.max(0, ...rows.map((r) => r.id)),
        st.reduce((a, b) => a + b, 0),
        rows.reduce((a, r) => a + (r.state ?? 0) * ((r.id % 65521) + 1), 0),
        tt.reduce((a, b) => a + b, 0),
        Math.max(0, ...tt),
      ];
    };
    return Promise.resolve([...agg(this.db.nodeRows), ...agg(this.db.subnodeRows)].join(','));
  }

  count(filter: NodeFilter = {}): Promise<number> {
    return Promise.resolve(this.db.nodeRows.filter((n) => this.matches(n, filter)).length);
  }

  async countBy(keys: readonly NodeCountKey[], filter: NodeFilter = {}): Promise<NodeCount[]> {
    if (keys.length === 0) return [{ count: await this.count(filter) }];
    const value = (n: NodeRecord, k: NodeCountKey): string | number | null =>
      ({
        provider: n.providerName,
        label: n.labelName,
        target: n.targetName,
        manager: n.managerName,
        state: n.state,
      })[k];
    const groups = new Map<string, Record<string, unknown>>();
    for (const n of this.db.nodeRows.filter((x) => this.matches(x, filter))) {
      const key = JSON.stringify(keys.map((k) => value(n, k)));
      const g = groups.get(key) ?? {
        ...Object.fromEntries(keys.map((k) => [k, value(n, k)])),
        count: 0,
      };
      g['count'] = (g['count'] as number) + 1;
      groups.set(key, g);
    }
    const out = [...groups.values()] as unknown as NodeCount[];
    out.sort(byKeys(...keys.map((k) => (g: NodeCount) => g[k] ?? null)));
    return out;
  }
}

class MemorySubnodes implements SubnodeStore {
  constructor(private readonly db: MemoryDatabase) {}

  create(fields: NewSubnode): Promise<SubnodeRecord> {
    return settled(() => {
      const { state = 'building', nodeId, ...rest } = fields;
      const row: SubnodeRecord = {
        id: this.db.nextId('subnode'),
        nodeId,
        hostname: null,
        externalId: null,
        ip: null,
        ipPrivate: null,
        ...fieldsOf(rest, SUBNODE_FIELDS),
        state: stateCode(state),
        stateTime: this.db.clock.now,
      };
      this.db.subnodeRows.push(row);
      return Promise.resolve({ ...row });
    });
  }

  get(id: number): Promise<SubnodeRecord | undefined> {
    const row = this.db.subnodeRows.find((s) => s.id === id);
    return Promise.resolve(row && { ...row });
  }

  private sorted(pred: (s: SubnodeRecord) => boolean): SubnodeRecord[] {
    return this.db.subnodeRows
      .filter(pred)
      .sort(byKeys((s) => s.id))
      .map((s) => ({ ...s }));
  }

  listByNode(nodeId: number): Promise<SubnodeRecord[]> {
    return Promise.resolve(this.sorted((s) => s.nodeId === nodeId));
  }

  listByState(state: NodeState): Promise<SubnodeRecord[]> {
    return Promise.resolve(this.sorted((s) => s.state === stateCode(state)));
  }

  countByNode(nodeId: number, options: { excludeState?: NodeState } = {}): Promise<number> {
    const excluded =
      options.excludeState === undefined ? undefined : stateCode(options.excludeState);
    return Promise.resolve(
      this.db.subnodeRows.filter(
        (s) =>
          s.nodeId === nodeId &&
          (excluded === undefined || s.state === null || s.state !== excluded),
      ).length,
    );
  }

  /** Subnodes with their parent row (an inner join). */
  private withParents(): Array<{ s: SubnodeRecord; parent: NodeRecord }> {
    const parents = new Map(this.db.nodeRows.map((n) => [n.id, n]));
    return this.db.subnodeRows.flatMap((s) => {
      const parent = parents.get(s.nodeId);
      return parent === undefined ? [] : [{ s, parent }];
    });
  }

  tallyByParent(labels: readonly string[]): Promise<Map<number, SubnodeTally>> {
    const out = new Map<number, { all: number; active: number }>();
    const deleted = stateCode('delete');
    for (const { s, parent } of this.withParents()) {
      if (!labels.includes(parent.labelName)) continue;
      const t = out.get(s.nodeId) ?? { all: 0, active: 0 };
      t.all += 1;
      if (s.state === null || s.state !== deleted) t.active += 1;
      out.set(s.nodeId, t);
    }
    return Promise.resolve(out);
  }

  countByParentGroup(): Promise<ParentGroupCount[]> {
    const groups = new Map<string, Mutable<ParentGroupCount>>();
    for (const { parent } of this.withParents()) {
      const key = JSON.stringify([
        parent.providerName,
        parent.labelName,
        parent.targetName,
        parent.state,
      ]);
      const g = groups.get(key) ?? {
        provider: parent.providerName,
        label: parent.labelName,
        target: parent.targetName,
        state: parent.state,
        count: 0,
      };
      g.count += 1;
      groups.set(key, g);
    }
    return Promise.resolve([...groups.values()]);
  }

  update(id: number, patch: SubnodePatch): Promise<boolean> {
    return settled(() => {
      const { state, ...rest } = patch;
      const cols = fieldsOf(rest, SUBNODE_FIELDS);
      const i = this.db.subnodeRows.findIndex((s) => s.id === id);
      if (i < 0) return Promise.resolve(false);
      const next: Mutable<SubnodeRecord> = { ...this.db.subnodeRows[i]!, ...cols };
      if (state !== undefined) {
        next.state = stateCode(state);
        next.stateTime = this.db.clock.now;
      }
      this.db.subnodeRows[i] = next;
      return Promise.resolve(true);
    });
  }

  setState(id: number, state: NodeState): Promise<boolean> {
    return this.update(id, { state });
  }

  delete(id: number): Promise<boolean> {
    const before = this.db.subnodeRows.length;
    this.db.subnodeRows = this.db.subnodeRows.filter((s) => s.id !== id);
    return Promise.resolve(this.db.subnodeRows.length < before);
  }
}

class MemoryJobs implements JobStore {
  constructor(private readonly db: MemoryDatabase) {}

  list(): Promise<JobRecord[]> {
    return Promise.resolve(this.db.jobRows.map((j) => ({ ...j })));
  }

  get(id: number): Promise<JobRecord | undefined> {
    const j = this.db.jobRows.find((x) => x.id === id);
    return Promise.resolve(j && { ...j });
  }

  getByName(name: string): Promise<JobRecord | undefined> {
    const j = this.db.jobRows.find((x) => x.name === name);
    return Promise.resolve(j && { ...j });
  }

  listByName(name: string): Promise<JobRecord[]> {
    return Promise.resolve(this.db.jobRows.filter((x) => x.name === name).map((j) => ({ ...j })));
  }

  create(name: string, holdOnFailure: number | null = null): Promise<JobRecord> {
    const job = { id: this.db.nextId('job'), name, holdOnFailure };
    this.db.jobRows.push(job);
    return Promise.resolve({ ...job });
  }

  delete(id: number): Promise<boolean> {
    const before = this.db.jobRows.length;
    this.db.jobRows = this.db.jobRows.filter((j) => j.id !== id);
    return Promise.resolve(this.db.jobRows.length < before);
  }
}

class MemorySnapshotImages implements SnapshotImageStore {
  constructor(private readonly db: MemoryDatabase) {}

  exists(): Promise<boolean> {
    return Promise.resolve(true);
  }

  ensureTable(): Promise<boolean> {
    return Promise.resolve(false);
  }

  list(): Promise<SnapshotImageRecord[]> {
    const rows = [...this.db.snapshotRows].sort(
      byKeys(
        (r) => r.providerName,
        (r) => r.imageName,
        (r) => r.id,
      ),
    );
    return Promise.resolve(rows.map((r) => ({ ...r })));
  }

  get(id: number): Promise<SnapshotImageRecord | undefined> {
    const r = this.db.snapshotRows.find((x) => x.id === id);
    return Promise.resolve(r && { ...r });
  }

  listReady(provider: string, image: string): Promise<SnapshotImageRecord[]> {
    const ready = snapshotStateCode('ready');
    const rows = this.db.snapshotRows.filter(
      (r) => r.providerName === provider && r.imageName === image && r.state === ready,
    );
    rows.sort(
      byKeys(
        (r) => -(r.version ?? -Infinity),
        (r) => -r.id,
      ),
    );
    return Promise.resolve(rows.map((r) => ({ ...r })));
  }

  async current(provider: string, image: string): Promise<SnapshotImageRecord | undefined> {
    return (await this.listReady(provider, image))[0];
  }

  create(provider: string, image: string): Promise<SnapshotImageRecord> {
    const row: SnapshotImageRecord = {
      id: this.db.nextId('snapshot_image'),
      providerName: provider,
      imageName: image,
      hostname: null,
      version: null,
      externalId: null,
      serverExternalId: null,
      state: snapshotStateCode('building'),
      stateTime: this.db.clock.now,
    };
    this.db.snapshotRows.push(row);
    return Promise.resolve({ ...row });
  }

  update(id: number, patch: SnapshotImagePatch): Promise<boolean> {
    const i = this.db.snapshotRows.findIndex((r) => r.id === id);
    if (i < 0) return Promise.resolve(false);
    const { state, ...rest } = patch;
    const next: Mutable<SnapshotImageRecord> = { ...this.db.snapshotRows[i]!, ...rest };
    if (state !== undefined) {
      next.state = snapshotStateCode(state);
      next.stateTime = this.db.clock.now;
    }
    this.db.snapshotRows[i] = next;
    return Promise.resolve(true);
  }

  delete(id: number): Promise<boolean> {
    const before = this.db.snapshotRows.length;
    this.db.snapshotRows = this.db.snapshotRows.filter((r) => r.id !== id);
    return Promise.resolve(this.db.snapshotRows.length < before);
  }
}

/** The four tables in memory; ids are never reused (as MariaDB and PostgreSQL). */
export class MemoryDatabase implements RepoPorts {
  readonly nodes: MemoryNodes;
  readonly subnodes: MemorySubnodes;
  readonly jobs: MemoryJobs;
  readonly snapshotImages: MemorySnapshotImages;
  /** The rows, for tests that read or seed tables directly. */
  nodeRows: NodeRecord[] = [];
  subnodeRows: SubnodeRecord[] = [];
  jobRows: JobRecord[] = [];
  snapshotRows: SnapshotImageRecord[] = [];
  private readonly ids = new Map<string, number>();

  /** @param clock `state_time` source. @default the current second, frozen at creation */
  constructor(readonly clock: TableClock = { now: Math.floor(Date.now() / 1000) }) {
    this.nodes = new MemoryNodes(this);
    this.subnodes = new MemorySubnodes(this);
    this.jobs = new MemoryJobs(this);
    this.snapshotImages = new MemorySnapshotImages(this);
  }

  /** The next id of a table. */
  nextId(table: string): number {
    const id = (this.ids.get(table) ?? 0) + 1;
    this.ids.set(table, id);
    return id;
  }
}
