/**
 * Benchmark runner (`npm run bench [FILTER...]`). Every `bench/cases/*.ts` default-exports a
 * case `{ name, goal, run() }` (or an array of them); `run()` resolves to its figures and
 * whether the goal was met. The runner prints one table and writes
 * `bench/results/latest.json`. FILTER arguments keep the cases whose name contains one of
 * them. Benchmarks are not tests: an unmet goal is reported, not failed; a case that throws
 * makes the exit status 1.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatTable } from '../src/cmd/nodepool/format.js';

/** One benchmark case. */
export interface BenchCase {
  readonly name: string;
  /** The goal in words, e.g. "nodepool list over 10,000 nodes < 0.5 s". */
  readonly goal: string;
  run(): Promise<BenchOutcome>;
}

/** What a case measured. */
export interface BenchOutcome {
  readonly figures: Record<string, number | string>;
  readonly met: boolean;
}

interface CaseResult {
  name: string;
  goal: string;
  met: boolean;
  figures: Record<string, number | string>;
  durationMs: number;
  error?: string;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));

function isCase(v: unknown): v is BenchCase {
  const c = v as Partial<BenchCase> | null;
  return (
    typeof c === 'object' && c !== null && typeof c.name === 'string' && typeof c.run === 'function'
  );
}

async function loadCases(): Promise<BenchCase[]> {
  const dir = path.join(HERE, 'cases');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts')).sort();
  const cases: BenchCase[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(path.join(dir, f)).href)) as { default?: unknown };
    const exported = Array.isArray(mod.default) ? (mod.default as unknown[]) : [mod.default ?? mod];
    for (const c of exported) {
      if (!isCase(c))
        throw new Error(
          `Cannot load benchmark "bench/cases/${f}": its default export is not { name, goal, run }`,
        );
      cases.push(c);
    }
  }
  return cases;
}

function showFigures(figures: Record<string, number | string>): string {
  return Object.entries(figures)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toFixed(3)) : v}`)
    .join(' ');
}

/** Processes of this process group other than this runner and its ancestors (npm, sh). */
function leftBehind(): string[] {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,pgid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), pgid: Number(m[3]), args: m[4]! }));
  const pgid = rows.find((r) => r.pid === process.pid)?.pgid;
  const ancestors = new Set<number>();
  for (
    let pid: number | undefined = process.pid;
    pid !== undefined && pid > 1 && !ancestors.has(pid);
    pid = rows.find((r) => r.pid === pid)?.ppid
  )
    ancestors.add(pid);
  // tsx's esbuild service is the runner's own child and ends with it (its stdin closes).
  const ownService = (r: { ppid: number; args: string }): boolean =>
    r.ppid === process.pid && / --service=\S+ --ping$/.test(r.args);
  return rows
    .filter(
      (r) =>
        r.pgid === pgid && !ancestors.has(r.pid) && !r.args.startsWith('ps -e') && !ownService(r),
    )
    .map((r) => `${r.pid} ${r.args.slice(0, 120)}`);
}

/** Waits up to `ms` for the process group to hold only the runner; returns what is left. */
async function waitGroupEmpty(ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  let left = leftBehind();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = leftBehind();
  }
  return left;
}

async function main(filters: readonly string[]): Promise<number> {
  const all = await loadCases();
  const selected =
    filters.length === 0 ? all : all.filter((c) => filters.some((f) => c.name.includes(f)));
  if (selected.length === 0) {
    process.stderr.write(
      `No benchmark matches ${filters.join(', ')}: cases are ${all.map((c) => c.name).join(', ')}\n`,
    );
    return 2;
  }
  const results: CaseResult[] = [];
  for (const c of selected) {
    process.stderr.write(`bench: running ${c.name}...\n`);
    const started = performance.now();
    try {
      const out = await c.run();
      results.push({
        name: c.name,
        goal: c.goal,
        met: out.met,
        figures: out.figures,
        durationMs: performance.now() - started,
      });
    } catch (err) {
      const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
      process.stderr.write(`bench: ${c.name} failed: ${error}\n`);
      results.push({
        name: c.name,
        goal: c.goal,
        met: false,
        figures: {},
        durationMs: performance.now() - started,
        error,
      });
    }
  }
  process.stdout.write(
    formatTable(
      ['Case', 'Goal', 'Met', 'Figures'],
      results.map((r) => [
        r.name,
        r.goal,
        r.error !== undefined ? 'ERROR' : r.met ? 'yes' : 'NO',
        r.error !== undefined ? r.error.split('\n')[0] : showFigures(r.figures),
      ]),
    ) + '\n',
  );
  const resultsDir = path.join(HERE, 'results');
  await mkdir(resultsDir, { recursive: true });
  const report = {
    finishedAt: new Date().toISOString(),
    node: process.version,
    host: { cpus: os.cpus().length, totalMemMB: Math.round(os.totalmem() / 2 ** 20) },
    filters,
    cases: results,
  };
  await writeFile(path.join(resultsDir, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
  // Every case stops what it started: a process still in the group is a leak.
  const left = await waitGroupEmpty(5000);
  if (left.length > 0) {
    process.stderr.write(
      `bench: processes the cases left running in this process group:\n  ${left.join('\n  ')}\n`,
    );
    return 1;
  }
  return results.some((r) => r.error !== undefined) ? 1 : 0;
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
