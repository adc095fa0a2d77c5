import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AllocationHistory } from '../../../../src/launcher/allocation/allocation-history.js';
import { allocate } from '../../../../src/launcher/allocation/allocator.js';

interface Scenario {
  providers: string[];
  labels: [name: string, subnodes: number, providers: string[]][];
  targets: string[];
  passes: {
    available: number[];
    demand: number[];
    current: number[][];
    expected: [target: string, label: string, provider: string, count: number][];
  }[];
}

const fixture = JSON.parse(
  readFileSync(
    new URL('../../../fixtures/allocator/upstream-0.4.0-scenarios.json', import.meta.url),
    'utf8',
  ),
) as { scenarios: Scenario[] };

describe('allocate against recorded upstream 0.4.0 results', () => {
  it.each(fixture.scenarios.map((s, i) => [i, s] as const))(
    'gives the same launch orders as upstream in scenario %i',
    (_, scenario) => {
      const history = new AllocationHistory();
      for (const pass of scenario.passes) {
        const orders = allocate(
          {
            providers: scenario.providers.map((name, i) => ({
              name,
              available: pass.available[i]!,
            })),
            labels: scenario.labels.map(([name, subnodes, providers], i) => ({
              name,
              subnodes,
              providers,
              demand: pass.demand[i]!,
            })),
            targets: scenario.targets.map((name, t) => ({
              name,
              current: new Map(scenario.labels.map(([label], l) => [label, pass.current[t]![l]!])),
            })),
          },
          history,
          // Upstream sizes grants in primaries only; these scenarios include subnode labels.
          { capSubnodeGrants: false },
        );
        expect(orders.map((o) => [o.target, o.label, o.provider, o.count])).toEqual(pass.expected);
      }
    },
  );
});
