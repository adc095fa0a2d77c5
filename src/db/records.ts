/**
 * Row types of upstream's tables, in camelCase, and their mapping to and from columns.
 */
import type { Knex } from 'knex';
import type { Dialect } from './dburi.js';

/** One `node` row. `state` is the stored code (see `node-state.ts`); it may be unknown. */
export interface NodeRecord {
  readonly id: number;
  readonly providerName: string;
  readonly labelName: string;
  readonly targetName: string;
  readonly managerName: string | null;
  readonly hostname: string | null;
  readonly nodename: string | null;
  readonly externalId: string | null;
  readonly az: string | null;
  readonly ip: string | null;
  readonly ipPrivate: string | null;
  readonly state: number | null;
  /** Unix seconds of the last state change. */
  readonly stateTime: number | null;
  readonly comment: string | null;
}

/** One `subnode` row. */
export interface SubnodeRecord {
  readonly id: number;
  readonly nodeId: number;
  readonly hostname: string | null;
  readonly externalId: string | null;
  readonly ip: string | null;
  readonly ipPrivate: string | null;
  readonly state: number | null;
  readonly stateTime: number | null;
}

/** One `job` row. */
export interface JobRecord {
  readonly id: number;
  readonly name: string | null;
  readonly holdOnFailure: number | null;
}

/** Column name of every camelCase field. */
export const COLUMN_OF: Readonly<Record<string, string>> = {
  id: 'id',
  nodeId: 'node_id',
  providerName: 'provider_name',
  labelName: 'label_name',
  targetName: 'target_name',
  managerName: 'manager_name',
  hostname: 'hostname',
  nodename: 'nodename',
  externalId: 'external_id',
  az: 'az',
  ip: 'ip',
  ipPrivate: 'ip_private',
  state: 'state',
  stateTime: 'state_time',
  comment: 'comment',
  name: 'name',
  holdOnFailure: 'hold_on_failure',
};

type Row = Record<string, unknown>;

function str(v: unknown): string | null {
  if (v == null) return null;
  if (typeof v === 'string') return v;
  // Drivers return VARCHAR as string; a Buffer (binary collation) is decoded as UTF-8.
  return Buffer.isBuffer(v) ? v.toString('utf8') : JSON.stringify(v);
}

function int(v: unknown): number | null {
  return v == null ? null : Number(v);
}

/** Maps a `node` row. */
export function toNode(r: Row): NodeRecord {
  return {
    id: Number(r.id),
    providerName: String(r.provider_name),
    labelName: String(r.label_name),
    targetName: String(r.target_name),
    managerName: str(r.manager_name),
    hostname: str(r.hostname),
    nodename: str(r.nodename),
    externalId: str(r.external_id),
    az: str(r.az),
    ip: str(r.ip),
    ipPrivate: str(r.ip_private),
    state: int(r.state),
    stateTime: int(r.state_time),
    comment: str(r.comment),
  };
}

/** Maps a `subnode` row. */
export function toSubnode(r: Row): SubnodeRecord {
  return {
    id: Number(r.id),
    nodeId: Number(r.node_id),
    hostname: str(r.hostname),
    externalId: str(r.external_id),
    ip: str(r.ip),
    ipPrivate: str(r.ip_private),
    state: int(r.state),
    stateTime: int(r.state_time),
  };
}

/** Maps a `job` row. */
export function toJob(r: Row): JobRecord {
  return { id: Number(r.id), name: str(r.name), holdOnFailure: int(r.hold_on_failure) };
}

/** Converts a camelCase patch to columns, skipping `undefined` values. */
export function toColumns(patch: Readonly<Record<string, unknown>>): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    const col = COLUMN_OF[k];
    if (col === undefined) throw new TypeError(`Cannot write field "${k}": it is not a column`);
    out[col] = v;
  }
  return out;
}

/** What a repository needs: the knex instance, the dialect and the clock. */
export interface RepoContext {
  readonly knex: Knex;
  readonly dialect: Dialect;
  /** Current time in whole Unix seconds. */
  readonly now: () => number;
}

/** Inserts `row` into `table` and returns the new id, on every dialect. */
export async function insertReturningId(
  ctx: RepoContext,
  table: string,
  row: Row,
): Promise<number> {
  if (ctx.dialect === 'mysql') {
    const ids: unknown[] = await ctx.knex(table).insert(row);
    return Number(ids[0]);
  }
  const rows: unknown[] = await ctx.knex(table).insert(row).returning('id');
  const res = rows[0];
  return Number(typeof res === 'object' && res !== null ? (res as { id: unknown }).id : res);
}
