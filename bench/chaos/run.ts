/**
 * Fault-injection runner (`npm run chaos [--seed N] [--rounds N] [--quiet] [FILTER...]`).
 * Runs every scenario (or those whose name contains a FILTER), each ending in an accounting
 * of the cloud against our records, and every fuzzer; prints one table, writes
 * `bench/results/chaos-latest.json`, and exits 1 when any scenario failed or errored.
 * A scenario that cannot run here (no ZooKeeper, no MariaDB...) is SKIPPED with the reason.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable } from '../../src/cmd/nodepool/format.js';
import { SCENARIOS } from './scenarios/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

interface Row {
  name: string;
  status: 'PASS' | 'FAIL' | 'ERROR' | 'SKIPPED';
  seconds: number;
  faults: Record<string, number | string>;
  figures: Record<string, number>;
  problems: string[];
  log?: string;
}

function parseArgs(argv: readonly string[]): {
  seed: number;
  rounds?: number;
  verbose: boolean;
  filters: string[];
} {
  let seed = Number(process.env['CHAOS_SEED'] ?? Date.now() % 2 ** 31);
  let rounds: number | undefined;
  let verbose = true;
  const filters: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--seed') seed = Number(argv[++i]);
    else if (a === '--rounds') rounds = Number(argv[++i]);
    else if (a === '--quiet') verbose = false;
    else filters.push(a);
  }
  if (!Number.isInteger(seed))
    throw new Error(`Cannot run chaos: --seed must be an integer: current value is "${seed}"`);
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0))
    throw new Error(
      `Cannot run chaos: --rounds must be a positive integer: current value is "${rounds}"`,
    );
  return { seed, ...(rounds !== undefined ? { rounds } : {}), verbose, filters };
}

function show(o: Record<string, number | string>): string {
  return Object.entries(o)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

async function main(argv: readonly string[]): Promise<number> {
  const { seed, rounds, verbose, filters } = parseArgs(argv);
  const selected =
    filters.length === 0
      ? SCENARIOS
      : SCENARIOS.filter((s) => filters.some((f) => s.name.includes(f)));
  if (selected.length === 0) {
    process.stderr.write(
      `No chaos scenario matches ${filters.join(', ')}: scenarios are ${SCENARIOS.map((s) => s.name).join(', ')}\n`,
    );
    return 2;
  }
  process.stderr.write(`chaos: seed ${seed} (replay with --seed ${seed})\n`);
  const rows: Row[] = [];
  for (const s of selected) {
    const started = performance.now();
    const seconds = (): number => Math.round((performance.now() - started) / 100) / 10;
    const reason = await s.unavailableReason();
    if (reason !== null) {
      rows.push({
        name: s.name,
        status: 'SKIPPED',
        seconds: 0,
        faults: {},
        figures: {},
        problems: [reason],
      });
      continue;
    }
    process.stderr.write(`chaos: running ${s.name}: ${s.description}\n`);
    try {
      const r = await s.run({ seed, verbose, ...(rounds !== undefined ? { rounds } : {}) });
      const problems = [...r.failures, ...r.accounting.problems];
      rows.push({
        name: s.name,
        status: r.ok ? 'PASS' : 'FAIL',
        seconds: seconds(),
        faults: r.faults,
        figures: r.accounting.figures,
        problems,
        ...(r.ok || r.log === undefined ? {} : { log: r.log }),
      });
      if (!r.ok && r.log !== undefined)
        process.stderr.write(`chaos: ${s.name} failed; daemon output (tail):\n${r.log}\n`);
    } catch (err) {
      const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
      process.stderr.write(`chaos: ${s.name} errored: ${msg}\n`);
      rows.push({
        name: s.name,
        status: 'ERROR',
        seconds: seconds(),
        faults: {},
        figures: {},
        problems: [msg.split('\n')[0] ?? msg],
      });
    }
  }
  process.stdout.write(
    formatTable(
      ['Scenario', 'Result', 'Seconds', 'Faults', 'Accounting', 'Problems'],
      rows.map((r) => [
        r.name,
        r.status,
        String(r.seconds),
        show(r.faults),
        show(r.figures),
        r.problems.join(' | ') || 'none',
      ]),
    ) + '\n',
  );
  const dir = path.join(HERE, '..', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'chaos-latest.json'),
    JSON.stringify(
      { finishedAt: new Date().toISOString(), seed, rounds: rounds ?? null, scenarios: rows },
      null,
      2,
    ) + '\n',
  );
  return rows.some((r) => r.status === 'FAIL' || r.status === 'ERROR') ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(String(err instanceof Error ? err.stack : err) + '\n');
    process.exitCode = 1;
  },
);
