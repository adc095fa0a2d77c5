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
export type SubnodePatch = Partial<Omit<NewSubnode, 'nodeId' | 'state'>> & { readonly state?: NodeState };

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
    const row = (await this.ctx.knex('subnode').where('id', id).first()) as Record<string, unknown> | undefined;
    return row ? toSubnode(row) : undefined;
  }

  /** The subnodes of a node, by id. */
  async listByNode(nodeId: number): Promise<SubnodeRecord[]> {
    const rows = (await this.ctx.knex('subnode').where('node_id', nodeId).orderBy('id')) as Record<string, unknown>[];
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
