/**
 * The `subnode` table. Subnodes carry only their own columns; provider, label and target
 * come from the parent node. There is no foreign key: `NodeRepo.delete` removes them.
 */
import { stateCode } from './node-state.js';
import type { NodeState } from './node-state.js';
import { insertReturningId, toColumns, toSubnode } from './records.js';
import type { RepoContext, SubnodeRecord } from './records.js';

/** Fields of a new subnode; `state` defaults to `building`. */
export interface NewSubnode {
  readonly nodeId: number;
  readonly hostname?: string | null;
  readonly externalId?: string | null;
  readonly ip?: string | null;
  readonly ipPrivate?: string | null;
  /** @default 'building' */
  readonly state?: NodeState;
}

/** Columns a caller may change; a `state` also sets `state_time` to now. */
export type SubnodePatch = Partial<Omit<NewSubnode, 'nodeId' | 'state'>> & {
  readonly state?: NodeState;
};

/** Subnode rows of one parent node: all of them, and those not in `delete`. */
export interface SubnodeTally {
  readonly all: number;
  readonly active: number;
}

/** Subnode rows whose parents share one (provider, label, target, state code). */
export interface ParentGroupCount {
  readonly provider: string;
  readonly label: string;
  readonly target: string;
  readonly state: number | null;
  readonly count: number;
}

/** Reads and writes `subnode` rows. */
export class SubnodeRepo {
  constructor(private readonly ctx: RepoContext) {}

  /** Inserts a subnode (state `building` unless given, `state_time` now) and returns it. */
  async create(fields: NewSubnode): Promise<SubnodeRecord> {
    const { state = 'building', ...rest } = fields;
    const id = await insertReturningId(this.ctx, 'subnode', {
      ...toColumns(rest),
      state: stateCode(state),
      state_time: this.ctx.now(),
    });
    const sub = await this.get(id);
    if (!sub) throw new Error(`Cannot read subnode ${id} back after inserting it`);
    return sub;
  }

  /** The subnode with `id`, or undefined. */
  async get(id: number): Promise<SubnodeRecord | undefined> {
    const row = (await this.ctx.knex('subnode').where('id', id).first()) as
      Record<string, unknown> | undefined;
    return row ? toSubnode(row) : undefined;
  }

  /** The subnodes of a node, by id. */
  async listByNode(nodeId: number): Promise<SubnodeRecord[]> {
    const rows = (await this.ctx.knex('subnode').where('node_id', nodeId).orderBy('id')) as Record<
      string,
      unknown
    >[];
    return rows.map(toSubnode);
  }

  /** Every subnode in `state`, by id. */
  async listByState(state: NodeState): Promise<SubnodeRecord[]> {
    const rows = (await this.ctx
      .knex('subnode')
      .where('state', stateCode(state))
      .orderBy('id')) as Record<string, unknown>[];
    return rows.map(toSubnode);
  }

  /** Number of subnodes of a node, leaving out those in `excludeState` when given. */
  async countByNode(nodeId: number, options: { excludeState?: NodeState } = {}): Promise<number> {
    let q = this.ctx.knex('subnode').where('node_id', nodeId);
    if (options.excludeState !== undefined) {
      const code = stateCode(options.excludeState);
      // NULL states count as "not excluded", as upstream's Python comparison does.
      q = q.whereRaw('(state <> ? OR state IS NULL)', [code]);
    }
    const row = (await q.count({ n: '*' }).first()) as { n: unknown } | undefined;
    return Number(row?.n ?? 0);
  }

  /**
   * Subnode counts per parent node, for the parents whose label is one of `labels`: every
   * subnode, and those not in `delete` (NULL states count as not deleted). One query.
   */
  async tallyByParent(labels: readonly string[]): Promise<Map<number, SubnodeTally>> {
    const out = new Map<number, { all: number; active: number }>();
    if (labels.length === 0) return out;
    type Row = { node_id: unknown; state: unknown; n: unknown };
    const rows: Row[] = await this.ctx
      .knex('subnode')
      .join('node', 'node.id', 'subnode.node_id')
      .whereIn('node.label_name', [...labels])
      .select('subnode.node_id', 'subnode.state')
      .count({ n: '*' })
      .groupBy('subnode.node_id', 'subnode.state');
    const deleted = stateCode('delete');
    for (const r of rows) {
      const id = Number(r.node_id);
      const tally = out.get(id) ?? { all: 0, active: 0 };
      tally.all += Number(r.n);
      if (r.state === null || Number(r.state) !== deleted) tally.active += Number(r.n);
      out.set(id, tally);
    }
    return out;
  }

  /**
   * Subnode counts grouped by their parent's provider, label, target and state: what the
   * launcher adds to each provider's use. Subnodes without a parent row are not counted.
   */
  async countByParentGroup(): Promise<ParentGroupCount[]> {
    const cols = ['node.provider_name', 'node.label_name', 'node.target_name', 'node.state'];
    type Row = {
      provider_name: unknown;
      label_name: unknown;
      target_name: unknown;
      state: unknown;
      n: unknown;
    };
    const rows: Row[] = await this.ctx
      .knex('subnode')
      .join('node', 'node.id', 'subnode.node_id')
      .select(cols)
      .count({ n: '*' })
      .groupBy(cols);
    return rows.map((r) => ({
      provider: String(r.provider_name),
      label: String(r.label_name),
      target: String(r.target_name),
      state: r.state === null ? null : Number(r.state),
      count: Number(r.n),
    }));
  }

  /** Writes the given columns; a `state` also sets `state_time`. False when absent. */
  async update(id: number, patch: SubnodePatch): Promise<boolean> {
    const { state, ...rest } = patch;
    const cols = toColumns(rest);
    if (state !== undefined) {
      cols.state = stateCode(state);
      cols.state_time = this.ctx.now();
    }
    if (Object.keys(cols).length === 0) return (await this.get(id)) !== undefined;
    return Number(await this.ctx.knex('subnode').where('id', id).update(cols)) > 0;
  }

  /** Sets the state and `state_time`. False when absent. */
  async setState(id: number, state: NodeState): Promise<boolean> {
    return this.update(id, { state });
  }

  /** Deletes one subnode row. False when absent. */
  async delete(id: number): Promise<boolean> {
    return Number(await this.ctx.knex('subnode').where('id', id).delete()) > 0;
  }
}
