/**
 * The `node` table. Every state change is one UPDATE that also writes `state_time` (whole
 * Unix seconds) and commits at once; updates write only the columns given, so writers that
 * touch different columns of one node never undo each other.
 */
import type { Knex } from 'knex';
import { stateCode } from './node-state.js';
import type { NodeState } from './node-state.js';
import { insertReturningId, toColumns, toNode } from './records.js';
import type { NodeRecord, RepoContext } from './records.js';

type Row = Record<string, unknown>;

/** Rows per multi-row insert (SQLite binds at most 32,766 values in a statement). */
const ROWS_PER_INSERT = 200;

/**
 * Inserts `rows` into `node` in one statement that answers with them (SQLite >= 3.35,
 * PostgreSQL). Rows with the same columns (a pass's) go as one `VALUES` list written here:
 * knex builds SQLite's multi-row insert as a compound SELECT, which cost more to compile than
 * the statement took to run. The column names are ours (records.ts), never input.
 */
async function insertReturningAll(knex: Knex | Knex.Transaction, rows: Row[]): Promise<Row[]> {
  const cols = Object.keys(rows[0] ?? {});
  const same = rows.every(
    (r) => Object.keys(r).length === cols.length && cols.every((c) => c in r),
  );
  if (!same || cols.length === 0) return (await knex('node').insert(rows).returning('*')) as Row[];
  const tuple = `(${cols.map(() => '?').join(', ')})`;
  const sql = `INSERT INTO node (${cols.join(', ')}) VALUES ${rows.map(() => tuple).join(', ')} RETURNING *`;
  const answer = (await knex.raw(
    sql,
    rows.flatMap((r) => cols.map((c) => r[c] as Knex.Value)),
  )) as Row[] | { rows: Row[] };
  return Array.isArray(answer) ? answer : answer.rows;
}

/** Fields of a new node; `state` defaults to `building`. */
export interface NewNode {
  readonly providerName: string;
  readonly labelName: string;
  readonly targetName: string;
  readonly managerName?: string | null;
  readonly hostname?: string | null;
  readonly nodename?: string | null;
  readonly externalId?: string | null;
  readonly az?: string | null;
  readonly ip?: string | null;
  readonly ipPrivate?: string | null;
  readonly comment?: string | null;
  /** @default 'building' */
  readonly state?: NodeState;
}

/** Columns a caller may change besides the state. */
export type NodePatch = Partial<Omit<NewNode, 'state'>> & {
  /** When given, `state_time` is set to now as well. */
  readonly state?: NodeState;
};

/** Selects nodes; every given field must match. */
export interface NodeFilter {
  readonly provider?: string;
  readonly label?: string;
  readonly target?: string;
  readonly state?: NodeState;
  /** Any of these labels (an empty list matches no node). */
  readonly labels?: readonly string[];
}

/** A dimension nodes can be counted by. */
export type NodeCountKey = 'provider' | 'label' | 'target' | 'manager' | 'state';

/** One group of {@link NodeRepo.countBy}: the key values of the group and its size. */
export interface NodeCount {
  readonly provider?: string;
  readonly label?: string;
  readonly target?: string;
  /** `manager_name` (NULL until a Gearman manager took the node). */
  readonly manager?: string | null;
  /** The stored state code. */
  readonly state?: number | null;
  readonly count: number;
}

const KEY_COLUMN: Readonly<Record<NodeCountKey, string>> = {
  provider: 'provider_name',
  label: 'label_name',
  target: 'target_name',
  manager: 'manager_name',
  state: 'state',
};

/** Reads and writes `node` rows. */
export class NodeRepo {
  constructor(private readonly ctx: RepoContext) {}

  private filtered(filter: NodeFilter = {}): Knex.QueryBuilder {
    let q = this.ctx.knex('node');
    if (filter.provider !== undefined) q = q.where('provider_name', filter.provider);
    if (filter.label !== undefined) q = q.where('label_name', filter.label);
    if (filter.target !== undefined) q = q.where('target_name', filter.target);
    if (filter.state !== undefined) q = q.where('state', stateCode(filter.state));
    if (filter.labels !== undefined) q = q.whereIn('label_name', [...filter.labels]);
    return q;
  }

  /** Inserts a node (state `building` unless given, `state_time` now) and returns it. */
  async create(fields: NewNode): Promise<NodeRecord> {
    const { state = 'building', ...rest } = fields;
    const row = { ...toColumns(rest), state: stateCode(state), state_time: this.ctx.now() };
    const id = await insertReturningId(this.ctx, 'node', row);
    const node = await this.get(id);
    if (!node) throw new Error(`Cannot read node ${id} back after inserting it`);
    return node;
  }

  /**
   * Inserts several nodes in one transaction (one lock or commit instead of one per row, which
   * is what a leader filling many providers waits on) and returns them in the order given.
   */
  async createMany(fields: readonly NewNode[]): Promise<NodeRecord[]> {
    if (fields.length === 0) return [];
    const now = this.ctx.now();
    const rows = fields.map((f) => {
      const { state = 'building', ...rest } = f;
      return { ...toColumns(rest), state: stateCode(state), state_time: now };
    });
    if (this.ctx.dialect !== 'mysql') {
      // One statement that answers with the rows (SQLite >= 3.35, PostgreSQL): a quarter of
      // the cost of an insert per row and a read back.
      const insert = async (knex: Knex | Knex.Transaction): Promise<Row[]> => {
        const out: Row[] = [];
        for (let i = 0; i < rows.length; i += ROWS_PER_INSERT)
          out.push(...(await insertReturningAll(knex, rows.slice(i, i + ROWS_PER_INSERT))));
        return out;
      };
      const back =
        rows.length <= ROWS_PER_INSERT
          ? await insert(this.ctx.knex)
          : await this.ctx.knex.transaction((trx) => insert(trx));
      return back.map(toNode).sort((a, b) => a.id - b.id);
    }
    // MySQL has no RETURNING, and its ids of one multi-row insert need not be consecutive.
    const ids = await this.ctx.knex.transaction(async (trx) => {
      const tx = { ...this.ctx, knex: trx };
      const out: number[] = [];
      for (const row of rows) out.push(await insertReturningId(tx, 'node', row));
      return out;
    });
    const read = (await this.ctx.knex('node').whereIn('id', ids).select('*')) as Row[];
    const byId = new Map(read.map((r) => [Number(r['id']), toNode(r)]));
    return ids.map((id) => {
      const node = byId.get(id);
      if (!node) throw new Error(`Cannot read node ${id} back after inserting it`);
      return node;
    });
  }

  /** The node with `id`, or undefined. */
  async get(id: number): Promise<NodeRecord | undefined> {
    const row = (await this.ctx.knex('node').where('id', id).first()) as
      Record<string, unknown> | undefined;
    return row ? toNode(row) : undefined;
  }

  /** The nodes with these ids that exist, by id (one query per 500 ids). */
  async getMany(ids: readonly number[]): Promise<Map<number, NodeRecord>> {
    const out = new Map<number, NodeRecord>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 500) {
      const rows = (await this.ctx
        .knex('node')
        .whereIn('id', unique.slice(i, i + 500))
        .select('*')) as Record<string, unknown>[];
      for (const r of rows) {
        const node = toNode(r);
        out.set(node.id, node);
      }
    }
    return out;
  }

  /** Nodes matching `filter`, ordered by provider name, then label name, then id. */
  async list(filter: NodeFilter = {}): Promise<NodeRecord[]> {
    const rows = (await this.filtered(filter)
      .select('*')
      .orderBy(['provider_name', 'label_name', 'id'])) as Record<string, unknown>[];
    return rows.map(toNode);
  }

  /** The first node with this `nodename` (the Jenkins node name), or undefined. */
  async getByNodename(nodename: string): Promise<NodeRecord | undefined> {
    return this.firstWhere({ nodename });
  }

  /** The first node with this `hostname`, or undefined. */
  async getByHostname(hostname: string): Promise<NodeRecord | undefined> {
    return this.firstWhere({ hostname });
  }

  /** The node of a provider with this cloud server id, or undefined. */
  async getByExternalId(provider: string, externalId: string): Promise<NodeRecord | undefined> {
    return this.firstWhere({ provider_name: provider, external_id: externalId });
  }

  private async firstWhere(where: Record<string, string>): Promise<NodeRecord | undefined> {
    const row = (await this.ctx.knex('node').where(where).orderBy('id').first()) as
      Record<string, unknown> | undefined;
    return row ? toNode(row) : undefined;
  }

  /**
   * Writes the given columns of one node; a `state` also sets `state_time` to now. Returns
   * false when there is no such node.
   */
  async update(id: number, patch: NodePatch): Promise<boolean> {
    const { state, ...rest } = patch;
    const cols = toColumns(rest);
    if (state !== undefined) {
      cols.state = stateCode(state);
      cols.state_time = this.ctx.now();
    }
    if (Object.keys(cols).length === 0) return (await this.get(id)) !== undefined;
    const n = await this.ctx.knex('node').where('id', id).update(cols);
    return Number(n) > 0;
  }

  /**
   * Sets the state (and `state_time`), plus any other columns in `also` in the same
   * statement. Returns false when there is no such node.
   */
  async setState(
    id: number,
    state: NodeState,
    also: Omit<NodePatch, 'state'> = {},
  ): Promise<boolean> {
    return this.update(id, { ...also, state });
  }

  /**
   * Compare-and-set: sets the state (and `state_time`, plus `also`) only while the node is in
   * one of the `from` states, in one UPDATE, so a late event never undoes a concurrent
   * change (e.g. a Jenkins event never turns a `delete` node back into `used`). Returns
   * false when the node is absent or in another state.
   */
  async setStateIf(
    id: number,
    from: readonly NodeState[],
    to: NodeState,
    also: Omit<NodePatch, 'state'> = {},
  ): Promise<boolean> {
    if (from.length === 0) return false;
    const cols = { ...toColumns(also), state: stateCode(to), state_time: this.ctx.now() };
    const n = await this.ctx
      .knex('node')
      .where('id', id)
      .whereIn('state', from.map(stateCode))
      .update(cols);
    return Number(n) > 0;
  }

  /** Deletes a node and its subnode rows in one short transaction. False when absent. */
  async delete(id: number): Promise<boolean> {
    return this.ctx.knex.transaction(async (trx) => {
      await trx('subnode').where('node_id', id).delete();
      const n = await trx('node').where('id', id).delete();
      return Number(n) > 0;
    });
  }

  /**
   * A cheap summary of the `node` and `subnode` tables that changes whenever a row is
   * added, removed or changes state, whoever wrote it (a Python 0.4.0 CLI or a manual SQL
   * UPDATE that leaves `state_time` alone included): per table the row count, largest id,
   * sum of states, a sum of states weighted by id, and the sum and largest `state_time`.
   * One aggregate statement, no index needed; launchers poll it to notice foreign writers.
   * Compare two results for equality only; the text itself means nothing.
   */
  async changeFingerprint(): Promise<string> {
    // The weight keeps two rows swapping states visible; `% 65521` keeps every product and
    // sum within the integer types of all three dialects.
    const agg = (table: string): string =>
      `SELECT COUNT(*) AS c, MAX(id) AS m, SUM(state) AS s, SUM(state * (id % 65521 + 1)) AS w,` +
      ` SUM(state_time) AS t, MAX(state_time) AS x FROM ${table}`;
    const result = (await this.ctx.knex.raw(
      `SELECT n.c AS nc, n.m AS nm, n.s AS ns, n.w AS nw, n.t AS nt, n.x AS nx,` +
        ` s.c AS sc, s.m AS sm, s.s AS ss, s.w AS sw, s.t AS st, s.x AS sx` +
        ` FROM (${agg('node')}) n CROSS JOIN (${agg('subnode')}) s`,
    )) as unknown;
    const row = firstRow(result);
    const keys = ['nc', 'nm', 'ns', 'nw', 'nt', 'nx', 'sc', 'sm', 'ss', 'sw', 'st', 'sx'];
    // Drivers return these as numbers, bigint strings or decimals: normalise through String.
    return keys.map((k) => scalarText(row[k])).join(',');
  }

  /** Number of nodes matching `filter`. */
  async count(filter: NodeFilter = {}): Promise<number> {
    const row = (await this.filtered(filter).count({ n: '*' }).first()) as
      { n: unknown } | undefined;
    return Number(row?.n ?? 0);
  }

  /**
   * Node counts grouped by the given keys (e.g. `['target', 'label', 'provider', 'state']`
   * for the per-target gauges), restricted by `filter`.
   */
  async countBy(keys: readonly NodeCountKey[], filter: NodeFilter = {}): Promise<NodeCount[]> {
    if (keys.length === 0) return [{ count: await this.count(filter) }];
    const cols = keys.map((k) => KEY_COLUMN[k]);
    const rows = (await this.filtered(filter)
      .select(cols)
      .count({ n: '*' })
      .groupBy(cols)
      .orderBy(cols)) as Record<string, unknown>[];
    return rows.map((r) => {
      const out: Record<string, unknown> = { count: Number(r.n) };
      for (const k of keys) {
        // Drivers return these columns as strings and numbers (state); NULL stays null.
        const v = r[KEY_COLUMN[k]] as string | number | null | undefined;
        out[k] = v === null || v === undefined ? null : k === 'state' ? Number(v) : String(v);
      }
      return out as unknown as NodeCount;
    });
  }
}

/** The first row of a `knex.raw` result, whatever the driver's result shape. */
function firstRow(result: unknown): Record<string, unknown> {
  // SQLite: an array of rows; PostgreSQL: { rows }; MySQL: [rows, fields].
  const rows = Array.isArray(result)
    ? Array.isArray(result[0])
      ? (result[0] as unknown[])
      : result
    : ((result as { rows?: unknown[] }).rows ?? []);
  return (rows[0] ?? {}) as Record<string, unknown>;
}

/** An aggregate's value as text: numbers, bigints and decimal strings; NULL as `-`. */
function scalarText(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string') return String(v);
  return '-';
}
