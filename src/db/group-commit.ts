/**
 * Group commit of single-statement writes: a write that arrives while another one runs
 * waits for it, and every write that queued meanwhile then goes in one transaction. With
 * nothing else running a write goes alone, as before, with no transaction around it.
 *
 * Why: a launcher starting hundreds of launches a second writes a row for each, and every
 * write on its own is a commit (an fsync on MariaDB and PostgreSQL) and, on SQLite, the
 * file's write lock taken once more. Other processes wait for that lock, and better-sqlite3
 * waits for theirs synchronously, holding up the daemon's event loop (the
 * `launcher-cluster-throughput` bench, three daemons on one SQLite file).
 */
import type { Knex } from 'knex';

/** Writes per transaction at most (one statement each). */
export const GROUP_COMMIT_MAX = 256;

interface Pending {
  readonly run: (knex: Knex) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

/** Queues writes on one pool and commits those that queue together in one transaction. */
export class GroupCommit {
  private readonly queue: Pending[] = [];
  private running: Promise<void> | null = null;

  constructor(private readonly knex: Knex) {}

  /**
   * Runs `run` (one statement on the knex it is given), alone or in a transaction with the
   * writes queued beside it; resolves once that is committed. A write that fails in a batch
   * rolls the batch back; each of its writes then runs again on its own, so only the failing
   * one rejects.
   */
  submit<T>(run: (knex: Knex) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (value: unknown) => void, reject });
      this.pump();
    });
  }

  /** Resolves once every queued write has run (before the pool closes). */
  async drain(): Promise<void> {
    const current = (): Promise<void> | null => this.running;
    for (let p = current(); p !== null; p = current()) await p;
  }

  private pump(): void {
    if (this.running !== null || this.queue.length === 0) return;
    const batch = this.queue.splice(0, GROUP_COMMIT_MAX);
    // flush() never rejects: it settles each write's own promise.
    this.running = this.flush(batch).finally(() => {
      this.running = null;
      this.pump();
    });
  }

  private async flush(batch: readonly Pending[]): Promise<void> {
    if (batch.length > 1) {
      let results: unknown[] | null = null;
      try {
        results = await this.knex.transaction(async (trx) => {
          const out: unknown[] = [];
          for (const w of batch) out.push(await w.run(trx));
          return out;
        });
      } catch {
        // Rolled back: each write is tried again on its own below.
      }
      const committed = results;
      if (committed !== null) {
        batch.forEach((w, i) => w.resolve(committed[i]));
        return;
      }
    }
    for (const w of batch) {
      try {
        w.resolve(await w.run(this.knex));
      } catch (err) {
        w.reject(err);
      }
    }
  }
}
