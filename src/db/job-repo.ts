/** The `job` table: how many failed nodes of a Jenkins job to hold automatically. */
import { insertReturningId, toJob } from './records.js';
import type { JobRecord, RepoContext } from './records.js';

/** Reads and writes `job` rows. */
export class JobRepo {
  constructor(private readonly ctx: RepoContext) {}

  /** Every job, by id. */
  async list(): Promise<JobRecord[]> {
    const rows = (await this.ctx.knex('job').select('*').orderBy('id')) as Record<
      string,
      unknown
    >[];
    return rows.map(toJob);
  }

  /** The job with `id`, or undefined. */
  async get(id: number): Promise<JobRecord | undefined> {
    const row = (await this.ctx.knex('job').where('id', id).first()) as
      Record<string, unknown> | undefined;
    return row ? toJob(row) : undefined;
  }

  /** The first job with this name (upstream allows duplicates), or undefined. */
  async getByName(name: string): Promise<JobRecord | undefined> {
    const row = (await this.ctx.knex('job').where('name', name).orderBy('id').first()) as
      Record<string, unknown> | undefined;
    return row ? toJob(row) : undefined;
  }

  /** Every job with this name, by id. */
  async listByName(name: string): Promise<JobRecord[]> {
    const rows = (await this.ctx.knex('job').where('name', name).orderBy('id')) as Record<
      string,
      unknown
    >[];
    return rows.map(toJob);
  }

  /** Inserts a job; `holdOnFailure` null means the column stays NULL. */
  async create(name: string, holdOnFailure: number | null = null): Promise<JobRecord> {
    const id = await insertReturningId(this.ctx, 'job', { name, hold_on_failure: holdOnFailure });
    return { id, name, holdOnFailure };
  }

  /** Deletes a job. False when absent. */
  async delete(id: number): Promise<boolean> {
    return Number(await this.ctx.knex('job').where('id', id).delete()) > 0;
  }
}
