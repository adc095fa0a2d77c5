/**
 * Range checks of the pool-policy keys the port adds beyond 0.4.0 (docs/configuration.md
 * "Beyond 0.4.0"): quota failover's `launch-attempts` and the stuck-demand alarm's
 * `stuck-after`. The schema checks their types; these findings check their values.
 */
import type { PartialConfig } from './crossref.js';
import { nodeAt } from './validate.js';
import type { Finding } from './validate.js';
import type { RawNode } from './yaml11.js';

/** Findings for `providers[].launch-attempts` below 1 and `stuck-after` below 1. */
export function policyFindings(config: PartialConfig, root: RawNode): Finding[] {
  const findings: Finding[] = [];
  const atLeastOne = (path: (string | number)[], key: string, value: unknown): void => {
    if (typeof value !== 'number' || value >= 1) return;
    findings.push({
      path,
      message: `${key} must be at least 1: current value is ${value}`,
      pos: nodeAt(root, path).pos,
      level: 'error',
    });
  };
  (config.providers ?? []).forEach((p, i) => {
    atLeastOne(['providers', i, 'launch-attempts'], 'launch-attempts', p['launch-attempts']);
  });
  atLeastOne(['stuck-after'], 'stuck-after', config['stuck-after']);
  return findings;
}
