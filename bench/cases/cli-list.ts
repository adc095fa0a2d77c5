/**
 * Benchmark: `nodepool list` over 10,000 nodes, run as an operator runs it (a fresh
 * process, compiled JavaScript), on every SQL backend that answers. Figures per backend:
 * median wall time and CPU time of 3 runs, and the highest peak RSS. Goal: wall < 0.5 s.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/index.js';
import { probeSqlBackends } from '../../test/support/sql-backends.js';
import { createTestDatabase } from '../../test/support/sql-db.js';
import { writeCliFiles } from '../../test/support/cli-files.js';
import type { CliFiles } from '../../test/support/cli-files.js';
import { compiledCli } from '../support/compiled-cli.js';

const NODES = 10_000;
const RUNS = 3;
const GOAL_MS = 500;
// Preloaded into the child: on exit, writes its peak RSS (KiB) and CPU time (µs) as JSON to
// NODEPOOL_BENCH_RSS_FILE. CPU time is the figure that survives a loaded machine.
const RSS_PRELOAD =
  'data:text/javascript,' +
  encodeURIComponent(
    "import { writeFileSync } from 'node:fs';" +
      "process.on('exit', () => { const f = process.env.NODEPOOL_BENCH_RSS_FILE; const u = process.resourceUsage();" +
      ' if (f) writeFileSync(f, JSON.stringify({ rss: u.maxRSS, cpu: u.userCPUTime + u.systemCPUTime })); });',
  );

async function seed(dburi: string): Promise<void> {
  const db = await openDatabase(dburi);
  try {
    const now = Math.floor(Date.now() / 1000);
    const rows = Array.from({ length: NODES }, (_, i) => ({
      provider_name: `provider-${i % 10}`,
      label_name: `label-${i % 50}`,
      target_name: `target-${i % 3}`,
      hostname: `label-${i % 50}-provider-${i % 10}-${i + 1}.example.org`,
      nodename: `label-${i % 50}-provider-${i % 10}-${i + 1}`,
      external_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      az: i % 4 === 0 ? 'az1' : null,
      ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      state: 1 + (i % 6),
      state_time: now - (i % 100_000),
      comment: i % 6 === 4 ? 'held for debugging' : null,
    }));
    await db.knex.batchInsert('node', rows, 500);
  } finally {
    await db.close();
  }
}

interface Run {
  wallMs: number;
  cpuMs: number;
  rssKiB: number;
  lines: number;
}

function runList(mainJs: string, files: CliFiles, rssFile: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      ['--import', RSS_PRELOAD, mainJs, '-c', files.configPath, '-s', files.securePath, 'list'],
      {
        env: { ...process.env, NODEPOOL_BENCH_RSS_FILE: rssFile },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let lines = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      for (const b of d) if (b === 10) lines += 1;
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) {
        reject(new Error(`nodepool list exited with ${code}: ${stderr.trim()}`));
        return;
      }
      readFile(rssFile, 'utf8').then((t) => {
        const u = JSON.parse(t) as { rss: number; cpu: number };
        resolve({ wallMs, cpuMs: u.cpu / 1000, rssKiB: u.rss, lines });
      }, reject);
    });
  });
}

export const name = 'cli-list-10k';
export const goal = `nodepool list over ${NODES} nodes (fresh process) < ${GOAL_MS} ms per backend`;

export async function run(): Promise<{ figures: Record<string, number | string>; met: boolean }> {
  const cli = await compiledCli();
  const figures: Record<string, number | string> = { cli: cli.source };
  let met = true;
  for (const backend of await probeSqlBackends()) {
    if (!backend.available) {
      figures[`${backend.name}`] = `SKIPPED: ${backend.reason ?? 'unavailable'}`;
      continue;
    }
    const tdb = await createTestDatabase(backend);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'np-bench-list-'));
    try {
      await seed(tdb.dburi);
      const files = await writeCliFiles(dir, tdb.dburi);
      await runList(cli.mainJs, files, path.join(dir, 'rss')); // warm the OS caches
      const runs: Run[] = [];
      for (let i = 0; i < RUNS; i++)
        runs.push(await runList(cli.mainJs, files, path.join(dir, 'rss')));
      if (runs.some((r) => r.lines !== NODES + 4))
        throw new Error(`nodepool list printed ${runs[0]?.lines} lines, expected ${NODES + 4}`);
      const walls = runs.map((r) => r.wallMs).sort((a, b) => a - b);
      const median = walls[Math.floor(walls.length / 2)] ?? Infinity;
      const cpus = runs.map((r) => r.cpuMs).sort((a, b) => a - b);
      figures[`${backend.name}.wallMs`] = Math.round(median);
      figures[`${backend.name}.cpuMs`] = Math.round(cpus[Math.floor(cpus.length / 2)] ?? 0);
      figures[`${backend.name}.peakRssMB`] = Math.round(
        Math.max(...runs.map((r) => r.rssKiB)) / 1024,
      );
      if (median >= GOAL_MS) met = false;
    } finally {
      await tdb.drop();
      await rm(dir, { recursive: true, force: true });
    }
  }
  return { figures, met };
}

export default { name, goal, run };
