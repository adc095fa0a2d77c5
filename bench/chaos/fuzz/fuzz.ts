/**
 * A small mutation fuzzer: each case is generated from a seeded PRNG, run, and checked. A
 * case that throws where the code under test must not, or answers without a location, is a
 * finding; the first few are kept with the case number, so `--seed` replays them.
 */
import type { Rng } from '../lib/rng.js';
import { createRng } from '../lib/rng.js';

/** How one case ended. */
export type FuzzVerdict = 'accepted' | 'rejected' | { finding: string };

/** Result of a campaign. */
export interface FuzzReport {
  cases: number;
  accepted: number;
  rejected: number;
  findings: string[];
  /** Slowest case, in ms. */
  slowestMs: number;
}

/** Runs `cases` cases; `one(rng, i)` generates, runs and checks case i. */
export async function fuzz(
  seed: number,
  cases: number,
  one: (rng: Rng, i: number) => FuzzVerdict | Promise<FuzzVerdict>,
): Promise<FuzzReport> {
  const rng = createRng(seed);
  const report: FuzzReport = { cases, accepted: 0, rejected: 0, findings: [], slowestMs: 0 };
  let findings = 0;
  for (let i = 0; i < cases; i++) {
    const t0 = performance.now();
    let verdict: FuzzVerdict;
    try {
      verdict = await one(rng, i);
    } catch (err) {
      verdict = {
        finding: `threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`,
      };
    }
    report.slowestMs = Math.max(report.slowestMs, performance.now() - t0);
    if (verdict === 'accepted') report.accepted++;
    else if (verdict === 'rejected') report.rejected++;
    else {
      findings++;
      if (report.findings.length < 5)
        report.findings.push(`case ${i} (seed ${seed}): ${verdict.finding.slice(0, 300)}`);
    }
  }
  if (findings > report.findings.length) report.findings.push(`… ${findings} findings in all`);
  return report;
}

const NASTY = [
  '',
  ' ',
  '\t',
  '\n',
  '\r\n',
  ':',
  '-',
  '- ',
  '{',
  '}',
  '[',
  ']',
  ',',
  '"',
  "'",
  '#',
  '&a',
  '*a',
  '!!str',
  '!!binary',
  '%',
  '|',
  '>',
  '?',
  '@',
  '`',
  '\\',
  '\u0000',
  '\u00ff',
  '\ud800',
  '💥',
  'null',
  '~',
  'true',
  'no',
  '0x1F',
  '1e309',
  '-1',
  '007',
  '1_000',
  '.inf',
  '.nan',
  '<<: *a',
];

/** Byte/character-level mutations of a text. */
export function mutateText(rng: Rng, text: string): string {
  let out = text;
  const n = rng.int(1, 4);
  for (let k = 0; k < n; k++) {
    const at = rng.int(0, out.length);
    switch (rng.int(0, 6)) {
      case 0: // delete a span
        out = out.slice(0, at) + out.slice(Math.min(out.length, at + rng.int(1, 20)));
        break;
      case 1: // insert a nasty token
        out = out.slice(0, at) + rng.pick(NASTY) + out.slice(at);
        break;
      case 2: // truncate
        out = out.slice(0, at);
        break;
      case 3: {
        // duplicate a line
        const lines = out.split('\n');
        const i = rng.int(0, Math.max(0, lines.length - 1));
        lines.splice(i, 0, lines[i] ?? '');
        out = lines.join('\n');
        break;
      }
      case 4: {
        // re-indent a line
        const lines = out.split('\n');
        const i = rng.int(0, Math.max(0, lines.length - 1));
        lines[i] = ' '.repeat(rng.int(0, 7)) + (lines[i] ?? '').trimStart();
        out = lines.join('\n');
        break;
      }
      case 5: // replace one character
        out = out.slice(0, at) + String.fromCharCode(rng.int(0, 0x2ff)) + out.slice(at + 1);
        break;
      default: // repeat a span (long values)
        out =
          out.slice(0, at) +
          out.slice(at, at + rng.int(1, 10)).repeat(rng.int(2, 200)) +
          out.slice(at);
    }
  }
  return out;
}

const VALUES: readonly unknown[] = [
  null,
  -1,
  0,
  1,
  2.5,
  1e300,
  -1e300,
  'ten',
  '',
  'x'.repeat(5000),
  true,
  false,
  [],
  {},
  [1, 'a', null],
  { a: 1 },
  { 'max-servers': 'x' },
  '{braces}',
  '0.0.0.0:99999',
];

/** Structure-level mutation of a JSON-like value: replace, delete or add at a random place. */
export function mutateValue(rng: Rng, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || rng.chance(0.15)) return rng.pick(VALUES);
  const copy: unknown = Array.isArray(value)
    ? [...(value as unknown[])]
    : { ...(value as Record<string, unknown>) };
  if (Array.isArray(copy)) {
    if (copy.length === 0 || rng.chance(0.1)) copy.push(rng.pick(VALUES));
    else if (rng.chance(0.1)) copy.splice(rng.int(0, copy.length - 1), 1);
    else {
      const i = rng.int(0, copy.length - 1);
      copy[i] = mutateValue(rng, copy[i]);
    }
    return copy;
  }
  const obj = copy as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 0 || rng.chance(0.1))
    obj[rng.pick(['unknown-key', 'name', 'max-servers', 'min-ready', 'providers', 'labels', 'x'])] =
      rng.pick(VALUES);
  else if (rng.chance(0.15)) delete obj[rng.pick(keys)];
  else {
    const k = rng.pick(keys);
    obj[k] = mutateValue(rng, obj[k]);
  }
  return obj;
}
