/**
 * Benchmark: the cost of the foreign-writer poll (`NodeRepo.changeFingerprint`, run by every
 * launcher once a second) over 10,000 nodes and 2,000 subnodes, on every SQL backend that
 * answers: median and p99 of 50 queries after a warm-up. Goal: ≤ 20 ms median per backend,
 * i.e. at most 2 % of one connection's time at one query a second.
 */
import { openDatabase } from '../../src/db/index.js';
import { probeSqlBackends } from '../../test/support/sql-backends.js';
import { createTestDatabase } from '../../test/support/sql-db.js';

const NODES = 10_000;
const SUBNODES = 2_000;
const QUERIES = 50;
const GOAL_MS = 20;

async function seed(dburi: string): Promise<void> {
  const db = await openDatabase(dburi);
  try {
    const now = Math.floor(Date.now() / 1000);
    const nodes = Array.from({ length: NODES }, (_, i) => ({
      provider_name: `provider-${i % 10}`,
      label_name: `label-${i % 50}`,
      target_name: `target-${i % 3}`,
      hostname: `label-${i % 50}-provider-${i % 10}-${i + 1}.example.org`,
      external_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      state: 1 + (i % 6),
      state_time: now - (i % 100_000),
    }));
    await db.knex.batchInsert('node', nodes, 500);
    const subnodes = Array.from({ length: SUBNODES }, (_, i) => ({
      node_id: 1 + ((i * 5) % NODES),
      hostname: `sub-${i}`,
      state: 1 + (i % 3),
      state_time: now - i,
    }));
    await db.knex.batchInsert('subnode', subnodes, 500);
  } finally {
    await db.close();
  }
}

export const name = 'change-fingerprint-10k';
export const goal = `the foreign-writer poll query over ${NODES} nodes + ${SUBNODES} subnodes ≤ ${GOAL_MS} ms median per backend`;

export async function run(): Promise<{ figures: Record<string, number | string>; met: boolean }> {
  const figures: Record<string, number | string> = { goal: `median ≤ ${GOAL_MS} ms` };
  let met = true;
  for (const backend of await probeSqlBackends()) {
    if (!backend.available) {
      figures[backend.name] = `SKIPPED: ${backend.reason ?? 'unavailable'}`;
      continue;
    }
    const tdb = await createTestDatabase(backend);
    try {
      await seed(tdb.dburi);
      const db = await openDatabase(tdb.dburi, { poolMax: 1 });
      try {
        for (let i = 0; i < 5; i++) await db.nodes.changeFingerprint(); // warm-up
        const times: number[] = [];
        for (let i = 0; i < QUERIES; i++) {
          const t0 = performance.now();
          await db.nodes.changeFingerprint();
          times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        const median = times[Math.floor(times.length / 2)]!;
        figures[`${backend.name}.medianMs`] = Math.round(median * 100) / 100;
        figures[`${backend.name}.p99Ms`] =
          Math.round(times[Math.ceil(times.length * 0.99) - 1]! * 100) / 100;
        if (median > GOAL_MS) met = false;
      } finally {
        await db.close();
      }
    } finally {
      await tdb.drop();
    }
  }
  return { figures, met };
}

export default { name, goal, run };
