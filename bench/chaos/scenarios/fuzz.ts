/**
 * Malformed-input fuzzing as a chaos scenario: `rounds` scales the campaigns (per round:
 * 500 config files, 5,000 ZeroMQ messages, 5,000 Gearman status replies). Passes when no
 * case crashed or gave an unlocated error.
 */
import { fuzzConfig, fuzzGearman, fuzzJenkins } from '../fuzz/fuzzers.js';
import type { Scenario, ScenarioOptions, ScenarioResult } from '../lib/scenario.js';
import { progress } from '../lib/scenario.js';

async function run(options: ScenarioOptions): Promise<ScenarioResult> {
  const rounds = options.rounds ?? 10;
  const figures: Record<string, number> = {};
  const problems: string[] = [];
  const faults: Record<string, number | string> = {};
  for (const [name, f, perRound] of [
    ['config', fuzzConfig, 500],
    ['zeromq', fuzzJenkins, 5000],
    ['gearman', fuzzGearman, 5000],
  ] as const) {
    const t0 = performance.now();
    const r = await f(options.seed, perRound * rounds);
    progress(
      options,
      'fuzz',
      `${name}: ${r.cases} cases in ${Math.round(performance.now() - t0)} ms, ${r.findings.length} findings`,
    );
    faults[`${name} cases`] = r.cases;
    figures[`${name} accepted`] = r.accepted;
    figures[`${name} rejected (located)`] = r.rejected;
    figures[`${name} slowest ms`] = Math.round(r.slowestMs);
    problems.push(...r.findings.map((x) => `${name}: ${x}`));
  }
  return { ok: problems.length === 0, accounting: { figures, problems }, faults, failures: [] };
}

/** The scenario. */
export const fuzzScenario: Scenario = {
  name: 'fuzz',
  description:
    'malformed input: config loader, ZeroMQ message parser, Gearman status parser (no crash, located errors)',
  defaultRounds: 10,
  unavailableReason: () => Promise.resolve(null),
  run,
};
