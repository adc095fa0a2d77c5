/**
 * Vitest reporter that ends the run with one plain line, `Tests: N passed, N failed, N skipped`,
 * plus the files whose tests were skipped, so a skipped suite never goes unnoticed.
 */
import type { Reporter } from 'vitest/reporters';
import type { RunnerTask, RunnerTestFile } from 'vitest';

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

function count(task: RunnerTask, into: Counts, skippedIn: Set<string>, file: string): void {
  if (task.type === 'suite') {
    for (const t of task.tasks) count(t, into, skippedIn, file);
    return;
  }
  const state = task.result?.state;
  if (state === 'fail') into.failed++;
  else if (state === 'pass') into.passed++;
  else if (task.mode === 'skip' || task.mode === 'todo' || state === 'skip') {
    into.skipped++;
    skippedIn.add(file);
  }
}

export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = [], errors: unknown[] = []): void {
    const c: Counts = { passed: 0, failed: 0, skipped: 0 };
    const skippedIn = new Set<string>();
    let failedFiles = 0;
    for (const f of files) {
      if (f.result?.state === 'fail' && f.tasks.length === 0) failedFiles++;
      for (const t of f.tasks) count(t, c, skippedIn, f.name);
    }
    const out: string[] = [''];
    if (skippedIn.size > 0) {
      out.push('Skipped tests in (each printed its reason above):');
      for (const f of [...skippedIn].sort()) out.push(`  ${f}`);
    }
    out.push(
      `Tests: ${c.passed} passed, ${c.failed + failedFiles + errors.length} failed, ${c.skipped} skipped`,
    );
    process.stdout.write(out.join('\n') + '\n');
  }
}
