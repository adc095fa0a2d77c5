/** The contract between chaos scenarios, the `npm run chaos` runner and the test suite. */
import type { Accounting } from './accounting.js';

/** Knobs of one run. */
export interface ScenarioOptions {
  /** PRNG seed (printed, so a run can be replayed). */
  seed: number;
  /** Fault rounds (kills, restarts); each scenario has its own full-run default. */
  rounds?: number;
  /** Longest wait for the world to settle after the faults. @default 120_000 (60_000 for some) */
  settleMs?: number;
  /** Print progress lines to stderr. */
  verbose?: boolean;
}

/** What one run did and found. */
export interface ScenarioResult {
  /** Passed: the final accounting is clean and every scenario-specific check held. */
  readonly ok: boolean;
  /** The final accounting. */
  readonly accounting: Accounting;
  /** What was done (kills, restarts, injected failures), for the report. */
  readonly faults: Record<string, number | string>;
  /** Scenario-specific checks that failed (beyond the accounting). */
  readonly failures: string[];
  /** Daemon output, kept for diagnosis of a failed run (tail). */
  readonly log?: string;
}

/** One fault-injection scenario. */
export interface Scenario {
  readonly name: string;
  /** One line: the fault and what is checked. */
  readonly description: string;
  /** Full-run rounds (npm run chaos). */
  readonly defaultRounds: number;
  /** Why it cannot run here, or null. */
  unavailableReason(): Promise<string | null>;
  run(options: ScenarioOptions): Promise<ScenarioResult>;
}

/** Writes a progress line when verbose. */
export function progress(options: ScenarioOptions, name: string, text: string): void {
  if (options.verbose === true) process.stderr.write(`chaos ${name}: ${text}\n`);
}

/** One readable paragraph of a result (test failure messages). */
export function describeResult(name: string, r: ScenarioResult): string {
  const lines = [
    `${name}: ${r.ok ? 'PASS' : 'FAIL'}`,
    `faults: ${JSON.stringify(r.faults)}`,
    `accounting: ${JSON.stringify(r.accounting.figures)}`,
    ...r.failures.map((f) => `failure: ${f}`),
    ...r.accounting.problems.map((p) => `problem: ${p}`),
  ];
  if (!r.ok && r.log !== undefined) lines.push(`daemon output (tail):\n${r.log}`);
  return lines.join('\n');
}
