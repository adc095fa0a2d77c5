/**
 * Quota arithmetic (an improvement over 0.4.0, which never looked at cloud quota): the cloud's
 * absolute limits against what the project uses, counted from the server list plus creates
 * nodepool has in flight. Pure functions; the provider supplies the inputs.
 */
import type { QuotaInfo } from '../driver.js';
import type { NovaAbsoluteLimits, NovaFlavor } from './nova.js';

/** The resources one server takes. */
export interface ServerCost {
  instances: number;
  cores: number;
  ramMb: number;
}

/** Cost of one server of `flavor` (unknown flavor: one instance, no cores or RAM). */
export function costOf(flavor: Pick<NovaFlavor, 'vcpus' | 'ram'> | undefined): ServerCost {
  return { instances: 1, cores: flavor?.vcpus ?? 0, ramMb: flavor?.ram ?? 0 };
}

/**
 * The quota view: limits from Nova, usage = the larger of Nova's own `total*Used` and our
 * count of `servers` (each priced by its flavor), plus `inflight` creates not yet listed.
 */
export function quotaInfo(
  limits: NovaAbsoluteLimits,
  servers: readonly ServerCost[],
  inflight: readonly ServerCost[],
): QuotaInfo {
  const sum = (list: readonly ServerCost[], k: keyof ServerCost): number =>
    list.reduce((n, c) => n + c[k], 0);
  const lim = (k: string): number => (typeof limits[k] === 'number' ? limits[k] : -1);
  return {
    maxInstances: lim('maxTotalInstances'),
    maxCores: lim('maxTotalCores'),
    maxRamMb: lim('maxTotalRAMSize'),
    usedInstances:
      Math.max(limits['totalInstancesUsed'] ?? 0, sum(servers, 'instances')) +
      sum(inflight, 'instances'),
    usedCores:
      Math.max(limits['totalCoresUsed'] ?? 0, sum(servers, 'cores')) + sum(inflight, 'cores'),
    usedRamMb:
      Math.max(limits['totalRAMUsed'] ?? 0, sum(servers, 'ramMb')) + sum(inflight, 'ramMb'),
  };
}

/**
 * The first limit `want` would exceed, as a sentence for the error message, or null when it
 * fits. A limit of -1 is unlimited.
 */
export function quotaShortfall(q: QuotaInfo, want: ServerCost): string | null {
  const checks: Array<[string, number, number, number, string]> = [
    ['instances', q.maxInstances, q.usedInstances, want.instances, ''],
    ['cores', q.maxCores, q.usedCores, want.cores, ''],
    ['RAM', q.maxRamMb, q.usedRamMb, want.ramMb, ' MB'],
  ];
  for (const [what, max, used, need, unit] of checks) {
    if (max >= 0 && used + need > max) {
      return `the ${what} quota of ${max}${unit} would be exceeded: ${used}${unit} in use, ${need}${unit} more needed`;
    }
  }
  return null;
}
