/**
 * The 0.3.x `snapshot_image` table (upstream 0.3.1 `nodedb.py`), for 0.3-era snapshot
 * images (`base-image` + `setup`).
 *
 * Contract: the table is created only when a snapshot image is first recorded, exactly as
 * 0.3.1's SQLAlchemy `create_all` made it (columns, types, `ix_snapshot_image_*` indexes);
 * an existing table (a database that 0.3.x used) is used as it is and never altered. Reads
 * of a database without the table see no rows and create nothing. States use the node
 * codes: building 1, ready 2, delete 4.
 */
import { insertReturningId } from './records.js';
import type { RepoContext } from './records.js';
import { tableDdl } from './schema.js';

/** The table name. */
export const SNAPSHOT_IMAGE_TABLE = 'snapshot_image';

const COLUMNS = [
  'provider_name VARCHAR(255) NOT NULL',
  'image_name VARCHAR(255) NOT NULL',
  'hostname VARCHAR(255)',
  'version INTEGER',
  'external_id VARCHAR(255)',
  'server_external_id VARCHAR(255)',
  'state INTEGER',
  'state_time INTEGER',
];
const INDEXES = ['provider_name', 'image_name'];

/** State of a snapshot image row, as 0.3.1 used them. */
export type SnapshotImageState = 'building' | 'ready' | 'delete';

const CODE: Readonly<Record<SnapshotImageState, number>> = { building: 1, ready: 2, delete: 4 };

/** One `snapshot_image` row. `state` is the stored code; it may be one we do not know. */
export interface SnapshotImageRecord {
  readonly id: number;
  readonly providerName: string;
  readonly imageName: string;
  /** Name of the template server, also the name of the snapshot. */
  readonly hostname: string | null;
  /** Unix seconds the update started (orders the ready snapshots). */
  readonly version: number | null;
  /** Cloud image id of the snapshot. */
  readonly externalId: string | null;
  /** Cloud server id of the template server. */
  readonly serverExternalId: string | null;
  readonly state: number | null;
  readonly stateTime: number | null;
}

/** Columns a caller may set. */
export interface SnapshotImagePatch {
  readonly hostname?: string | null;
  readonly version?: number | null;
  readonly externalId?: string | null;
  readonly serverExternalId?: string | null;
  /** When given, `state_time` is set to now as well. */
  readonly state?: SnapshotImageState;
}

/** The stored code of a snapshot image state. */
export function snapshotStateCode(state: SnapshotImageState): number {
  return CODE[state];
}

/** The state name of a stored code (`unknown(<n>)` for others, as the node list does). */
export function snapshotStateName(code: number | null): string {
  const found = (Object.keys(CODE) as SnapshotImageState[]).find((k) => CODE[k] === code);
  return found ?? `unknown(${String(code)})`;
}

function text(v: unknown): string | null {
  if (v == null) return null;
  if (typeof v === 'string') return v;
  return Buffer.isBuffer(v) ? v.toString('utf8') : JSON.stringify(v);
}

function toRecord(r: Record<string, unknown>): SnapshotImageRecord {
  const num = (v: unknown): number | null => (v == null ? null : Number(v));
  return {
    id: Number(r['id']),
    providerName: String(text(r['provider_name'])),
    imageName: String(text(r['image_name'])),
    hostname: text(r['hostname']),
    version: num(r['version']),
    externalId: text(r['external_id']),
    serverExternalId: text(r['server_external_id']),
    state: num(r['state']),
    stateTime: num(r['state_time']),
  };
}

/** Reads and writes `snapshot_image` rows. */
export class SnapshotImageRepo {
  private hasTable: Promise<boolean> | null = null;

  constructor(private readonly ctx: RepoContext) {}

  /** True when the table exists (a positive answer is remembered). */
  async exists(): Promise<boolean> {
    this.hasTable ??= this.ctx.knex.schema.hasTable(SNAPSHOT_IMAGE_TABLE);
    const yes = await this.hasTable;
    if (!yes) this.hasTable = null;
    return yes;
  }

  /** Creates the table (0.3.1's DDL) when it is missing; true when it was created now. */
  async ensureTable(): Promise<boolean> {
    if (await this.exists()) return false;
    try {
      for (const sql of tableDdl(SNAPSHOT_IMAGE_TABLE, COLUMNS, INDEXES, this.ctx.dialect)) {
        await this.ctx.knex.raw(sql);
      }
      return true;
    } catch (err) {
      // Another process may have created it at the same moment.
      this.hasTable = null;
      if (await this.exists()) return false;
      throw err;
    }
  }

  /** Every row, by provider, image and id (0.3.1's order plus id). */
  async list(): Promise<SnapshotImageRecord[]> {
    if (!(await this.exists())) return [];
    const rows = (await this.ctx
      .knex(SNAPSHOT_IMAGE_TABLE)
      .select('*')
      .orderBy([
        { column: 'provider_name' },
        { column: 'image_name' },
        { column: 'id' },
      ])) as Record<string, unknown>[];
    return rows.map(toRecord);
  }

  /** One row, or undefined. */
  async get(id: number): Promise<SnapshotImageRecord | undefined> {
    if (!(await this.exists())) return undefined;
    const row = (await this.ctx.knex(SNAPSHOT_IMAGE_TABLE).where('id', id).first()) as
      Record<string, unknown> | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** The ready rows of one provider image, newest `version` first (0.3.1's current first). */
  async listReady(provider: string, image: string): Promise<SnapshotImageRecord[]> {
    if (!(await this.exists())) return [];
    const rows = (await this.ctx
      .knex(SNAPSHOT_IMAGE_TABLE)
      .where({ provider_name: provider, image_name: image, state: CODE.ready })
      .orderBy([
        { column: 'version', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])) as Record<string, unknown>[];
    return rows.map(toRecord);
  }

  /** The newest ready row of one provider image: what nodes boot from. */
  async current(provider: string, image: string): Promise<SnapshotImageRecord | undefined> {
    return (await this.listReady(provider, image))[0];
  }

  /** Inserts a `building` row, creating the table when needed. */
  async create(provider: string, image: string): Promise<SnapshotImageRecord> {
    await this.ensureTable();
    const now = this.ctx.now();
    const id = await insertReturningId(this.ctx, SNAPSHOT_IMAGE_TABLE, {
      provider_name: provider,
      image_name: image,
      state: CODE.building,
      state_time: now,
    });
    return {
      id,
      providerName: provider,
      imageName: image,
      hostname: null,
      version: null,
      externalId: null,
      serverExternalId: null,
      state: CODE.building,
      stateTime: now,
    };
  }

  /** Writes the given columns (and `state_time` with a state). False when the row is gone. */
  async update(id: number, patch: SnapshotImagePatch): Promise<boolean> {
    const row: Record<string, unknown> = {};
    if (patch.hostname !== undefined) row['hostname'] = patch.hostname;
    if (patch.version !== undefined) row['version'] = patch.version;
    if (patch.externalId !== undefined) row['external_id'] = patch.externalId;
    if (patch.serverExternalId !== undefined) row['server_external_id'] = patch.serverExternalId;
    if (patch.state !== undefined) {
      row['state'] = CODE[patch.state];
      row['state_time'] = this.ctx.now();
    }
    if (Object.keys(row).length === 0) return (await this.get(id)) !== undefined;
    return Number(await this.ctx.knex(SNAPSHOT_IMAGE_TABLE).where('id', id).update(row)) > 0;
  }

  /** Deletes a row. False when it was not there. */
  async delete(id: number): Promise<boolean> {
    if (!(await this.exists())) return false;
    return Number(await this.ctx.knex(SNAPSHOT_IMAGE_TABLE).where('id', id).delete()) > 0;
  }
}
