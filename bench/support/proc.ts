/**
 * What the daemon benchmarks read off the machine: whether `dist/` is current (the shipped
 * daemon is what gets measured) and CPU time from /proc.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Refuses a `dist/` older than `src/`; `what` names the benchmark in the error. */
export function requireFreshBuild(what: string): void {
  const main = path.join(ROOT, 'dist/cmd/nodepoold-main.js');
  if (
    !existsSync(main) ||
    newestMtime(path.join(ROOT, 'dist')) < newestMtime(path.join(ROOT, 'src'))
  ) {
    throw new Error(
      `Cannot run ${what}: dist/ is missing or older than src/: run \`npm run build\` first`,
    );
  }
}

/** /proc/<pid>/stat utime + stime, in seconds; NaN once the process is gone. */
export function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Busy and total CPU seconds of the whole machine so far (all cores, from /proc/stat). */
export function machineCpuSeconds(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1);
  const ticks = cpu.map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  // idle and iowait
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}
